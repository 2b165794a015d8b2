// @vitest-environment happy-dom
/** The Deploy view's YAML tab: CodeMirror editor, live diagnostics, Apply and its results. */
import { forceLinting, forEachDiagnostic } from '@codemirror/lint'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { EditorView } from 'codemirror'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import { STARTER_YAML } from '../../src/renderer/src/components/deploy/starter-template'
import DeployView from '../../src/renderer/src/views/DeployView.vue'
import type { ApplyResult, DesktopCalls } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

let fake: FakeDesktopApi
let wrapper: VueWrapper | undefined

beforeEach(() => {
  location.hash = ''
  setActivePinia(createPinia())
})
afterEach(() => wrapper?.unmount())

async function openYamlTab(applyYaml: DesktopCalls['applyYaml']) {
  fake = createFakeDesktopApi({ applyYaml })
  wrapper = mount(DeployView, {
    attachTo: document.body,
    global: { provide: { [desktopApiKey as symbol]: fake.api } }
  })
  expect(wrapper.find('[data-testid="yaml-editor"]').exists()).toBe(false)
  await wrapper
    .findAll('button')
    .find((b) => b.text() === 'YAML')!
    .trigger('click')
  const editor = wrapper.find('[data-testid="yaml-editor"] .cm-editor')
  expect(editor.exists()).toBe(true)
  return { w: wrapper, view: EditorView.findFromDOM(editor.element as HTMLElement)! }
}

const type = (view: EditorView, text: string) =>
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } })
const messages = (view: EditorView) => {
  const out: string[] = []
  forEachDiagnostic(view.state, (d) => out.push(d.message))
  return out
}
const applyButton = (w: VueWrapper) => w.findAll('button').find((b) => b.text() === 'Apply')!

const configMap = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: prod
`

describe('DeployView YAML tab', () => {
  it('starts from the template and applies what is in the editor', async () => {
    const results: ApplyResult[] = [
      { kind: 'Deployment', namespace: 'default', name: 'hello', outcome: 'created', document: 1 },
      { kind: 'Service', namespace: 'default', name: 'hello', outcome: 'unchanged', document: 2 },
      {
        kind: 'ConfigMap',
        namespace: 'default',
        name: 'settings',
        outcome: 'failed',
        message: 'forbidden: exceeded quota',
        code: 403,
        document: 3
      }
    ]
    const { w, view } = await openYamlTab(async () => results)
    expect(view.state.doc.toString()).toBe(STARTER_YAML)

    const text = `${STARTER_YAML}---\n${configMap}`
    type(view, text)
    await applyButton(w).trigger('click')
    await flushPromises()

    expect(fake.calls.filter((c) => c.name === 'applyYaml').at(-1)?.input).toEqual({ yaml: text })
    const shown = w.findAll('[data-testid="apply-result"]')
    expect(shown.map((r) => r.attributes('data-outcome'))).toEqual([
      'created',
      'unchanged',
      'failed'
    ])
    expect(shown[0].text()).toContain('Deployment default/hello')
    expect(shown[2].text()).toContain('forbidden: exceeded quota')
  })

  it('shows a rejected apply as an error', async () => {
    const { w } = await openYamlTab(async () => {
      throw new Error('the cluster is starting (API server)')
    })
    await applyButton(w).trigger('click')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toBe('the cluster is starting (API server)')
    expect(w.findAll('[data-testid="apply-result"]')).toHaveLength(0)
  })

  it('underlines a missing name without asking the server', async () => {
    const applyYaml = vi.fn(async () => [] as ApplyResult[])
    const { view } = await openYamlTab(applyYaml)
    type(view, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n')
    forceLinting(view)
    await vi.waitFor(() => expect(messages(view)).toEqual(['metadata.name is required']))
    expect(applyYaml).not.toHaveBeenCalled()
  })

  it("shows the server's dry-run refusal on the document", async () => {
    const applyYaml = vi.fn(async (input: { yaml: string; dryRun?: boolean }) =>
      input.dryRun
        ? [
            {
              kind: 'ConfigMap',
              name: 'settings',
              outcome: 'failed',
              message: 'data: Too long',
              document: 1
            } satisfies ApplyResult
          ]
        : []
    )
    const { view } = await openYamlTab(applyYaml)
    type(view, configMap)
    forceLinting(view)
    await vi.waitFor(() => expect(messages(view)).toEqual(['ConfigMap settings: data: Too long']))
    expect(applyYaml).toHaveBeenCalledWith({ yaml: configMap, dryRun: true })
  })
})
