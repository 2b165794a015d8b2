/**
 * `@kubernetes/client-node` (1.x) against `kubedesk up`, loading the kubeconfig the server wrote:
 * create, read, list, patch, replace and delete every kind the API serves, through the generic
 * object client (which resolves plurals by discovery) and the typed clients.
 */
import type { CoreV1Api, KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadClientNode, startCluster, type Cluster } from '../../helpers/cluster'

const NS = 'cn'
const podTemplate = (app: string) => ({
  metadata: { labels: { app } },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] }
})
const jobPodTemplate = {
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36' }] }
}

/** One object of every kind the issue lists, minimal but valid. */
const OBJECTS: KubernetesObject[] = [
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'cn-node' } },
  {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'cn-pod', namespace: NS },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] }
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'cn-svc', namespace: NS },
    spec: { selector: { app: 'a' }, ports: [{ port: 80 }] }
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'cn-svc', namespace: NS },
    subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }]
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'cn-event', namespace: NS },
    involvedObject: { kind: 'Pod', name: 'cn-pod', namespace: NS },
    reason: 'Testing',
    message: 'a core/v1 event',
    type: 'Normal'
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cn-cm', namespace: NS },
    data: { a: '1' }
  } as KubernetesObject,
  {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'cn-secret', namespace: NS },
    type: 'Opaque',
    data: { password: Buffer.from('hunter2').toString('base64') }
  } as KubernetesObject,
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'cn-sa', namespace: NS } },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cn-deploy', namespace: NS },
    spec: { selector: { matchLabels: { app: 'd' } }, template: podTemplate('d') }
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'cn-rs', namespace: NS },
    spec: { selector: { matchLabels: { app: 'r' } }, template: podTemplate('r') }
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'cn-sts', namespace: NS },
    spec: {
      serviceName: 'cn-svc',
      selector: { matchLabels: { app: 's' } },
      template: podTemplate('s')
    }
  } as KubernetesObject,
  {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'cn-ds', namespace: NS },
    spec: { selector: { matchLabels: { app: 'ds' } }, template: podTemplate('ds') }
  } as KubernetesObject,
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'cn-job', namespace: NS },
    spec: { template: jobPodTemplate }
  } as KubernetesObject,
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cn-cron', namespace: NS },
    spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: jobPodTemplate } } }
  } as KubernetesObject,
  {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'cn-lease', namespace: NS },
    spec: { holderIdentity: 'cn', leaseDurationSeconds: 40 }
  } as KubernetesObject,
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: 'cn-slice',
      namespace: NS,
      labels: { 'kubernetes.io/service-name': 'cn-svc' }
    },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.0.0.1'] }],
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }]
  } as KubernetesObject,
  {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'cn-event2', namespace: NS },
    eventTime: new Date().toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
    reportingController: 'kubedesk.io/tests',
    reportingInstance: 'tests-1',
    action: 'Testing',
    reason: 'Testing',
    regarding: { kind: 'Pod', name: 'cn-pod', namespace: NS },
    note: 'an events.k8s.io/v1 event',
    type: 'Normal'
  } as KubernetesObject
]

let k8s: Awaited<ReturnType<typeof loadClientNode>>
let cluster: Cluster
let objects: KubernetesObjectApi
let core: CoreV1Api

/** The HTTP status of a failed call (client-node throws ApiException). */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call
    return 200
  } catch (err) {
    if (err instanceof k8s.ApiException) return err.code
    throw err
  }
}

beforeAll(async () => {
  k8s = await loadClientNode()
  cluster = await startCluster()
  const kc = new k8s.KubeConfig()
  kc.loadFromFile(cluster.kubeconfig)
  objects = k8s.KubernetesObjectApi.makeApiClient(kc)
  core = kc.makeApiClient(k8s.CoreV1Api)
  await core.createNamespace({ body: { metadata: { name: NS } } })
})

afterAll(async () => {
  await cluster?.stop()
})

