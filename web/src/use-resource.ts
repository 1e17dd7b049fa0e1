import { useCallback, useEffect, useRef, useState } from 'react'

export interface Resource<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  reload(): Promise<void>
}

/**
 * Loads data for a screen; `refreshMs` re-reads it on an interval and whenever the window gets
 * focus again (the dashboard keeps itself current). Out-of-date answers are dropped.
 */
export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], options: { refreshMs?: number } = {}): Resource<T> {
  const [data, setData] = useState<T>()
  const [error, setError] = useState<Error>()
  const [loading, setLoading] = useState(true)
  const generation = useRef(0)
  const loadRef = useRef(load)
  loadRef.current = load

  const reload = useCallback(async () => {
    const mine = ++generation.current
    const controller = new AbortController()
    setLoading(true)
    try {
      const value = await loadRef.current(controller.signal)
      if (mine === generation.current) {
        setData(value)
        setError(undefined)
      }
    } catch (caught) {
      if (mine === generation.current && !(caught instanceof DOMException && caught.name === 'AbortError')) setError(caught instanceof Error ? caught : new Error(String(caught)))
    } finally {
      if (mine === generation.current) setLoading(false)
    }
  }, deps)

  useEffect(() => {
    void reload()
    if (!options.refreshMs) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload()
    }, options.refreshMs)
    const onFocus = () => void reload()
    window.addEventListener('focus', onFocus)
    return () => {
      clearInterval(timer)
      window.removeEventListener('focus', onFocus)
    }
  }, [reload, options.refreshMs])

  return { data, error, loading, reload }
}
