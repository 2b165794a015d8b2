// @vitest-environment happy-dom
/** The Events view against the fake desktop API: order, filters as parameters, navigation. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import {
  eventAge,
  eventQuery,
  timeline
} from '../../src/renderer/src/components/events/event-timeline'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import EventsView from '../../src/renderer/src/views/EventsView.vue'
import type { EventRow } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

function event(key: string, lastTime: string, overrides: Partial<EventRow> = {}): EventRow {
  return {
    key,
    namespace: 'default',
    type: 'Normal',
    reason: 'Scheduled',
    message: `message ${key}`,
    involved: { kind: 'Pod', namespace: 'default', name: `pod-${key}` },
    source: 'default-scheduler',
    count: 1,
    firstTime: lastTime,
    lastTime,
    ...overrides
  }
}

const OLD = event('old', '2026-12-04T10:00:00Z')
const NEW = event('new', '2026-12-04T10:05:00Z', {
  type: 'Warning',
  reason: 'BackOff',
  message: 'Back-off restarting failed container',
  source: 'kubelet',
  count: 7
})
const MID = event('mid', '2026-12-04T10:02:00Z', {
  namespace: 'kube-system',
  reason: 'SuccessfulCreate',
  involved: { kind: 'ReplicaSet', namespace: 'kube-system', name: 'coredns-5d8f7' },
  source: 'replicaset-controller'
})

let fake: FakeDesktopApi
let wrapper: VueWrapper | undefined

beforeEach(() => {
  setActivePinia(createPinia())
  fake = createFakeDesktopApi({ listNamespaces: async () => ['default', 'kube-system', 'shop'] })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  location.hash = ''
})

async function mountEvents(): Promise<VueWrapper> {
  wrapper = mount(EventsView, { global: { provide: { [desktopApiKey as symbol]: fake.api } } })
  await flushPromises()
  return wrapper
}

const eventParams = () =>
  fake.subscriptions.filter((s) => s.topic === 'events').map((s) => s.params)
const rowKeys = (w: VueWrapper) =>
  w.findAll('[data-testid="event-row"]').map((r) => r.find('td:nth-child(2)').text())

/** The control a label names (as getByLabel finds it). */
function select(w: VueWrapper, label: string) {
  const found = w.findAll('label').find((l) => l.text() === label)
  if (!found) throw new Error(`no label ${label}`)
  return w.get(`[id="${found.attributes('for')}"]`)
}

describe('Events view', () => {
  it('renders the events newest first with type, object, source and count', async () => {
    const w = await mountEvents()
    fake.emit('events', { reset: true, items: [OLD, NEW, MID] })
    await flushPromises()

    const rows = w.findAll('[data-testid="event-row"]')
    expect(rows.map((r) => r.attributes('data-type'))).toEqual(['Warning', 'Normal', 'Normal'])
    expect(rowKeys(w)).toEqual(['BackOff', 'SuccessfulCreate', 'Scheduled'])
    expect(rows[0].text()).toContain('Pod/pod-new')
    expect(rows[0].text()).toContain('Back-off restarting failed container')
    expect(rows[0].text()).toContain('kubelet')
    expect(rows[0].text()).toContain('7')
  })

  it('applies live updates: a newer event goes on top, a deleted one goes away', async () => {
    const w = await mountEvents()
    fake.emit('events', { reset: true, items: [OLD, MID] })
    fake.emit('events', {
      reset: false,
      upserts: [event('newest', '2026-12-04T11:00:00Z', { reason: 'Pulled' })],
      deletes: ['old']
    })
    await flushPromises()
    expect(rowKeys(w)).toEqual(['Pulled', 'SuccessfulCreate'])
  })

  it('sends namespace and type as the subscription parameters', async () => {
    const w = await mountEvents()
    expect(eventParams()).toEqual([{}])
    const options = select(w, 'Namespace')
      .findAll('option')
      .map((o) => o.text())
    expect(options).toEqual(['All namespaces', 'default', 'kube-system', 'shop'])

    await select(w, 'Namespace').setValue('shop')
    expect(eventParams()).toEqual([{ namespace: 'shop' }])
    await select(w, 'Type').setValue('Warning')
    expect(eventParams()).toEqual([{ namespace: 'shop', type: 'Warning' }])
    await select(w, 'Namespace').setValue('')
    expect(eventParams()).toEqual([{ type: 'Warning' }])
  })

  it('filters by text in the renderer, without re-subscribing', async () => {
    const w = await mountEvents()
    fake.emit('events', { reset: true, items: [OLD, NEW, MID] })
    await flushPromises()
    await select(w, 'Filter').setValue('coredns')

    expect(rowKeys(w)).toEqual(['SuccessfulCreate'])
    expect(eventParams()).toEqual([{}])
  })

  it('opens the involved object in the Workloads view', async () => {
    const w = await mountEvents()
    fake.emit('events', { reset: true, items: [MID] })
    await flushPromises()
    await w.get('[data-testid="event-object"]').trigger('click')

    const nav = useNavStore()
    expect(nav.route).toEqual({
      view: 'workloads',
      query: { kind: 'ReplicaSet', namespace: 'kube-system', name: 'coredns-5d8f7' }
    })
  })

  it('shows a subscription error readably', async () => {
    const w = await mountEvents()
    fake.fail('events', 'the cluster is starting (API server)')
    await flushPromises()
    expect(w.get('[role="alert"]').text()).toBe('the cluster is starting (API server)')
  })
})

describe('event timeline helpers', () => {
  it('leaves empty filters out of the query', () => {
    expect(eventQuery({ namespace: '', type: '' })).toEqual({})
    expect(eventQuery({ namespace: 'a', type: 'Normal' })).toEqual({
      namespace: 'a',
      type: 'Normal'
    })
  })

  it('orders by last time and matches text in any field', () => {
    expect(timeline([OLD, NEW, MID], '').map((e) => e.key)).toEqual(['new', 'mid', 'old'])
    expect(timeline([OLD, NEW, MID], 'KUBELET').map((e) => e.key)).toEqual(['new'])
  })

  it('gives the age since the last occurrence', () => {
    expect(eventAge(OLD, Date.parse('2026-12-04T10:01:30Z'))).toBe('1m 30s')
  })
})
