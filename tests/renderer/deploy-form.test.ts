// @vitest-environment happy-dom
/** The Deploy form: validation next to the fields, the DeployInput it sends, where it goes next. */
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import {
  emptyDeployForm,
  parseCommand,
  toDeployInput,
  validateDeployForm,
  type DeployFormValues
} from '../../src/renderer/src/components/deploy/deploy-form'
import DeployView from '../../src/renderer/src/views/DeployView.vue'
import { useNavStore } from '../../src/renderer/src/stores/nav'
import type { DeployInput, DeployResult } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

const form = (overrides: Partial<DeployFormValues>): DeployFormValues => ({
  ...emptyDeployForm(),
  name: 'web',
  image: 'nginx:1.27',
  ...overrides
})

describe('validateDeployForm', () => {
  it.each([
    [{ name: 'Web_1' }, 'name', /lowercase letters/],
    [{ name: '' }, 'name', /required/],
    [{ name: 'a'.repeat(64) }, 'name', /63/],
    [{ name: '1web', expose: true, port: '80' }, 'name', /start with a letter/],
    [{ image: '' }, 'image', /required/],
    [{ replicas: '1.5' }, 'replicas', /whole number/],
    [{ replicas: '1001' }, 'replicas', /0 to 1000/],
    [{ port: '0' }, 'port', /1 to 65535/],
    [{ port: '70000' }, 'port', /1 to 65535/],
    [{ port: 'http' }, 'port', /whole number/],
    [{ expose: true }, 'port', /required to expose/],
    [{ cpu: '250Mi' }, 'cpu', /like 250m/],
    [{ memory: '128 MB' }, 'memory', /like 128Mi/],
    [{ env: 'A=1\nnot a pair' }, 'env', /line 2: expected NAME=value/],
    [{ env: 'A=1\nA=2' }, 'env', /set twice/],
    [{ namespace: 'Prod' }, 'namespace', /lowercase/],
    [{ command: "sh -c 'sleep" }, 'command', /unclosed/]
  ] as const)('%o is refused on %s', (overrides, field, message) => {
    const errors = validateDeployForm(form(overrides))
    expect(errors[field]).toMatch(message)
  })

  it('accepts a full, valid form', () => {
    const values = form({ port: '8080', cpu: '250m', memory: '128Mi', expose: true, env: 'A=1' })
    expect(validateDeployForm(values)).toEqual({})
  })
})

describe('toDeployInput', () => {
  it('parses numbers, environment lines and the command', () => {
    const input = toDeployInput(
      form({
        replicas: '3',
        port: '8080',
        env: 'LOG_LEVEL=debug\n\nGREETING=a=b c\n',
        cpu: '250m',
        memory: '128Mi',
        expose: true,
        serviceType: 'NodePort',
        namespace: 'shop',
        command: `sh -c "echo hi; sleep 3600"`
      })
    )
    expect(input).toEqual<DeployInput>({
      name: 'web',
      image: 'nginx:1.27',
      replicas: 3,
      namespace: 'shop',
      port: 8080,
      env: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'GREETING', value: 'a=b c' }
      ],
      cpu: '250m',
      memory: '128Mi',
      expose: true,
      serviceType: 'NodePort',
      command: ['sh', '-c', 'echo hi; sleep 3600']
    })
  })

  it('leaves optional fields out when empty', () => {
    expect(toDeployInput(form({}))).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      replicas: 1,
      namespace: 'default',
      env: [],
      expose: false
    })
  })

  it('splits commands on spaces, keeping quoted words', () => {
    expect(parseCommand(`  sleep   3600 `)).toEqual(['sleep', '3600'])
    expect(parseCommand(`echo '' "a b"`)).toEqual(['echo', '', 'a b'])
  })
})

