/**
 * Workload validation as a user meets it: selectors that do not match, immutable selectors,
 * strategies, Job restart policies and template immutability, CronJob schedules.
 */
import { describe, expect, it } from 'vitest'
import { create, kubectlLine, lines, minimal, update } from './admission-fixtures'

type Any = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function causesOf(kind: string, mutate: (o: Any) => void): string[] {
  const o = minimal(kind) as Any
  mutate(o)
  return lines(create(kind, o as never).causes)
}

describe('Deployment', () => {
  it('a selector that does not match the template labels reads as in kubectl', () => {
    const d = minimal('Deployment', 'x') as Any
    d.spec.template.metadata.labels = { app: 'web', tier: 'front' }
    const { causes } = create('Deployment', d as never)
    expect(kubectlLine('Deployment', 'x', causes)).toBe(
      'The Deployment "x" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"web", "tier":"front"}: `selector` does not match template `labels`'
    )
  })

  it.each<[string, (o: Any) => void, string[]]>([
    ['no selector', (o) => delete o.spec.selector, ['spec.selector: Required value']],
    [
      'empty selector',
      (o) => (o.spec.selector = {}),
      [
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'
      ]
    ],
    [
      'negative replicas',
      (o) => (o.spec.replicas = -1),
      ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']
    ],
    [
      'restartPolicy Never',
      (o) => (o.spec.template.spec.restartPolicy = 'Never'),
      ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']
    ],
    [
      'bad strategy type',
      (o) => (o.spec.strategy = { type: 'BlueGreen' }),
      [
        'spec.strategy: Unsupported value: apps.DeploymentStrategy{Type:"BlueGreen", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: supported values: "Recreate", "RollingUpdate"'
      ]
    ],
    [
      'Recreate with rollingUpdate',
      (o) => (o.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } }),
      [
        "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"
      ]
    ],
    [
      'both zero',
      (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }),
      [
        'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'
      ]
    ],
    [
      'bad percent',
      (o) => (o.spec.strategy = { rollingUpdate: { maxSurge: 'half' } }),
      [
        "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"half\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
      ]
    ],
    [
      'progress deadline not above minReadySeconds',
      (o) => Object.assign(o.spec, { minReadySeconds: 30, progressDeadlineSeconds: 30 }),
      ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds']
    ],
    [
      'template container without image',
      (o) => delete o.spec.template.spec.containers[0].image,
      ['spec.template.spec.containers[0].image: Required value']
    ]
  ])('%s', (_name, mutate, expected) => {
    expect(causesOf('Deployment', mutate)).toEqual(expected)
  })

  it('an update may scale and change the template but not the selector', () => {
    const old = create('Deployment').obj
    expect(update('Deployment', old, (d) => Object.assign(d.spec as Any, { replicas: 3 }))).toEqual(
      []
    )
    const causes = update('Deployment', old, (d) => {
      const spec = d.spec as Any
      spec.selector = { matchLabels: { app: 'web2' } }
      spec.template.metadata.labels = { app: 'web2' }
    })
    expect(lines(causes)).toEqual([
      'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'
    ])
  })
})

describe('StatefulSet, DaemonSet, ReplicaSet', () => {
  it('a StatefulSet update may not change serviceName', () => {
    const old = create('StatefulSet').obj
    expect(
      lines(update('StatefulSet', old, (s) => ((s.spec as Any).serviceName = 'other')))
    ).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
    ])
    expect(update('StatefulSet', old, (s) => ((s.spec as Any).replicas = 5))).toEqual([])
  })
  it.each<[string, string, (o: Any) => void, string[]]>([
    [
      'StatefulSet',
      'podManagementPolicy',
      (o) => (o.spec.podManagementPolicy = 'Random'),
      ["spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'"]
    ],
    [
      'DaemonSet',
      'both surge and unavailable',
      (o) =>
        (o.spec.updateStrategy = {
          type: 'RollingUpdate',
          rollingUpdate: { maxUnavailable: 1, maxSurge: 1 }
        }),
      [
        'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:0, IntVal:1, StrVal:""}: may not be set when maxUnavailable is non-zero'
      ]
    ],
    [
      'DaemonSet',
      'activeDeadlineSeconds',
      (o) => (o.spec.template.spec.activeDeadlineSeconds = 5),
      [
        'spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported'
      ]
    ],
    [
      'ReplicaSet',
      'selector mismatch',
      (o) =>
        (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] }),
      [
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'
      ]
    ],
    [
      'ReplicaSet',
      'In without values',
      (o) => (o.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In' }] }),
      [
        "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'
      ]
    ]
  ])('%s: %s', (kind, _name, mutate, expected) => {
    expect(causesOf(kind, mutate)).toEqual(expected)
  })
})

