import Database from 'better-sqlite3'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore, StoreCorruptError } from '../../src/main/store'

/**
 * A store file that is damaged, or is not a KubeDesk store at all, must be refused with a
 * StoreCorruptError that names the file and says what to do — and the file must be left exactly
 * as it was (never reset, never "repaired" into an empty store).
 */

const dirs: string[] = []

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-corrupt-'))
  dirs.push(dir)
  return dir
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A real store file holding enough data to span many pages. */
async function writeValidStore(dataDir: string): Promise<string> {
  const store = await openStore({ backend: 'sqlite', dataDir, compaction: { enabled: false } })
  await Promise.all(
    Array.from({ length: 500 }, (_, i) =>
      store.create(
        `/registry/configmaps/default/cm-${i}`,
        JSON.stringify({ data: 'x'.repeat(400) })
      )
    )
  )
  await store.close()
  return join(dataDir, 'store.db')
}

/** Opening `dataDir` must fail with StoreCorruptError naming the file, leaving it byte-identical. */
async function expectRefused(dataDir: string, mention?: RegExp): Promise<StoreCorruptError> {
  const file = join(dataDir, 'store.db')
  const before = readFileSync(file)
  const err = await openStore({ backend: 'sqlite', dataDir, compaction: { enabled: false } }).then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(StoreCorruptError)
  const corrupt = err as StoreCorruptError
  expect(corrupt.file).toBe(file)
  expect(corrupt.message).toContain(file)
  expect(corrupt.message).toMatch(/hint/i)
  if (mention) expect(corrupt.message).toMatch(mention)
  expect(readFileSync(file).equals(before), 'the file was modified').toBe(true)
  return corrupt
}

describe('sqlite store refuses a bad file', () => {
  it('a file of random bytes', async () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'store.db'), randomBytes(64 * 1024))
    await expectRefused(dataDir, /not an SQLite database/)
  })

  it.each([
    ['to half its size', (size: number) => Math.floor(size / 2)],
    ['to its first page', () => 4096],
    ['inside the header', () => 50],
    ['to nothing', () => 0]
  ])('a store file truncated %s', async (_what, newSize) => {
    const dataDir = tempDir()
    const file = await writeValidStore(dataDir)
    truncateSync(file, newSize(readFileSync(file).length))
    await expectRefused(dataDir)
  })

  it('an SQLite database of another application', async () => {
    const dataDir = tempDir()
    const foreign = new Database(join(dataDir, 'store.db'))
    foreign.exec(
      "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')"
    )
    foreign.close()
    await expectRefused(dataDir, /users/)
  })

  it('a healthy store file still opens, with its data, after a refused one was left alone', async () => {
    const dataDir = tempDir()
    const file = await writeValidStore(dataDir)
    const other = tempDir()
    writeFileSync(join(other, 'store.db'), randomBytes(8192))
    await expectRefused(other)
    const store = await openStore({ backend: 'sqlite', file, compaction: { enabled: false } })
    try {
      expect((await store.range({ prefix: '/registry/configmaps/' })).kvs).toHaveLength(500)
    } finally {
      await store.close()
    }
  })
})
