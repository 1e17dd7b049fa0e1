import { spawnSync } from 'node:child_process'

/** What a user needs beyond `npm ci`, checked at start, each failure with the exact fix. */
export interface PrerequisiteProblem {
  what: string
  fix: string
}

export function javaMajorVersion(): number | undefined {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' })
  if (result.error || result.status !== 0) return undefined
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`)
  if (!match) return undefined
  const major = Number(match[1])
  return major === 1 ? Number(match[2]) : major
}

function javaInstallCommand(): string {
  if (process.platform === 'darwin') return 'brew install openjdk@17'
  if (process.platform === 'win32') return 'winget install Microsoft.OpenJDK.17'
  return 'sudo apt-get install -y default-jre-headless   (Debian/Ubuntu; Fedora: sudo dnf install -y java-17-openjdk-headless)'
}

export function checkPrerequisites(): PrerequisiteProblem[] {
  const problems: PrerequisiteProblem[] = []
  const nodeMajor = Number(process.versions.node.split('.')[0])
  if (nodeMajor < 22) {
    problems.push({
      what: `Node.js ${process.versions.node} is too old; Docket needs Node 22 or newer`,
      fix: 'run `npm ci` (it installs Node 22 into node_modules) and start with `npm start`',
    })
  }
  const java = javaMajorVersion()
  if (java === undefined || java < 17) {
    problems.push({
      what: java === undefined ? 'Java is not installed; DynamoDB Local (the local database) needs Java 17 or newer' : `Java ${java} is too old; DynamoDB Local needs Java 17 or newer`,
      fix: javaInstallCommand(),
    })
  }
  return problems
}
