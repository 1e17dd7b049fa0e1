import { useApp } from '../app-context.tsx'

/** The <option>s of an agent picker (owner, responsible, search by owner, admin actions): every enabled agent by name. */
export function AgentOptions() {
  const { meta } = useApp()
  return (
    <>
      {meta.agents.map((agent) => (
        <option key={agent.login} value={agent.login}>
          {agent.name || agent.login}
        </option>
      ))}
    </>
  )
}
