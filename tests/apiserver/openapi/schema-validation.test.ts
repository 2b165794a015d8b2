import { describe, expect, it } from 'vitest'
import {
  patchSchemaFor,
  schemaTypeErrors,
  strictDecodingMessage,
  unknownFields
} from '../../../src/main/apiserver/openapi'

function deployment(spec: Record<string, unknown>, metadata: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { 'any/label': 'x' }, ...metadata },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx', ports: [{ containerPort: 80 }] }] }
      },
      ...spec
    }
  }
}

describe('patchSchemaFor', () => {
  it('merges Pod containers by name and their ports by containerPort', () => {
    const spec = patchSchemaFor('', 'v1', 'Pod')?.field('spec')
    const containers = spec?.field('containers')
    expect(containers?.patchStrategies).toEqual(['merge'])
    expect(containers?.patchMergeKey).toBe('name')
    const ports = containers?.items()?.field('ports')
    expect(ports?.patchMergeKey).toBe('containerPort')
    expect(ports?.listMapKeys).toEqual(['containerPort', 'protocol'])
    expect(containers?.items()?.field('env')?.patchMergeKey).toBe('name')
    expect(spec?.field('volumes')?.patchStrategies).toEqual(['merge', 'retainKeys'])
  })

  it('sees through references to shared types and maps', () => {
    const deploy = patchSchemaFor('apps', 'v1', 'Deployment')
    expect(deploy?.field('spec')?.field('selector')?.mapType).toBe('atomic')
    expect(deploy?.field('spec')?.field('strategy')?.patchStrategies).toEqual(['retainKeys'])
    expect(deploy?.field('metadata')?.field('labels')?.items()?.type).toBe('string')
    expect(deploy?.field('spec')?.field('nope')).toBeUndefined()
  })

  it('knows nothing of kinds without a schema', () => {
    expect(patchSchemaFor('example.com', 'v1', 'Widget')).toBeUndefined()
  })
})

describe('unknownFields', () => {
  it('finds a misspelt field and explains it as kube-apiserver does under Strict', () => {
    const causes = unknownFields('apps', 'v1', 'Deployment', deployment({ replicass: 3 }))
    expect(causes.map((c) => c.field)).toEqual(['spec.replicass'])
    expect(strictDecodingMessage('Deployment', 'v1', causes)).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass"'
    )
  })

  it('names list items by index, deep inside the pod template', () => {
    const obj = deployment({
      template: { spec: { containers: [{ name: 'a', ports: [{ containerPortZ: 1 }] }] } }
    })
    expect(unknownFields('apps', 'v1', 'Deployment', obj).map((c) => c.message)).toEqual([
      'unknown field "spec.template.spec.containers[0].ports[0].containerPortZ"'
    ])
  })

  it('accepts any keys in maps and free-form fields, and a valid object entirely', () => {
    const obj = deployment(
      {},
      {
        annotations: { 'a.b/c': 'd' },
        managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }]
      }
    )
    expect(unknownFields('apps', 'v1', 'Deployment', obj)).toEqual([])
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { anything: 'x' }
    }
    expect(unknownFields('', 'v1', 'ConfigMap', cm)).toEqual([])
    expect(unknownFields('', 'v1', 'ConfigMap', { ...cm, dat: {} })[0].field).toBe('dat')
  })
})

describe('schemaTypeErrors', () => {
  it('reports a string where an integer belongs, in Go decoding words', () => {
    const errors = schemaTypeErrors('apps', 'v1', 'Deployment', deployment({ replicas: '3' }))
    expect(errors).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.replicas',
        message:
          'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'
      }
    ])
  })

  it('accepts int-or-string and quantities in either form', () => {
    const obj = deployment({
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        spec: {
          containers: [{ name: 'a', resources: { limits: { cpu: 1, memory: '64Mi' } } }]
        }
      }
    })
    expect(schemaTypeErrors('apps', 'v1', 'Deployment', obj)).toEqual([])
  })

  it('rejects wrong shapes: a list where an object belongs, a fraction, bad base64', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: {} } }
    expect(schemaTypeErrors('', 'v1', 'Pod', pod)[0].message).toBe(
      'json: cannot unmarshal object into Go struct field PodSpec.spec.containers of type []v1.Container'
    )
    const frac = deployment({ replicas: 1.5 })
    expect(schemaTypeErrors('apps', 'v1', 'Deployment', frac)[0].message).toContain('number 1.5')
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { k: 'no!' } }
    expect(schemaTypeErrors('', 'v1', 'Secret', secret)[0].message).toBe(
      'illegal base64 data at input byte 2'
    )
  })
})
