import { chmod, mkdir } from 'node:fs/promises'
import { isMainThread } from 'node:worker_threads'

/**
 * The data dir holds everything a thief wants: the DynamoDB file (agents' password hashes), raw
 * mail, attachments, the search index, outgoing mail and the local keys. Only its owner may read it:
 * the dir is 0700 (also when an older Docket created it 0755), and whatever this process and its
 * children (DynamoDB Local) create from now on is 0600/0700, whatever the user's umask was.
 */
export async function prepareDataDir(dataDir: string): Promise<void> {
  // Worker threads cannot change the umask (it is per process); the main thread always runs this first.
  if (isMainThread) process.umask(0o077)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await chmod(dataDir, 0o700)
}