describe('Job', () => {
  it.each<[string, (o: Any) => void, string[]]>([
    [
      'restartPolicy Always',
      (o) => (o.spec.template.spec.restartPolicy = 'Always'),
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']
    ],
    [
      'no restartPolicy',
      (o) => delete o.spec.template.spec.restartPolicy,
      ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']
    ],
    [
      'negative parallelism',
      (o) => (o.spec.parallelism = -2),
      ['spec.parallelism: Invalid value: -2: must be greater than or equal to 0']
    ],
    [
      'Indexed without completions',
      (o) => Object.assign(o.spec, { completionMode: 'Indexed', parallelism: 2 }),
      ['spec.completions: Required value: when completion mode is Indexed']
    ],
    [
      'hand-written selector without manualSelector',
      (o) => (o.spec.selector = { matchLabels: { app: 'x' } }),
      [
        'spec.template.metadata.labels: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"5f0c1c1e-0000-4000-8000-000000000001", "batch.kubernetes.io/job-name":"web", "controller-uid":"5f0c1c1e-0000-4000-8000-000000000001", "job-name":"web"}: `selector` does not match template `labels`',
        'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"x", "batch.kubernetes.io/controller-uid":"5f0c1c1e-0000-4000-8000-000000000001"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: `selector` not auto-generated'
      ]
    ]
  ])('%s', (_name, mutate, expected) => {
    expect(causesOf('Job', mutate)).toEqual(expected)
  })

  it('an update may change parallelism but not completions or the template', () => {
    const old = create('Job').obj
    expect(update('Job', old, (j) => ((j.spec as Any).parallelism = 3))).toEqual([])
    expect(lines(update('Job', old, (j) => ((j.spec as Any).completions = 4)))).toEqual([
      'spec.completions: Invalid value: 4: field is immutable'
    ])
    const causes = update(
      'Job',
      old,
      (j) => ((j.spec as Any).template.spec.containers[0].image = 'busybox')
    )
    expect(causes.map((c) => c.field)).toEqual(['spec.template'])
    expect(causes[0].message).toMatch(/: field is immutable$/)
  })

  it('a suspended Job that never ran may change its template labels and node selector', () => {
    const old = create('Job', Object.assign(minimal('Job'), {})).obj as Any
    old.spec.suspend = true
    const causes = update('Job', old as never, (j) => {
      const spec = j.spec as Any
      spec.template.metadata.labels.queue = 'gpu'
      spec.template.spec.nodeSelector = { gpu: 'true' }
    })
    expect(causes).toEqual([])
  })
})

describe('CronJob', () => {
  it.each([
    ['@hourly', []],
    ['0 */2 * * MON-FRI', []],
    ['*/5 * * * *', []],
    [
      'every minute',
      [
        'spec.schedule: Invalid value: "every minute": expected exactly 5 fields, found 2: [every minute]'
      ]
    ],
    [
      '61 * * * *',
      ['spec.schedule: Invalid value: "61 * * * *": end of range (61) above maximum (59): 61']
    ],
    [
      '* * * * 8',
      ['spec.schedule: Invalid value: "* * * * 8": end of range (8) above maximum (6): 8']
    ],
    [
      'x * * * *',
      [
        'spec.schedule: Invalid value: "x * * * *": failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'
      ]
    ],
    ['@often', ['spec.schedule: Invalid value: "@often": unrecognized descriptor: @often']],
    [
      'TZ=UTC 0 * * * *',
      [
        'spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead'
      ]
    ]
  ])('schedule %j', (schedule, expected) => {
    expect(causesOf('CronJob', (o) => (o.spec.schedule = schedule))).toEqual(expected)
  })

  it.each<[string, (o: Any) => void, string[]]>([
    ['no schedule', (o) => delete o.spec.schedule, ['spec.schedule: Required value']],
    [
      'a long name',
      (o) => (o.metadata.name = 'n'.repeat(53)),
      [`metadata.name: Invalid value: "${'n'.repeat(53)}": must be no more than 52 characters`]
    ],
    [
      'bad concurrencyPolicy',
      (o) => (o.spec.concurrencyPolicy = 'Sometimes'),
      [
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"'
      ]
    ],
    [
      'job template restartPolicy Always',
      (o) => (o.spec.jobTemplate.spec.template.spec.restartPolicy = 'Always'),
      [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"'
      ]
    ]
  ])('%s', (_name, mutate, expected) => {
    expect(causesOf('CronJob', mutate)).toEqual(expected)
  })
})
