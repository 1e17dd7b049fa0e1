/** What an action answered: a success (announced politely) or an error (announced at once). */
export interface Status {
  ok: boolean
  text: string
}

export function StatusNotice({ status }: { status: Status | null }) {
  if (!status) return null
  return (
    <p className={status.ok ? 'notice notice-ok' : 'notice notice-error'} role={status.ok ? 'status' : 'alert'}>
      {status.text}
    </p>
  )
}
