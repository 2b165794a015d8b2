/**
 * What a user reads when a pod is rejected: the field, the reason, and kube-apiserver's message,
 * plus the line kubectl prints for it.
 */
import { describe, expect, it } from 'vitest'
import { create, kubectlLine, lines, minimal, update } from './admission-fixtures'

type Any = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

function podCauses(mutate: (p: Any) => void): string[] {
  const pod = minimal('Pod') as Any
  mutate(pod)
  return lines(create('Pod', pod as never).causes)
}

describe('pod names', () => {
  it('an upper-case name is rejected with the RFC 1123 subdomain message kubectl shows', () => {
    const pod = minimal('Pod', 'Web')
    const { causes } = create('Pod', pod)
    expect(causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'metadata.name',
        message: `Invalid value: "Web": ${SUBDOMAIN_MSG}`
      }
    ])
    expect(kubectlLine('Pod', 'Web', causes)).toBe(
      `The Pod "Web" is invalid: metadata.name: Invalid value: "Web": ${SUBDOMAIN_MSG}`
    )
  })
  it.each([
    ['', undefined, 'metadata.name: Required value: name or generateName is required'],
    ['', 'web-', null],
    ['', 'Web-', `metadata.generateName: Invalid value: "Web-": ${SUBDOMAIN_MSG}`],
    [
      'a'.repeat(254),
      undefined,
      `metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`
    ]
  ])('name %j generateName %j', (name, generateName, expected) => {
    const causes = podCauses((p) => {
      p.metadata.name = name
      if (generateName) p.metadata.generateName = generateName
    })
    expect(causes).toEqual(expected ? [expected] : [])
  })
})

describe('labels and annotations', () => {
  it.each([
    [{ 'app.kubernetes.io/name': 'web', tier: '' }, []],
    [
      { 'bad key!': 'x' },
      [
        "metadata.labels: Invalid value: \"bad key!\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
      ]
    ],
    [
      { app: 'a'.repeat(64) },
      [`metadata.labels: Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters`]
    ],
    [
      { 'Example.com/app': 'x' },
      [`metadata.labels: Invalid value: "Example.com/app": prefix part ${SUBDOMAIN_MSG}`]
    ]
  ])('labels %j', (labels, expected) => {
    expect(podCauses((p) => (p.metadata.labels = labels))).toEqual(expected)
  })
  it('annotations over 256 KiB in total are Too long', () => {
    const causes = podCauses((p) => (p.metadata.annotations = { big: 'x'.repeat(262144) }))
    expect(causes).toEqual(['metadata.annotations: Too long: may not be more than 262144 bytes'])
  })
})

