// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import App from '../../src/renderer/src/App.vue'
import type { StartupState } from '../../src/shared/desktop-api'
import type { ClusterStatus } from '../../src/shared/status'
import { createFakeDesktopApi } from './fake-desktop-api'
import { mountWithApi } from './nodes-fixtures'

function clusterStatus(overrides: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    version: '0.1.0',
    pid: 31337,
    dataDir: '/home/dev/.kubedesk',
    startedAt: new Date(Date.now() - 90_000).toISOString(),
    store: { backend: 'sqlite', revision: 42, compactRevision: 7 },
    components: [
      { name: 'etcd', state: 'running' },
      { name: 'kube-apiserver', state: 'running' },
      { name: 'kube-scheduler', state: 'starting' }
    ],
    apiServerUrl: 'https://127.0.0.1:6443',
    ...overrides
  }
}

let unmount: (() => void) | undefined
afterEach(() => {
  unmount?.()
  unmount = undefined
  location.hash = ''
})

async function mountApp(status = clusterStatus()) {
  const fake = createFakeDesktopApi({ getStatus: async () => status })
  const { wrapper } = mountWithApi(App, fake)
  unmount = () => wrapper.unmount()
  await flushPromises()
  return { wrapper, fake }
}

describe('App shell', () => {
  it('lists the eight views in the sidebar and switches between them', async () => {
    const { wrapper } = await mountApp()
    const nav = wrapper.get('[data-testid="nav"]')
    expect(nav.findAll('button').map((b) => b.text())).toEqual([
      'Cluster',
      'Nodes',
      'Workloads',
      'Deploy',
      'Logs',
      'Events',
      'Metrics',
      'Terminal'
    ])
    await vi.waitFor(() => expect(wrapper.find('[data-testid="view-cluster"]').exists()).toBe(true))

    await wrapper.get('[data-testid="nav-nodes"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="view-nodes"]').exists()).toBe(true))
    expect(wrapper.find('[data-testid="view-cluster"]').exists()).toBe(false)
    expect(location.hash).toBe('#/nodes')
    expect(wrapper.get('[data-testid="nav-nodes"]').attributes('aria-current')).toBe('page')
  })

  it('follows the hash (back button, hand-edited URL)', async () => {
    const { wrapper } = await mountApp()
    location.hash = '#/events'
    window.dispatchEvent(new HashChangeEvent('hashchange'))
    await vi.waitFor(() => expect(wrapper.find('[data-testid="view-events"]').exists()).toBe(true))
    expect(wrapper.get('[data-testid="nav-events"]').attributes('aria-current')).toBe('page')
  })

  it("shows the cluster's version and a compact health summary in the header", async () => {
    const { wrapper, fake } = await mountApp()
    expect(wrapper.get('[data-testid="cluster-version"]').text()).toBe('v0.1.0')
    expect(wrapper.text()).toContain('https://127.0.0.1:6443')
    const health = wrapper.get('[data-testid="health"]')
    expect(health.text()).toBe('2/3 components running')
    expect(health.classes()).toContain('header__health--busy')

    fake.emit(
      'status',
      clusterStatus({ components: [{ name: 'kube-scheduler', state: 'failed', message: 'port' }] })
    )
    await flushPromises()
    expect(health.text()).toBe('0/1 components running')
    expect(health.classes()).toContain('header__health--bad')
  })

  it('says the cluster is starting, rather than unreachable, while it starts', async () => {
    const fake = createFakeDesktopApi({
      getStatus: async () => {
        throw new Error('The cluster is starting (API server); try again in a moment')
      }
    })
    const { wrapper } = mountWithApi(App, fake)
    unmount = () => wrapper.unmount()
    await flushPromises()
    expect(wrapper.get('[data-testid="health"]').text()).toBe('Starting…')
    fake.fail('status', 'connection lost')
    await flushPromises()
    expect(wrapper.get('[data-testid="health"]').text()).toBe('API unreachable')
  })
})

describe('Start-up panel', () => {
  const starting: StartupState = {
    phase: 'starting',
    steps: [
      { id: 'store', title: 'Store', state: 'done', log: ['sqlite opened'] },
      {
        id: 'image',
        title: 'Node image',
        state: 'running',
        message: 'building layer 3/7',
        progress: 0.4,
        log: ['step 1', 'step 2']
      },
      { id: 'node-1', title: 'Node kubedesk-worker', state: 'pending', log: [] }
    ]
  }

  it('shows each step with its state and progress while starting', async () => {
    const { wrapper, fake } = await mountApp()
    expect(wrapper.find('[data-testid="startup"]').exists()).toBe(false)
    fake.emit('startup', starting)
    await flushPromises()
    expect(wrapper.find('[data-testid="startup-hint"]').exists()).toBe(false)
    const steps = wrapper.findAll('[data-testid="startup-step"]')
    expect(steps.map((s) => [s.get('.step__title').text(), s.attributes('data-state')])).toEqual([
      ['Store', 'done'],
      ['Node image', 'running'],
      ['Node kubedesk-worker', 'pending']
    ])
    expect(steps[1].text()).toContain('building layer 3/7')
    expect(steps[1].get('[role="progressbar"]').attributes('aria-valuenow')).toBe('40')
    // Logs are closed until asked for.
    expect(steps[1].find('[data-testid="startup-log"]').exists()).toBe(false)
    await steps[1].get('button[aria-expanded]').trigger('click')
    expect(steps[1].get('[data-testid="startup-log"]').text()).toBe('step 1\nstep 2')
  })

  it("opens a failed step's log and shows the error", async () => {
    const { wrapper, fake } = await mountApp()
    fake.emit('startup', {
      phase: 'failed',
      error: 'node image build failed: exit 1',
      steps: [
        starting.steps[0],
        {
          ...starting.steps[1],
          state: 'failed',
          log: ['RUN apt-get install', 'E: Unable to locate package']
        }
      ]
    })
    await flushPromises()
    const panel = wrapper.get('[data-testid="startup"]')
    expect(panel.get('[role="alert"]').text()).toBe('node image build failed: exit 1')
    expect(panel.get('h2').text()).toBe('The cluster failed to start')
    expect(panel.get('[data-testid="startup-hint"]').text()).toContain('start KubeDesk again')
    const failed = panel.get('[data-testid="startup-step"][data-state="failed"]')
    expect(failed.get('[data-testid="startup-log"]').text()).toContain(
      'E: Unable to locate package'
    )
  })

  it('collapses to a small indicator once running, which opens the steps again', async () => {
    const { wrapper, fake } = await mountApp()
    fake.emit('startup', {
      phase: 'running',
      steps: starting.steps.map((s) => ({ ...s, state: 'done' as const }))
    })
    await flushPromises()
    const panel = wrapper.get('[data-testid="startup"]')
    expect(panel.findAll('[data-testid="startup-step"]')).toHaveLength(0)
    expect(panel.text()).toContain('3/3 steps done')
    await panel.get('button').trigger('click')
    expect(panel.findAll('[data-testid="startup-step"]')).toHaveLength(3)
  })
})
