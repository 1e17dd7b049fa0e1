import { useLayoutEffect, useMemo, useRef, useState, type ReactNode, type RefObject } from 'react'
import { ApiError, get } from '../api/client.ts'
import type { DurationFigures, Statistics } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { todayIn } from '../components/date-input.ts'
import { useI18n, type I18n, type MessageKey } from '../i18n/i18n.tsx'
import { stateLabel } from '../labels.ts'
import { useDocumentTitle } from '../router.tsx'
import { useResource } from '../use-resource.ts'

type Preset = 'today' | 'last7' | 'last30' | 'thisMonth' | 'lastMonth' | 'custom'

function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}

/** A preset's inclusive day range, counted in the agent's time zone. */
export function presetRange(preset: Exclude<Preset, 'custom'>, today: string): { from: string; to: string } {
  const monthStart = `${today.slice(0, 8)}01`
  switch (preset) {
    case 'today':
      return { from: today, to: today }
    case 'last7':
      return { from: addDays(today, -6), to: today }
    case 'last30':
      return { from: addDays(today, -29), to: today }
    case 'thisMonth':
      return { from: monthStart, to: today }
    case 'lastMonth': {
      const lastDay = addDays(monthStart, -1)
      return { from: `${lastDay.slice(0, 8)}01`, to: lastDay }
    }
  }
}

