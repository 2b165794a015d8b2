import { buildSync } from 'esbuild'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../../src/main/store/sqlite-store'

/**
 * Crash safety of the sqlite store: a child process writes continuously and prints each write
 * only after the store acknowledged it; it is killed with SIGKILL at a random moment, and the
 * file, reopened, must hold every acknowledged write. The same file is reused for every round,
 * so each round also reopens a file that was killed mid-write before.
 *
 * The writer is bundled once to plain JavaScript (esbuild, which tsx runs on anyway): a child
 * then starts in a fraction of the time `node --import tsx` takes, and spawning dominates.
 */

const ROUNDS = 20
const WRITER = resolve(__dirname, 'fixtures/crash-writer.ts')

/** One acknowledged write, as the child printed it. */
interface Ack {
  revision: number
  key: string
  value: string
}

interface RoundResult {
  acks: Ack[]
  stderr: string
}

/** Runs the writer on `file`, kills it `killAfterMs` after its first acknowledgement. */
function crashRound(
  bundle: string,
  file: string,
  tag: string,
  killAfterMs: number
): Promise<RoundResult> {
  return new Promise((resolveRound, reject) => {
    const child = spawn(process.execPath, [bundle, file, tag], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The bundle lives in a temp dir; the native better-sqlite3 comes from this checkout.
      env: { ...process.env, NODE_PATH: resolve(__dirname, '../../node_modules') }
    })
    let stdout = ''
    let stderr = ''
    let timer: NodeJS.Timeout | undefined
    // A child that never acknowledges anything must not hang the suite.
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      timer ??= setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (_code, signal) => {
      clearTimeout(deadline)
      clearTimeout(timer)
      if (signal !== 'SIGKILL') {
        reject(new Error(`the writer exited by itself (signal ${signal}): ${stderr}`))
        return
      }
      // The kill may cut the last line short: only complete lines count as acknowledged.
      const complete = stdout.slice(0, stdout.lastIndexOf('\n') + 1)
      const acks = complete
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => {
          const [revision, key, value] = line.split(' ')
          return { revision: Number(revision), key, value }
        })
      resolveRound({ acks, stderr })
    })
  })
}

describe('sqlite store after SIGKILL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kubedesk-crash-'))
  const file = join(dir, 'store.db')
  const bundle = join(dir, 'crash-writer.cjs')
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it(`keeps every acknowledged write across ${ROUNDS} kills mid-write`, async () => {
    buildSync({
      entryPoints: [WRITER],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['better-sqlite3'],
      logLevel: 'error'
    })
    let highestEver = 0
    let totalAcks = 0
    for (let round = 0; round < ROUNDS; round++) {
      const killAfterMs = 200 + Math.floor(Math.random() * 600)
      const { acks, stderr } = await crashRound(bundle, file, `r${round}`, killAfterMs)
      expect(acks.length, `round ${round} acknowledged nothing: ${stderr}`).toBeGreaterThan(0)
      totalAcks += acks.length

      const store = await openSqliteStore({ file })
      try {
        const highest = Math.max(...acks.map((a) => a.revision))
        // Revisions never go backwards, across rounds either.
        expect(Math.min(...acks.map((a) => a.revision))).toBeGreaterThan(highestEver)
        expect(await store.revision()).toBeGreaterThanOrEqual(highest)
        for (const ack of acks) {
          const kv = await store.get(ack.key, ack.revision)
          expect(kv, `round ${round}: ${ack.key}@${ack.revision}`).toMatchObject({
            value: ack.value,
            modRevision: ack.revision
          })
        }
        // The latest value of each key is its last acknowledged write, or a later one that
        // committed without its acknowledgement reaching us.
        const lastAck = new Map<string, Ack>()
        for (const ack of acks) lastAck.set(ack.key, ack)
        for (const ack of lastAck.values()) {
          const kv = await store.get(ack.key)
          expect(kv?.modRevision).toBeGreaterThanOrEqual(ack.revision)
          if (kv?.modRevision === ack.revision) expect(kv.value).toBe(ack.value)
        }
        const next = await store.create(`/registry/crash/after/r${round}`, 'x')
        expect(next.modRevision).toBeGreaterThan(highest)
        highestEver = next.modRevision
      } finally {
        await store.close()
      }
    }
    expect(totalAcks).toBeGreaterThan(ROUNDS)
  }, 120_000)
})
