// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { useClusterStore } from '../../src/renderer/src/stores/cluster'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import ClusterView from '../../src/renderer/src/views/ClusterView.vue'
import type { ClusterOverview } from '../../src/shared/desktop-api'
import { createFakeDesktopApi } from './fake-desktop-api'
import { mountWithApi } from './nodes-fixtures'

let unmount: (() => void) | undefined
afterEach(() => {
  unmount?.()
  unmount = undefined
  location.hash = ''
})

const overview: ClusterOverview = {
  components: [
    { name: 'etcd', role: 'store', state: 'running' },
    { name: 'kube-apiserver', role: 'apiserver', state: 'running' },
    { name: 'kube-scheduler', role: 'scheduler', state: 'running' },
    {
      name: 'kube-controller-manager',
      role: 'controller-manager',
      state: 'failed',
      message: 'crashed'
    },
    { name: 'kubelet-kubedesk-worker', role: 'kubelet', state: 'running', node: 'kubedesk-worker' },
    { name: 'runtime-kubedesk-worker', role: 'runtime', state: 'stopped', node: 'kubedesk-worker' }
  ],
  rates: { apiRequestsPerSecond: 12.34, eventsPerMinute: 30, podsScheduledPerSecond: 2 }
}

async function mountCluster() {
  const fake = createFakeDesktopApi()
  const { wrapper } = mountWithApi(ClusterView, fake)
  unmount = () => wrapper.unmount()
  fake.emit('cluster', overview)
  await flushPromises()
  return { wrapper, fake }
}

describe('ClusterView', () => {
  it('shows every component with its state, the nodes with kubelet and runtime', async () => {
    const { wrapper } = await mountCluster()
    const states = Object.fromEntries(
      wrapper
        .findAll('[data-testid="component"]')
        .map((c) => [c.attributes('data-component'), c.attributes('data-state')])
    )
    expect(states).toEqual({
      etcd: 'running',
      'kube-apiserver': 'running',
      'kube-scheduler': 'running',
      'kube-controller-manager': 'failed',
      'kubelet-kubedesk-worker': 'running',
      'runtime-kubedesk-worker': 'stopped'
    })
    const node = wrapper.get('[data-testid="cluster-node"][data-node="kubedesk-worker"]')
    expect(node.findAll('[data-testid="component"]')).toHaveLength(2)
  })

  it('labels the arrows with the request, scheduling and event rates', async () => {
    const { wrapper } = await mountCluster()
    const labels = wrapper.findAll('[data-testid="arrow"]').map((a) => a.text())
    expect(labels).toContain('12.3 req/s')
    expect(labels).toContain('2 pods/s bound')
    expect(labels).toContain('30 events/min')
  })

  it("opens a component's log in the Logs view when clicked", async () => {
    const { wrapper } = await mountCluster()
    await wrapper.get('[data-component="kube-scheduler"]').trigger('click')
    expect(useNavStore().route).toEqual({ view: 'logs', query: { component: 'kube-scheduler' } })
    await wrapper.get('[data-component="kubelet-kubedesk-worker"]').trigger('click')
    expect(useNavStore().route.query).toEqual({ component: 'kubelet-kubedesk-worker' })
    // The runtime logs through its node's kubelet.
    useNavStore().go('cluster')
    await wrapper.get('[data-component="runtime-kubedesk-worker"]').trigger('click')
    expect(useNavStore().route).toEqual({
      view: 'logs',
      query: { component: 'kubelet-kubedesk-worker' }
    })
  })

  it("shows the instance's details from the status", async () => {
    const { wrapper, fake } = await mountCluster()
    // The shell starts the store; here the view is alone, so start it by hand.
    const store = useClusterStore()
    store.start()
    fake.emit('status', {
      version: '0.1.0',
      pid: 4242,
      dataDir: '/home/dev/.kubedesk',
      startedAt: new Date(Date.now() - 95_000).toISOString(),
      store: { backend: 'sqlite', revision: 42, compactRevision: 7, location: 'store.db' },
      components: [],
      apiServerUrl: 'https://127.0.0.1:6443'
    })
    await flushPromises()
    expect(wrapper.get('[data-test="api-server-url"]').text()).toBe('https://127.0.0.1:6443')
    expect(wrapper.get('[data-test="data-dir"]').text()).toBe('/home/dev/.kubedesk')
    expect(wrapper.get('[data-test="store"]').text()).toContain('sqlite (store.db), revision 42')
    expect(wrapper.get('[data-test="uptime"]').text()).toMatch(/^1m 3\ds$/)
    store.stop()
  })

  it('after a failed start, says so rather than that KubeDesk is unreachable', async () => {
    const failed = 'The cluster failed to start: cannot reach etcd at http://127.0.0.1:1'
    const fake = createFakeDesktopApi({
      getStatus: async () => {
        throw new Error(failed)
      }
    })
    const { wrapper } = mountWithApi(ClusterView, fake)
    unmount = () => wrapper.unmount()
    const store = useClusterStore()
    store.start()
    await flushPromises()
    const facts = wrapper.get('[aria-labelledby="facts-heading"] [role="alert"]')
    expect(facts.text()).toBe(
      'The cluster failed to start: cannot reach etcd at http://127.0.0.1:1'
    )
    fake.fail('status', 'connection lost')
    await flushPromises()
    expect(facts.text()).toBe('The KubeDesk API is unreachable. connection lost')
    store.stop()
  })

  it('shows a failed subscription as an error', async () => {
    const { wrapper, fake } = await mountCluster()
    fake.fail('cluster', 'The cluster is starting (API server); try again in a moment')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('The cluster is starting')
  })
})
