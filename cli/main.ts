import { parseArgs } from 'node:util'
import { commands } from './commands.ts'

const usage = `docket: Docket's command line (local data dir, or the running server)

  docket start                              run Docket locally (same as npm start)
  docket config check [file]                validate docket.config.yaml
  docket mail ingest <file.eml ...|->       ingest mail like OTRS's PostMaster::Read
  docket mail ingest --dry-run <file ...>   show what the current filters would do, write nothing
  docket mail replay                        re-run the inbound dead letters
  docket mail replay --from DAY [--to DAY] [--dry-run]
                                            re-run (or preview) archived raw mail of those days
  docket job list                           the timed jobs with their next run
  docket job run <name> [--now ISO] [--dry-run]
                                            run one (GenericAgent jobs by their name)
  docket search reindex [--stage S]         rebuild the search index from the store, no downtime
                                            (--stage: in the deployed Docket, via its search-maintenance
                                            function and the AWS CLI; --region R)
  docket search check [--repair] [--stage S]
                                            index drift: tickets missing, stale or orphaned in the index
  docket agent password <login> [--password P]
                                            set an agent's password (generated when omitted)
  docket agent password <login> --table NAME [--region R]
                                            the same in a deployed Docket (AWS credentials;
                                            NAME: the data stack's TableName output)
  docket customers import <file.csv>        add or update customer users (OTRS's CSV export columns
                                            or email, firstName, lastName, customerId, …); one JSON line
  docket customers export [file.csv]        every customer user as CSV (stdout without a file)
  docket customers reindex                  make customer users of older versions searchable (once)
  docket companies import <file.csv>        the same for customers (companies): CustomerID, name, …
  docket companies export [file.csv]
  docket invoke <function> <event.json>     run a Lambda handler locally with an event

Environment: DOCKET_CONFIG, DOCKET_DATA_DIR, PORT, SMTP_PORT, DOCKET_DEMO_PASSWORD`

const [name, ...rest] = process.argv.slice(2)
const command = name ? commands[name] : undefined
if (!command) {
  console.log(usage)
  process.exit(name && name !== 'help' && name !== '--help' ? 2 : 0)
}
try {
  const { values, positionals } = parseArgs({ args: rest, options: command.options ?? {}, allowPositionals: true, strict: true })
  process.exitCode = (await command.run(positionals, values as Record<string, string | boolean | undefined>)) ?? 0
} catch (error) {
  console.error(`docket ${name}: ${(error as Error).message}`)
  process.exitCode = 1
}
