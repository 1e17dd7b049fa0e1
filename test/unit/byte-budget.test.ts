import { describe, expect, it } from 'vitest'
import { ByteBudget } from '../../lib/queue/byte-budget.ts'

/** Issue 15.5: the records of a mail batch run side by side only as far as their sizes fit a budget. */

/** Work that records when it starts and ends, and ends when told. */
function tracker() {
  const log: string[] = []
  const running = new Set<string>()
  let most = 0
  const finishers = new Map<string, () => void>()
  const work = (name: string, fail = false) => async () => {
    running.add(name)
    most = Math.max(most, running.size)
    log.push(`start ${name}`)
    await new Promise<void>((resolve) => finishers.set(name, resolve))
    running.delete(name)
    log.push(`end ${name}`)
    if (fail) throw new Error(`${name} failed`)
    return name
  }
  const finish = async (name: string) => {
    for (let tries = 0; !finishers.has(name) && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 1))
    finishers.get(name)!()
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  return { log, running, work, finish, most: () => most }
}

describe('ByteBudget', () => {
  it('runs small work side by side, big work alone, first come first served', async () => {
    const budget = new ByteBudget(40)
    const t = tracker()
    const results = [budget.run(10, t.work('s1')), budget.run(10, t.work('s2')), budget.run(35, t.work('big')), budget.run(10, t.work('s3')), budget.run(100, t.work('huge'))]
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect([...t.running]).toEqual(['s1', 's2'])
    await t.finish('s1')
    // 35 does not fit beside s2 (10): it waits, and s3 waits behind it (no overtaking).
    expect([...t.running]).toEqual(['s2'])
    await t.finish('s2')
    expect([...t.running]).toEqual(['big'])
    await t.finish('big')
    expect([...t.running]).toEqual(['s3'])
    await t.finish('s3')
    // Beyond the whole budget: runs, alone.
    expect([...t.running]).toEqual(['huge'])
    await t.finish('huge')
    expect(await Promise.all(results)).toEqual(['s1', 's2', 'big', 's3', 'huge'])
    expect(t.most()).toBe(2)
  })

  it('a failure gives its bytes back: the next work runs and the error reaches its caller only', async () => {
    const budget = new ByteBudget(40)
    const t = tracker()
    const failing = budget.run(40, t.work('a', true)).catch((error: unknown) => error)
    const next = budget.run(40, t.work('b'))
    await t.finish('a')
    expect(await failing).toEqual(new Error('a failed'))
    await t.finish('b')
    expect(await next).toBe('b')
  })
})
