/**
 * `kubedesk up --ui` wiring: the UI server answers on its socket while the control plane is
 * still starting, the `startup` topic walks every step to running (nodes to Ready), and
 * stderr keeps its progress lines; after a failed start the UI stays up showing the failed
 * step until Ctrl-C. Simulated nodes, so it needs neither Docker nor a build.
 */
import { createServer, type AddressInfo } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { StartupState } from '../../src/shared/desktop-api'
import type { HostMessage } from '../../src/shared/desktop-wire'
import { removeDataDir, runCli, startCli, tempDataDir, type RunningCli } from '../cli/cli-process'
import { eventually } from './fake-host'

/** `kubedesk up --ui` on `nodes` simulated nodes, an in-memory store and a free API port. */
function upUiArgs(dataDir: string, nodes: number, extra: string[] = []): string[] {
  const cluster = ['--data-dir', dataDir, '--port', '0', '--store', 'memory']
  return ['up', '--ui', ...extra, ...cluster, '--provider', 'simulated', '--nodes', String(nodes)]
}

describe('kubedesk up --ui', () => {
  const dataDir = tempDataDir()
  let up: RunningCli | undefined

  afterAll(async () => {
    if (up && up.child.exitCode === null) {
      up.child.kill('SIGKILL')
      await up.exited
    }
    removeDataDir(dataDir)
  })

  it('serves start-up progress from before the cluster is up until its nodes are Ready', async () => {
    up = startCli(upUiArgs(dataDir, 2))
    await up.waitFor(/KubeDesk UI: \S+/, 'stdout')
    const printed = new URL(/KubeDesk UI: (\S+)/.exec(up.stdout())![1])
    const ws = new WebSocket(`ws://127.0.0.1:${printed.port}/api/socket`, {
      headers: { Authorization: `Bearer ${printed.searchParams.get('token')}` }
    })
    const messages: HostMessage[] = []
    ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as HostMessage))
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.send(JSON.stringify({ type: 'subscribe', id: 1, topic: 'startup' }))

    const states = (): StartupState[] =>
      messages.flatMap((m) => (m.type === 'update' && m.id === 1 ? [m.update as StartupState] : []))
    const nodesReady = (s: StartupState): boolean =>
      s.steps.filter((step) => step.id.startsWith('node/')).every((step) => step.state === 'done')
    await eventually(
      'start-up to finish with both nodes Ready',
      () => states().some((s) => s.phase === 'running' && nodesReady(s)),
      60_000
    )
    const first = states()[0]
    // The socket answered while the control plane was still starting (its PKI takes a while).
    expect(first.phase).toBe('starting')
    expect(first.steps.map((s) => s.title)).toEqual([
      'Store',
      'API server',
      'Scheduler',
      'Controllers',
      'Node image',
      'Node kubedesk-worker',
      'Node kubedesk-worker2'
    ])
    const last = states()[states().length - 1]
    expect(last.steps.every((s) => s.state === 'done')).toBe(true)
    expect(up.stderr()).toMatch(/✓ store: in memory/)

    ws.send(JSON.stringify({ type: 'call', id: 2, method: 'getStatus' }))
    await eventually('the status', () => messages.some((m) => m.type === 'result' && m.id === 2))
    const result = messages.find((m) => m.type === 'result' && m.id === 2)
    expect(result).toMatchObject({ ok: true, value: { dataDir } })

    up.child.kill('SIGTERM')
    expect(await closed).toBe(1001)
    expect((await up.exited).code).toBe(0)
  }, 90_000)

  it('keeps the UI up after a failed start, showing the failed step, until Ctrl-C', async () => {
    const failDir = tempDataDir()
    // Nothing listens on port 1: the store step fails at once.
    const store = ['--store', 'etcd', '--etcd-endpoints', 'http://127.0.0.1:1']
    const args = ['--data-dir', failDir, '--port', '0', ...store, '--provider', 'simulated']
    try {
      const plain = await runCli(['up', ...args])
      expect(plain.code).toBe(1)
      expect(plain.stderr).toContain('kubedesk: cannot reach etcd at http://127.0.0.1:1')

      const failed = startCli(['up', '--ui', ...args])
      try {
        await failed.waitFor(/failed to start; the UI above shows the failed step/)
        await failed.waitFor(/KubeDesk UI:[\s\S]*KubeDesk UI:/, 'stdout')
        expect(failed.stderr()).toContain('kubedesk: cannot reach etcd at http://127.0.0.1:1')
        // The address is printed again after the error, where the user looks.
        const urls = [...failed.stdout().matchAll(/KubeDesk UI: (\S+)/g)].map((m) => m[1])
        expect(urls).toHaveLength(2)
        expect(urls[1]).toBe(urls[0])
        const printed = new URL(urls[1])
        const ws = new WebSocket(`ws://127.0.0.1:${printed.port}/api/socket`, {
          headers: { Authorization: `Bearer ${printed.searchParams.get('token')}` }
        })
        const messages: HostMessage[] = []
        ws.on('message', (data) => messages.push(JSON.parse(data.toString()) as HostMessage))
        await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
        ws.send(JSON.stringify({ type: 'subscribe', id: 1, topic: 'startup' }))
        ws.send(JSON.stringify({ type: 'call', id: 2, method: 'getStatus' }))
        await eventually('the start-up state and the status answer', () =>
          [1, 2].every((id) => messages.some((m) => m.id === id))
        )
        const state = messages.find((m) => m.type === 'update' && m.id === 1)
        expect(state).toMatchObject({ update: { phase: 'failed' } })
        const steps = (state as { update: StartupState }).update.steps
        const store = steps.find((s) => s.id === 'store')!
        expect(store.state).toBe('failed')
        expect(store.log.join('\n')).toContain('cannot reach etcd')
        expect(steps.find((s) => s.id === 'apiserver')!.state).toBe('pending')
        const status = messages.find((m) => m.type === 'result' && m.id === 2)
        expect(status).toMatchObject({ ok: false })
        expect(JSON.stringify(status)).toContain('The cluster failed to start')
        expect(failed.child.exitCode).toBeNull()

        failed.child.kill('SIGINT')
        const result = await failed.exited
        expect(result.code).toBe(1)
        expect(result.stderr).toContain('✓ ui: stopped')
        ws.close()
      } finally {
        if (failed.child.exitCode === null) failed.child.kill('SIGKILL')
      }
    } finally {
      removeDataDir(failDir)
    }
  }, 60_000)

  it('fails readably, before starting the cluster, when the UI port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const taken = (blocker.address() as AddressInfo).port
    const otherDir = tempDataDir()
    try {
      const result = await runCli(upUiArgs(otherDir, 0, ['--ui-port', String(taken)]))
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain(`port ${taken} on 127.0.0.1 is already in use`)
      expect(result.stderr).not.toMatch(/✓ store:/)
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
      removeDataDir(otherDir)
    }
  })
})
