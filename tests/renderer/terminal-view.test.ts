// @vitest-environment happy-dom
/** The Terminal view with a fake screen: open, output, typing, exit, errors, close. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import {
  terminalScreenFactoryKey,
  type TerminalScreen,
  type TerminalScreenFactory
} from '../../src/renderer/src/components/terminal/terminal-screen'
import TerminalView from '../../src/renderer/src/views/TerminalView.vue'
import type { NodeSummary } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

/** A screen that records what it was given and lets the test type. */
interface FakeScreen extends TerminalScreen {
  parent?: HTMLElement
  written: string
  type(data: string): void
  disposed: boolean
  cols: number
  rows: number
}

function screens() {
  const made: FakeScreen[] = []
  const factory: TerminalScreenFactory = () => {
    let listener: ((data: string) => void) | undefined
    const screen: FakeScreen = {
      written: '',
      disposed: false,
      cols: 120,
      rows: 30,
      open: (parent) => (screen.parent = parent),
      fit: () => ({ cols: screen.cols, rows: screen.rows }),
      write: (data) => (screen.written += data),
      onData: (l) => (listener = l),
      type: (data) => listener?.(data),
      focus: () => undefined,
      dispose: () => (screen.disposed = true)
    }
    made.push(screen)
    return screen
  }
  return { made, factory }
}

function node(
  name: string,
  { ready = 'True', roles = [] }: { ready?: NodeSummary['ready']; roles?: string[] } = {}
): NodeSummary {
  return { key: name, name, ready, roles } as unknown as NodeSummary
}

const controlPlane = node('kubedesk-control-plane', { roles: ['control-plane'] })

let fake: FakeDesktopApi
let wrapper: VueWrapper | undefined
let opened = 0

