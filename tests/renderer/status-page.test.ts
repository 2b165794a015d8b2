// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import { afterEach, describe, expect, it } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import type { DesktopApi } from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'

function clusterStatus(overrides: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    version: '0.1.0',
    pid: 31337,
    dataDir: '/home/dev/.kubedesk',
    startedAt: new Date(Date.now() - 90_000).toISOString(),
    store: { backend: 'sqlite', revision: 42, compactRevision: 7 },
    components: [
      { name: 'etcd', state: 'running', message: 'sqlite, revision 42' },
      { name: 'kube-scheduler', state: 'starting' },
      { name: 'kube-controller-manager', state: 'failed', message: 'port in use' }
    ],
    ...overrides
  }
}

/** A DesktopApi whose answers the test controls; `push` plays the host's status events. */
function fakeApi(getStatus: () => Promise<ClusterStatus>) {
  const listeners = new Set<(s: ClusterStatus) => void>()
  const api: DesktopApi = {
    getStatus,
    onStatus(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
  return { api, listeners, push: (s: ClusterStatus) => listeners.forEach((l) => l(s)) }
}

let unmount: (() => void) | undefined
afterEach(() => unmount?.())

async function mountApp(api: DesktopApi) {
  const wrapper = mount(App, {
    global: { plugins: [createPinia()], provide: { [desktopApiKey as symbol]: api } }
  })
  unmount = () => wrapper.unmount()
  await flushPromises()
  return wrapper
}

describe('status page', () => {
  it('shows the title, the instance and every component with a state badge', async () => {
    const { api } = fakeApi(async () => clusterStatus())
    const wrapper = await mountApp(api)

    expect(wrapper.find('h1').text()).toBe('KubeDesk')
    expect(wrapper.find('[data-test="data-dir"]').text()).toBe('/home/dev/.kubedesk')
    expect(wrapper.find('[data-test="pid"]').text()).toBe('31337')
    expect(wrapper.find('[data-test="store"]').text()).toContain('sqlite')
    expect(wrapper.find('[data-test="revision"]').text()).toBe('42')
    expect(wrapper.find('[data-test="compact-revision"]').text()).toBe('7')
    expect(wrapper.find('[data-test="uptime"]').text()).toMatch(/^1m \d{1,2}s$/)

    const rows = wrapper.findAll('[data-test="component"]')
    expect(rows.map((r) => r.text())).toEqual([
      expect.stringContaining('etcd'),
      expect.stringContaining('kube-scheduler'),
      expect.stringContaining('kube-controller-manager')
    ])
    const badges = rows.map((r) => r.find('.state-badge'))
    expect(badges[0].classes()).toContain('state-badge--running')
    expect(badges[1].classes()).toContain('state-badge--starting')
    expect(badges[2].classes()).toContain('state-badge--failed')
    expect(rows[2].text()).toContain('port in use')
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
  })

  it('updates live when the host pushes a new status', async () => {
    const fake = fakeApi(async () => clusterStatus())
    const wrapper = await mountApp(fake.api)
    expect(fake.listeners.size).toBe(1)

    fake.push(
      clusterStatus({
        store: { backend: 'sqlite', revision: 99, compactRevision: 50 },
        components: [{ name: 'etcd', state: 'stopped' }]
      })
    )
    await flushPromises()

    expect(wrapper.find('[data-test="revision"]').text()).toBe('99')
    const rows = wrapper.findAll('[data-test="component"]')
    expect(rows).toHaveLength(1)
    expect(rows[0].find('.state-badge').classes()).toContain('state-badge--stopped')
  })

  it('says clearly when the API is unreachable', async () => {
    const { api } = fakeApi(async () => {
      throw new Error('Cannot reach the KubeDesk API')
    })
    const wrapper = await mountApp(api)

    const alert = wrapper.find('[role="alert"]')
    expect(alert.exists()).toBe(true)
    expect(alert.text()).toContain('unreachable')
    expect(alert.text()).toContain('Cannot reach the KubeDesk API')
    expect(wrapper.find('[data-test="data-dir"]').exists()).toBe(false)
  })

  it('unsubscribes when the page goes away', async () => {
    const fake = fakeApi(async () => clusterStatus())
    const wrapper = await mountApp(fake.api)
    wrapper.unmount()
    unmount = undefined
    expect(fake.listeners.size).toBe(0)
  })
})
