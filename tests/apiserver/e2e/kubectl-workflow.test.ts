/**
 * A user's everyday kubectl workflow against `kubedesk up`, through the kubeconfig the server
 * wrote: namespaces, apply, every output format, label/annotate, each patch type, re-apply,
 * server-side apply, replace, delete with each propagation policy, watch, wait and explain.
 * Error cases live in kubectl-errors.test.ts.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { startCluster, type Cluster, type KubectlOptions } from '../../helpers/cluster'

const FIXTURES = join(__dirname, 'fixtures')
const fixture = (name: string): string => join(FIXTURES, name)

let cluster: Cluster

/** Runs kubectl and fails with the command and its stderr unless it exits 0. */
async function ok(args: string[], opts?: KubectlOptions): Promise<string> {
  const r = await cluster.kubectl(args, opts)
  if (r.code !== 0) {
    throw new Error(
      `kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`
    )
  }
  return r.stdout
}

/** An object as kubectl prints it; assertions read it by path. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>

/** `kubectl get … -o json`, parsed. */
async function getJson<T = Json>(args: string[]): Promise<T> {
  return JSON.parse(await ok(['get', ...args, '-o', 'json'])) as T
}

const lines = (text: string): string[] => text.trim().split('\n').filter(Boolean)

/** Creates a ConfigMap with `kubectl create -f -` (JSON on the wire, unlike the generators). */
const createConfigMap = (name: string, data: Record<string, string>): Promise<string> =>
  ok(['create', '-f', '-'], {
    stdin: JSON.stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'shop' },
      data
    })
  })

/** A one-container Deployment for `kubectl create -f -`. */
const deploymentManifest = (name: string): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] }
      }
    }
  })

beforeAll(async () => {
  cluster = await startCluster()
})

afterAll(async () => {
  await cluster?.stop()
})

