import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  KubeconfigError,
  mergeIntoUserKubeconfig,
  readKubeconfigCredentials,
  removeFromUserKubeconfig,
  userKubeconfigPath,
  writeKubeconfig
} from '../../../src/main/kubeconfig'

// Every test runs against a temporary HOME and KUBECONFIG: the real ~/.kube/config is never read
// or written (the env is passed explicitly; process.env is not consulted).
let home: string
let env: NodeJS.ProcessEnv
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'kd-kubeconfig-'))
  env = { HOME: home, KUBECONFIG: join(home, 'kube', 'config') }
})
afterEach(() => rmSync(home, { recursive: true, force: true }))

const CA = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n'
const creds = { server: 'https://127.0.0.1:6443', caCert: CA, token: 'secret-token' }

/** A user's kubeconfig with another cluster, a comment and fields KubeDesk does not know. */
const EXISTING = `# my clusters — do not lose this comment
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example.com
    certificate-authority-data: UFJPRA==
    tls-server-name: prod-api
users:
- name: prod-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token]
contexts:
- name: prod
  context:
    cluster: prod
    user: prod-admin
    namespace: shop
current-context: prod
preferences:
  colors: true
extensions:
- name: some-tool
  extension: { answer: 42 }
`

interface Named {
  name: string
  [k: string]: unknown
}
interface Config {
  clusters: Named[]
  users: Named[]
  contexts: Named[]
  'current-context'?: string
  [k: string]: unknown
}
const read = (file: string): Config => parse(readFileSync(file, 'utf8')) as Config
const names = (list: Named[] | null): string[] => (list ?? []).map((e) => e.name)

describe('userKubeconfigPath', () => {
  it("is $KUBECONFIG's first file, else ~/.kube/config", () => {
    expect(userKubeconfigPath({ HOME: '/h', KUBECONFIG: '/a/one:/b/two' })).toBe('/a/one')
    expect(userKubeconfigPath({ HOME: '/h', KUBECONFIG: '::/b/two' })).toBe('/b/two')
    expect(userKubeconfigPath({ HOME: '/h' })).toBe('/h/.kube/config')
    expect(userKubeconfigPath({ HOME: '/h', KUBECONFIG: '' })).toBe('/h/.kube/config')
  })
})

describe('writeKubeconfig', () => {
  it('writes a complete kubeconfig, private to the user', () => {
    const file = join(home, 'data', 'kubeconfig')
    writeKubeconfig(file, creds)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const config = read(file)
    expect(config).toMatchObject({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'kubedesk',
      clusters: [
        {
          name: 'kubedesk',
          cluster: {
            server: creds.server,
            'certificate-authority-data': Buffer.from(CA).toString('base64')
          }
        }
      ],
      users: [{ name: 'kubedesk', user: { token: 'secret-token' } }],
      contexts: [{ name: 'kubedesk', context: { cluster: 'kubedesk', user: 'kubedesk' } }]
    })
    expect(readKubeconfigCredentials(file)).toEqual({
      ...creds,
      caCert: CA.trim(),
      name: 'kubedesk'
    })
  })
})

