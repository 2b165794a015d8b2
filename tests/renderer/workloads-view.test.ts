// @vitest-environment happy-dom
/**
 * The Workloads list: live rows per kind, columns, the namespace, selector and text filters, and
 * those filters kept in the URL's hash (reload, back, shared links).
 */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import WorkloadsView from '../../src/renderer/src/views/WorkloadsView.vue'
import {
  WORKLOAD_KINDS,
  type DesktopCalls,
  type ResourceQuery,
  type ResourceRow
} from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'
import { deploymentColumns, deploymentDetail, deploymentRow } from './workloads-fixtures'

let fake: FakeDesktopApi
let wrapper: VueWrapper | undefined

beforeEach(() => {
  location.hash = ''
  setActivePinia(createPinia())
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

async function mountView(handlers: Partial<DesktopCalls> = {}) {
  fake = createFakeDesktopApi({ listNamespaces: async () => ['default', 'shop'], ...handlers })
  wrapper = mount(WorkloadsView, {
    attachTo: document.body,
    global: { provide: { [desktopApiKey as symbol]: fake.api } }
  })
  await flushPromises()
  return wrapper
}

/** The params of the live `resources` subscriptions other than the namespace picker's. */
const listQueries = () =>
  fake.subscriptions
    .filter((s) => s.topic === 'resources')
    .map((s) => s.params as ResourceQuery)
    .filter((p) => JSON.stringify(p) !== JSON.stringify({ kind: 'Namespace' }))

const rowNames = (w: VueWrapper) =>
  w.findAll('[data-testid="resource-row"]').map((r) => r.attributes('data-name'))
const labelled = (w: VueWrapper, text: string) => {
  const label = w.findAll('label').find((l) => l.text().startsWith(text))
  if (!label) throw new Error(`no label ${text}`)
  return label.find('input, select')
}
const emitRows = async (kind: string, update: Parameters<FakeDesktopApi['emit']>[1]) => {
  fake.emit('resources', update as never, { kind } as never)
  await flushPromises()
}

describe('WorkloadsView list', () => {
  it('has a button per kind and lists Deployments in every namespace first', async () => {
    const w = await mountView()
    expect(WORKLOAD_KINDS.map((k) => w.find(`[data-testid="kind-${k.kind}"]`).text())).toEqual(
      WORKLOAD_KINDS.map((k) => k.kind)
    )
    expect(listQueries()).toEqual([{ kind: 'Deployment' }])
  })

  it('shows the rows of a reset, then applies an upsert and delete batch', async () => {
    const w = await mountView()
    await emitRows('Deployment', {
      reset: true,
      columns: deploymentColumns,
      items: [deploymentRow('web'), deploymentRow('api'), deploymentRow('db', '0/1', 'shop')]
    })
    expect(rowNames(w)).toEqual(['api', 'web', 'db'])
    expect(w.findAll('th').map((t) => t.text())).toEqual(['Namespace', 'Name', 'Ready', 'Age'])
    const web = w.find('[data-name="web"]')
    expect(web.findAll('td').map((t) => t.text())).toEqual(['default', 'web', '1/1', '5m'])

    await emitRows('Deployment', {
      reset: false,
      upserts: [deploymentRow('web', '3/3'), deploymentRow('cache')],
      deletes: [deploymentRow('api').key]
    })
    expect(rowNames(w)).toEqual(['cache', 'web', 'db'])
    expect(w.find('[data-name="web"]').text()).toContain('3/3')

    // Wide adds the priority-1 columns.
    await labelled(w, 'Wide').setValue(true)
    expect(w.findAll('th').map((t) => t.text())).toContain('Images')
  })

  it('re-subscribes for the picked kind and shows only its rows', async () => {
    const w = await mountView()
    await emitRows('Deployment', {
      reset: true,
      columns: deploymentColumns,
      items: [deploymentRow('web')]
    })
    await w.find('[data-testid="kind-Pod"]').trigger('click')
    expect(listQueries()).toEqual([{ kind: 'Pod' }])
    expect(rowNames(w)).toEqual([])
    expect(w.find('[data-testid="kind-Pod"]').attributes('aria-pressed')).toBe('true')

    const pod: ResourceRow = { ...deploymentRow('web-5d8f7-abcde'), kind: 'Pod', key: 'p1' }
    await emitRows('Pod', { reset: true, columns: deploymentColumns, items: [pod] })
    expect(rowNames(w)).toEqual(['web-5d8f7-abcde'])

    // Namespaces are cluster-scoped: no namespace in the query, the picker is off.
    await labelled(w, 'Namespace').setValue('shop')
    expect(listQueries()).toEqual([{ kind: 'Pod', namespace: 'shop' }])
    await w.find('[data-testid="kind-Namespace"]').trigger('click')
    const all = fake.subscriptions.filter((s) => s.topic === 'resources').map((s) => s.params)
    // The namespace picker's subscription and the list's, the same query.
    expect(all).toEqual([{ kind: 'Namespace' }, { kind: 'Namespace' }])
    expect(labelled(w, 'Namespace').attributes('disabled')).toBeDefined()
  })

  it('offers the listed and the live namespaces', async () => {
    const w = await mountView()
    const options = () =>
      labelled(w, 'Namespace')
        .findAll('option')
        .map((o) => o.text())
    expect(options()).toEqual(['All namespaces', 'default', 'shop'])
    const ns = (name: string): ResourceRow => ({
      key: name,
      kind: 'Namespace',
      name,
      cells: [name],
      labels: {},
      createdAt: ''
    })
    await emitRows('Namespace', { reset: true, items: [ns('default'), ns('new-team')] })
    expect(options()).toEqual(['All namespaces', 'default', 'new-team'])
  })

  it('passes the label selector to the host and shows its error', async () => {
    const w = await mountView()
    const input = labelled(w, 'Label selector')
    await input.setValue('app=web,tier!=db')
    await input.trigger('change')
    expect(listQueries()).toEqual([{ kind: 'Deployment', labelSelector: 'app=web,tier!=db' }])

    await input.setValue('app==')
    await input.trigger('keydown', { key: 'Enter' })
    expect(listQueries()).toEqual([{ kind: 'Deployment', labelSelector: 'app==' }])
    fake.fail('resources', 'unable to parse requirement: found "=", expected: identifier')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toBe(
      'unable to parse requirement: found "=", expected: identifier'
    )
    expect(input.attributes('aria-invalid')).toBe('true')
  })

  it('filters rows by name as the user types', async () => {
    const w = await mountView()
    await emitRows('Deployment', {
      reset: true,
      columns: deploymentColumns,
      items: [deploymentRow('web'), deploymentRow('web-canary'), deploymentRow('api')]
    })
    await labelled(w, 'Filter').setValue('WEB')
    expect(rowNames(w)).toEqual(['web', 'web-canary'])
  })

  it('preselects kind, namespace, selector and the detail from the route', async () => {
    useNavStore().go('workloads', {
      kind: 'Pod',
      namespace: 'shop',
      name: 'db-0',
      selector: 'app=db'
    })
    const w = await mountView({
      getResource: async ({ ref }) => ({ ...deploymentDetail('db'), ref })
    })
    expect(listQueries()).toEqual([{ kind: 'Pod', namespace: 'shop', labelSelector: 'app=db' }])
    expect(fake.calls.find((c) => c.name === 'getResource')?.input).toEqual({
      ref: { kind: 'Pod', namespace: 'shop', name: 'db-0' }
    })
    expect(w.find('[data-testid="detail-panel"]').text()).toContain('shop/db-0')
  })
})

describe('WorkloadsView in the URL', () => {
  /** Picks Pod in `shop`, selector app=web, text "web", wide, and opens web-1. */
  async function filterPods(w: VueWrapper): Promise<void> {
    await w.find('[data-testid="kind-Pod"]').trigger('click')
    await labelled(w, 'Namespace').setValue('shop')
    const selector = labelled(w, 'Label selector')
    await selector.setValue('app=web')
    await selector.trigger('change')
    await labelled(w, 'Filter').setValue('web')
    await labelled(w, 'Wide').setValue(true)
    const pod: ResourceRow = { ...deploymentRow('web-1', '1/1', 'shop'), kind: 'Pod', key: 'p1' }
    await emitRows('Pod', { reset: true, columns: deploymentColumns, items: [pod] })
    await w.find('[data-name="web-1"]').trigger('click')
    await flushPromises()
  }
  const FILTERED =
    '#/workloads?kind=Pod&namespace=shop&selector=app%3Dweb&filter=web&wide=1&name=web-1'

  it('writes kind, filters and the open object into the hash without adding history', async () => {
    useNavStore().go('workloads')
    const entries = history.length
    const w = await mountView()
    await filterPods(w)
    expect(location.hash).toBe(FILTERED)
    expect(history.length).toBe(entries)

    await w.find('[data-testid="detail-panel"] button[aria-label="Close"]').trigger('click')
    expect(location.hash).toBe(FILTERED.replace('&name=web-1', ''))
  })

  it('shows the same list, filters and detail after a reload', async () => {
    useNavStore().go('workloads')
    await filterPods(await mountView())
    wrapper!.unmount()
    wrapper = undefined

    // A reload: a fresh app reads the hash.
    setActivePinia(createPinia())
    const w = await mountView()
    expect(listQueries()).toEqual([{ kind: 'Pod', namespace: 'shop', labelSelector: 'app=web' }])
    expect(w.find('[data-testid="kind-Pod"]').attributes('aria-pressed')).toBe('true')
    expect((labelled(w, 'Namespace').element as HTMLSelectElement).value).toBe('shop')
    expect((labelled(w, 'Label selector').element as HTMLInputElement).value).toBe('app=web')
    expect((labelled(w, 'Filter').element as HTMLInputElement).value).toBe('web')
    expect((labelled(w, 'Wide').element as HTMLInputElement).checked).toBe(true)
    expect(fake.calls.find((c) => c.name === 'getResource')?.input).toEqual({
      ref: { kind: 'Pod', namespace: 'shop', name: 'web-1' }
    })
  })

  it('follows a hash change (what back and forward do) to another filtered list', async () => {
    const nav = useNavStore()
    const stop = nav.follow()
    try {
      nav.go('workloads', { kind: 'Service', namespace: 'shop' })
      const w = await mountView()
      expect(listQueries()).toEqual([{ kind: 'Service', namespace: 'shop' }])
      // What the back button does: the hash changes to an earlier entry.
      const changed = new Promise((resolve) =>
        window.addEventListener('hashchange', resolve, { once: true })
      )
      location.hash = '#/workloads?kind=ConfigMap&filter=app'
      await changed
      await flushPromises()
      expect(listQueries()).toEqual([{ kind: 'ConfigMap' }])
      expect((labelled(w, 'Namespace').element as HTMLSelectElement).value).toBe('')
      expect((labelled(w, 'Filter').element as HTMLInputElement).value).toBe('app')
    } finally {
      stop()
    }
  })

  it("opens an event's Node from a link, over the default list", async () => {
    useNavStore().go('workloads', { kind: 'Node', name: 'kubedesk-worker' })
    await mountView()
    expect(listQueries()).toEqual([{ kind: 'Deployment' }])
    expect(fake.calls.find((c) => c.name === 'getResource')?.input).toEqual({
      ref: { kind: 'Node', name: 'kubedesk-worker' }
    })
    expect(location.hash).toBe('#/workloads?name=kubedesk-worker&objectKind=Node')
  })
})
