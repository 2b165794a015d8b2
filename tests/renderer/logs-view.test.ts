// @vitest-environment happy-dom
/** The Logs view against the fake desktop API: routing, live lines, pause, search, level, panes. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import LogPane from '../../src/renderer/src/components/logs/LogPane.vue'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import LogsView from '../../src/renderer/src/views/LogsView.vue'
import type { LogLine, LogSource } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

const SOURCES: LogSource[] = [
  { kind: 'component', name: 'etcd', title: 'etcd', group: 'control plane' },
  { kind: 'component', name: 'kube-scheduler', title: 'kube-scheduler', group: 'control plane' },
  {
    kind: 'component',
    name: 'kubelet-kubedesk-worker',
    title: 'kubelet (kubedesk-worker)',
    group: 'nodes'
  },
  {
    kind: 'pod',
    namespace: 'default',
    name: 'web-1',
    container: 'web',
    title: 'default/web-1 (web)',
    group: 'pods'
  }
]

const SCHEDULER = { source: { kind: 'component', name: 'kube-scheduler' } } as const

let fake: FakeDesktopApi
let wrapper: VueWrapper | undefined

beforeEach(() => {
  setActivePinia(createPinia())
  fake = createFakeDesktopApi({ listLogSources: async () => SOURCES })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  location.hash = ''
})

async function mountLogs(query: Record<string, string> = {}): Promise<VueWrapper> {
  useNavStore().go('logs', query)
  wrapper = mount(LogsView, { global: { provide: { [desktopApiKey as symbol]: fake.api } } })
  await settle()
  return wrapper
}

/** Lets the panes render what arrived (they render at most once an animation frame). */
async function settle(): Promise<void> {
  await flushPromises()
  await new Promise<void>((resolve) => requestAnimationFrame(() => resolve()))
  await flushPromises()
}

function lines(...texts: string[]): LogLine[] {
  return texts.map((text) => ({ text }))
}

function button(w: VueWrapper, text: string) {
  const found = w.findAll('button').find((b) => b.text() === text)
  if (!found) throw new Error(`no button ${text}`)
  return found
}

const shownLines = (w: VueWrapper, pane = 0): string[] =>
  w
    .findAll('[data-testid="log-pane"]')
    [pane].findAll('[data-testid="log-line"]')
    .map((l) => l.text())

