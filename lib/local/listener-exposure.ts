import { lookup } from 'node:dns/promises'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'

/**
 * A start-up check that what we serve is reachable only where it should be: DynamoDB Local
 * (no authentication) on loopback, HTTP and SMTP on the configured host. It connects to each port
 * through the machine's other addresses, the way someone on the network would.
 */
export interface Listener {
  name: string
  port: number
  /** The host it is meant to be reachable on; a wildcard (0.0.0.0, ::) means everywhere, on purpose. */
  host: string
  /** The exact fix to print when it is reachable elsewhere. */
  fix: string
}

export interface ExposedListener {
  listener: Listener
  address: string
}

export class ListenerExposedError extends Error {
  readonly exposed: ExposedListener[]
  constructor(exposed: ExposedListener[]) {
    const lines = exposed.map(
      ({ listener, address }) => `✗ ${listener.name} (port ${listener.port}) answers on ${address}, not only on ${listener.host}\n  fix: ${listener.fix}`,
    )
    super(`refusing to run: reachable beyond the configured address, so others on the network could use it\n${lines.join('\n')}`)
    this.name = 'ListenerExposedError'
    this.exposed = exposed
  }
}

const wildcards = new Set(['0.0.0.0', '::', '[::]', ''])

/** The machine's addresses others can reach it by (not loopback); IPv6 link-local ones with their interface. */
export function externalAddresses(): string[] {
  return Object.entries(networkInterfaces()).flatMap(([name, entries]) =>
    (entries ?? [])
      .filter((entry) => !entry.internal)
      .map((entry) => (entry.family === 'IPv6' && entry.address.startsWith('fe80:') ? `${entry.address}%${name}` : entry.address)),
  )
}

function answers(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port })
    const done = (reachable: boolean) => {
      socket.destroy()
      resolve(reachable)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Each listener reachable through an address other than its host's, with that address. */
export async function findExposedListeners(
  listeners: Listener[],
  options: { addresses?: string[]; timeoutMs?: number } = {},
): Promise<ExposedListener[]> {
  const addresses = options.addresses ?? externalAddresses()
  const timeoutMs = options.timeoutMs ?? 1000
  const probes = await Promise.all(
    listeners
      .filter((listener) => !wildcards.has(listener.host))
      .map(async (listener) => {
        const own = new Set((await lookup(listener.host, { all: true }).catch(() => [])).map((entry) => entry.address).concat(listener.host))
        const others = addresses.filter((address) => !own.has(address.split('%')[0]!))
        const reachable = await Promise.all(others.map(async (address) => ((await answers(address, listener.port, timeoutMs)) ? address : undefined)))
        return reachable.filter((address) => address !== undefined).map((address) => ({ listener, address }))
      }),
  )
  return probes.flat()
}
