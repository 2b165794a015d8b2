/**
 * Strategic merge patch cases: what a user sends (`kubectl patch`, or the patch `kubectl apply`
 * computes from last-applied, the file and the live object) and what they then see. Each case
 * names the behaviour a user would notice. `expect` maps dotted paths of the result to values.
 * Every case was checked against `kubectl patch --local` (v1.32, the same strategicpatch code
 * and struct tags as kube-apiserver) except those marked `differs`, which say how and why.
 */
import type { KubeObject } from '../../../src/main/apiserver/types'

/** One table row. */
export interface StrategicCase {
  name: string
  kind: 'Deployment' | 'Pod' | 'Service'
  original: KubeObject
  patch: unknown
  expect?: Record<string, unknown>
  /** An expected failure: the HTTP code and the exact message. */
  error?: { code: number; message: string }
  /** Where this deliberately differs from raw `kubectl patch --local` output, and why. */
  differs?: string
}

/** A Deployment as `kubectl apply` would have created it. */
export function deployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'default',
      labels: { app: 'web', tier: 'frontend' },
      finalizers: ['example.com/a', 'example.com/b']
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'nginx:1.25',
              ports: [
                { containerPort: 80, protocol: 'TCP' },
                { containerPort: 443, protocol: 'TCP' }
              ],
              env: [
                { name: 'A', value: '1' },
                { name: 'B', value: '2' },
                { name: 'C', value: '3' }
              ],
              volumeMounts: [{ name: 'data', mountPath: '/data' }]
            },
            { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] }
          ],
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'cfg', configMap: { name: 'cfg' } }
          ],
          tolerations: [{ key: 'a', operator: 'Exists' }],
          imagePullSecrets: [{ name: 'registry' }]
        }
      }
    }
  }
}

function pod(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'nginx' }] },
    status: {
      phase: 'Pending',
      conditions: [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'False' }
      ]
    }
  }
}

function service(): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'default' },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] }
  }
}

const podSpec = (spec: Record<string, unknown>) => ({ spec: { template: { spec } } })
const CONTAINERS = 'spec.template.spec.containers'
/** A `$setElementOrder` list of merge keys, as kubectl apply sends it. */
const byName = (...names: string[]) => names.map((name) => ({ name }))
const byType = (...types: string[]) => types.map((type) => ({ type }))

