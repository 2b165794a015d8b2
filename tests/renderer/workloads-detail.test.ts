// @vitest-environment happy-dom
/** The Workloads detail panel: what it shows, its actions, Edit, and following the live row. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { EditorView } from 'codemirror'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import WorkloadsView from '../../src/renderer/src/views/WorkloadsView.vue'
import type { DesktopCalls, ResourceRow, WorkloadActionInput } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'
import { deploymentColumns, deploymentDetail, deploymentRow } from './workloads-fixtures'

let fake: FakeDesktopApi
let wrapper: VueWrapper | undefined
const web = { kind: 'Deployment', namespace: 'default', name: 'web' }

beforeEach(() => {
  location.hash = ''
  setActivePinia(createPinia())
})
afterEach(() => wrapper?.unmount())

/** Mounts the view with `rows` listed and opens the detail of the first. */
async function openDetail(handlers: Partial<DesktopCalls> = {}, rows = [deploymentRow('web')]) {
  fake = createFakeDesktopApi({
    listNamespaces: async () => ['default'],
    getResource: async ({ ref }) => ({ ...deploymentDetail(ref.name), ref }),
    workloadAction: async (input) => ({ message: `${input.action} done` }),
    ...handlers
  })
  useNavStore().go('workloads', { kind: rows[0].kind })
  wrapper = mount(WorkloadsView, {
    attachTo: document.body,
    global: { provide: { [desktopApiKey as symbol]: fake.api } }
  })
  await flushPromises()
  fake.emit('resources', { reset: true, columns: deploymentColumns, items: rows }, {
    kind: rows[0].kind
  } as never)
  await flushPromises()
  await wrapper.find(`[data-name="${rows[0].name}"]`).trigger('click')
  await flushPromises()
  return { w: wrapper, panel: () => wrapper!.find('[data-testid="detail-panel"]') }
}

const button = (w: VueWrapper, text: string) => w.findAll('button').find((b) => b.text() === text)
const gets = () => fake.calls.filter((c) => c.name === 'getResource').map((c) => c.input)
const actions = () =>
  fake.calls.filter((c) => c.name === 'workloadAction').map((c) => c.input as WorkloadActionInput)

