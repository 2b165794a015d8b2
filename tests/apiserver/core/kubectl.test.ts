/**
 * The real kubectl (/usr/bin/kubectl v1.32) against the server, through a kubeconfig: the core
 * everyday commands and the messages kubectl prints for the server's errors.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestServer, type TestServer } from './test-server'

let t: TestServer
beforeAll(async () => {
  t = await startTestServer()
})
afterAll(async () => {
  await t?.close()
})

const manifest = (replicas: number, image: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: ${image}
        ports:
        - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
`

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await t.kubectl(args, stdin)
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`)
  return r.stdout
}

describe('kubectl', () => {
  it('lists the built-in namespaces', async () => {
    const out = await ok(['get', 'ns'])
    expect(out.split('\n')[0]).toMatch(/^NAME\s+STATUS\s+AGE/)
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      expect(out).toMatch(new RegExp(`^${ns}\\s+Active`, 'm'))
    }
  })

  it('applies a multi-document manifest and applies it again after a change', async () => {
    const first = await ok(['apply', '-f', '-'], manifest(2, 'nginx:1.27'))
    expect(first).toContain('namespace/shop created')
    expect(first).toContain('deployment.apps/web created')
    expect(first).toContain('service/web created')
    expect(first).toContain('configmap/settings created')
    const second = await ok(['apply', '-f', '-'], manifest(3, 'nginx:1.28'))
    expect(second).toContain('deployment.apps/web configured')
    expect(second).toContain('configmap/settings unchanged')
    const fields = await ok([
      'get',
      'deploy',
      'web',
      '-n',
      'shop',
      '-o',
      'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image} {.metadata.generation}'
    ])
    expect(fields).toBe('3 nginx:1.28 2')
  })

  it('prints every output format', async () => {
    const table = await ok(['get', 'deploy', '-n', 'shop'])
    expect(table).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE/)
    expect(await ok(['get', 'deploy', '-n', 'shop', '-o', 'name'])).toBe('deployment.apps/web\n')
    const asJson = JSON.parse(await ok(['get', 'cm', 'settings', '-n', 'shop', '-o', 'json']))
    expect(asJson.data).toEqual({ mode: 'fast' })
    expect(await ok(['get', 'cm', 'settings', '-n', 'shop', '-o', 'yaml'])).toMatch(
      /^ {2}mode: fast$/m
    )
    await ok(['run', 'solo', '--image=busybox', '-n', 'shop'])
    const wide = await ok(['get', 'pods', '-n', 'shop', '-o', 'wide'])
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/)
    expect(wide).toMatch(/^solo\s+0\/1\s+Pending/m)
    const all = await ok(['get', 'all', '-n', 'shop'])
    expect(all).toContain('pod/solo')
    expect(all).toContain('service/web')
    expect(all).toContain('deployment.apps/web')
  })

  it('labels, annotates and patches with each patch type', async () => {
    await ok(['label', 'cm', 'settings', '-n', 'shop', 'tier=gold'])
    await ok(['annotate', 'cm', 'settings', '-n', 'shop', 'note=hello'])
    expect(await ok(['get', 'cm', '-n', 'shop', '-l', 'tier in (gold,silver)', '-o', 'name'])).toBe(
      'configmap/settings\n'
    )
    await ok([
      'patch',
      'deploy',
      'web',
      '-n',
      'shop',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":1}]'
    ])
    await ok([
      'patch',
      'deploy',
      'web',
      '-n',
      'shop',
      '--type=merge',
      '-p',
      '{"metadata":{"labels":{"m":"1"}}}'
    ])
    await ok([
      'patch',
      'deploy',
      'web',
      '-n',
      'shop',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox"}]}}}}'
    ])
    const out = await ok([
      'get',
      'deploy',
      'web',
      '-n',
      'shop',
      '-o',
      'jsonpath={.spec.replicas} {.metadata.labels.m} {.spec.template.spec.containers[*].name}'
    ])
    expect(out).toBe('1 1 sidecar web')
    await ok(['scale', 'deploy', 'web', '-n', 'shop', '--replicas=4'])
    expect(
      await ok(['get', 'deploy', 'web', '-n', 'shop', '-o', 'jsonpath={.spec.replicas}'])
    ).toBe('4')
  })

  it('applies server-side with conflicts between managers', async () => {
    const cm = (value: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: shop\ndata:\n  key: "${value}"\n`
    expect(await ok(['apply', '--server-side', '-f', '-'], cm('a'))).toContain('serverside-applied')
    const clash = await t.kubectl(
      ['apply', '--server-side', '--field-manager=other', '-f', '-'],
      cm('b')
    )
    expect(clash.code).not.toBe(0)
    expect(clash.stderr).toMatch(/conflict/i)
    await ok(
      ['apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-'],
      cm('b')
    )
    expect(await ok(['get', 'cm', 'ssa', '-n', 'shop', '-o', 'jsonpath={.data.key}'])).toBe('b')
  })

  it('replaces and deletes with each propagation policy', async () => {
    const file = join(t.dir, 'cm.yaml')
    writeFileSync(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: repl\n  namespace: shop\ndata:\n  a: "1"\n'
    )
    await ok(['create', '-f', file])
    writeFileSync(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: repl\n  namespace: shop\ndata:\n  a: "2"\n'
    )
    expect(await ok(['replace', '-f', file])).toContain('configmap/repl replaced')
    expect(await ok(['delete', '-f', file])).toContain('configmap "repl" deleted')
    await ok(['create', '-f', file])
    await ok(['delete', 'cm', 'repl', '-n', 'shop', '--cascade=orphan', '--wait=false'])
    expect(
      await ok(['get', 'cm', 'repl', '-n', 'shop', '-o', 'jsonpath={.metadata.finalizers}'])
    ).toContain('orphan')
    await ok(['delete', 'cm', 'settings', '-n', 'shop', '--cascade=foreground', '--wait=false'])
    expect(
      await ok(['get', 'cm', 'settings', '-n', 'shop', '-o', 'jsonpath={.metadata.finalizers}'])
    ).toContain('foregroundDeletion')
    await ok(['delete', 'svc', 'web', '-n', 'shop', '--cascade=background'])
    expect((await t.kubectl(['get', 'svc', 'web', '-n', 'shop'])).code).not.toBe(0)
  })

  it('creates objects with the generators (protobuf request bodies)', async () => {
    expect(await ok(['create', 'namespace', 'gen'])).toBe('namespace/gen created\n')
    await ok(['create', 'configmap', 'gen-cm', '-n', 'gen', '--from-literal=a=1'])
    await ok(['create', 'secret', 'generic', 'gen-secret', '-n', 'gen', '--from-literal=p=x'])
    await ok(['create', 'deployment', 'gen-d', '-n', 'gen', '--image=nginx', '--replicas=0'])
    await ok(['create', 'service', 'clusterip', 'gen-svc', '-n', 'gen', '--tcp=80:8080'])
    expect(await ok(['get', 'cm', 'gen-cm', '-n', 'gen', '-o', 'jsonpath={.data.a}'])).toBe('1')
    expect(await ok(['get', 'secret', 'gen-secret', '-n', 'gen', '-o', 'jsonpath={.data.p}'])).toBe(
      Buffer.from('x').toString('base64')
    )
    const d = JSON.parse(await ok(['get', 'deploy', 'gen-d', '-n', 'gen', '-o', 'json']))
    expect(d.spec.replicas).toBe(0)
    expect(d.metadata.creationTimestamp).toMatch(/Z$/)
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx' })
    const svc = JSON.parse(await ok(['get', 'svc', 'gen-svc', '-n', 'gen', '-o', 'json']))
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, targetPort: 8080, protocol: 'TCP' })
  })

  it('waits for conditions and explains fields', async () => {
    await ok([
      'wait',
      '--for=jsonpath={.spec.replicas}=4',
      'deploy/web',
      '-n',
      'shop',
      '--timeout=10s'
    ])
    const explain = await ok(['explain', 'deployment.spec.replicas'])
    expect(explain).toMatch(/replicas\s+<integer>/)
  })

  it('sees changes with get --watch', async () => {
    const child = spawn(
      '/usr/bin/kubectl',
      [
        '--kubeconfig',
        t.kubeconfig,
        '--cache-dir',
        join(t.dir, 'kube-cache'),
        'get',
        'cm',
        '-n',
        'shop',
        '--watch',
        '--output-watch-events'
      ],
      { env: { ...process.env, HOME: t.dir } }
    )
    let out = ''
    child.stdout.on('data', (c: Buffer) => (out += c.toString()))
    try {
      const waitFor = async (re: RegExp): Promise<void> => {
        const deadline = Date.now() + 15_000
        while (!re.test(out)) {
          if (Date.now() > deadline) throw new Error(`kubectl --watch printed: ${out}`)
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      await waitFor(/ADDED\s+ssa/)
      await ok(
        ['create', '-f', '-'],
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\n  namespace: shop\n'
      )
      await waitFor(/ADDED\s+watched/)
      await ok(['delete', 'cm', 'watched', '-n', 'shop'])
      await waitFor(/DELETED\s+watched/)
    } finally {
      child.kill()
    }
  })

  it('prints the server errors users meet', async () => {
    const notFound = await t.kubectl(['get', 'cm', 'nope', '-n', 'shop'])
    expect(notFound.stderr).toContain('Error from server (NotFound): configmaps "nope" not found')
    const twice = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: once\n  namespace: shop\n'
    await ok(['create', '-f', '-'], twice)
    const exists = await t.kubectl(['create', '-f', '-'], twice)
    expect(exists.stderr).toContain('Error from server (AlreadyExists)')
    expect(exists.stderr).toContain('configmaps "once" already exists')
    const invalid = await t.kubectl(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n'
    )
    expect(invalid.stderr).toContain(
      'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"'
    )
    const strict = await t.kubectl(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\nfoo: 1\n'
    )
    expect(strict.stderr).toContain('unknown field "foo"')
    const noNs = await t.kubectl(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: ghost\n'
    )
    expect(noNs.stderr).toContain('namespaces "ghost" not found')
    const unauth = await t.kubectl(['get', 'ns', '--token=wrong'])
    expect(unauth.stderr).toContain('You must be logged in to the server')
  })
})