describe('mergeIntoUserKubeconfig', () => {
  it('creates the file and its directory (0600) and sets the context when there was none', async () => {
    const result = await mergeIntoUserKubeconfig(creds, env)
    expect(result).toMatchObject({
      file: env.KUBECONFIG,
      context: 'kubedesk',
      currentContextSet: true
    })
    expect(statSync(env.KUBECONFIG!).mode & 0o777).toBe(0o600)
    const config = read(env.KUBECONFIG!)
    expect(config['current-context']).toBe('kubedesk')
    expect(names(config.clusters)).toEqual(['kubedesk'])
    expect(existsSync(`${env.KUBECONFIG}.lock`)).toBe(false)
  })

  it('uses ~/.kube/config when $KUBECONFIG is unset', async () => {
    const result = await mergeIntoUserKubeconfig(creds, { HOME: home })
    expect(result.file).toBe(join(home, '.kube', 'config'))
    expect(names(read(result.file).contexts)).toEqual(['kubedesk'])
  })

  it('keeps other entries, comments, unknown fields and the current context', async () => {
    mkdirSync(join(home, 'kube'))
    writeFileSync(env.KUBECONFIG!, EXISTING, { mode: 0o640 })
    const result = await mergeIntoUserKubeconfig(creds, env)
    expect(result.currentContextSet).toBe(false)
    expect(result.currentContext).toBe('prod')

    const text = readFileSync(env.KUBECONFIG!, 'utf8')
    expect(text).toContain('# my clusters — do not lose this comment')
    const config = read(env.KUBECONFIG!)
    expect(config['current-context']).toBe('prod')
    expect(names(config.clusters)).toEqual(['prod', 'kubedesk'])
    expect(names(config.users)).toEqual(['prod-admin', 'kubedesk'])
    expect(names(config.contexts)).toEqual(['prod', 'kubedesk'])
    const before = parse(EXISTING) as Config
    expect(config.clusters[0]).toEqual(before.clusters[0])
    expect(config.users[0]).toEqual(before.users[0])
    expect(config.contexts[0]).toEqual(before.contexts[0])
    expect(config.preferences).toEqual({ colors: true })
    expect(config.extensions).toEqual(before.extensions)
    // The user's mode is kept.
    expect(statSync(env.KUBECONFIG!).mode & 0o777).toBe(0o640)
  })

  it('replaces only the entries named kubedesk on a second up (new port, new token)', async () => {
    mkdirSync(join(home, 'kube'))
    writeFileSync(env.KUBECONFIG!, EXISTING)
    await mergeIntoUserKubeconfig(creds, env)
    await mergeIntoUserKubeconfig(
      { ...creds, server: 'https://127.0.0.1:40000', token: 'new-token' },
      env
    )
    const config = read(env.KUBECONFIG!)
    expect(names(config.clusters)).toEqual(['prod', 'kubedesk'])
    expect(config.clusters[1]).toMatchObject({ cluster: { server: 'https://127.0.0.1:40000' } })
    expect(config.users[1]).toEqual({ name: 'kubedesk', user: { token: 'new-token' } })
  })

  it('does not set current-context when another $KUBECONFIG file sets one', async () => {
    const other = join(home, 'other-config')
    writeFileSync(other, 'apiVersion: v1\nkind: Config\ncurrent-context: prod\n')
    const result = await mergeIntoUserKubeconfig(creds, {
      HOME: home,
      KUBECONFIG: `${env.KUBECONFIG}:${other}`
    })
    expect(result.currentContextSet).toBe(false)
    expect(read(env.KUBECONFIG!)['current-context']).toBeFalsy()
  })

  it('accepts the empty lists kubectl writes as null', async () => {
    mkdirSync(join(home, 'kube'))
    writeFileSync(
      env.KUBECONFIG!,
      'apiVersion: v1\nclusters: null\ncontexts: null\ncurrent-context: ""\nkind: Config\nusers: null\n'
    )
    await mergeIntoUserKubeconfig(creds, env)
    const config = read(env.KUBECONFIG!)
    expect(names(config.users)).toEqual(['kubedesk'])
    expect(config['current-context']).toBe('kubedesk')
  })

  it('follows a symlinked kubeconfig instead of replacing the link', async () => {
    const real = join(home, 'dotfiles-config')
    writeFileSync(real, EXISTING)
    mkdirSync(join(home, 'kube'))
    symlinkSync(real, env.KUBECONFIG!)
    await mergeIntoUserKubeconfig(creds, env)
    expect(names(read(real).clusters)).toEqual(['prod', 'kubedesk'])
  })

  it.each([
    ['broken YAML', 'clusters: [\n  - name: x\n', /it is not valid YAML/],
    ['a list at the top', '- a\n- b\n', /its top level is not a mapping/],
    ['clusters not a list', 'apiVersion: v1\nclusters: {prod: 1}\n', /its 'clusters' is not a list/]
  ])(
    '%s: a readable error naming the file, and the file is not overwritten',
    async (_, text, message) => {
      mkdirSync(join(home, 'kube'))
      writeFileSync(env.KUBECONFIG!, text)
      const merge = mergeIntoUserKubeconfig(creds, env)
      await expect(merge).rejects.toThrow(KubeconfigError)
      await expect(merge).rejects.toThrow(`cannot use the kubeconfig ${env.KUBECONFIG}`)
      await expect(merge).rejects.toThrow(message)
      expect(readFileSync(env.KUBECONFIG!, 'utf8')).toBe(text)
      expect(existsSync(`${env.KUBECONFIG}.lock`)).toBe(false)
    }
  )
})

describe('removeFromUserKubeconfig', () => {
  it('undoes the merge exactly: the file reads as before', async () => {
    mkdirSync(join(home, 'kube'))
    writeFileSync(env.KUBECONFIG!, EXISTING)
    await mergeIntoUserKubeconfig(creds, env)
    const result = await removeFromUserKubeconfig({ match: { caCert: CA } }, env)
    expect(result.removed).toEqual(['cluster kubedesk', 'user kubedesk', 'context kubedesk'])
    expect(read(env.KUBECONFIG!)).toEqual(parse(EXISTING))
    expect(readFileSync(env.KUBECONFIG!, 'utf8')).toContain('do not lose this comment')
  })

  it('clears current-context when it was ours', async () => {
    await mergeIntoUserKubeconfig(creds, env)
    const result = await removeFromUserKubeconfig({}, env)
    expect(result.removed).toContain('current-context')
    const config = read(env.KUBECONFIG!)
    expect(config['current-context']).toBeUndefined()
    expect(names(config.clusters)).toEqual([])
  })

  it('leaves entries another KubeDesk has since written (a different CA)', async () => {
    await mergeIntoUserKubeconfig({ ...creds, caCert: 'OTHER CA' }, env)
    const result = await removeFromUserKubeconfig({ match: { caCert: CA } }, env)
    expect(result.removed).toEqual([])
    expect(result.keptBecause).toMatch(/another CA/)
    expect(names(read(env.KUBECONFIG!).clusters)).toEqual(['kubedesk'])
  })

  it('is a no-op when the file does not exist (and does not create it)', async () => {
    expect((await removeFromUserKubeconfig({}, env)).removed).toEqual([])
    expect(existsSync(env.KUBECONFIG!)).toBe(false)
  })
})
