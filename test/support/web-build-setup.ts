import { buildWeb } from '../../scripts/build-web.ts'

/** The browser tests drive the built client: build web/dist first when it is missing or stale. */
export default function setup(): void {
  buildWeb()
}
