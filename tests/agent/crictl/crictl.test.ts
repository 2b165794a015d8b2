/**
 * crictl against the kubelet's CRI socket over a scripted runtime: the tables crictl prints,
 * ID prefixes, logs, inspect, version and the errors a user sees.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { PassThrough } from 'node:stream'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCrictl } from '../../../src/agent/crictl/crictl'
import { humanDuration, humanSize, table } from '../../../src/agent/crictl/format'
import { startCriSocket } from '../../../src/agent/server/cri-socket'
import { createTestRuntime, type TestRuntime } from '../server/test-runtime'

let dir: string
let socket: string
let rt: TestRuntime
let cri: { close(): Promise<void> }

const SANDBOX_ID = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90'
const APP_ID = 'f00dfeed1234567890abcdef1234567890abcdef1234567890abcdef12345678'
const OLD_ID = 'f00dbeef1234567890abcdef1234567890abcdef1234567890abcdef12345678'

async function crictl(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough()
  const err = new PassThrough()
  let o = ''
  let e = ''
  out.on('data', (c: Buffer) => (o += c.toString()))
  err.on('data', (c: Buffer) => (e += c.toString()))
  const code = await runCrictl(argv, { socket, out, err })
  return { code, out: o, err: e }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kd-crictl-'))
  socket = join(dir, 'cri.sock')
  rt = createTestRuntime()
  const created = new Date(Date.now() - 5 * 60_000)
  rt.addPod({ name: 'web-7d9f', namespace: 'shop', uid: 'u1', id: SANDBOX_ID, createdAt: created })
  rt.addContainer({
    id: OLD_ID,
    sandboxId: SANDBOX_ID,
    name: 'nginx',
    attempt: 0,
    state: 'exited',
    image: 'nginx:1.25',
    createdAt: created
  })
  rt.addContainer({
    id: APP_ID,
    sandboxId: SANDBOX_ID,
    name: 'nginx',
    attempt: 1,
    image: 'nginx:1.25',
    createdAt: new Date(Date.now() - 2 * 60_000)
  })
  for (let i = 1; i <= 4; i++) rt.writeLog(APP_ID, `request ${i}`)
  rt.images.push(
    {
      id: 'sha256:0123456789abcdef0123456789abcdef',
      repoTags: ['nginx:1.25'],
      sizeBytes: 1_237_000
    },
    {
      id: 'sha256:fedcba9876543210fedcba9876543210',
      repoTags: ['registry.local:5000/app'],
      sizeBytes: 512
    }
  )
  cri = await startCriSocket(socket, rt)
})

afterAll(async () => {
  await cri?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('crictl', () => {
  it('ps lists running containers in crictl columns, ps -a the exited ones too', async () => {
    const ps = await crictl('ps')
    expect(ps.code).toBe(0)
    const lines = ps.out.trimEnd().split('\n')
    expect(lines[0].split(/\s{2,}/)).toEqual([
      'CONTAINER',
      'IMAGE',
      'CREATED',
      'STATE',
      'NAME',
      'ATTEMPT',
      'POD ID',
      'POD'
    ])
    expect(lines).toHaveLength(2)
    expect(lines[1].split(/\s{2,}/)).toEqual([
      'f00dfeed12345',
      'nginx:1.25',
      '2 minutes ago',
      'Running',
      'nginx',
      '1',
      'a1b2c3d4e5f60',
      'web-7d9f'
    ])
    // Columns line up: every cell starts where its header does.
    expect(lines[1].indexOf('nginx:1.25')).toBe(lines[0].indexOf('IMAGE'))
    const all = await crictl('ps', '-a')
    expect(all.out.trimEnd().split('\n')).toHaveLength(3)
    expect(all.out).toContain('Exited')
  })

  it('pods lists sandboxes', async () => {
    const { out, code } = await crictl('pods')
    expect(code).toBe(0)
    const [header, row] = out.trimEnd().split('\n')
    expect(header.split(/\s{2,}/)).toEqual([
      'POD ID',
      'CREATED',
      'STATE',
      'NAME',
      'NAMESPACE',
      'ATTEMPT',
      'RUNTIME'
    ])
    expect(row.split(/\s{2,}/)).toEqual([
      'a1b2c3d4e5f60',
      '5 minutes ago',
      'Ready',
      'web-7d9f',
      'shop',
      '0',
      '(default)'
    ])
  })

  it('images lists repository, tag, short ID and size', async () => {
    const { out } = await crictl('images')
    const rows = out
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{2,}/))
    expect(rows[0]).toEqual(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'])
    expect(rows[1]).toEqual(['nginx', '1.25', '0123456789abc', '1.237MB'])
    expect(rows[2]).toEqual(['registry.local:5000/app', 'latest', 'fedcba9876543', '512B'])
  })

  it('logs accepts an ID prefix and --tail', async () => {
    expect((await crictl('logs', 'f00dfe')).out).toBe(
      'request 1\nrequest 2\nrequest 3\nrequest 4\n'
    )
    expect((await crictl('logs', '--tail', '2', 'f00dfeed12345')).out).toBe(
      'request 3\nrequest 4\n'
    )
    expect((await crictl('logs', '--tail=1', APP_ID)).out).toBe('request 4\n')
  })

  it('logs -f follows until the container exits', async () => {
    const pending = crictl('logs', '-f', 'f00dfeed')
    await expect.poll(() => rt.followers.size).toBe(1)
    rt.writeLog(APP_ID, 'late line')
    rt.exit(APP_ID)
    const { out, code } = await pending
    expect(code).toBe(0)
    expect(out).toContain('late line\n')
  })

  it('an ambiguous or unknown prefix is an error', async () => {
    const ambiguous = await crictl('logs', 'f00d')
    expect(ambiguous.code).toBe(1)
    expect(ambiguous.err).toMatch(/ambiguous/)
    const unknown = await crictl('inspect', 'zzz')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toMatch(/container "zzz" not found/)
  })

  it('inspect and inspectp print the status as JSON', async () => {
    const c = JSON.parse((await crictl('inspect', 'f00dbeef')).out)
    expect(c.status).toMatchObject({ id: OLD_ID, state: 'exited', attempt: 0 })
    const p = JSON.parse((await crictl('inspectp', 'a1b2')).out)
    expect(p.status.metadata).toMatchObject({ name: 'web-7d9f', namespace: 'shop' })
  })

  it('version names the runtime', async () => {
    const { out } = await crictl('version')
    expect(out).toContain('RuntimeName:  fake')
    expect(out).toContain('RuntimeVersion:  1.0.0')
    expect(out).toContain('RuntimeApiVersion:  v1')
  })

  it('prints help, and rejects unknown commands and flags with exit 1', async () => {
    expect((await crictl('--help')).out).toContain('inspectp')
    const bad = await crictl('frobnicate')
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('no such command: frobnicate')
    const flag = await crictl('ps', '--bogus')
    expect(flag.code).toBe(1)
    expect(flag.err).toContain('flag provided but not defined')
    expect((await crictl('logs')).code).toBe(1)
  })

  it('says so when the runtime socket is not there', async () => {
    const out = new PassThrough()
    const err = new PassThrough()
    let e = ''
    err.on('data', (c: Buffer) => (e += c.toString()))
    const code = await runCrictl(['ps'], { socket: join(dir, 'missing.sock'), out, err })
    expect(code).toBe(1)
    expect(e).toContain('cannot connect to the runtime')
  })
})

describe('crictl formatting', () => {
  it.each([
    [500, 'Less than a second'],
    [1000, '1 second'],
    [45_000, '45 seconds'],
    [90_000, 'About a minute'],
    [30 * 60_000, '30 minutes'],
    [3_600_000, 'About an hour'],
    [5 * 3_600_000, '5 hours'],
    [3 * 86_400_000, '3 days'],
    [20 * 86_400_000, '2 weeks']
  ])('humanDuration(%i) is %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text)
  })

  it('sizes and tables', () => {
    expect(humanSize(999)).toBe('999B')
    expect(humanSize(1_500_000_000)).toBe('1.5GB')
    expect(table(['A', 'B'], [['x', 'y']])).toBe(`${'A'.padEnd(20)}B\n${'x'.padEnd(20)}y\n`)
  })
})
