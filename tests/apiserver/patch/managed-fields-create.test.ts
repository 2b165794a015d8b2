import { describe, expect, it, vi } from 'vitest'
import type { KubeObject } from '../../../src/main/apiserver/types'

// Which Go zero values the comparison assumes is remembered per place (zeroFieldsOf); the
// managedFields of a create must not depend on which kinds the process saw before.
const objects: [group: string, kind: string, obj: KubeObject][] = [
  [
    'apps',
    'Deployment',
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { a: 'b' } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { a: 'b' } },
        template: {
          metadata: { labels: { a: 'b' } },
          spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] }
        }
      }
    }
  ],
  [
    'batch',
    'CronJob',
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cj' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: {
          spec: {
            template: { spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: 'Never' } }
          }
        }
      }
    }
  ],
  [
    '',
    'Pod',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [
          { name: 'c', image: 'i', resources: { limits: { cpu: '1' } } },
          { name: 'd', image: 'i' }
        ]
      },
      status: { phase: 'Pending' }
    }
  ]
]

// The fields each create owns, as kube-apiserver records them: structs Go always carries
// (spec, template, a container's resources…) are never owned as themselves.
const expected = [
  {
    'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
    'f:spec': {
      'f:replicas': {},
      'f:selector': {},
      'f:template': {
        'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } },
        'f:spec': {
          'f:containers': {
            'k:{"name":"web"}': {
              '.': {},
              'f:image': {},
              'f:name': {},
              'f:ports': {
                '.': {},
                'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} }
              },
              'f:resources': {}
            }
          }
        }
      }
    }
  },
  {
    'f:spec': {
      'f:jobTemplate': {
        'f:spec': {
          'f:template': {
            'f:spec': {
              'f:containers': {
                'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} }
              },
              'f:restartPolicy': {}
            }
          }
        }
      },
      'f:schedule': {}
    }
  },
  {
    'f:spec': {
      'f:containers': {
        'k:{"name":"c"}': {
          '.': {},
          'f:image': {},
          'f:name': {},
          'f:resources': { '.': {}, 'f:limits': { '.': {}, 'f:cpu': {} } }
        },
        'k:{"name":"d"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} }
      }
    }
  }
]

async function fieldsOnCreate(order: number[]): Promise<unknown[]> {
  vi.resetModules()
  const { recordUpdate } = await import('../../../src/main/apiserver/patch/managed-fields')
  const { patchSchemaFor } = await import('../../../src/main/apiserver/openapi/patch-schemas')
  const out: unknown[] = []
  for (const i of order) {
    const [group, kind, obj] = objects[i]
    const recorded = recordUpdate(undefined, obj, {
      manager: 'm',
      operation: 'Update',
      schema: patchSchemaFor(group, 'v1', kind),
      now: '2026-01-01T00:00:00Z'
    })
    out[i] = recorded.metadata.managedFields?.[0].fieldsV1
  }
  return out
}

describe('managedFields of a create', () => {
  it('owns exactly the fields the object sets', async () => {
    expect(await fieldsOnCreate([0, 1, 2])).toEqual(expected)
  })

  it('does not depend on the kinds seen before', async () => {
    expect(await fieldsOnCreate([2, 1, 0])).toEqual(expected)
    expect(await fieldsOnCreate([1, 2, 0, 1, 2, 0])).toEqual(expected)
  })
})
