// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import NodesView from '../../src/renderer/src/views/NodesView.vue'
import type { NodeActionInput } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'
import { mountWithApi, nodeSummary, podSummary } from './nodes-fixtures'

let unmount: (() => void) | undefined
afterEach(() => {
  unmount?.()
  unmount = undefined
  location.hash = ''
})

/** The view with two nodes and three pods on them, one Pending, as the host's first push. */
async function mountNodes(fake: FakeDesktopApi = createFakeDesktopApi()) {
  const { wrapper } = mountWithApi(NodesView, fake)
  unmount = () => wrapper.unmount()
  fake.emit('nodes', {
    reset: true,
    items: [
      nodeSummary('kubedesk-worker10'),
      nodeSummary('kubedesk-worker2', { usage: { cpuMillis: 1000, memoryBytes: 2 * 2 ** 30 } })
    ]
  })
  fake.emit('pods', {
    reset: true,
    items: [
      podSummary('default', 'web-1', 'kubedesk-worker2'),
      podSummary('default', 'web-2', 'kubedesk-worker2', 'Pending'),
      podSummary('kube-system', 'dns-1', 'kubedesk-worker10', 'Running', { restarts: 3 })
    ]
  })
  await flushPromises()
  return { wrapper, fake }
}

const box = (wrapper: Awaited<ReturnType<typeof mountNodes>>['wrapper'], node: string) =>
  wrapper.get(`[data-testid="node-box"][data-node="${node}"]`)

