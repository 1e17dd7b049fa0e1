/**
 * The time zones an agent may pick: the browser's IANA list with UTC always in it. Chromium's
 * Intl.supportedValuesOf('timeZone') leaves out UTC (it lists only canonical zones), yet UTC is the
 * server's default and what many shops run on, so it leads the list.
 */
export function pickableTimeZones(supported: () => string[] = () => Intl.supportedValuesOf('timeZone')): string[] {
  let zones: string[]
  try {
    zones = supported()
  } catch {
    zones = ['Europe/Amsterdam', 'Europe/Berlin', 'Europe/London', 'America/New_York']
  }
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')]
}