describe('WorkloadsView detail panel', () => {
  it('shows the YAML, conditions, events and related objects of the clicked row', async () => {
    const { w, panel } = await openDetail()
    expect(gets()).toEqual([{ ref: web }])
    expect(w.find('[data-name="web"]').attributes('aria-selected')).toBe('true')
    expect(panel().find('[data-testid="detail-yaml"]').text()).toContain('replicas: 2')
    expect(panel().find('[data-testid="detail-conditions"]').text()).toContain(
      'MinimumReplicasAvailable'
    )
    expect(panel().find('[data-testid="detail-events"]').text()).toContain(
      'Scaled up replica set web-5d8f7 to 2'
    )
    expect(panel().find('[data-testid="related-object"]').text()).toBe(
      'ReplicaSet default/web-5d8f7'
    )
  })

  it('opens a related object, switching the list to its kind', async () => {
    const { panel } = await openDetail()
    await panel().find('[data-testid="related-object"]').trigger('click')
    await flushPromises()
    expect(gets().at(-1)).toEqual({
      ref: { kind: 'ReplicaSet', namespace: 'default', name: 'web-5d8f7' }
    })
    expect(panel().find('h3').text()).toContain('default/web-5d8f7')
    const listed = fake.subscriptions.filter((s) => s.topic === 'resources').map((s) => s.params)
    expect(listed).toContainEqual({ kind: 'ReplicaSet' })
  })

  it('scales to the typed number, shows the answer and reloads', async () => {
    const { w, panel } = await openDetail()
    const replicas = panel()
      .findAll('label')
      .find((l) => l.text().startsWith('Replicas'))!
      .find('input')
    expect((replicas.element as HTMLInputElement).value).toBe('2')
    await replicas.setValue('5')
    await button(w, 'Scale')!.trigger('click')
    await flushPromises()
    expect(actions()).toEqual([{ action: 'scale', ref: web, replicas: 5 }])
    expect(panel().find('[role="status"]').text()).toBe('scale done')
    expect(gets()).toHaveLength(2)

    await replicas.setValue('many')
    await button(w, 'Scale')!.trigger('click')
    expect(panel().find('[role="alert"]').text()).toBe('Replicas must be a whole number')
    expect(actions()).toHaveLength(1)
  })

  it('restarts and rolls back, showing errors', async () => {
    const { w, panel } = await openDetail({
      workloadAction: async (input) => {
        if (input.action === 'rollback') throw new Error('no rollout history found')
        return { message: 'deployment.apps/web restarted' }
      }
    })
    await button(w, 'Restart')!.trigger('click')
    await flushPromises()
    expect(panel().find('[role="status"]').text()).toBe('deployment.apps/web restarted')
    await button(w, 'Roll back')!.trigger('click')
    await flushPromises()
    expect(actions()).toEqual([
      { action: 'restart', ref: web },
      { action: 'rollback', ref: web }
    ])
    expect(panel().find('[role="alert"]').text()).toBe('no rollout history found')
    expect(panel().find('[role="status"]').exists()).toBe(false)
  })

  it('offers only the actions a kind supports', async () => {
    const pod: ResourceRow = { ...deploymentRow('web-1'), kind: 'Pod', key: 'p' }
    const { w, panel } = await openDetail({}, [pod])
    expect(panel().find('h3').text()).toContain('Pod')
    expect(button(w, 'Delete')).toBeDefined()
    expect(button(w, 'Scale')).toBeUndefined()
    expect(button(w, 'Restart')).toBeUndefined()
    expect(button(w, 'Roll back')).toBeUndefined()
  })

  it('asks before deleting, then says the object is gone', async () => {
    let exists = true
    const { w, panel } = await openDetail({
      getResource: async ({ ref }) => {
        if (!exists) throw new Error('deployments.apps "web" not found')
        return { ...deploymentDetail(ref.name), ref }
      },
      workloadAction: async () => {
        exists = false
        return { message: 'deployment.apps/web deleted' }
      }
    })
    await button(w, 'Delete')!.trigger('click')
    expect(actions()).toEqual([])
    expect(panel().find('[data-testid="delete-confirm"]').text()).toContain(
      'Delete Deployment default/web?'
    )
    await button(w, 'Cancel')!.trigger('click')
    expect(panel().find('[data-testid="delete-confirm"]').exists()).toBe(false)
    expect(actions()).toEqual([])

    await button(w, 'Delete')!.trigger('click')
    await button(w, 'Yes, delete')!.trigger('click')
    await flushPromises()
    expect(actions()).toEqual([{ action: 'delete', ref: web }])
    expect(panel().find('[role="status"]').text()).toBe('deployment.apps/web deleted')
    expect(panel().text()).toContain('Deployment default/web no longer exists.')
    expect(panel().find('[role="alert"]').exists()).toBe(false)
    expect(panel().find('[data-testid="detail-yaml"]').exists()).toBe(false)
  })

  it('edits the YAML in the editor and saves it as a replace', async () => {
    const { w, panel } = await openDetail()
    expect(panel().find('[data-testid="yaml-editor"]').exists()).toBe(false)
    await button(w, 'Edit')!.trigger('click')
    const editor = panel().find('[data-testid="yaml-editor"] .cm-editor')
    const view = EditorView.findFromDOM(editor.element as HTMLElement)!
    expect(view.state.doc.toString()).toBe(deploymentDetail('web').yaml)

    const edited = deploymentDetail('web').yaml.replace('replicas: 2', 'replicas: 4')
    view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: edited } })
    await button(w, 'Save')!.trigger('click')
    await flushPromises()
    expect(actions()).toEqual([{ action: 'replace', yaml: edited }])
    expect(panel().find('[data-testid="yaml-editor"]').exists()).toBe(false)
    expect(panel().find('[role="status"]').text()).toBe('replace done')
    expect(gets()).toHaveLength(2)
  })

  it('keeps the draft when the replace is refused', async () => {
    const { w, panel } = await openDetail({
      workloadAction: async () => {
        throw new Error('Operation cannot be fulfilled: the object has been modified')
      }
    })
    await button(w, 'Edit')!.trigger('click')
    await button(w, 'Save')!.trigger('click')
    await flushPromises()
    expect(panel().find('[role="alert"]').text()).toContain('the object has been modified')
    expect(panel().find('[data-testid="yaml-editor"]').exists()).toBe(true)
  })

  it('reloads when the row changes and shows a load error', async () => {
    let replicas = 2
    const { panel } = await openDetail({
      getResource: async ({ ref }) => {
        if (replicas < 0) throw new Error('deployments.apps "web" not found')
        return { ...deploymentDetail(ref.name, replicas), ref }
      }
    })
    replicas = 3
    fake.emit(
      'resources',
      { reset: false, upserts: [deploymentRow('web', '3/3')], deletes: [] },
      { kind: 'Deployment' }
    )
    await flushPromises()
    expect(gets()).toHaveLength(2)
    expect(panel().find('[data-testid="detail-yaml"]').text()).toContain('replicas: 3')

    // Another row's change does not reload this detail.
    fake.emit(
      'resources',
      { reset: false, upserts: [deploymentRow('api')], deletes: [] },
      { kind: 'Deployment' }
    )
    await flushPromises()
    expect(gets()).toHaveLength(2)

    replicas = -1
    fake.emit(
      'resources',
      { reset: false, upserts: [deploymentRow('web', '0/3')], deletes: [] },
      { kind: 'Deployment' }
    )
    await flushPromises()
    expect(panel().find('[role="alert"]').text()).toBe('deployments.apps "web" not found')
  })
})
