import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { findExposedListeners, ListenerExposedError } from '../../lib/local/listener-exposure.ts'

/** The start-up check against real sockets: one bound as DynamoDB Local's jar binds (every interface), one on loopback. */
const listen = (host: string) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer((socket) => socket.destroy())
    server.once('error', reject)
    server.listen(0, host, () => resolve(server))
  })
const portOf = (server: Server) => (server.address() as { port: number }).port

describe('listeners reachable beyond their address (issue 13.2)', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })

  it.runIf(process.platform === 'linux')('finds a listener on every interface, not one on loopback, and names the fix', async () => {
    const everywhere = await listen('::')
    const loopback = await listen('127.0.0.1')
    servers.push(everywhere, loopback)
    // Linux routes all of 127/8 to lo: 127.0.0.2 reaches a wildcard listener, never one bound to 127.0.0.1.
    const exposed = await findExposedListeners(
      [
        { name: 'DynamoDB Local', port: portOf(everywhere), host: '127.0.0.1', fix: 'bind it to loopback' },
        { name: 'HTTP', port: portOf(loopback), host: '127.0.0.1', fix: 'set DOCKET_HOST' },
      ],
      { addresses: ['127.0.0.2'] },
    )
    expect(exposed.map(({ listener, address }) => [listener.name, address])).toEqual([['DynamoDB Local', '127.0.0.2']])
    const error = new ListenerExposedError(exposed)
    expect(error.message).toContain(`DynamoDB Local (port ${portOf(everywhere)}) answers on 127.0.0.2, not only on 127.0.0.1`)
    expect(error.message).toContain('fix: bind it to loopback')
  })

  it('leaves a listener on a wildcard host alone (served everywhere on purpose) and probes nothing on the host itself', async () => {
    const everywhere = await listen('0.0.0.0')
    servers.push(everywhere)
    const port = portOf(everywhere)
    expect(await findExposedListeners([{ name: 'HTTP', port, host: '0.0.0.0', fix: '' }], { addresses: ['127.0.0.1'] })).toEqual([])
    expect(await findExposedListeners([{ name: 'HTTP', port, host: 'localhost', fix: '' }], { addresses: ['127.0.0.1'] })).toEqual([])
  })
})