/** CSV as spreadsheets read it: quoted where needed, and no cell that a spreadsheet would run as a formula. */
export function toCsv(rows: (string | number | null)[][]): string {
  const cell = (value: string | number | null) => {
    if (value === null) return ''
    let text = String(value)
    if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`
    return /[",\r\n;]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
  }
  return rows.map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n'
}

function downloadCsv(name: string, rows: (string | number | null)[][]): void {
  const url = URL.createObjectURL(new Blob(['\ufeff', toCsv(rows)], { type: 'text/csv;charset=utf-8' }))
  const anchor = document.createElement('a')
  anchor.href = url
  anchor.download = name
  document.body.append(anchor)
  anchor.click()
  anchor.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

const seriesColours = ['#0b5cad', '#1e6b34', '#a1261b', '#7a4b00', '#522a85', '#0f6f73']

/** OTRS Statistics: created/closed per day, open by state, response and solution times, SLA breaches. */
export function StatisticsPage() {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  useDocumentTitle(t('nav.statistics'))
  const today = todayIn(i18n.timeZone)
  const [preset, setPreset] = useState<Preset>('last30')
  const [custom, setCustom] = useState(presetRange('last30', today))
  const [queues, setQueues] = useState<string[]>([])
  const range = preset === 'custom' ? custom : presetRange(preset, today)

  const stats = useResource(
    (signal) => {
      const params = new URLSearchParams({ from: range.from, to: range.to })
      for (const queue of queues) params.append('queue', queue)
      return get<Statistics>(`/api/statistics?${params.toString()}`, undefined, signal)
    },
    [range.from, range.to, queues.join('\n')],
  )

  const presets: [Preset, MessageKey][] = [
    ['today', 'stats.today'],
    ['last7', 'stats.last7'],
    ['last30', 'stats.last30'],
    ['thisMonth', 'stats.thisMonth'],
    ['lastMonth', 'stats.lastMonth'],
    ['custom', 'stats.custom'],
  ]
  const file = (what: string) => `docket-${what}-${range.from}-${range.to}.csv`

  return (
    <section className="page">
      <div className="page-header">
        <h1>{t('nav.statistics')}</h1>
      </div>
      <form className="panel form" onSubmit={(event) => event.preventDefault()} aria-label={t('stats.range')}>
        <div className="filter-tabs" role="group" aria-label={t('stats.range')}>
          {presets.map(([value, label]) => (
            <button key={value} type="button" aria-pressed={preset === value} onClick={() => setPreset(value)}>
              {t(label)}
            </button>
          ))}
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="stats-from">{t('stats.from')}</label>
            <input
              id="stats-from"
              type="date"
              value={range.from}
              max={range.to}
              onChange={(event) => {
                setPreset('custom')
                setCustom({ ...range, from: event.target.value })
              }}
            />
          </div>
          <div className="field">
            <label htmlFor="stats-to">{t('stats.to')}</label>
            <input
              id="stats-to"
              type="date"
              value={range.to}
              min={range.from}
              onChange={(event) => {
                setPreset('custom')
                setCustom({ ...range, to: event.target.value })
              }}
            />
          </div>
          <div className="field">
            <label htmlFor="stats-queues">{t('nav.queues')}</label>
            <select id="stats-queues" multiple size={Math.min(4, meta.queues.length)} value={queues} onChange={(event) => setQueues([...event.target.selectedOptions].map((option) => option.value))}>
              {meta.queues.map((queue) => (
                <option key={queue.name} value={queue.name}>
                  {queue.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p className="hint">{t('stats.zoneHint', { zone: stats.data?.timeZone ?? i18n.timeZone })}</p>
      </form>
      {stats.error && (
        <p className="notice notice-error" role="alert">
          {stats.error instanceof ApiError && ((stats.error.status === 404 && stats.error.message.startsWith('no API route')) || stats.error.status === 503) ? t('stats.unavailable') : stats.error.message}
        </p>
      )}
      {!stats.data && !stats.error && <p className="muted">{t('common.loading')}</p>}
      {stats.data && (
        <div className="stats-grid">
          <PerDay stats={stats.data} onCsv={(rows) => downloadCsv(file('per-day'), rows)} />
          <OpenByState stats={stats.data} onCsv={(rows) => downloadCsv(file('open-by-state'), rows)} />
          <Durations stats={stats.data} onCsv={(rows) => downloadCsv(file('response-solution'), rows)} />
          <SlaBreaches stats={stats.data} onCsv={(rows) => downloadCsv(file('sla-breaches'), rows)} />
        </div>
      )}
    </section>
  )
}

/**
 * The width a chart really has on screen: charts are drawn 1 SVG unit = 1 CSS pixel, so their
 * labels stay 11 px whether the panel is a phone's width or a wide screen's.
 */
function useWidth(fallback: number): [RefObject<HTMLDivElement | null>, number] {
  const ref = useRef<HTMLDivElement>(null)
  const [width, setWidth] = useState(fallback)
  useLayoutEffect(() => {
    const element = ref.current
    if (!element) return
    const measure = () => setWidth(Math.max(240, Math.round(element.clientWidth)))
    measure()
    const observer = new ResizeObserver(measure)
    observer.observe(element)
    return () => observer.disconnect()
  }, [])
  return [ref, width]
}

function Panel({ id, title, onCsv, children, wide }: { id: string; title: string; onCsv: () => void; children: ReactNode; wide?: boolean }) {
  const { t } = useI18n()
  return (
    <section className={wide ? 'panel span-all' : 'panel'} aria-labelledby={id}>
      <h2 id={id}>
        {title}
        <span className="spacer" />
        <button type="button" onClick={onCsv} aria-label={t('stats.csvFor', { table: title })}>
          {t('stats.csv')}
        </button>
      </h2>
      {children}
    </section>
  )
}

function PerDay({ stats, onCsv }: { stats: Statistics; onCsv: (rows: (string | number | null)[][]) => void }) {
  const i18n = useI18n()
  const { t } = i18n
  const days = useMemo(() => {
    const all: string[] = []
    for (let day = stats.from; day <= stats.to && all.length < 1000; day = addDays(day, 1)) all.push(day)
    const totals = new Map(all.map((day) => [day, { created: 0, closed: 0 }]))
    for (const row of stats.perDay) {
      const total = totals.get(row.day)
      if (total) {
        total.created += row.created
        total.closed += row.closed
      }
    }
    return all.map((day) => ({ day, ...totals.get(day)! }))
  }, [stats])
  const created = days.reduce((sum, day) => sum + day.created, 0)
  const closed = days.reduce((sum, day) => sum + day.closed, 0)
  const header = [t('stats.day'), t('ticket.queue'), t('stats.created'), t('stats.closed')]
  return (
    <Panel id="stats-per-day" wide title={t('stats.perDay')} onCsv={() => onCsv([header, ...stats.perDay.map((row) => [row.day, row.queue, row.created, row.closed])])}>
      <div className="legend">
        <span style={{ '--swatch': seriesColours[0] } as React.CSSProperties}>{t('stats.createdTotal', { count: created })}</span>
        <span style={{ '--swatch': seriesColours[1] } as React.CSSProperties}>{t('stats.closedTotal', { count: closed })}</span>
      </div>
      <BarChart
        label={t('stats.perDay')}
        categories={days.map((day) => day.day.slice(5))}
        series={[
          { name: t('stats.created'), colour: seriesColours[0]!, values: days.map((day) => day.created) },
          { name: t('stats.closed'), colour: seriesColours[1]!, values: days.map((day) => day.closed) },
        ]}
      />
      <details>
        <summary>{t('stats.table')}</summary>
        <DataTable header={header} rows={stats.perDay.map((row) => [row.day, row.queue, row.created, row.closed])} />
      </details>
    </Panel>
  )
}

function OpenByState({ stats, onCsv }: { stats: Statistics; onCsv: (rows: (string | number | null)[][]) => void }) {
  const i18n = useI18n()
  const { t } = i18n
  const byState = new Map<string, number>()
  for (const row of stats.openByState) byState.set(row.state, (byState.get(row.state) ?? 0) + row.count)
  const states = [...byState.entries()].sort((a, b) => b[1] - a[1])
  const max = Math.max(1, ...states.map(([, count]) => count))
  const header = [t('ticket.queue'), t('ticket.state'), t('stats.count')]
  const [chartBox, width] = useWidth(400)
  const labelWidth = 170
  const barRoom = Math.max(40, width - labelWidth - 40)
  return (
    <Panel id="stats-open" title={t('stats.openByState')} onCsv={() => onCsv([header, ...stats.openByState.map((row) => [row.queue, row.state, row.count])])}>
      {states.length === 0 && <p className="muted">{t('stats.none')}</p>}
      <div ref={chartBox}>
        <svg className="chart" width={width} height={states.length * 26 + 4} viewBox={`0 0 ${width} ${states.length * 26 + 4}`} role="img" aria-label={t('stats.openByState')}>
          {states.map(([state, count], index) => (
            <g key={state} transform={`translate(0 ${index * 26 + 2})`}>
              <text x="0" y="15">
                {stateLabel(i18n, state)}
              </text>
              <rect x={labelWidth} y="3" height="16" width={Math.max(1, (count / max) * barRoom)} fill={seriesColours[index % seriesColours.length]} rx="2" />
              <text x={labelWidth + 6 + (count / max) * barRoom} y="15">
                {count}
              </text>
            </g>
          ))}
        </svg>
      </div>
      <details>
        <summary>{t('stats.table')}</summary>
        <DataTable header={header} rows={stats.openByState.map((row) => [row.queue, stateLabel(i18n, row.state), row.count])} />
      </details>
    </Panel>
  )
}

function minutesText(i18n: I18n, minutes: number | null): string {
  if (minutes === null) return '–'
  if (minutes < 60) return i18n.t('stats.minutes', { m: i18n.number(minutes) })
  if (minutes < 48 * 60) return i18n.t('stats.hours', { h: i18n.number(minutes / 60, 1) })
  return i18n.t('stats.days', { d: i18n.number(minutes / 1440, 1) })
}

function Durations({ stats, onCsv }: { stats: Statistics; onCsv: (rows: (string | number | null)[][]) => void }) {
  const i18n = useI18n()
  const { t } = i18n
  const rows: [string, DurationFigures][] = [
    [t('stats.firstResponse'), stats.firstResponse],
    [t('stats.solution'), stats.solution],
  ]
  const header = ['', t('stats.tickets'), t('stats.average'), t('stats.median'), t('stats.p90')]
  return (
    <Panel
      id="stats-durations"
      title={t('stats.durations')}
      onCsv={() => onCsv([[...header.slice(0, 2), `${t('stats.average')} (min)`, `${t('stats.median')} (min)`, `${t('stats.p90')} (min)`], ...rows.map(([name, figures]) => [name, figures.tickets, figures.averageMinutes, figures.medianMinutes, figures.p90Minutes])])}
    >
      {rows.map(([name, figures]) => (
        <div key={name}>
          <h3>
            {name} <span className="muted">({t('stats.ticketCount', { count: figures.tickets })})</span>
          </h3>
          <div className="figures">
            <div className="figure">
              {t('stats.average')}
              <b>{minutesText(i18n, figures.averageMinutes)}</b>
            </div>
            <div className="figure">
              {t('stats.median')}
              <b>{minutesText(i18n, figures.medianMinutes)}</b>
            </div>
            <div className="figure">
              {t('stats.p90')}
              <b>{minutesText(i18n, figures.p90Minutes)}</b>
            </div>
          </div>
        </div>
      ))}
    </Panel>
  )
}

function SlaBreaches({ stats, onCsv }: { stats: Statistics; onCsv: (rows: (string | number | null)[][]) => void }) {
  const { t } = useI18n()
  const header = [t('ticket.queue'), t('stats.slaTickets'), t('stats.firstResponse'), t('stats.update'), t('stats.solution')]
  const rows = stats.slaBreaches.map((row) => [row.queue, row.tickets, row.firstResponse, row.update, row.solution])
  return (
    <Panel id="stats-sla" wide title={t('stats.slaBreaches')} onCsv={() => onCsv([header, ...rows])}>
      {rows.length === 0 ? (
        <p className="muted">{t('stats.none')}</p>
      ) : (
        <>
          {stats.slaBreaches.every((row) => row.firstResponse + row.update + row.solution === 0) ? (
            <p className="muted">{t('stats.noBreaches')}</p>
          ) : (
            <BarChart
              label={t('stats.slaBreaches')}
              categories={stats.slaBreaches.map((row) => row.queue)}
              series={[
                { name: t('stats.firstResponse'), colour: seriesColours[0]!, values: stats.slaBreaches.map((row) => row.firstResponse) },
                { name: t('stats.update'), colour: seriesColours[3]!, values: stats.slaBreaches.map((row) => row.update) },
                { name: t('stats.solution'), colour: seriesColours[2]!, values: stats.slaBreaches.map((row) => row.solution) },
              ]}
            />
          )}
          <DataTable header={header} rows={rows} />
        </>
      )}
    </Panel>
  )
}

function DataTable({ header, rows }: { header: string[]; rows: (string | number | null)[][] }) {
  return (
    <div className="ticket-table-wrap">
      <table className="data-table">
        <thead>
          <tr>
            {header.map((cell, index) => (
              <th key={index} scope="col">
                {cell}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index}>
              {row.map((cell, cellIndex) => (
                <td key={cellIndex}>{cell ?? '–'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

/** Grouped bars, drawn as plain SVG (no chart library: a few dozen lines, no extra kilobytes). */
function BarChart({ label, categories, series }: { label: string; categories: string[]; series: { name: string; colour: string; values: number[] }[] }) {
  const [box, width] = useWidth(640)
  const height = 200
  const left = 30
  const bottom = 24
  const max = Math.max(1, ...series.flatMap((entry) => entry.values))
  const slot = (width - left) / Math.max(1, categories.length)
  const bar = Math.max(1, (slot * 0.8) / series.length)
  const scale = (value: number) => (value / max) * (height - bottom - 8)
  // About one label per 60 px: a month of days on a phone gets every fifth day.
  const labelEvery = Math.max(1, Math.ceil(categories.length / Math.max(1, Math.floor((width - left) / 60))))
  const ticks = [...new Set([0, Math.round(max / 2), max])]
  return (
    <div ref={box}>
      <svg className="chart" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={label}>
        {ticks.map((tick) => (
          <g key={tick}>
            <line x1={left} x2={width} y1={height - bottom - scale(tick)} y2={height - bottom - scale(tick)} stroke="#c9d1d9" />
            <text x={left - 4} y={height - bottom - scale(tick) + 4} textAnchor="end">
              {tick}
            </text>
          </g>
        ))}
        {categories.map((category, index) => (
          <g key={`${category}-${index}`} transform={`translate(${left + index * slot + slot * 0.1} 0)`}>
            {series.map((entry, seriesIndex) => {
              const value = entry.values[index] ?? 0
              return (
                <rect key={entry.name} x={seriesIndex * bar} y={height - bottom - scale(value)} width={bar} height={scale(value)} fill={entry.colour}>
                  <title>{`${category} · ${entry.name}: ${value}`}</title>
                </rect>
              )
            })}
            {index % labelEvery === 0 && (
              <text x={(bar * series.length) / 2} y={height - 8} textAnchor="middle">
                {category}
              </text>
            )}
          </g>
        ))}
      </svg>
    </div>
  )
}