beforeEach(() => {
  opened = 0
  fake = createFakeDesktopApi({
    openTerminal: async ({ target }) => {
      if (target.kind === 'node' && target.node === 'sim-1') {
        throw new Error('node sim-1 is simulated: it has no shell')
      }
      opened++
      return { id: `t${opened}`, title: target.kind === 'kubectl' ? 'kubectl' : target.node }
    },
    writeTerminal: async () => undefined,
    resizeTerminal: async () => undefined,
    closeTerminal: async () => undefined
  })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

async function mountTerminal(factory: TerminalScreenFactory): Promise<VueWrapper> {
  wrapper = mount(TerminalView, {
    attachTo: document.body,
    global: {
      provide: {
        [desktopApiKey as symbol]: fake.api,
        [terminalScreenFactoryKey as symbol]: factory
      }
    }
  })
  fake.emit('nodes', {
    reset: true,
    items: [node('kubedesk-worker2'), node('kubedesk-worker'), node('sim-1')]
  })
  await flushPromises()
  return wrapper
}

/** The node select, found through its label. */
function nodeSelect(w: VueWrapper) {
  const label = w.findAll('label').find((l) => l.text() === 'Node')
  if (!label) throw new Error('no label Node')
  return w.get(`[id="${label.attributes('for')}"]`)
}

function button(w: VueWrapper, text: string) {
  const found = w.findAll('button').find((b) => b.text() === text)
  if (!found) throw new Error(`no button ${text}`)
  return found
}

const callsOf = (name: string) => fake.calls.filter((c) => c.name === name).map((c) => c.input)

describe('Terminal view', () => {
  it('offers the nodes and opens a node shell at the screen size', async () => {
    const { made, factory } = screens()
    const w = await mountTerminal(factory)
    const select = nodeSelect(w)
    expect(select.findAll('option').map((o) => o.text())).toEqual([
      'kubedesk-worker',
      'kubedesk-worker2',
      'sim-1'
    ])
    await select.setValue('kubedesk-worker2')
    await button(w, 'Node shell').trigger('click')
    await flushPromises()

    expect(callsOf('openTerminal')).toEqual([
      { target: { kind: 'node', node: 'kubedesk-worker2' }, cols: 120, rows: 30 }
    ])
    expect(made).toHaveLength(1)
    expect(made[0].parent?.dataset.testid).toBe('terminal')
    expect(fake.subscriptions.find((s) => s.topic === 'terminal')?.params).toEqual({ id: 't1' })
    expect(w.get('[data-testid="terminal-tab"]').text()).toBe('kubedesk-worker2')
  })

  it('writes the output, sends keystrokes, and shows how the shell ended', async () => {
    const { made, factory } = screens()
    const w = await mountTerminal(factory)
    await button(w, 'kubectl shell').trigger('click')
    await flushPromises()

    fake.emit('terminal', { data: '$ ' }, { id: 't1' })
    fake.emit('terminal', { data: 'kubectl get nodes\r\n' }, { id: 't1' })
    expect(made[0].written).toBe('$ kubectl get nodes\r\n')

    made[0].type('ls\r')
    await flushPromises()
    expect(callsOf('writeTerminal')).toEqual([{ id: 't1', data: 'ls\r' }])

    fake.emit('terminal', { exit: { code: 0 } }, { id: 't1' })
    await flushPromises()
    expect(w.get('[data-testid="terminal-exit"]').text()).toBe('The shell exited with code 0.')
    expect(made[0].written).toContain('[exited with code 0]')
    expect(w.get('[data-testid="terminal-tab"]').text()).toBe('kubectl (ended)')
    made[0].type('more\r')
    await flushPromises()
    expect(callsOf('writeTerminal')).toHaveLength(1)
  })

  it('passes a resize on to the shell', async () => {
    const { made, factory } = screens()
    const w = await mountTerminal(factory)
    await button(w, 'kubectl shell').trigger('click')
    await flushPromises()
    made[0].cols = 100
    made[0].rows = 40
    window.dispatchEvent(new Event('resize'))
    await flushPromises()
    expect(callsOf('resizeTerminal')).toEqual([{ id: 't1', cols: 100, rows: 40 }])
  })

  it('shows why a shell could not be opened', async () => {
    const { factory } = screens()
    const w = await mountTerminal(factory)
    await nodeSelect(w).setValue('sim-1')
    await button(w, 'Node shell').trigger('click')
    await flushPromises()
    expect(w.get('[role="alert"]').text()).toBe(
      'Could not open a shell on node sim-1: node sim-1 is simulated: it has no shell'
    )
  })

  it('keeps several terminals in tabs and closes the one whose tab is closed', async () => {
    const { made, factory } = screens()
    const w = await mountTerminal(factory)
    await button(w, 'kubectl shell').trigger('click')
    await button(w, 'Node shell').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="terminal-tab"]').map((t) => t.text())).toEqual([
      'kubectl',
      'kubedesk-worker'
    ])
    const shown = w.findAll('[data-testid="terminal"]').map((t) => t.isVisible())
    expect(shown).toEqual([false, true])

    await w.get('button[aria-label="Close kubectl"]').trigger('click')
    await flushPromises()
    expect(callsOf('closeTerminal')).toEqual([{ id: 't1' }])
    expect(made[0].disposed).toBe(true)
    expect(made[1].disposed).toBe(false)
    expect(fake.subscriptions.filter((s) => s.topic === 'terminal').map((s) => s.params)).toEqual([
      { id: 't2' }
    ])
  })

  it('closes every shell when the view goes away', async () => {
    const { factory } = screens()
    const w = await mountTerminal(factory)
    await button(w, 'kubectl shell').trigger('click')
    await button(w, 'kubectl shell').trigger('click')
    await flushPromises()
    w.unmount()
    wrapper = undefined
    await flushPromises()
    expect(callsOf('closeTerminal')).toEqual([{ id: 't1' }, { id: 't2' }])
    expect(fake.subscriptions.filter((s) => s.topic === 'terminal')).toEqual([])
  })

  it('picks the first Ready worker and lists the control-plane node last, marked', async () => {
    const w = await mountTerminal(screens().factory)
    fake.emit('nodes', {
      reset: true,
      items: [controlPlane, node('kubedesk-worker', { ready: 'False' }), node('kubedesk-worker2')]
    })
    await flushPromises()
    const select = nodeSelect(w)
    expect(select.findAll('option').map((o) => o.text())).toEqual([
      'kubedesk-worker2',
      'kubedesk-worker (not ready)',
      'kubedesk-control-plane (control plane)'
    ])
    expect((select.element as HTMLSelectElement).value).toBe('kubedesk-worker2')
    await button(w, 'Node shell').trigger('click')
    await flushPromises()
    expect(callsOf('openTerminal')[0]).toMatchObject({
      target: { kind: 'node', node: 'kubedesk-worker2' }
    })
  })

  it('moves its own pick to a worker once one is Ready, but keeps what the user chose', async () => {
    const w = await mountTerminal(screens().factory)
    const value = () => (nodeSelect(w).element as HTMLSelectElement).value
    fake.emit('nodes', { reset: true, items: [controlPlane] })
    await flushPromises()
    expect(value()).toBe('kubedesk-control-plane')

    fake.emit('nodes', {
      reset: false,
      upserts: [node('kubedesk-worker', { ready: 'False' })],
      deletes: []
    })
    await flushPromises()
    expect(value()).toBe('kubedesk-worker')
    fake.emit('nodes', { reset: false, upserts: [node('kubedesk-worker')], deletes: [] })
    await flushPromises()
    expect(value()).toBe('kubedesk-worker')

    await nodeSelect(w).setValue('kubedesk-control-plane')
    fake.emit('nodes', { reset: false, upserts: [node('kubedesk-worker0')], deletes: [] })
    await flushPromises()
    expect(value()).toBe('kubedesk-control-plane')
    expect(
      nodeSelect(w)
        .findAll('option')
        .map((o) => o.text())
    ).toEqual(['kubedesk-worker', 'kubedesk-worker0', 'kubedesk-control-plane (control plane)'])
  })
})