describe('@kubernetes/client-node CRUD', () => {
  it.each(OBJECTS.map((o) => [`${o.apiVersion} ${o.kind}`, o] as const))(
    '%s: create, read, list, patch, replace, delete',
    async (_label, spec) => {
      const created = await objects.create(spec)
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(created.metadata?.resourceVersion).toBeTruthy()
      expect(created.metadata?.creationTimestamp).toBeTruthy()

      const read = await objects.read({
        apiVersion: spec.apiVersion!,
        kind: spec.kind!,
        metadata: { name: spec.metadata!.name!, namespace: spec.metadata!.namespace }
      })
      expect(read.metadata?.uid).toBe(created.metadata?.uid)

      const list = await objects.list(spec.apiVersion!, spec.kind!, spec.metadata!.namespace)
      expect(list.items.map((i) => i.metadata?.name)).toContain(spec.metadata!.name)
      expect(list.metadata?.resourceVersion).toBeTruthy()

      const patched = await objects.patch(
        { ...header(spec), metadata: { ...header(spec).metadata, labels: { patched: 'yes' } } },
        undefined,
        undefined,
        undefined,
        undefined,
        k8s.PatchStrategy.MergePatch
      )
      expect(patched.metadata?.labels?.patched).toBe('yes')
      expect(patched.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion)

      // The controllers write the status of workloads meanwhile, so replace as client code does
      // (client-go's RetryOnConflict): read, edit, replace, and again on a 409.
      const relabel = (obj: KubernetesObject): KubernetesObject => ({
        ...obj,
        metadata: { ...obj.metadata, labels: { replaced: 'yes' } }
      })
      const edited = relabel(patched)
      let replaced: KubernetesObject | undefined
      for (let attempt = 1, next = edited; !replaced; attempt++) {
        try {
          replaced = await objects.replace(next)
        } catch (err) {
          if (!(err instanceof k8s.ApiException) || err.code !== 409 || attempt === 5) throw err
          next = relabel(await objects.read(header(spec)))
        }
      }
      expect(replaced.metadata?.labels).toEqual({ replaced: 'yes' })

      // A replace carrying the old resourceVersion is a 409 Conflict.
      expect(await statusOf(objects.replace(edited))).toBe(409)

      await objects.delete(header(spec))
      // A batch/v1 Job orphans by default: it goes once the garbage collector has released it.
      for (let i = 0; i < 50 && (await statusOf(objects.read(header(spec)))) !== 404; i++) {
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await statusOf(objects.read(header(spec)))).toBe(404)
    }
  )

  it('serves the typed clients: namespaces, pods with a label selector, deployments', async () => {
    const namespaces = await core.listNamespace()
    expect(namespaces.items.map((n) => n.metadata?.name)).toEqual(
      expect.arrayContaining(['default', 'kube-system', 'kube-public', 'kube-node-lease', NS])
    )
    for (const name of ['p1', 'p2']) {
      await core.createNamespacedPod({
        namespace: NS,
        body: {
          metadata: { name, labels: { tier: name === 'p1' ? 'web' : 'db' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] }
        }
      })
    }
    const web = await core.listNamespacedPod({ namespace: NS, labelSelector: 'tier in (web)' })
    expect(web.items.map((p) => p.metadata?.name)).toEqual(['p1'])
    const pod = await core.readNamespacedPod({ namespace: NS, name: 'p2' })
    // Pod defaults a real API server fills in.
    expect(pod.spec?.restartPolicy).toBe('Always')
    expect(pod.spec?.containers[0].terminationMessagePath).toBe('/dev/termination-log')
    expect(pod.status?.phase).toBe('Pending')

    const kc = new k8s.KubeConfig()
    kc.loadFromFile(cluster.kubeconfig)
    const apps = kc.makeApiClient(k8s.AppsV1Api)
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name: 'typed' },
        spec: { selector: { matchLabels: { app: 't' } }, template: podTemplate('t') }
      }
    })
    const deploy = await apps.readNamespacedDeployment({ namespace: NS, name: 'typed' })
    expect(deploy.spec?.replicas).toBe(1)
    expect(deploy.spec?.strategy?.rollingUpdate?.maxSurge).toBe('25%')
    const scale = await apps.readNamespacedDeploymentScale({ namespace: NS, name: 'typed' })
    expect(scale.spec?.replicas).toBe(1)
  })
})

function header(spec: KubernetesObject): KubernetesObject & { metadata: { name: string } } {
  return {
    apiVersion: spec.apiVersion,
    kind: spec.kind,
    metadata: { name: spec.metadata!.name!, namespace: spec.metadata!.namespace }
  }
}
