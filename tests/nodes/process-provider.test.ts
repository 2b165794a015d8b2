/**
 * The process node provider with a fake kubelet bundle: child processes that start, stop,
 * restart after a crash, and write to their component log file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  createProcessProvider,
  processKubeletLogFile
} from '../../src/main/nodes/process/process-provider'
import { kubeletConfigFile, nodeStateDir } from '../../src/main/nodes/kubelet-config-file'
import type { NodeProvider } from '../../src/main/nodes/types'
import { fakeLaunch, memoryLog, waitFor, writeFakeAgent } from './fixtures'

const size = { cpu: 1, memoryBytes: 1024 ** 3, pods: 110 }
const dataDir = mkdtempSync(join(tmpdir(), 'kubedesk-process-nodes-'))
const agentBundle = writeFakeAgent('process')
const log = memoryLog()
const providers: NodeProvider[] = []

function provider(): NodeProvider {
  const p = createProcessProvider({
    dataDir,
    log,
    agentBundle,
    restartBackoff: { initialMs: 100, maxMs: 400 },
    stopTimeoutMs: 2000
  })
  providers.push(p)
  return p
}

const logOf = (name: string): string => {
  try {
    return readFileSync(processKubeletLogFile(dataDir, name), 'utf8')
  } catch {
    return ''
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

afterAll(async () => {
  for (const p of providers) await p.detach()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(dirname(agentBundle), { recursive: true, force: true })
})

describe('process node provider', () => {
  it('runs the kubelet as a child with its config, logging to logs/kubelet-<name>.log', async () => {
    const p = provider()
    expect(await p.prepare()).toEqual({ apiServerHost: '127.0.0.1' })
    const node = await p.create('kubedesk-worker', size, fakeLaunch())
    expect(node).toMatchObject({ name: 'kubedesk-worker', state: 'running', address: '127.0.0.1' })
    const pid = Number(node.id)
    expect(alive(pid)).toBe(true)
    expect(processKubeletLogFile(dataDir, 'kubedesk-worker')).toBe(
      join(dataDir, 'logs', 'kubelet-kubedesk-worker.log')
    )
    await waitFor('the kubelet to start', () => logOf('kubedesk-worker').includes('up'))
    expect(logOf('kubedesk-worker')).toContain(
      'kubelet kubedesk-worker up runtime=process address=127.0.0.1 run=1'
    )
    const file = kubeletConfigFile(dataDir, 'kubedesk-worker')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      runtime: 'process',
      rootDir: nodeStateDir(dataDir, 'kubedesk-worker')
    })

    // Adopted, not started twice.
    expect((await p.create('kubedesk-worker', size, fakeLaunch())).id).toBe(node.id)

    await p.stop('kubedesk-worker')
    expect(alive(pid)).toBe(false)
    expect(logOf('kubedesk-worker')).toContain('kubelet kubedesk-worker stopping')
    expect((await p.list()).map((n) => [n.name, n.state])).toEqual([['kubedesk-worker', 'stopped']])

    await p.start('kubedesk-worker', fakeLaunch())
    await waitFor('the second run', () => logOf('kubedesk-worker').includes('run=2'))
    const [again] = await p.list()
    expect(again.state).toBe('running')
    expect(alive(Number(again.id))).toBe(true)
  })

  it('restarts a kubelet that crashes, and says so in its log', async () => {
    const p = provider()
    await p.create('kubedesk-worker2', size, fakeLaunch({ crashes: '2' }))
    await waitFor('the third run', () => logOf('kubedesk-worker2').includes('run=3'))
    const restarts = log.lines.filter(
      (l) => l.includes('kubelet exited; restarting') && l.includes('kubedesk-worker2')
    )
    expect(restarts).toHaveLength(2)
    expect(restarts[0]).toContain('"code":1')
    const node = (await p.list()).find((n) => n.name === 'kubedesk-worker2')
    expect(node?.state).toBe('running')
    expect(alive(Number(node?.id))).toBe(true)
  })

  it('a new provider lists nodes of earlier runs as stopped and can start them', async () => {
    for (const p of providers) await p.detach()
    const p = provider()
    expect((await p.list()).map((n) => [n.name, n.state, n.size])).toEqual([
      ['kubedesk-worker', 'stopped', size],
      ['kubedesk-worker2', 'stopped', size]
    ])
    await p.start('kubedesk-worker', fakeLaunch())
    expect((await p.list())[0].state).toBe('running')
  })

  it('remove stops the kubelet and deletes its state; bad input is refused', async () => {
    const p = providers.at(-1)!
    const pid = Number((await p.list())[0].id)
    await p.remove('kubedesk-worker')
    expect(alive(pid)).toBe(false)
    expect(existsSync(nodeStateDir(dataDir, 'kubedesk-worker'))).toBe(false)
    expect((await p.list()).map((n) => n.name)).toEqual(['kubedesk-worker2'])
    await expect(p.stop('nope')).rejects.toThrow('no node nope')
    await expect(p.create('x', { cpu: 0, memoryBytes: 1, pods: 1 }, fakeLaunch())).rejects.toThrow(
      /invalid node size/
    )
  })

  it('prepare says when the kubelet bundle is missing', async () => {
    const p = createProcessProvider({ dataDir, log, agentBundle: join(dataDir, 'none.js') })
    await expect(p.prepare()).rejects.toThrow(/kubelet bundle .* is missing/)
  })
})
