import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { WalSync } from '../../src/main/store/sqlite/wal-sync'

/**
 * The fsync of the sqlite store's log (sqlite/wal-sync.ts): batches handed over complete in the
 * order they were committed, those committed during an fsync share the next one, and a failed
 * fsync fails every batch waiting — nothing is acknowledged that was not made durable.
 */

const dirs: string[] = []

function logFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-wal-sync-'))
  dirs.push(dir)
  const file = join(dir, 'store.db-wal')
  writeFileSync(file, 'log')
  return file
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('WalSync', () => {
  it('completes batches in commit order, each after an fsync that covers it', async () => {
    const sync = new WalSync(logFile())
    const order: number[] = []
    const answers = await Promise.all(
      [1, 2, 3, 4, 5].map((n) =>
        sync.afterSync(() => {
          order.push(n)
          return n * 10
        })
      )
    )
    expect(order).toEqual([1, 2, 3, 4, 5])
    expect(answers).toEqual([10, 20, 30, 40, 50])
    await sync.close()
  })

  it('runs nothing of a batch before its fsync completed', async () => {
    const sync = new WalSync(logFile())
    let done = false
    const answer = sync.afterSync(() => (done = true))
    expect(done).toBe(false)
    await answer
    expect(done).toBe(true)
    await sync.close()
  })

  it('fails every waiting batch, and later ones, when the log cannot be synced', async () => {
    const sync = new WalSync(join(logFile(), '..', 'missing-wal'))
    let ran = false
    const first = sync.afterSync(() => (ran = true))
    const second = sync.afterSync(() => (ran = true))
    await expect(first).rejects.toThrow(/fsync of .*missing-wal/)
    await expect(second).rejects.toThrow(/fsync of .*missing-wal/)
    await expect(sync.afterSync(() => (ran = true))).rejects.toThrow(/missing-wal/)
    expect(ran).toBe(false)
    await sync.close()
  })

  it('close waits for the batches handed over', async () => {
    const sync = new WalSync(logFile())
    let done = 0
    void sync.afterSync(() => done++)
    void sync.afterSync(() => done++)
    await sync.close()
    expect(done).toBe(2)
  })
})
