/**
 * One docker-provider cluster at a time across test files: node container names are global on
 * the engine (`kubedesk-worker`, …) and the `kubedesk` network is shared, so a file that starts
 * docker nodes holds this lock from its beforeAll to its afterAll. The lock is a directory
 * (mkdir is atomic) holding the owner's pid; a lock whose owner is dead is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isProcessAlive } from '../../src/main/data-dir'

const LOCK_DIR = join(tmpdir(), 'kubedesk-docker-nodes.lock')
/** Long enough for the other docker file to finish on a loaded two-core machine. */
export const LOCK_WAIT_MS = 600_000

function ownerAlive(): boolean {
  let text: string
  try {
    text = readFileSync(join(LOCK_DIR, 'pid'), 'utf8')
  } catch {
    return true // not written yet: its owner is alive
  }
  if (text.trim() === '') return true // being written
  const pid = Number(text)
  return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)
}

/** Waits (up to `timeoutMs`) for the lock; answers its release. */
export async function lockDockerNodes(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      mkdirSync(LOCK_DIR)
      writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid))
      return () => rmSync(LOCK_DIR, { recursive: true, force: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    if (!ownerAlive()) {
      rmSync(LOCK_DIR, { recursive: true, force: true })
      continue
    }
    if (Date.now() > deadline) {
      throw new Error(`another test's docker nodes still hold ${LOCK_DIR} after ${timeoutMs} ms`)
    }
    await new Promise((r) => setTimeout(r, 1000))
  }
}
