/**
 * The desktop host's terminals: the kubectl shell runs the real kubectl against this cluster
 * and ends its subscription with `exit`; a process node's shell starts in the node's state
 * directory with crictl; simulated nodes and bad input are refused readably.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTerminals } from '../../src/main/desktop/host/terminals'
import type { TerminalOutput } from '../../src/shared/desktop-api'
import { eventually, startHostCluster, waitForNode, type HostCluster } from './host-fixture'

const WORKER = 'kubedesk-worker'

let cluster: HostCluster
let terminals: ReturnType<typeof createTerminals>

beforeAll(async () => {
  cluster = await startHostCluster({ provider: 'process', nodes: 1 })
  terminals = createTerminals(cluster.ctx)
  await waitForNode(cluster, WORKER, 'Ready', 60_000)
}, 90_000)

afterAll(async () => {
  terminals?.close()
  await cluster?.stop()
}, 60_000)

/** Opens a terminal and records what its subscription pushes. */
async function open(target: Parameters<typeof terminals.openTerminal>[0]['target']) {
  const { id, title } = await terminals.openTerminal({ target, cols: 120, rows: 30 })
  const outputs: TerminalOutput[] = []
  const errors: string[] = []
  const stop = terminals.subscribeTerminal(
    { id },
    (o) => outputs.push(o),
    (m) => errors.push(m)
  )
  const text = (): string => outputs.map((o) => o.data ?? '').join('')
  return { id, title, outputs, errors, stop, text }
}

describe('terminals', () => {
  it('the kubectl shell talks to this cluster; exit ends the subscription', async () => {
    const t = await open({ kind: 'kubectl' })
    expect(t.title).toBe('kubectl')
    await eventually('the banner', () => (t.text().includes('KUBECONFIG=') ? true : undefined))
    await terminals.writeTerminal({ id: t.id, data: 'kubectl get ns\r' })
    await eventually('the namespaces', () =>
      /default\s+Active/.test(t.text()) && t.text().includes('kube-system') ? true : undefined
    )
    await terminals.resizeTerminal({ id: t.id, cols: 80, rows: 24 })
    await terminals.writeTerminal({ id: t.id, data: 'exit 3\r' })
    const exit = await eventually('the exit', () => t.outputs.find((o) => o.exit)?.exit)
    expect(exit.code).toBe(3)
    expect(t.outputs.filter((o) => o.exit)).toHaveLength(1)
    expect(t.outputs.at(-1)?.exit).toBeDefined()
    await expect(terminals.writeTerminal({ id: t.id, data: 'x' })).rejects.toThrow(
      /no open terminal/
    )
    t.stop()
  })

  it("a process node's shell starts in its state directory, with crictl", async () => {
    const t = await open({ kind: 'node', node: WORKER })
    expect(t.title).toBe(`node ${WORKER}`)
    await terminals.writeTerminal({ id: t.id, data: 'pwd; crictl pods\r' })
    await eventually('pwd and the crictl table', () =>
      t.text().includes(`/nodes/${WORKER}`) && /POD ID/.test(t.text()) ? true : undefined
    )
    await terminals.closeTerminal({ id: t.id })
    await eventually('the exit after close', () => t.outputs.find((o) => o.exit)?.exit)
  })

  it('refuses what has no shell and bad input, readably', async () => {
    await expect(
      terminals.openTerminal({ target: { kind: 'node', node: 'nowhere' }, cols: 80, rows: 24 })
    ).rejects.toThrow('no node named nowhere in this cluster')
    await expect(
      terminals.openTerminal({
        target: { kind: 'node', node: 'kubedesk-control-plane' },
        cols: 80,
        rows: 24
      })
    ).rejects.toThrow(/use the kubectl shell/)
    await expect(
      terminals.openTerminal({ target: { kind: 'kubectl' }, cols: 0, rows: 24 })
    ).rejects.toThrow(/columns by/)
    const t = await open({ kind: 'kubectl' })
    await expect(terminals.writeTerminal({ id: t.id, data: 'x'.repeat(100_000) })).rejects.toThrow(
      /limited to/
    )
    await expect(terminals.resizeTerminal({ id: t.id, cols: 5000, rows: 10 })).rejects.toThrow(
      /columns by/
    )
    await terminals.closeTerminal({ id: t.id })
  })
})

describe('terminals on simulated nodes', () => {
  it('say simulated nodes have no shell', async () => {
    const simulated = await startHostCluster({ nodes: 1 })
    try {
      const t = createTerminals(simulated.ctx)
      await expect(
        t.openTerminal({ target: { kind: 'node', node: WORKER }, cols: 80, rows: 24 })
      ).rejects.toThrow('kubedesk-worker is a simulated node: simulated nodes have no shell')
      t.close()
    } finally {
      await simulated.stop()
    }
  })
})