export const strategicCases: StrategicCase[] = [
  {
    name: "changing one container's image keeps the other container and every other field",
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ name: 'app', image: 'nginx:1.26' }] }),
    expect: {
      [`${CONTAINERS}.0.image`]: 'nginx:1.26',
      [`${CONTAINERS}.0.env.1`]: { name: 'B', value: '2' },
      [`${CONTAINERS}.1`]: { name: 'sidecar', image: 'busybox', args: ['sleep', '3600'] },
      'spec.replicas': 2
    }
  },
  {
    name: 'kubectl patch adding a container puts it first, as Kubernetes does',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ name: 'log', image: 'fluent-bit' }] }),
    expect: { [`${CONTAINERS}.length`]: 3, [`${CONTAINERS}.0.name`]: 'log' }
  },
  {
    name: 'apply after removing an env var removes just that var',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app', 'sidecar'),
      containers: [
        {
          name: 'app',
          '$setElementOrder/env': byName('A', 'C'),
          env: [{ name: 'B', $patch: 'delete' }]
        }
      ]
    }),
    expect: {
      [`${CONTAINERS}.0.env`]: [
        { name: 'A', value: '1' },
        { name: 'C', value: '3' }
      ],
      [`${CONTAINERS}.1.name`]: 'sidecar'
    }
  },
  {
    name: 'apply adding an env var in the middle puts it where the file has it',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app', 'sidecar'),
      containers: [
        {
          name: 'app',
          '$setElementOrder/env': byName('A', 'A2', 'B', 'C'),
          env: [{ name: 'A2', value: 'x' }]
        }
      ]
    }),
    expect: {
      [`${CONTAINERS}.0.env`]: [
        { name: 'A', value: '1' },
        { name: 'A2', value: 'x' },
        { name: 'B', value: '2' },
        { name: 'C', value: '3' }
      ]
    }
  },
  {
    name: "apply with a new container in the file's middle keeps the file's order",
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app', 'log', 'sidecar'),
      containers: [{ name: 'log', image: 'fluent-bit' }]
    }),
    expect: { [`${CONTAINERS}.0.name`]: 'app', [`${CONTAINERS}.1.name`]: 'log' }
  },
  {
    name: 'apply after swapping two containers in the file swaps them',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ '$setElementOrder/containers': byName('sidecar', 'app') }),
    expect: { [`${CONTAINERS}.0.name`]: 'sidecar', [`${CONTAINERS}.1.image`]: 'nginx:1.25' }
  },
  {
    name: 'a null removes one label and leaves the others',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { labels: { tier: null, team: 'blue' } } },
    expect: { 'metadata.labels': { app: 'web', team: 'blue' } }
  },
  {
    name: 'tolerations have no merge strategy: the patch replaces the list',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ tolerations: [{ key: 'b', operator: 'Exists' }] }),
    expect: { 'spec.template.spec.tolerations': [{ key: 'b', operator: 'Exists' }] }
  },
  {
    name: 'ports merge by containerPort: a known port is updated, a new one added',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      containers: [
        {
          name: 'app',
          ports: [
            { containerPort: 8080, protocol: 'TCP' },
            { containerPort: 80, name: 'http' }
          ]
        }
      ]
    }),
    expect: {
      [`${CONTAINERS}.0.ports`]: [
        { containerPort: 8080, protocol: 'TCP' },
        { containerPort: 80, protocol: 'TCP', name: 'http' },
        { containerPort: 443, protocol: 'TCP' }
      ]
    }
  },
  {
    name: '$patch: delete in the containers list removes that container',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ name: 'sidecar', $patch: 'delete' }] }),
    expect: { [`${CONTAINERS}.length`]: 1, [`${CONTAINERS}.0.name`]: 'app' }
  },
  {
    name: '$patch: replace in a list makes the patch the whole list',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] }),
    expect: { [CONTAINERS]: [{ name: 'only', image: 'x' }] }
  },
  {
    name: '$patch: replace on a map replaces the map instead of merging it',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { labels: { $patch: 'replace', owner: 'me' } } },
    expect: { 'metadata.labels': { owner: 'me' } }
  },
  {
    name: '$patch: delete on a map removes the map',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { labels: { $patch: 'delete' } } },
    expect: { 'metadata.labels': undefined, 'metadata.name': 'web' },
    differs: 'kube-apiserver keeps an empty map `labels: {}`, which it then omits when encoding'
  },
  {
    name: 'apply switching to the Recreate strategy drops rollingUpdate ($retainKeys)',
    kind: 'Deployment',
    original: deployment(),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
    expect: { 'spec.strategy': { type: 'Recreate' } }
  },
  {
    name: '$retainKeys clears fields that are not listed even without a null',
    kind: 'Deployment',
    original: deployment(),
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    expect: { 'spec.strategy': { type: 'Recreate' } }
  },
  {
    name: 'apply changing a volume from emptyDir to a configMap keeps only the new source',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/volumes': byName('data', 'cfg'),
      volumes: [
        {
          name: 'data',
          $retainKeys: ['configMap', 'name'],
          configMap: { name: 'x' },
          emptyDir: null
        }
      ]
    }),
    expect: {
      'spec.template.spec.volumes': [
        { name: 'data', configMap: { name: 'x' } },
        { name: 'cfg', configMap: { name: 'cfg' } }
      ]
    }
  },
  {
    name: 'removing one finalizer with $deleteFromPrimitiveList keeps the others',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['example.com/a'] } },
    expect: { 'metadata.finalizers': ['example.com/b'] }
  },
  {
    name: 'finalizers merge as a set: a new one is added once, known ones stay',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { finalizers: ['example.com/c', 'example.com/b'] } },
    expect: { 'metadata.finalizers': ['example.com/c', 'example.com/a', 'example.com/b'] }
  },
  {
    name: 'apply adding env to a container that had none',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app', 'sidecar'),
      containers: [{ name: 'sidecar', env: [{ name: 'X', value: '1' }] }]
    }),
    expect: { [`${CONTAINERS}.1.env`]: [{ name: 'X', value: '1' }] }
  },
  {
    name: 'apply adding init containers stores no $ directive keys',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/initContainers': byName('init'),
      initContainers: [
        {
          name: 'init',
          image: 'busybox',
          '$setElementOrder/env': byName('Q'),
          env: [{ name: 'Q', value: '1' }]
        }
      ]
    }),
    expect: {
      'spec.template.spec.initContainers': [
        { name: 'init', image: 'busybox', env: [{ name: 'Q', value: '1' }] }
      ]
    },
    differs:
      'kube-apiserver copies the new list raw and drops `$setElementOrder/env` only when decoding into the typed object'
  },
  {
    name: 'apply removing a container and an image pull secret',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app'),
      containers: [{ name: 'sidecar', $patch: 'delete' }],
      imagePullSecrets: [{ name: 'registry', $patch: 'delete' }]
    }),
    expect: { [`${CONTAINERS}.length`]: 1, 'spec.template.spec.imagePullSecrets': [] }
  },
  {
    name: 'apply changing one env value changes just that value',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app', 'sidecar'),
      containers: [
        {
          name: 'app',
          '$setElementOrder/env': byName('A', 'B', 'C'),
          env: [{ name: 'B', value: '20' }]
        }
      ]
    }),
    expect: {
      [`${CONTAINERS}.0.env`]: [
        { name: 'A', value: '1' },
        { name: 'B', value: '20' },
        { name: 'C', value: '3' }
      ]
    }
  },
  {
    name: "apply after deleting a container's args drops them",
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('app', 'sidecar'),
      containers: [{ name: 'sidecar', args: null }]
    }),
    expect: { [`${CONTAINERS}.1`]: { name: 'sidecar', image: 'busybox' } }
  },
  {
    name: 'a $patch: replace item makes the other items the whole list',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ name: 'app', image: 'x', $patch: 'replace' }] }),
    expect: { [CONTAINERS]: [] }
  },
  {
    name: 'apply reordering and adding finalizers follows the file',
    kind: 'Deployment',
    original: deployment(),
    patch: {
      metadata: {
        '$setElementOrder/finalizers': ['example.com/b', 'example.com/c', 'example.com/a'],
        finalizers: ['example.com/c']
      }
    },
    expect: { 'metadata.finalizers': ['example.com/b', 'example.com/c', 'example.com/a'] }
  },
  {
    name: 'Service ports merge by port',
    kind: 'Service',
    original: service(),
    patch: { spec: { ports: [{ name: 'https', port: 443 }] } },
    expect: {
      'spec.ports': [
        { name: 'https', port: 443 },
        { name: 'http', port: 80 }
      ]
    }
  },
  {
    name: "a kubelet's status patch updates the Ready condition in place",
    kind: 'Pod',
    original: pod(),
    patch: {
      status: {
        '$setElementOrder/conditions': byType('PodScheduled', 'Ready'),
        conditions: [{ type: 'Ready', status: 'True' }],
        phase: 'Running'
      }
    },
    expect: {
      'status.conditions': [
        { type: 'PodScheduled', status: 'True' },
        { type: 'Ready', status: 'True' }
      ],
      'status.phase': 'Running'
    }
  },
  {
    name: 'a container without its merge key is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ image: 'x' }] }),
    error: { code: 400, message: 'map: map[image:x] does not contain declared merge key: name' }
  },
  {
    name: 'an unknown $patch directive is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ name: 'app', $patch: 'explode' }] }),
    error: {
      code: 400,
      message: 'unknown patch type: explode in map: map[$patch:explode name:app]'
    }
  },
  {
    name: '$patch: merge in a list is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({ containers: [{ $patch: 'merge' }] }),
    error: { code: 400, message: 'merging lists cannot yet be specified in the patch' }
  },
  {
    name: 'a $retainKeys that is not a list is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: { spec: { strategy: { $retainKeys: 'type', type: 'Recreate' } } },
    error: { code: 400, message: 'invalid patch format of retainKeys' }
  },
  {
    name: 'a patch setting a field its $retainKeys does not list is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } },
    error: { code: 400, message: 'invalid patch format of retainKeys' }
  },
  {
    name: 'a $deleteFromPrimitiveList that is not a list is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': 'example.com/a' } },
    error: { code: 400, message: 'invalid patch format of primitive list' },
    differs: 'kube-apiserver silently ignores a deletion list that is not a list'
  },
  {
    name: 'a merged list mixing maps and strings is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: { metadata: { finalizers: [{ name: 'x' }] } },
    error: {
      code: 400,
      message: 'list element types are not identical: [[example.com/a example.com/b] [map[name:x]]]'
    },
    differs: 'kube-apiserver answers 500 for this malformed patch'
  },
  {
    name: 'a $setElementOrder contradicting the patch list is refused',
    kind: 'Deployment',
    original: deployment(),
    patch: podSpec({
      '$setElementOrder/containers': byName('sidecar'),
      containers: [{ name: 'app', image: 'x' }]
    }),
    error: {
      code: 400,
      message:
        "The order in patch list:\n[map[image:x name:app]]\n doesn't match $setElementOrder list:\n[map[name:sidecar]]\n"
    }
  },
  {
    name: 'a list of lists in a merged list is unprocessable (422)',
    kind: 'Deployment',
    original: { ...deployment(), metadata: { name: 'web', finalizers: [] } },
    patch: { metadata: { finalizers: [['example.com/c']] } },
    error: { code: 422, message: 'the server rejected our request due to an error in our request' }
  }
]
