import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * CPU profiles of a benchmark's measured window (`--profile`), summarised as self time per
 * function and per package/file, so a bottleneck is named from a profile rather than guessed.
 * The profile is taken in-process through the inspector (the same sampler as `node --cpu-prof`,
 * default 1 ms), written to a temp folder (never the repo) and summarised on stderr, so stdout
 * still ends with the benchmark's JSON line. Only this Node process is profiled: DynamoDB Local
 * runs in Java and shows up here only as time spent waiting.
 */
interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
}

interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

export interface CpuProfile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
  samples?: number[]
  timeDeltas?: number[]
}

/** The sampler over one or more windows (resume … pause); report() prints one summary of all. */
export class CpuProfiler {
  private session: Session | undefined
  private readonly profiles: CpuProfile[] = []

  async resume(): Promise<void> {
    if (!this.session) {
      this.session = new Session()
      this.session.connect()
      await this.session.post('Profiler.enable')
    }
    await this.session.post('Profiler.start')
  }

  async pause(): Promise<void> {
    if (!this.session) return
    const { profile } = await this.session.post('Profiler.stop')
    this.profiles.push(profile as CpuProfile)
  }

  /** Writes the .cpuprofile files to a temp folder and prints the summary to stderr. */
  async report(name: string): Promise<void> {
    this.session?.disconnect()
    this.session = undefined
    if (this.profiles.length === 0) return
    const dir = await mkdtemp(join(tmpdir(), `docket-bench-${name}-`))
    const files = this.profiles.map((_, index) => join(dir, `${name}-${index + 1}.cpuprofile`))
    await Promise.all(this.profiles.map((profile, index) => writeFile(files[index]!, JSON.stringify(profile))))
    console.error(`\n${formatProfileSummary(summarizeCpuProfiles(this.profiles))}\nprofiles (open in Chrome DevTools → Performance): ${files.join(' ')}\n`)
  }
}

/** Runs `section` under the profiler and reports. */
export async function profileSection<T>(name: string, section: () => Promise<T>): Promise<T> {
  const profiler = new CpuProfiler()
  await profiler.resume()
  try {
    return await section()
  } finally {
    await profiler.pause()
    await profiler.report(name)
  }
}

export interface ProfileSummary {
  totalMs: number
  idleMs: number
  byFunction: { name: string; selfMs: number }[]
  byModule: { name: string; selfMs: number }[]
  /** Self time charged to the nearest Docket function on the stack (lib/, functions/, bench/): whose work it was. */
  byDocketCaller: { name: string; selfMs: number }[]
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

/** "node_modules/@aws-sdk/x/…" → "@aws-sdk/x"; repo files relative; node's own as "node:…". */
function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)'
  if (url.startsWith('node:')) return 'node: (internals)'
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const modules = path.lastIndexOf('/node_modules/')
  if (modules >= 0) {
    const parts = path.slice(modules + '/node_modules/'.length).split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  return path.startsWith(repoRoot) ? path.slice(repoRoot.length) : path
}

function shortLocation(url: string, line: number): string {
  if (!url) return ''
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const modules = path.lastIndexOf('/node_modules/')
  const short = modules >= 0 ? path.slice(modules + '/node_modules/'.length) : path.startsWith(repoRoot) ? path.slice(repoRoot.length) : path
  return `${short}:${line + 1}`
}

/** Self time per function and per package/file, summed over the given profiles. */
export function summarizeCpuProfiles(profiles: CpuProfile[]): ProfileSummary {
  const byFunction = new Map<string, number>()
  const byModule = new Map<string, number>()
  const byDocketCaller = new Map<string, number>()
  let idleUs = 0
  let totalUs = 0
  for (const profile of profiles) {
    totalUs += profile.endTime - profile.startTime
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
    const parents = new Map<number, number>()
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
    const callers = new Map<number, string>()
    const docketCaller = (id: number): string => {
      const known = callers.get(id)
      if (known !== undefined) return known
      const frame = nodes.get(id)!.callFrame
      const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : ''
      const parent = parents.get(id)
      const special = ['(idle)', '(program)', '(garbage collector)'].includes(frame.functionName)
      const name = special
        ? frame.functionName
        : path.startsWith(repoRoot) && !path.includes('/node_modules/')
          ? `${frame.functionName || '(anonymous)'}  ${shortLocation(frame.url, frame.lineNumber)}`
          : parent === undefined
            ? '(no Docket frame: async continuations in the SDK, node internals)'
            : docketCaller(parent)
      callers.set(id, name)
      return name
    }
    // Sample i lasts until sample i+1 (the last one until the profile's end), as DevTools counts it.
    let at = profile.startTime
    const stamps = (profile.timeDeltas ?? []).map((delta) => (at += delta))
    ;(profile.samples ?? []).forEach((id, index) => {
      const us = Math.max(0, (stamps[index + 1] ?? profile.endTime) - stamps[index]!)
      const frame = nodes.get(id)!.callFrame
      if (frame.functionName === '(idle)') idleUs += us
      const name = `${frame.functionName || '(anonymous)'}${frame.url ? `  ${shortLocation(frame.url, frame.lineNumber)}` : ''}`
      byFunction.set(name, (byFunction.get(name) ?? 0) + us)
      const module = moduleOf(frame.url, frame.functionName)
      byModule.set(module, (byModule.get(module) ?? 0) + us)
      const caller = docketCaller(id)
      byDocketCaller.set(caller, (byDocketCaller.get(caller) ?? 0) + us)
    })
  }
  const ranked = (map: Map<string, number>) =>
    [...map].map(([name, us]) => ({ name, selfMs: us / 1000 })).sort((a, b) => b.selfMs - a.selfMs)
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, byFunction: ranked(byFunction), byModule: ranked(byModule), byDocketCaller: ranked(byDocketCaller) }
}

export function formatProfileSummary(summary: ProfileSummary, top = 20): string {
  const busyMs = summary.totalMs - summary.idleMs
  const share = (ms: number) => `${((100 * ms) / busyMs).toFixed(1).padStart(5)} %`
  const row = (entry: { name: string; selfMs: number }) => `  ${entry.selfMs.toFixed(0).padStart(7)} ms ${share(entry.selfMs)}  ${entry.name}`
  return [
    `CPU profile: ${(summary.totalMs / 1000).toFixed(1)} s profiled, main thread busy ${(busyMs / 1000).toFixed(1)} s (${((100 * busyMs) / summary.totalMs).toFixed(0)} %), idle ${(summary.idleMs / 1000).toFixed(1)} s`,
    `Top ${top} functions by self time (% of busy time):`,
    ...summary.byFunction.filter((entry) => entry.name !== '(idle)').slice(0, top).map(row),
    'Self time by package / file:',
    ...summary.byModule.filter((entry) => entry.name !== '(idle)').slice(0, 12).map(row),
    'Self time by the nearest Docket function on the stack (whose work it was):',
    ...summary.byDocketCaller.filter((entry) => entry.name !== '(idle)').slice(0, 15).map(row),
  ].join('\n')
}

// `npx node bench/support/cpu-profile.ts <file.cpuprofile>…`: summarise profiles written by `node --cpu-prof`.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const file of process.argv.slice(2)) {
    console.log(`${file}\n${formatProfileSummary(summarizeCpuProfiles([JSON.parse(await readFile(file, 'utf8')) as CpuProfile]), 30)}\n`)
  }
}
