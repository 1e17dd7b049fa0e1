import { useState, type FormEvent } from 'react'
import { AgentOptions } from './agent-options.tsx'
import { api, ApiError } from '../api/client.ts'
import type { BulkResult, TicketChanges } from '../api/types.ts'
import { useApp } from '../app-context.tsx'
import { useI18n } from '../i18n/i18n.tsx'
import { priorityLabel, stateLabel } from '../labels.ts'
import { Dialog } from './dialog.tsx'
import { localInputToIso } from './date-input.ts'
import { TicketNumberInput } from './ticket-actions.tsx'

type MergeChoice = '' | 'oldest' | 'other'

/** OTRS bulk action: the same changes on every selected ticket; each ticket succeeds or fails on its own. */
export function BulkDialog({ numbers, queues, onClose, onDone }: { numbers: string[]; queues: string[]; onClose: () => void; onDone: () => void }) {
  const i18n = useI18n()
  const { t } = i18n
  const { meta } = useApp()
  const [queue, setQueue] = useState('')
  const [state, setState] = useState('')
  const [pendingUntil, setPendingUntil] = useState('')
  const [priority, setPriority] = useState('')
  const [lock, setLock] = useState('')
  const [owner, setOwner] = useState('')
  const [responsible, setResponsible] = useState('')
  const [merge, setMerge] = useState<MergeChoice>('')
  const [mergeTarget, setMergeTarget] = useState('')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [results, setResults] = useState<BulkResult['results'] | null>(null)

  const stateType = meta.states.find((candidate) => candidate.name === state)?.type
  const closing = stateType === 'closed'
  const pending = stateType === 'pending reminder' || stateType === 'pending auto'
  const movable = meta.queues.filter((candidate) => candidate.rights.includes('rw') || candidate.rights.includes('move_into'))
  // Ticket numbers begin with the creation date and count up: the smallest is the oldest (OTRS "merge to oldest").
  const oldest = [...numbers].sort()[0] ?? ''

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const changes: TicketChanges = {}
    if (queue) changes.queue = queue
    if (state) changes.state = state
    if (pending && pendingUntil) changes.pendingUntil = localInputToIso(pendingUntil, i18n.timeZone)
    if (priority) changes.priority = Number(priority)
    if (lock === 'lock' || lock === 'unlock') changes.lock = lock
    if (owner) changes.owner = owner
    if (responsible) changes.responsible = responsible
    if (note.trim()) changes.note = note
    const mergeInto = merge === 'oldest' ? oldest : merge === 'other' ? mergeTarget.trim() : ''
    if (Object.keys(changes).length === 0 && !mergeInto) {
      setError(t('bulk.nothing'))
      return
    }
    setBusy(true)
    setError(null)
    try {
      const answer = await api<BulkResult>('POST', '/api/tickets/bulk', { numbers, changes: { ...changes, ...(mergeInto ? { mergeInto } : {}) } })
      setResults(answer.results)
      if (answer.results.every((result) => result.ok)) {
        onDone()
        onClose()
      } else onDone()
    } catch (caught) {
      setError(caught instanceof ApiError ? caught.message : String(caught))
    } finally {
      setBusy(false)
    }
  }

  const failed = results?.filter((result) => !result.ok) ?? []
  return (
    <Dialog title={t('bulk.title', { count: numbers.length })} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        {error && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        {failed.length > 0 && (
          <div className="notice notice-error" role="alert">
            <p>{t('bulk.failed', { failed: failed.length, total: results!.length })}</p>
            <ul>
              {failed.map((result) => (
                <li key={result.number}>
                  {result.number}: {result.error?.message}
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="row">
          <div className="field">
            <label htmlFor="bulk-queue">{t('action.move')}</label>
            <select id="bulk-queue" value={queue} onChange={(event) => setQueue(event.target.value)}>
              <option value="">{t('common.unchanged')}</option>
              {movable.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.name}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="bulk-state">{t('ticket.state')}</label>
            <select id="bulk-state" value={state} onChange={(event) => setState(event.target.value)}>
              <option value="">{t('common.unchanged')}</option>
              {meta.states
                .filter((candidate) => candidate.type !== 'merged' && candidate.type !== 'new')
                .map((candidate) => (
                  <option key={candidate.name} value={candidate.name}>
                    {stateLabel(i18n, candidate.name)}
                  </option>
                ))}
            </select>
          </div>
        </div>
        {pending && (
          <div className="field">
            <label htmlFor="bulk-pending">{t('ticket.pendingUntil')}</label>
            <input id="bulk-pending" type="datetime-local" required value={pendingUntil} onChange={(event) => setPendingUntil(event.target.value)} />
          </div>
        )}
        <div className="row">
          <div className="field">
            <label htmlFor="bulk-priority">{t('ticket.priority')}</label>
            <select id="bulk-priority" value={priority} onChange={(event) => setPriority(event.target.value)}>
              <option value="">{t('common.unchanged')}</option>
              {meta.priorities.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {priorityLabel(i18n, meta, candidate.id)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="bulk-lock">{t('ticket.lock')}</label>
            <select id="bulk-lock" value={lock} onChange={(event) => setLock(event.target.value)}>
              <option value="">{t('common.unchanged')}</option>
              <option value="lock">{t('action.lock')}</option>
              <option value="unlock">{t('action.unlock')}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor="bulk-owner">{t('ticket.owner')}</label>
            <select id="bulk-owner" value={owner} onChange={(event) => setOwner(event.target.value)}>
              <option value="">{t('common.unchanged')}</option>
              <AgentOptions queues={queue ? [queue] : queues} />
            </select>
          </div>
          <div className="field">
            <label htmlFor="bulk-responsible">{t('ticket.responsible')}</label>
            <select id="bulk-responsible" value={responsible} onChange={(event) => setResponsible(event.target.value)}>
              <option value="">{t('common.unchanged')}</option>
              <AgentOptions queues={queue ? [queue] : queues} />
            </select>
          </div>
        </div>
        <div className="row">
          <div className="field">
            <label htmlFor="bulk-merge">{t('action.merge')}</label>
            <select id="bulk-merge" value={merge} onChange={(event) => setMerge(event.target.value as MergeChoice)}>
              <option value="">{t('bulk.noMerge')}</option>
              <option value="oldest">{t('bulk.mergeOldest', { number: oldest })}</option>
              <option value="other">{t('bulk.mergeOther')}</option>
            </select>
          </div>
          {merge === 'other' && <TicketNumberInput id="bulk-merge-into" value={mergeTarget} onChange={setMergeTarget} exclude={numbers} label={t('action.mergeInto')} />}
        </div>
        <div className="field">
          <label htmlFor="bulk-note">{closing ? t('action.noteRequired') : t('action.noteOptional')}</label>
          <textarea id="bulk-note" rows={4} style={{ minHeight: '6rem' }} required={closing} value={note} onChange={(event) => setNote(event.target.value)} />
        </div>
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {t('bulk.submit')}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
