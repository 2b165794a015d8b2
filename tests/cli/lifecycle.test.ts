import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../src/main/store'
import type { ClusterStatus } from '../../src/shared/status'
import {
  removeDataDir,
  runCli,
  startCli,
  stopStartedProcesses,
  tempDataDir,
  type RunningCli
} from './cli-process'

/** One simulated worker: the node wiring without Docker. */
const NODES = ['--provider', 'simulated', '--nodes', '1']

// One `kubedesk up` on a sqlite store that already holds two writes, driven through its whole
// life by the other commands, as a user would: status, a refused second up, logs, down.
describe('kubedesk up → status → down', () => {
  let dir: string
  let up: RunningCli

  beforeAll(async () => {
    dir = tempDataDir()
    const store = await openStore({
      backend: 'sqlite',
      dataDir: dir,
      compaction: { enabled: false }
    })
    const namespace = (name: string): string =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: name } })
    await store.create('/registry/namespaces/default', namespace('default'))
    await store.create('/registry/namespaces/kube-system', namespace('kube-system'))
    await store.close()
    up = startCli(['up', '--store', 'sqlite', '--port', '0', '--data-dir', dir].concat(NODES))
    await up.waitFor(/KubeDesk is running/)
  })

  afterAll(async () => {
    await stopStartedProcesses()
    removeDataDir(dir)
  })

  it('reports each start-up step, the node provider and the nodes', () => {
    expect(up.stderr()).toContain(`✓ store: sqlite at ${join(dir, 'store.db')} (revision 2)`)
    expect(up.stderr()).toContain('✓ nodes: simulated provider (chosen with --provider)')
    expect(up.stderr()).toMatch(/✓ nodes: kubedesk-worker: created \(2 CPU, 2Gi memory/)
    expect(up.stderr()).toMatch(/✓ kube-apiserver: serving on https:\/\/127\.0\.0\.1:\d+\n/)
    expect(up.stderr()).toContain(`✓ kubeconfig: ${join(dir, 'kubeconfig')}`)
    expect(up.stderr()).not.toMatch(/kube-apiserver: not started/)
  })

  it('status shows the running instance and its store revision', async () => {
    const { code, stdout } = await runCli(['status', '--data-dir', dir])
    expect(code).toBe(0)
    expect(stdout).toContain('is running')
    expect(stdout).toContain(`pid:         ${up.child.pid}`)
    expect(stdout).toContain(`data dir:    ${dir}`)
    // Two writes found on disk, plus the two built-in namespaces the API server added
    // (kube-public, kube-node-lease); default and kube-system already existed.
    // The two writes found on disk, the API server's built-in namespaces, then the nodes'
    // registrations and heartbeats: at least 4, and growing.
    const revision = Number(/store: +sqlite at .*store\.db, revision (\d+)/.exec(stdout)?.[1])
    expect(revision).toBeGreaterThanOrEqual(4)
    expect(stdout).toMatch(/nodes: +1 simulated node \(chosen with --provider\)/)
    expect(stdout).toMatch(/kubedesk-worker +running +2 CPU, 2Gi/)
    expect(stdout).toMatch(/etcd +running/)
    expect(stdout).toMatch(/kube-apiserver +running +serving on https:\/\/127\.0\.0\.1:\d+/)
    expect(stdout).toMatch(/api server: +https:\/\/127\.0\.0\.1:\d+\n/)
    expect(stdout).toContain(`kubeconfig:  ${join(dir, 'kubeconfig')}`)
  })

  it('status --output json prints the ClusterStatus', async () => {
    const { code, stdout } = await runCli(['status', '--output', 'json', '--data-dir', dir])
    expect(code).toBe(0)
    const status = JSON.parse(stdout) as ClusterStatus
    expect(status.pid).toBe(up.child.pid)
    expect(status.dataDir).toBe(dir)
    expect(status.store.backend).toBe('sqlite')
    expect(status.store.revision).toBeGreaterThanOrEqual(4)
    expect(status.nodes?.map((n) => [n.name, n.state])).toEqual([['kubedesk-worker', 'running']])
    expect(status.components.find((c) => c.name === 'etcd')?.state).toBe('running')
    expect(status.components.find((c) => c.name === 'kube-apiserver')?.state).toBe('running')
    expect(status.apiServerUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
  })

  it('a second up on the same directory refuses, naming the owner', async () => {
    const second = await runCli(
      ['up', '--store', 'sqlite', '--port', '0', '--data-dir', dir].concat(NODES)
    )
    expect(second.code).toBe(1)
    expect(second.stderr).toContain(
      `kubedesk: ${dir} is in use by KubeDesk (pid ${up.child.pid}). ` +
        `Stop it with 'kubedesk down --data-dir ${dir}' or choose another --data-dir.`
    )
    // The refused start must not have disturbed the running one.
    expect((await runCli(['status', '--data-dir', dir])).code).toBe(0)
  })

  it('logs etcd prints what the store wrote', async () => {
    const { code, stdout } = await runCli(['logs', 'etcd', '--data-dir', dir])
    expect(code).toBe(0)
    expect(stdout).toMatch(
      /^I\d{4} [\d:.]+ +\d+ etcd\] "opened store" backend="sqlite" .*revision=2/m
    )
  })

  it('down stops it: up exits 0, the lock and the socket are gone', async () => {
    const down = await runCli(['down', '--data-dir', dir])
    expect(down.code).toBe(0)
    expect(down.stderr).toContain(`✓ stopped: pid ${up.child.pid} has exited`)
    const result = await up.exited
    expect(result.code).toBe(0)
    expect(result.stderr).toContain('✓ stopped')
    expect(existsSync(join(dir, 'kubedesk.pid'))).toBe(false)
    expect(existsSync(join(dir, 'kubedesk.sock'))).toBe(false)
    // The store was closed cleanly: its data is still there for the next start.
    expect(existsSync(join(dir, 'store.db'))).toBe(true)
  })

  it('afterwards, status says nothing runs (exit 1) and down is a no-op (exit 0)', async () => {
    const status = await runCli(['status', '--data-dir', dir])
    expect(status.code).toBe(1)
    expect(status.stderr).toContain(`kubedesk: no KubeDesk is running for ${dir}`)
    const down = await runCli(['down', '--delete', '--data-dir', dir])
    expect(down.code).toBe(0)
    expect(down.stderr).toContain('nothing to stop')
    expect(existsSync(join(dir, 'store.db'))).toBe(false)
    expect(existsSync(join(dir, 'logs'))).toBe(false)
    expect(existsSync(join(dir, 'pki'))).toBe(false)
    expect(existsSync(join(dir, 'kubeconfig'))).toBe(false)
  })
})