describe('kubectl workflow', () => {
  it('creates, lists and deletes a namespace; the built-in namespaces exist', async () => {
    const ns = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } })
    expect(await ok(['create', '-f', '-'], { stdin: ns })).toBe('namespace/team-a created\n')
    const table = await ok(['get', 'namespaces'])
    expect(lines(table)[0]).toMatch(/^NAME\s+STATUS\s+AGE$/)
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'team-a']) {
      expect(table).toMatch(new RegExp(`^${ns}\\s+Active\\s+\\S+$`, 'm'))
    }
    // kubectl waits for the namespace to be gone, as on a real cluster.
    expect(await ok(['delete', 'namespace', 'team-a', '--timeout=15s'])).toBe(
      'namespace "team-a" deleted\n'
    )
    const gone = await cluster.kubectl(['get', 'namespace', 'team-a'])
    expect(gone.code).toBe(1)
    expect(gone.stderr).toContain('Error from server (NotFound): namespaces "team-a" not found')
  })

  it('creates objects with the kubectl create generators', async () => {
    // These commands use client-go's typed clients, which send protobuf for built-in kinds.
    await ok(['create', 'namespace', 'gen'])
    expect(await ok(['create', 'configmap', 'gen-cm', '-n', 'gen', '--from-literal=a=1'])).toBe(
      'configmap/gen-cm created\n'
    )
    expect(
      await ok(['create', 'secret', 'generic', 'gen-secret', '-n', 'gen', '--from-literal=p=x'])
    ).toBe('secret/gen-secret created\n')
    expect(
      await ok([
        'create',
        'deployment',
        'gen-deploy',
        '-n',
        'gen',
        '--image=nginx:1.27',
        '--replicas=2'
      ])
    ).toBe('deployment.apps/gen-deploy created\n')
    expect(
      await ok(['create', 'service', 'clusterip', 'gen-svc', '-n', 'gen', '--tcp=80:8080'])
    ).toBe('service/gen-svc created\n')
    expect((await getJson(['cm', 'gen-cm', '-n', 'gen'])).data).toEqual({ a: '1' })
    expect((await getJson(['deploy', 'gen-deploy', '-n', 'gen'])).spec.replicas).toBe(2)
    expect(await ok(['scale', 'deploy', 'gen-deploy', '-n', 'gen', '--replicas=3'])).toBe(
      'deployment.apps/gen-deploy scaled\n'
    )
    expect((await getJson(['deploy', 'gen-deploy', '-n', 'gen'])).spec.replicas).toBe(3)
  })

  it('applies a multi-document YAML and reports each object created', async () => {
    const out = await ok(['apply', '-f', fixture('app.yaml')])
    expect(lines(out)).toEqual([
      'namespace/shop created',
      'deployment.apps/web created',
      'service/web created',
      'configmap/web-config created'
    ])
    const deploy = await getJson(['deployment', 'web', '-n', 'shop'])
    expect(deploy.metadata.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(deploy.metadata.generation).toBe(1)
    expect(Date.parse(deploy.metadata.creationTimestamp)).not.toBeNaN()
    expect(
      deploy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']
    ).toContain('"name":"web"')
    // Admission defaults, as a real API server fills them in.
    expect(deploy.spec.strategy.type).toBe('RollingUpdate')
    expect(deploy.spec.revisionHistoryLimit).toBe(10)
    expect(deploy.spec.progressDeadlineSeconds).toBe(600)
  })

  it('gets objects in every output format', async () => {
    const asYaml = parseYaml(await ok(['get', 'deploy', 'web', '-n', 'shop', '-o', 'yaml']))
    expect(asYaml).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' })
    expect(asYaml.metadata.name).toBe('web')

    const asJson = await getJson(['deployments', 'web', '-n', 'shop'])
    expect(asJson.spec.replicas).toBe(2)

    const table = lines(await ok(['get', 'deploy', '-n', 'shop']))
    expect(table[0]).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE$/)
    // The deployment controller may already have made its ReplicaSet (UP-TO-DATE 2); no worker
    // node runs here, so nothing is ready or available.
    expect(table[1]).toMatch(/^web\s+0\/2\s+[02]\s+0\s+\S+$/)

    const wide = lines(await ok(['get', 'deploy', 'web', '-n', 'shop', '-o', 'wide']))
    expect(wide[0]).toMatch(
      /^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/
    )
    expect(wide[1]).toMatch(/\sweb,sidecar\s+nginx:1\.27,busybox:1\.36\s+app=web$/)

    const svc = lines(await ok(['get', 'svc', '-n', 'shop']))
    expect(svc[0]).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE$/)
    expect(svc[1]).toMatch(/^web\s+ClusterIP\s+\S+\s+<none>\s+80\/TCP\s+\S+$/)

    // `all` is a category: deployments and services are in it, configmaps are not.
    const names = lines(await ok(['get', 'all', '-n', 'shop', '-o', 'name']))
    expect(names).toContain('deployment.apps/web')
    expect(names).toContain('service/web')
    expect(names).not.toContain('configmap/web-config')

    const jsonpath = await ok([
      'get',
      'cm',
      '-n',
      'shop',
      '-o',
      'jsonpath={.items[*].metadata.name}'
    ])
    expect(jsonpath.split(' ')).toContain('web-config')
  })

  it('prints the columns a real cluster shows for pods and nodes', async () => {
    await ok(['create', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'lonely', namespace: 'shop', labels: { role: 'demo' } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] }
      })
    })
    const pods = lines(await ok(['get', 'pods', '-n', 'shop']))
    expect(pods[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/)
    expect(pods[1]).toMatch(/^lonely\s+0\/1\s+Pending\s+0\s+\S+$/)
    const wide = lines(await ok(['get', 'pods', '-n', 'shop', '-o', 'wide']))
    expect(wide[0]).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/
    )
    expect(wide[1]).toMatch(
      /^lonely\s+0\/1\s+Pending\s+0\s+\S+\s+<none>\s+<none>\s+<none>\s+<none>$/
    )
    // --show-labels and -L read the object the table rows carry.
    expect(lines(await ok(['get', 'pods', '-n', 'shop', '--show-labels']))[1]).toMatch(
      /\srole=demo$/
    )
    expect(lines(await ok(['get', 'pods', '-n', 'shop', '-L', 'role']))[1]).toMatch(/\sdemo$/)

    await ok(['create', '-f', '-'], {
      stdin: JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'table-node' } })
    })
    const nodes = lines(await ok(['get', 'nodes']))
    expect(nodes[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/)
    expect(nodes.find((l) => l.startsWith('table-node'))).toMatch(
      /^table-node\s+Unknown\s+<none>\s+\S+/
    )
  })

  it('labels and annotates, refusing to overwrite without --overwrite', async () => {
    await createConfigMap('tags', { a: '1' })
    expect(await ok(['label', 'cm', 'tags', '-n', 'shop', 'tier=backend'])).toBe(
      'configmap/tags labeled\n'
    )
    const refused = await cluster.kubectl(['label', 'cm', 'tags', '-n', 'shop', 'tier=frontend'])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(
      "'tier' already has a value (backend), and --overwrite is false"
    )
    await ok(['label', 'cm', 'tags', '-n', 'shop', 'tier=frontend', '--overwrite'])
    expect(await ok(['get', 'cm', '-n', 'shop', '-l', 'tier=frontend', '-o', 'name'])).toBe(
      'configmap/tags\n'
    )
    expect(await ok(['get', 'cm', '-n', 'shop', '-l', 'tier in (backend)', '-o', 'name'])).toBe('')
    expect(await ok(['get', 'cm', '-n', 'shop', '-l', '!tier', '-o', 'name'])).toContain(
      'configmap/web-config'
    )

    expect(await ok(['annotate', 'cm', 'tags', '-n', 'shop', 'note=first'])).toBe(
      'configmap/tags annotated\n'
    )
    const again = await cluster.kubectl(['annotate', 'cm', 'tags', '-n', 'shop', 'note=second'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain("'note' already has a value (first)")
    await ok(['annotate', 'cm', 'tags', '-n', 'shop', 'note=second', '--overwrite'])
    const cm = await getJson(['cm', 'tags', '-n', 'shop'])
    expect(cm.metadata.labels.tier).toBe('frontend')
    expect(cm.metadata.annotations.note).toBe('second')

    expect(await ok(['label', 'cm', 'tags', '-n', 'shop', 'tier-'])).toBe(
      'configmap/tags unlabeled\n'
    )
    expect((await getJson(['cm', 'tags', '-n', 'shop'])).metadata.labels?.tier).toBeUndefined()
  })

  it('patches with JSON patch, merge patch and strategic merge patch', async () => {
    await ok(['create', '-f', '-'], { stdin: PATCH_TARGET })
    const target = ['deploy', 'patchme', '-n', 'shop']
    const patch = (type: string[], body: string): Promise<string> =>
      ok(['patch', ...target, ...type, '-p', body])

    expect(
      await patch(['--type', 'json'], '[{"op":"replace","path":"/spec/replicas","value":4}]')
    ).toBe('deployment.apps/patchme patched\n')
    expect((await getJson(target)).spec.replicas).toBe(4)

    await patch(['--type', 'merge'], '{"metadata":{"labels":{"patched":"merge"}}}')
    expect((await getJson(target)).metadata.labels.patched).toBe('merge')

    // Strategic: containers merge by name, so the sidecar survives.
    await patch(
      ['--type', 'strategic'],
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}'
    )
    let containers = (await getJson(target)).spec.template.spec.containers
    expect(containers.map((c: { name: string }) => c.name)).toEqual(['web', 'sidecar'])
    expect(containers[0].image).toBe('nginx:1.28')

    // No --type: kubectl's default for built-in kinds is a strategic merge patch.
    await patch(
      [],
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","env":[{"name":"X","value":"1"}]}]}}}}'
    )
    containers = (await getJson(target)).spec.template.spec.containers
    expect(containers).toHaveLength(2)
    expect(containers[1].env).toEqual([{ name: 'X', value: '1' }])
    expect(containers[0].image).toBe('nginx:1.28')

    expect(await patch(['--type', 'merge'], '{"metadata":{"labels":{"patched":"merge"}}}')).toBe(
      'deployment.apps/patchme patched (no change)\n'
    )

    // A merge patch (RFC 7386) replaces lists whole: only one container is left.
    await patch(
      ['--type', 'merge'],
      '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.29"}]}}}}'
    )
    containers = (await getJson(target)).spec.template.spec.containers
    expect(containers.map((c: { name: string }) => c.name)).toEqual(['web'])
  })

  it('applies again after a change: configured, the change visible, a removed env var gone', async () => {
    const out = await ok(['apply', '-f', fixture('app-v2.yaml')])
    expect(lines(out)).toEqual([
      'namespace/shop unchanged',
      'deployment.apps/web configured',
      'service/web unchanged',
      'configmap/web-config unchanged'
    ])
    const deploy = await getJson(['deploy', 'web', '-n', 'shop'])
    expect(deploy.spec.replicas).toBe(3)
    expect(deploy.metadata.generation).toBe(2)
    const web = deploy.spec.template.spec.containers.find((c: { name: string }) => c.name === 'web')
    expect(web.image).toBe('nginx:1.28')
    expect(web.env).toEqual([{ name: 'MODE', value: 'production' }])
  })

  it('applies server-side, reports a conflict with another field manager, then forces it', async () => {
    expect(await ok(['apply', '--server-side', '-f', fixture('ssa-config.yaml')])).toBe(
      'configmap/ssa-config serverside-applied\n'
    )
    const managed = await getJson(['cm', 'ssa-config', '-n', 'shop', '--show-managed-fields'])
    expect(managed.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: 'kubectl', operation: 'Apply' })
    )

    const other = [
      'apply',
      '--server-side',
      '--field-manager=other',
      '-f',
      fixture('ssa-config-other.yaml')
    ]
    const conflict = await cluster.kubectl(other)
    expect(conflict.code).toBe(1)
    expect(conflict.stderr).toMatch(
      /Apply failed with 1 conflict: conflict with "kubectl"( using v1)?: \.data\.color/
    )
    expect(conflict.stderr).toContain(
      'Please review the fields above--they currently have other managers'
    )
    expect((await getJson(['cm', 'ssa-config', '-n', 'shop'])).data.color).toBe('green')

    expect(await ok([...other, '--force-conflicts'])).toBe(
      'configmap/ssa-config serverside-applied\n'
    )
    const forced = await getJson(['cm', 'ssa-config', '-n', 'shop', '--show-managed-fields'])
    expect(forced.data).toEqual({ color: 'red', size: 'large' })
    const byManager = (name: string) =>
      JSON.stringify(
        forced.metadata.managedFields.find((m: { manager: string }) => m.manager === name)?.fieldsV1
      )
    expect(byManager('other')).toContain('f:color')
    expect(byManager('kubectl')).toContain('f:size')
    expect(byManager('kubectl')).not.toContain('f:color')
  })

  it('replaces an object with an edited copy', async () => {
    const live = parseYaml(await ok(['get', 'cm', 'web-config', '-n', 'shop', '-o', 'yaml']))
    live.data.color = 'purple'
    expect(await ok(['replace', '-f', '-'], { stdin: JSON.stringify(live) })).toBe(
      'configmap/web-config replaced\n'
    )
    expect((await getJson(['cm', 'web-config', '-n', 'shop'])).data.color).toBe('purple')
  })

  it('deletes with each propagation policy as the API contract records it', async () => {
    // No replicas: a pod bound to this file's kubelet-less node would stay Terminating, and a
    // foreground deletion rightly waits for it.
    for (const name of ['del-bg', 'del-fg', 'del-orphan']) {
      const manifest = JSON.parse(deploymentManifest(name))
      manifest.spec.replicas = 0
      await ok(['create', '-f', '-'], { stdin: JSON.stringify(manifest) })
    }
    // Background: the object goes at once; the garbage collector deletes dependents later.
    expect(await ok(['delete', 'deploy', 'del-bg', '-n', 'shop', '--cascade=background'])).toBe(
      'deployment.apps "del-bg" deleted\n'
    )
    const gone = await cluster.kubectl(['get', 'deploy', 'del-bg', '-n', 'shop'])
    expect(gone.stderr).toContain(
      'Error from server (NotFound): deployments.apps "del-bg" not found'
    )

    // Foreground and orphan: the garbage collector acts on the finalizer the API server
    // recorded, and kubectl waits until the deployment is gone. Foreground removes the
    // ReplicaSet first; orphan leaves it behind, no longer owned.
    const replicaSets = async (app: string): Promise<Json[]> =>
      (await getJson(['rs', '-n', 'shop', '-l', `app=${app}`])).items
    for (const name of ['del-fg', 'del-orphan']) {
      for (let i = 0; (await replicaSets(name)).length === 0; i++) {
        if (i > 100) throw new Error(`the deployment controller made no ReplicaSet for ${name}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    for (const [name, cascade] of [
      ['del-fg', 'foreground'],
      ['del-orphan', 'orphan']
    ]) {
      expect(await ok(['delete', 'deploy', name, '-n', 'shop', `--cascade=${cascade}`])).toBe(
        `deployment.apps "${name}" deleted\n`
      )
      expect((await cluster.kubectl(['get', 'deploy', name, '-n', 'shop'])).code).toBe(1)
    }
    expect(await replicaSets('del-fg')).toEqual([])
    const orphaned = await replicaSets('del-orphan')
    expect(orphaned).toHaveLength(1)
    expect(orphaned[0].metadata.ownerReferences).toBeUndefined()
  })

  it('get --watch prints a line when the object changes', async () => {
    await createConfigMap('watched', { v: '1' })
    const watch = cluster.kubectlSpawn([
      'get',
      'configmap',
      'watched',
      '-n',
      'shop',
      '--watch',
      '--output-watch-events'
    ])
    try {
      await watch.waitFor(/^ADDED\s+watched\s/m)
      await ok([
        'patch',
        'cm',
        'watched',
        '-n',
        'shop',
        '--type',
        'merge',
        '-p',
        '{"data":{"v":"2","w":"3"}}'
      ])
      await watch.waitFor(/^MODIFIED\s+watched\s+2\s/m)
      await ok(['delete', 'cm', 'watched', '-n', 'shop'])
      await watch.waitFor(/^DELETED\s+watched\s/m)
    } finally {
      await watch.kill()
    }
  })

  it('wait --for=jsonpath and --for=delete return once the condition holds', async () => {
    // A finalizer holds the object after delete, so `wait --for=delete` surely finds it first.
    await ok(['create', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'waitme', namespace: 'shop', finalizers: ['kubedesk.io/hold'] },
        data: { state: 'pending' }
      })
    })
    const wait = (condition: string) =>
      cluster.kubectlSpawn([
        'wait',
        condition,
        'configmap/waitme',
        '-n',
        'shop',
        '--timeout=30s',
        '-v=6'
      ])
    const ready = wait('--for=jsonpath={.data.state}=ready')
    await ok([
      'patch',
      'cm',
      'waitme',
      '-n',
      'shop',
      '--type',
      'merge',
      '-p',
      '{"data":{"state":"ready"}}'
    ])
    const met = await ready.exited
    expect(met.code).toBe(0)
    expect(met.stdout).toBe('configmap/waitme condition met\n')

    expect(await ok(['delete', 'cm', 'waitme', '-n', 'shop', '--wait=false'])).toBe(
      'configmap "waitme" deleted\n'
    )
    expect((await getJson(['cm', 'waitme', '-n', 'shop'])).metadata.deletionTimestamp).toBeTruthy()
    const deleted = wait('--for=delete')
    // kubectl -v=6 logs each request: once its watch is open, let the object go.
    await deleted.waitFor(/watch=true.* 200 OK/, 30_000, 'stderr')
    await ok([
      'patch',
      'cm',
      'waitme',
      '-n',
      'shop',
      '--type',
      'merge',
      '-p',
      '{"metadata":{"finalizers":null}}'
    ])
    const done = await deleted.exited
    expect(done.code).toBe(0)
    expect(done.stdout).toBe('configmap/waitme condition met\n')
  })

  it('explains a field from the OpenAPI document', async () => {
    const out = await ok(['explain', 'deployment.spec.replicas'])
    expect(out).toMatch(/GROUP:\s+apps/)
    expect(out).toMatch(/KIND:\s+Deployment/)
    expect(out).toMatch(/VERSION:\s+v1/)
    expect(out).toMatch(/FIELD:\s+replicas\s+<integer>/)
    expect(out).toMatch(/Number of desired pods/)
  })
})

/** A two-container Deployment the patch test edits. */
const PATCH_TARGET = readFileSync(fixture('app.yaml'), 'utf8')
  .split('---')[1]
  .replace('name: web\n  namespace', 'name: patchme\n  namespace')