describe('DeployView form', () => {
  let fake: FakeDesktopApi
  let wrapper: VueWrapper | undefined
  const deployed: DeployResult = {
    namespace: 'shop',
    name: 'web',
    selector: 'app=web',
    results: [
      { kind: 'Deployment', namespace: 'shop', name: 'web', outcome: 'created', document: 1 }
    ]
  }

  beforeEach(() => {
    location.hash = ''
    setActivePinia(createPinia())
  })
  afterEach(() => wrapper?.unmount())

  function mountView(handlers: Parameters<typeof createFakeDesktopApi>[0]) {
    fake = createFakeDesktopApi(handlers)
    wrapper = mount(DeployView, {
      attachTo: document.body,
      global: { provide: { [desktopApiKey as symbol]: fake.api } }
    })
    return wrapper
  }
  const field = (w: VueWrapper, label: string) => {
    const id = w
      .findAll('label')
      .find((l) => l.text().trim() === label)
      ?.attributes('for')
    if (!id) throw new Error(`no field labelled ${label}`)
    return w.find(`#${id}`)
  }
  const deployButton = (w: VueWrapper) => w.findAll('button').find((b) => b.text() === 'Deploy')!

  it('shows messages next to bad fields and does not deploy', async () => {
    const w = mountView({ deploy: async () => deployed })
    await field(w, 'Name').setValue('My App')
    await field(w, 'Image').setValue('nginx')
    await field(w, 'Port').setValue('99999')
    await deployButton(w).trigger('click')
    await flushPromises()

    const errors = w.findAll('[role="alert"]').map((e) => e.text())
    expect(errors).toContainEqual(expect.stringMatching(/^Name must be lowercase/))
    expect(errors).toContainEqual('Port must be from 1 to 65535')
    expect(field(w, 'Name').attributes('aria-describedby')).toBe('deploy-name-error')
    expect(fake.calls.filter((c) => c.name === 'deploy')).toHaveLength(0)

    // Fixing a field clears its message.
    await field(w, 'Port').setValue('8080')
    expect(w.text()).not.toContain('Port must be')
  })

  it('deploys what was typed and shows the new pods in the Nodes view', async () => {
    const w = mountView({ deploy: async () => deployed })
    await field(w, 'Name').setValue('web')
    await field(w, 'Image').setValue('nginx:1.27')
    await field(w, 'Replicas').setValue('2')
    await field(w, 'Port').setValue('80')
    await field(w, 'Environment').setValue('MODE=prod\nDEBUG=0')
    await field(w, 'CPU').setValue('100m')
    await field(w, 'Memory').setValue('64Mi')
    await field(w, 'Namespace').setValue('shop')
    await w.find('input[type="checkbox"]').setValue(true)
    await deployButton(w).trigger('click')
    await flushPromises()

    expect(fake.calls.find((c) => c.name === 'deploy')?.input).toEqual({
      name: 'web',
      image: 'nginx:1.27',
      replicas: 2,
      namespace: 'shop',
      port: 80,
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'DEBUG', value: '0' }
      ],
      cpu: '100m',
      memory: '64Mi',
      expose: true,
      serviceType: 'ClusterIP'
    })
    expect(useNavStore().route).toEqual({
      view: 'nodes',
      query: { namespace: 'shop', selector: 'app=web' }
    })
  })

  it('shows the host error and stays', async () => {
    const w = mountView({
      deploy: async () => {
        throw new Error('deployments.apps "web" already exists')
      }
    })
    await field(w, 'Name').setValue('web')
    await field(w, 'Image').setValue('nginx')
    await deployButton(w).trigger('click')
    await flushPromises()
    expect(w.find('[role="alert"]').text()).toBe('deployments.apps "web" already exists')
    expect(useNavStore().route.view).not.toBe('nodes')
  })

  it('lists per-object results when an object failed', async () => {
    const w = mountView({
      deploy: async () => ({
        ...deployed,
        results: [
          deployed.results[0],
          {
            kind: 'Service',
            namespace: 'shop',
            name: 'web',
            outcome: 'failed',
            message: 'port already allocated',
            document: 2
          }
        ]
      })
    })
    await field(w, 'Name').setValue('web')
    await field(w, 'Image').setValue('nginx')
    await deployButton(w).trigger('click')
    await flushPromises()
    const results = w.findAll('[data-testid="apply-result"]')
    expect(results.map((r) => r.attributes('data-outcome'))).toEqual(['created', 'failed'])
    expect(results[1].text()).toContain('port already allocated')
    expect(useNavStore().route.view).not.toBe('nodes')
  })
})