describe('NodesView', () => {
  it('shows every node as a box holding its pods, coloured by phase, in name order', async () => {
    const { wrapper, fake } = await mountNodes()
    expect(fake.subscriptions.map((s) => s.topic).sort()).toEqual(['nodes', 'pods'])
    const names = wrapper.findAll('[data-testid="node-box"]').map((b) => b.attributes('data-node'))
    expect(names).toEqual(['kubedesk-worker2', 'kubedesk-worker10'])

    const worker2 = box(wrapper, 'kubedesk-worker2')
    expect(worker2.get('[data-testid="node-status"]').text()).toBe('Ready')
    const pods = worker2.findAll('[data-testid="pod"]')
    expect(pods.map((p) => [p.attributes('data-pod'), p.attributes('data-phase')])).toEqual([
      ['default/web-1', 'Running'],
      ['default/web-2', 'Pending']
    ])
    expect(pods[0].classes()).toContain('kd-pod--Running')
    expect(pods[1].classes()).toContain('kd-pod--Pending')
    const dns = box(wrapper, 'kubedesk-worker10').get('[data-pod="kube-system/dns-1"]')
    expect(dns.attributes('title')).toContain('kube-system/dns-1')
    expect(dns.attributes('title')).toContain('Restarts: 3')
    expect(dns.attributes('title')).toContain('Ready: 1/1')
    expect(dns.attributes('title')).toContain('IP: 10.244.0.5')

    const summary = wrapper.get('[data-testid="nodes-summary"]')
    expect(summary.text()).toContain('2 nodes')
    expect(summary.text()).toContain('3 pods')
    expect(summary.get('[data-phase="Pending"]').attributes('data-count')).toBe('1')
  })

  it('applies an upsert batch: a pod changes phase, one moves, one is deleted, a node goes NotReady', async () => {
    const { wrapper, fake } = await mountNodes()
    fake.emit('pods', {
      reset: false,
      upserts: [
        podSummary('default', 'web-2', 'kubedesk-worker2', 'Running'),
        podSummary('default', 'web-3', 'kubedesk-worker10', 'Failed')
      ],
      deletes: ['uid-default-web-1']
    })
    fake.emit('nodes', {
      reset: false,
      upserts: [
        nodeSummary('kubedesk-worker10', {
          ready: 'Unknown',
          status: 'NotReady',
          provider: { name: 'process', state: 'stopped' }
        })
      ],
      deletes: []
    })
    await flushPromises()
    const worker2 = box(wrapper, 'kubedesk-worker2')
    expect(worker2.findAll('[data-testid="pod"]').map((p) => p.attributes('data-pod'))).toEqual([
      'default/web-2'
    ])
    expect(worker2.get('[data-pod="default/web-2"]').attributes('data-phase')).toBe('Running')
    const worker10 = box(wrapper, 'kubedesk-worker10')
    expect(worker10.get('[data-testid="node-status"]').text()).toBe('NotReady')
    expect(worker10.text()).toContain('stopped')
    expect(worker10.classes()).toContain('node-box--unhealthy')
    expect(worker10.get('[data-pod="default/web-3"]').attributes('data-phase')).toBe('Failed')
    expect(wrapper.get('[data-testid="nodes-summary"]').text()).toContain('3 pods')
  })

  it('draws capacity bars for requested and used CPU and memory', async () => {
    const { wrapper } = await mountNodes()
    // Two pods of 500m and 1Gi on 4 cores and 8Gi: 25% requested; 1 core and 2Gi used.
    const tracks = box(wrapper, 'kubedesk-worker2').findAll('.node-box__track')
    expect(tracks.map((m) => m.attributes('data-requested'))).toEqual(['25', '25'])
    expect(tracks[0].get('.node-box__requested').attributes('style')).toContain('width: 25%')
    expect(box(wrapper, 'kubedesk-worker2').text()).toContain('CPU: 1 / 4 requested · 1 used')
    const bars = box(wrapper, 'kubedesk-worker2').findAll('.node-box__bar')
    expect(bars[0].attributes('title')).toBe('1 / 4 requested · 1 used')
    expect(bars[1].attributes('title')).toBe('2Gi / 8Gi requested · 2Gi used')
    expect(bars[0].find('.node-box__used').attributes('style')).toContain('width: 25%')
    // No usage scraped yet: no used bar.
    expect(box(wrapper, 'kubedesk-worker10').find('.node-box__used').exists()).toBe(false)
  })

  it('runs an action at once, or after an in-page confirmation, and shows the answer', async () => {
    const inputs: NodeActionInput[] = []
    const fake = createFakeDesktopApi({
      nodeAction: async (input) => {
        inputs.push(input)
        if (input.action === 'drain') throw new Error('cannot evict pod default/web-1: PDB')
        return { message: `node kubedesk-worker2 ${input.action}ed` }
      }
    })
    const { wrapper } = await mountNodes(fake)
    const button = (text: string) =>
      box(wrapper, 'kubedesk-worker2')
        .findAll('button')
        .find((b) => b.text() === text)
    await button('Actions')!.trigger('click')
    expect(
      box(wrapper, 'kubedesk-worker2')
        .findAll('[data-testid="node-actions"] button')
        .map((b) => b.text())
    ).toEqual(
      expect.arrayContaining([
        'Stop',
        'Start',
        'Remove',
        'Cordon',
        'Uncordon',
        'Drain',
        'Simulate failure'
      ])
    )

    await button('Cordon')!.trigger('click')
    await flushPromises()
    expect(inputs).toEqual([{ action: 'cordon', name: 'kubedesk-worker2' }])
    expect(box(wrapper, 'kubedesk-worker2').get('[data-testid="action-result"]').text()).toBe(
      'node kubedesk-worker2 cordoned'
    )

    await button('Simulate failure')!.trigger('click')
    expect(inputs).toHaveLength(1)
    expect(box(wrapper, 'kubedesk-worker2').text()).toContain(
      'Simulate a failure of kubedesk-worker2?'
    )
    await button('Cancel')!.trigger('click')
    expect(inputs).toHaveLength(1)

    await button('Simulate failure')!.trigger('click')
    await button('Confirm')!.trigger('click')
    await flushPromises()
    expect(inputs.at(-1)).toEqual({ action: 'fail', name: 'kubedesk-worker2' })

    await button('Drain')!.trigger('click')
    await button('Confirm')!.trigger('click')
    await flushPromises()
    expect(inputs.at(-1)).toEqual({
      action: 'drain',
      name: 'kubedesk-worker2',
      ignoreDaemonSets: true,
      deleteEmptyDirData: true,
      force: false
    })
    expect(box(wrapper, 'kubedesk-worker2').get('[data-testid="action-error"]').text()).toBe(
      'cannot evict pod default/web-1: PDB'
    )

    await button('Remove')!.trigger('click')
    await button('Confirm')!.trigger('click')
    await flushPromises()
    expect(inputs.at(-1)).toEqual({ action: 'rm', name: 'kubedesk-worker2' })
  })

  it("offers drain's kubectl flags in its confirmation, force unticked, and sends them", async () => {
    const inputs: NodeActionInput[] = []
    const fake = createFakeDesktopApi({
      nodeAction: async (input) => {
        inputs.push(input)
        if (input.action === 'drain' && !input.force) {
          throw new Error(
            'node/kubedesk-worker2 cordoned, but not drained: cannot delete Pods that declare ' +
              'no controller (use --force to override): default/bare'
          )
        }
        return { message: 'node/kubedesk-worker2 drained: evicted 2 pods' }
      }
    })
    const { wrapper } = await mountNodes(fake)
    const node = box(wrapper, 'kubedesk-worker2')
    const button = (text: string) => node.findAll('button').find((b) => b.text() === text)!
    await button('Actions').trigger('click')
    await button('Drain').trigger('click')
    const dialog = node.get('[role="alertdialog"]')
    const options = dialog.findAll('label').map((l) => ({
      label: l.text(),
      checked: (l.get('input').element as HTMLInputElement).checked
    }))
    expect(options).toEqual([
      { label: 'ignore DaemonSets: leave DaemonSet-managed pods running', checked: true },
      {
        label: 'delete emptyDir data: also evict pods with emptyDir volumes (their data is lost)',
        checked: true
      },
      { label: 'force: also delete pods no controller manages', checked: false }
    ])
    await button('Confirm').trigger('click')
    await flushPromises()
    expect(node.get('[data-testid="action-error"]').text()).toContain(
      'declare no controller (use --force to override): default/bare'
    )

    // The way forward: drain again with force ticked (the other ticks are remembered).
    await button('Drain').trigger('click')
    const force = node
      .findAll('[role="alertdialog"] label')
      .find((l) => l.text().startsWith('force:'))!
    await force.get('input').setValue(true)
    await button('Confirm').trigger('click')
    await flushPromises()
    expect(inputs.at(-1)).toEqual({
      action: 'drain',
      name: 'kubedesk-worker2',
      ignoreDaemonSets: true,
      deleteEmptyDirData: true,
      force: true
    })
    expect(node.get('[data-testid="action-result"]').text()).toBe(
      'node/kubedesk-worker2 drained: evicted 2 pods'
    )
    expect(node.find('[data-testid="action-error"]').exists()).toBe(false)
  })

  it('checks the add-node form before asking the host, then shows its answer', async () => {
    const fake = createFakeDesktopApi({
      nodeAction: async () => ({ message: 'node kubedesk-worker3 added' })
    })
    const { wrapper } = await mountNodes(fake)
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Add node')!
      .trigger('click')
    const form = wrapper.get('[data-testid="add-node-form"]')
    const input = (label: string) =>
      form
        .findAll('label')
        .find((l) => l.find('span').text() === label)!
        .get('input')

    await input('CPU').setValue('-1')
    await input('Memory').setValue('lots')
    await form.trigger('submit')
    await flushPromises()
    expect(form.get('[role="alert"]').text()).toContain('CPU must be a positive number')
    expect(form.get('[role="alert"]').text()).toContain('Memory must be a quantity')
    expect(fake.calls).toHaveLength(0)

    await input('CPU').setValue('2')
    await input('Memory').setValue('2Gi')
    await form
      .findAll('button')
      .find((b) => b.text() === 'Add')!
      .trigger('click')
    await flushPromises()
    expect(fake.calls).toHaveLength(1)
    expect(fake.calls[0]).toEqual({
      name: 'nodeAction',
      input: { action: 'add', cpu: 2, memory: '2Gi' }
    })
    expect(form.get('[data-testid="action-result"]').text()).toBe('node kubedesk-worker3 added')
  })

  it('highlights the pods the route selects and says so in a banner', async () => {
    location.hash = '#/nodes?namespace=default&selector=app%3Dweb'
    const { wrapper } = await mountNodes()
    const nav = useNavStore()
    nav.go('nodes', { namespace: 'default', selector: 'app=web' })
    await flushPromises()
    const banner = wrapper.get('[data-testid="highlight-banner"]')
    expect(banner.text()).toContain('Highlighting 2 pods')
    expect(banner.text()).toContain('app=web')
    expect(banner.text()).toContain('on 1 nodes')
    expect(wrapper.get('[data-pod="default/web-1"]').classes()).toContain('kd-pod--match')
    expect(wrapper.get('[data-pod="kube-system/dns-1"]').classes()).toContain('kd-pod--dim')

    nav.go('nodes', { selector: 'app in (' })
    await flushPromises()
    expect(wrapper.find('[data-testid="highlight-banner"]').exists()).toBe(false)
    expect(wrapper.get('[role="alert"]').text()).toContain('is not a label selector term')
  })

  it('opens a pod in the Workloads view when its square is clicked', async () => {
    const { wrapper } = await mountNodes()
    await wrapper.get('[data-pod="kube-system/dns-1"]').trigger('click')
    expect(useNavStore().route).toEqual({
      view: 'workloads',
      query: { kind: 'Pod', namespace: 'kube-system', name: 'dns-1' }
    })
  })

  it('groups pods by namespace', async () => {
    const { wrapper } = await mountNodes()
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'By namespace')!
      .trigger('click')
    const groups = wrapper.findAll('[data-testid="namespace-box"]')
    expect(groups.map((g) => g.attributes('data-namespace'))).toEqual(['default', 'kube-system'])
    expect(groups[0].findAll('[data-testid="pod"]')).toHaveLength(2)
    expect(wrapper.find('[data-testid="node-box"]').exists()).toBe(false)
  })

  it('shows a failed subscription as an error', async () => {
    const { wrapper, fake } = await mountNodes()
    fake.fail('pods', 'The cluster is starting (API server); try again in a moment')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('The cluster is starting')
  })
})
