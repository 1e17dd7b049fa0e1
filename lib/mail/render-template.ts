/**
 * Auto responses, salutations and signatures: `{{customer.name}}`-style variables, nothing more
 * (no logic, no HTML: these become plain-text mail). Unknown variables render empty.
 */
export type TemplateVariables = Record<string, string | number | null | undefined>

export function renderTemplate(template: string, variables: TemplateVariables): string {
  return template.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    const value = variables[name]
    return value === null || value === undefined ? '' : String(value)
  })
}
