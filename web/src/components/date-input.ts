/**
 * <input type="datetime-local"> speaks wall-clock time without a zone; the agent means their own
 * time zone (preferences), which need not be the browser's. These convert between the two.
 */
function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(instant))
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value ?? 0)
  const asUtc = Date.UTC(value('year'), value('month') - 1, value('day'), value('hour'), value('minute'), value('second'))
  return asUtc - Math.floor(instant / 1000) * 1000
}

/** "2026-12-01T09:30" in `timeZone` → ISO instant with offset Z. */
export function localInputToIso(local: string, timeZone: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local)
  if (!match) throw new Error(`not a local date-time: ${local}`)
  const [, year, month, day, hour, minute] = match.map(Number) as [number, number, number, number, number, number]
  const wall = Date.UTC(year, month - 1, day, hour, minute)
  let instant = wall - zoneOffsetMs(wall, timeZone)
  instant = wall - zoneOffsetMs(instant, timeZone)
  return new Date(instant).toISOString()
}

/** ISO instant → "YYYY-MM-DDTHH:mm" wall time in `timeZone` (for the input's value). */
export function isoToLocalInput(iso: string, timeZone: string): string {
  const instant = Date.parse(iso)
  const shifted = new Date(instant + zoneOffsetMs(instant, timeZone))
  return shifted.toISOString().slice(0, 16)
}

/** A default pending time: tomorrow 09:00 in the agent's zone. */
export function tomorrowMorning(timeZone: string): string {
  const today = isoToLocalInput(new Date().toISOString(), timeZone).slice(0, 10)
  const next = new Date(`${today}T00:00:00Z`)
  next.setUTCDate(next.getUTCDate() + 1)
  return `${next.toISOString().slice(0, 10)}T09:00`
}

/** Today as YYYY-MM-DD in `timeZone`. */
export function todayIn(timeZone: string): string {
  return isoToLocalInput(new Date().toISOString(), timeZone).slice(0, 10)
}