describe('pod spec', () => {
  it.each<[string, (p: Any) => void, string[]]>([
    ['no containers', (p) => (p.spec.containers = []), ['spec.containers: Required value']],
    [
      'no image',
      (p) => delete p.spec.containers[0].image,
      ['spec.containers[0].image: Required value']
    ],
    [
      'bad container name',
      (p) => (p.spec.containers[0].name = 'My_App'),
      [`spec.containers[0].name: Invalid value: "My_App": ${LABEL_MSG}`]
    ],
    [
      'duplicate container names',
      (p) => p.spec.containers.push({ name: 'nginx', image: 'busybox' }),
      ['spec.containers[1].name: Duplicate value: "nginx"']
    ],
    [
      'restartPolicy Sometimes',
      (p) => (p.spec.restartPolicy = 'Sometimes'),
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'
      ]
    ],
    [
      'port 70000',
      (p) => (p.spec.containers[0].ports = [{ containerPort: 70000 }]),
      [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'
      ]
    ],
    [
      'port protocol',
      (p) => (p.spec.containers[0].ports = [{ containerPort: 80, protocol: 'HTTP' }]),
      [
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'
      ]
    ],
    [
      'duplicate port names',
      (p) =>
        (p.spec.containers[0].ports = [
          { containerPort: 80, name: 'http' },
          { containerPort: 81, name: 'http' }
        ]),
      ['spec.containers[0].ports[1].name: Duplicate value: "http"']
    ],
    [
      'requests over limits',
      (p) => (p.spec.containers[0].resources = { limits: { cpu: '1' }, requests: { cpu: '2' } }),
      [
        'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1'
      ]
    ],
    [
      'malformed quantity',
      (p) => (p.spec.containers[0].resources = { requests: { memory: 'lots' } }),
      [
        'spec.containers[0].resources.requests[memory]: Invalid value: "lots": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\''
      ]
    ],
    // Requests default to limits, so kube-apiserver reports both, as here.
    [
      'unknown resource',
      (p) => (p.spec.containers[0].resources = { limits: { gpu: '1' } }),
      [
        'spec.containers[0].resources.limits[gpu]: Invalid value: "gpu": must be a standard resource for containers',
        'spec.containers[0].resources.requests[gpu]: Invalid value: "gpu": must be a standard resource for containers'
      ]
    ],
    [
      'mount of a missing volume',
      (p) => (p.spec.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data' }]),
      ['spec.containers[0].volumeMounts[0].name: Not found: "data"']
    ],
    [
      'duplicate volumes',
      (p) => (p.spec.volumes = [{ name: 'data' }, { name: 'data' }]),
      ['spec.volumes[1].name: Duplicate value: "data"']
    ],
    [
      'two volume sources',
      (p) => (p.spec.volumes = [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }]),
      ['spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 volume type']
    ],
    [
      'configMap volume without name',
      (p) => (p.spec.volumes = [{ name: 'v', configMap: {} }]),
      ['spec.volumes[0].configMap.name: Required value']
    ],
    [
      'probe without handler',
      (p) => (p.spec.containers[0].livenessProbe = { periodSeconds: 3 }),
      ['spec.containers[0].livenessProbe: Required value: must specify a handler type']
    ],
    [
      'liveness successThreshold 2',
      (p) =>
        (p.spec.containers[0].livenessProbe = { exec: { command: ['true'] }, successThreshold: 2 }),
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1']
    ],
    [
      'env var without name',
      (p) => (p.spec.containers[0].env = [{ value: 'x' }]),
      ['spec.containers[0].env[0].name: Required value']
    ],
    [
      'toleration Exists with a value',
      (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]),
      [
        'spec.tolerations[0].operator: Invalid value: core.Toleration{Key:"k", Operator:"Exists", Value:"v", Effect:"", TolerationSeconds:(*int64)(nil)}: value must be empty when `operator` is \'Exists\''
      ]
    ],
    [
      'toleration seconds on NoSchedule',
      (p) =>
        (p.spec.tolerations = [
          { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 }
        ]),
      [
        'spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set'
      ]
    ],
    [
      'activeDeadlineSeconds 0',
      (p) => (p.spec.activeDeadlineSeconds = 0),
      ['spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive']
    ]
  ])('%s', (_name, mutate, expected) => {
    expect(podCauses(mutate)).toEqual(expected)
  })

  it('reports each cause with its reason', () => {
    const pod = minimal('Pod') as Any
    pod.spec.containers = [{ name: 'a' }, { name: 'a', image: 'x' }]
    pod.spec.restartPolicy = 'Sometimes'
    expect(create('Pod', pod as never).causes.map((c) => c.reason)).toEqual([
      'FieldValueRequired',
      'FieldValueDuplicate',
      'FieldValueNotSupported'
    ])
  })
})

describe('pod updates', () => {
  const old = create('Pod').obj
  it.each<[string, (p: Any) => void]>([
    ['a new image', (p) => (p.spec.containers[0].image = 'nginx:1.28')],
    ['a label', (p) => (p.metadata.labels = { app: 'web' })],
    ['an added toleration', (p) => p.spec.tolerations.push({ key: 'gpu', operator: 'Exists' })],
    ['an activeDeadlineSeconds', (p) => (p.spec.activeDeadlineSeconds = 60)]
  ])('allow %s', (_name, mutate) => {
    expect(update('Pod', old, (p) => mutate(p as Any))).toEqual([])
  })

  it("forbid a port change with kube-apiserver's message", () => {
    const causes = update(
      'Pod',
      old,
      (p) => ((p.spec as Any).containers[0].ports = [{ containerPort: 81 }])
    )
    expect(causes).toHaveLength(1)
    expect(causes[0].field).toBe('spec')
    expect(causes[0].reason).toBe('FieldValueForbidden')
    expect(causes[0].message).toMatch(
      /^Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,`spec.initContainers\[\*\].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` \(only additions to existing tolerations\),`spec.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n/
    )
    expect(causes[0].message).toContain(
      '+ spec.containers[0].ports: [{"containerPort":81,"protocol":"TCP"}]'
    )
  })

  it.each<[string, (p: Any) => void, string]>([
    [
      'removing a toleration',
      (p) => p.spec.tolerations.pop(),
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'
    ],
    [
      'an image set to empty',
      (p) => (p.spec.containers[0].image = ''),
      'spec.containers[0].image: Required value'
    ],
    [
      'renaming',
      (p) => (p.metadata.uid = 'other'),
      'metadata.uid: Invalid value: "other": field is immutable'
    ]
  ])('reject %s', (_name, mutate, expected) => {
    expect(lines(update('Pod', old, (p) => mutate(p as Any)))).toContain(expected)
  })
})