describe('Logs view', () => {
  it('lists the sources by group and opens the routed component in a pane', async () => {
    const w = await mountLogs({ component: 'kube-scheduler' })

    expect(w.findAll('[data-testid="log-source"]').map((s) => s.text())).toEqual(
      SOURCES.map((s) => s.title)
    )
    expect(w.findAll('h3').map((h) => h.text())).toEqual(['control plane', 'nodes', 'pods'])
    const pane = w.get('[data-testid="log-pane"]')
    expect(pane.attributes('data-source')).toBe('kube-scheduler')
    const subs = fake.subscriptions.filter((s) => s.topic === 'logs')
    expect(subs.map((s) => s.params)).toEqual([{ ...SCHEDULER, tail: 500 }])
  })

  it('opens a routed pod container with the title from the list', async () => {
    const w = await mountLogs({ pod: 'default/web-1', container: 'web' })

    expect(w.get('[data-testid="log-pane"]').attributes('data-source')).toBe('default/web-1 (web)')
    expect(fake.subscriptions.find((s) => s.topic === 'logs')?.params).toEqual({
      source: { kind: 'pod', namespace: 'default', name: 'web-1', container: 'web' },
      tail: 500
    })
  })

  it('opens a routed pod without a container in its first listed container', async () => {
    const w = await mountLogs({ pod: 'default/web-1' })
    expect(w.get('[data-testid="log-pane"]').attributes('data-source')).toBe('default/web-1 (web)')
  })

  it('filters the source list', async () => {
    const w = await mountLogs()
    await w.get('input[aria-label="Filter sources"]').setValue('kubelet')
    expect(w.findAll('[data-testid="log-source"]').map((s) => s.text())).toEqual([
      'kubelet (kubedesk-worker)'
    ])
  })

  it('shows the lines the host pushes, in order', async () => {
    const w = await mountLogs({ component: 'kube-scheduler' })
    fake.emit('logs', lines('I0101 started', 'I0101 bound pod'), SCHEDULER)
    fake.emit('logs', lines('I0101 bound another'), SCHEDULER)
    await settle()
    expect(shownLines(w)).toEqual(['I0101 started', 'I0101 bound pod', 'I0101 bound another'])
  })

  it('holds lines back while paused, counts them, and shows them on resume', async () => {
    const w = await mountLogs({ component: 'kube-scheduler' })
    fake.emit('logs', lines('one'), SCHEDULER)
    await settle()
    await button(w, 'Pause').trigger('click')
    expect(button(w, 'Resume').exists()).toBe(true)
    fake.emit('logs', lines('two', 'three'), SCHEDULER)
    await settle()

    expect(shownLines(w)).toEqual(['one'])
    expect(w.get('[data-testid="log-paused"]').text()).toContain('2 new lines')

    await button(w, 'Resume').trigger('click')
    expect(shownLines(w)).toEqual(['one', 'two', 'three'])
    expect(w.find('[data-testid="log-paused"]').exists()).toBe(false)
  })

  it('filters by the search and highlights the matches', async () => {
    const w = await mountLogs({ component: 'kube-scheduler' })
    fake.emit('logs', lines('bound pod web-1', 'lease renewed', 'bound pod WEB-2'), SCHEDULER)
    await settle()
    await w.get('input[aria-label="Search"]').setValue('web')

    expect(shownLines(w)).toEqual(['bound pod web-1', 'bound pod WEB-2'])
    expect(w.findAll('mark').map((m) => m.text())).toEqual(['web', 'WEB'])
  })

  it('filters by level', async () => {
    const w = await mountLogs({ component: 'kube-scheduler' })
    fake.emit(
      'logs',
      [
        { text: 'I info', level: 'info' },
        { text: 'W warning', level: 'warning' },
        { text: 'E error', level: 'error' },
        { text: 'no level' }
      ],
      SCHEDULER
    )
    await settle()
    const select = w.get('select[aria-label="Level"]')

    await select.setValue('warning')
    expect(shownLines(w)).toEqual(['W warning', 'E error'])
    await select.setValue('error')
    expect(shownLines(w)).toEqual(['E error'])
    await select.setValue('all')
    expect(shownLines(w)).toHaveLength(4)
  })

  it('shows two sources side by side, each with its own subscription', async () => {
    const w = await mountLogs({ component: 'kube-scheduler' })
    await button(w, 'Add pane').trigger('click')
    await w
      .findAll('[data-testid="log-source"]')
      .find((s) => s.text() === 'etcd')!
      .trigger('click')
    await settle()

    const panes = w.findAll('[data-testid="log-pane"]')
    expect(panes.map((p) => p.attributes('data-source'))).toEqual(['kube-scheduler', 'etcd'])
    fake.emit('logs', lines('from etcd'), { source: { kind: 'component', name: 'etcd' } })
    fake.emit('logs', lines('from scheduler'), SCHEDULER)
    await settle()
    expect(shownLines(w, 0)).toEqual(['from scheduler'])
    expect(shownLines(w, 1)).toEqual(['from etcd'])

    await panes[0].get('button[aria-label="Close pane"]').trigger('click')
    expect(fake.subscriptions.filter((s) => s.topic === 'logs').map((s) => s.params)).toEqual([
      { source: { kind: 'component', name: 'etcd' }, tail: 500 }
    ])
  })

  it('says why when the sources cannot be listed', async () => {
    fake = createFakeDesktopApi({
      listLogSources: async () => {
        throw new Error('the cluster is starting (API server)')
      }
    })
    const w = await mountLogs()
    expect(w.get('[role="alert"]').text()).toContain('the cluster is starting (API server)')
  })

  it('downloads the pane lines as a text file', async () => {
    const blobs: Blob[] = []
    const create = vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      blobs.push(b as Blob)
      return 'blob:log'
    })
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {})
    const clicked: string[] = []
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (
      this: HTMLAnchorElement
    ) {
      clicked.push(this.download)
    })
    try {
      const w = await mountLogs({ component: 'kube-scheduler' })
      fake.emit('logs', lines('a', 'b'), SCHEDULER)
      await settle()
      await button(w, 'Download').trigger('click')

      expect(clicked).toEqual(['kube-scheduler.log'])
      expect(await blobs[0].text()).toBe('a\nb\n')
    } finally {
      create.mockRestore()
      revoke.mockRestore()
      click.mockRestore()
    }
  })
})

describe('Log pane buffer', () => {
  it('keeps only the newest lines and says how many were dropped', async () => {
    const source = SOURCES[0]
    wrapper = mount(LogPane, {
      props: { source, limit: 5 },
      global: { provide: { [desktopApiKey as symbol]: fake.api } }
    })
    fake.emit('logs', lines('1', '2', '3', '4'))
    fake.emit('logs', lines('5', '6', '7'))
    await settle()

    expect(wrapper.findAll('[data-testid="log-line"]').map((l) => l.text())).toEqual([
      '3',
      '4',
      '5',
      '6',
      '7'
    ])
    expect(wrapper.get('[data-testid="log-dropped"]').text()).toContain('2 older lines dropped')
  })

  it('renders only the newest lines of a large buffer', async () => {
    wrapper = mount(LogPane, {
      props: { source: SOURCES[0], renderLimit: 3 },
      global: { provide: { [desktopApiKey as symbol]: fake.api } }
    })
    fake.emit('logs', lines('1', '2', '3', '4', '5'))
    await settle()
    expect(wrapper.findAll('[data-testid="log-line"]').map((l) => l.text())).toEqual([
      '3',
      '4',
      '5'
    ])
    expect(wrapper.text()).toContain('2 earlier matching lines not shown')
  })
})
