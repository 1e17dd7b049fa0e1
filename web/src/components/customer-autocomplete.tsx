import { useEffect, useState, type KeyboardEvent, type ReactNode } from 'react'
import { get } from '../api/client.ts'
import type { CustomerUser, Page } from '../api/types.ts'
import { useI18n } from '../i18n/i18n.tsx'

/** Fewer characters find too much to be of help (OTRS: CustomerSearchAutoComplete MinQueryLength). */
export const minSearchLength = 2

/** "Ann Smith <ann@x.example>": a name with anything but letters, digits, spaces, "." or "-" is quoted. */
export function formatAddress(customer: Pick<CustomerUser, 'email' | 'firstName' | 'lastName'>): string {
  const name = `${customer.firstName} ${customer.lastName}`.trim()
  if (!name) return customer.email
  const plain = /^[\p{L}\p{N} .-]+$/u.test(name)
  return `${plain ? name : `"${name.replace(/["\\]/g, '\\$&')}"`} <${customer.email}>`
}

/** Where the address being typed starts in a comma-separated list (commas inside quotes do not count). */
function lastSegmentStart(value: string): number {
  let quoted = false
  let start = 0
  for (let index = 0; index < value.length; index++) {
    const char = value[index]
    if (char === '"' && value[index - 1] !== '\\') quoted = !quoted
    else if ((char === ',' || char === ';') && !quoted) start = index + 1
  }
  return start
}

export interface CustomerAutocompleteProps {
  id: string
  label: ReactNode
  value: string
  onChange: (value: string) => void
  /**
   * Several addresses, comma-separated (To, Cc): suggestions are for the one being typed, and
   * picking one replaces it with "Name <address>, ". Single (the ticket's customer): the value
   * becomes the address.
   */
  multiple?: boolean
  /** The customer user picked from the list (e.g. to take their CustomerID). */
  onSelect?: (customer: CustomerUser) => void
  required?: boolean
  placeholder?: string
  autoFocus?: boolean
  /** Shown under the field. */
  hint?: ReactNode
}

/**
 * The one customer field of the client (change customer, compose To/Cc, phone and email tickets):
 * an input that suggests customer users (name, address, CustomerID or company name, any case)
 * from GET /api/customers as the agent types. Arrow keys move, Enter picks, Escape closes. A free
 * address stays allowed: the server makes it a customer user when a ticket is created.
 */
export function CustomerAutocomplete({ id, label, value, onChange, multiple = false, onSelect, required, placeholder, autoFocus, hint }: CustomerAutocompleteProps) {
  const { t } = useI18n()
  const [suggestions, setSuggestions] = useState<CustomerUser[]>([])
  const [open, setOpen] = useState(false)
  const [active, setActive] = useState(-1)
  const start = multiple ? lastSegmentStart(value) : 0
  const typed = value.slice(start).trim()

  useEffect(() => {
    if (typed.length < minSearchLength) {
      setSuggestions([])
      return
    }
    const controller = new AbortController()
    const timer = setTimeout(() => {
      get<Page<CustomerUser>>('/api/customers', { search: typed, limit: 8, valid: 'valid' }, controller.signal)
        .then((page) => {
          setSuggestions(page.items)
          setActive(-1)
        })
        .catch(() => setSuggestions([]))
    }, 150)
    return () => {
      clearTimeout(timer)
      controller.abort()
    }
  }, [typed])

  const pick = (customer: CustomerUser) => {
    if (multiple) {
      const before = value.slice(0, start).trimEnd()
      onChange(`${before ? `${before} ` : ''}${formatAddress(customer)}, `)
    } else {
      onChange(customer.email)
    }
    onSelect?.(customer)
    setOpen(false)
    setSuggestions([])
  }

  const shown = open && suggestions.length > 0
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (!shown) return
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      const step = event.key === 'ArrowDown' ? 1 : -1
      setActive((current) => (current + step + suggestions.length) % suggestions.length)
    } else if (event.key === 'Enter' && active >= 0) {
      event.preventDefault()
      pick(suggestions[active]!)
    } else if (event.key === 'Escape') {
      // Close the list only: a dialog around the field stays open.
      event.stopPropagation()
      setOpen(false)
    }
  }

  const listId = `${id}-suggestions`
  const optionId = (index: number) => `${id}-option-${index}`
  return (
    <div className="field autocomplete">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        role="combobox"
        aria-expanded={shown}
        aria-controls={listId}
        aria-autocomplete="list"
        {...(shown && active >= 0 ? { 'aria-activedescendant': optionId(active) } : {})}
        autoComplete="off"
        spellCheck={false}
        required={required}
        autoFocus={autoFocus}
        value={value}
        placeholder={placeholder ?? t('customerSearch.placeholder')}
        onChange={(event) => {
          onChange(event.target.value)
          setOpen(true)
        }}
        onKeyDown={onKeyDown}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onFocus={() => setOpen(true)}
      />
      {hint && <p className="hint">{hint}</p>}
      {shown && (
        <ul id={listId} role="listbox" aria-label={t('customerSearch.suggestions')}>
          {suggestions.map((customer, index) => (
            <li key={customer.email} id={optionId(index)} role="option" aria-selected={index === active} className={index === active ? 'active' : undefined}>
              <button type="button" tabIndex={-1} onMouseDown={(event) => event.preventDefault()} onClick={() => pick(customer)}>
                <strong>{customer.name}</strong> &lt;{customer.email}&gt;
                <span className="muted"> · {customer.companyName || customer.customerId}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
