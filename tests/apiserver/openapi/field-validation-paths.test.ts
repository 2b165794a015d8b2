import { describe, expect, it } from 'vitest'
import {
  schemaTypeErrors,
  unknownFields
} from '../../../src/main/apiserver/openapi/field-validation'

// Paths and messages as kube-apiserver words them; the walk spells them only when it reports one,
// so every kind of step (struct field, list item, map entry) is checked here at depth.
const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: 1 }, annotations: { b: [] }, bogus: 1 },
  spec: {
    containers: [
      {
        name: 'c',
        image: 'i',
        ports: [{ containerPort: '80', bad: 1 }],
        env: [{ name: 'E', value: 3, valueFrom: { fieldRef: { fieldPath: 1, x: 1 } } }],
        resources: { limits: { cpu: {} } }
      }
    ],
    nodeSelector: { z: false },
    volumes: [{ name: 'v', configMap: { name: 'x', items: [{ key: 'k', path: 7, extra: 1 }] } }],
    extra: { a: 1 }
  }
}

const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c' },
  data: { a: 1 },
  binaryData: { b: 'not base64!' },
  junk: 1
}

const pairs = (causes: { field: string; message: string }[]): [string, string][] =>
  causes.map((c) => [c.field, c.message])

describe('field validation paths', () => {
  it('names every value of the wrong type with its path and Go struct field', () => {
    expect(pairs(schemaTypeErrors('', 'v1', 'Pod', pod))).toEqual([
      [
        'metadata.labels[a]',
        'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'
      ],
      [
        'metadata.annotations[b]',
        'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.annotations of type string'
      ],
      [
        'spec.containers[0].ports[0].containerPort',
        'json: cannot unmarshal string into Go struct field ContainerPort.spec.containers.ports.containerPort of type int32'
      ],
      [
        'spec.containers[0].env[0].value',
        'json: cannot unmarshal number into Go struct field EnvVar.spec.containers.env.value of type string'
      ],
      [
        'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath',
        'json: cannot unmarshal number into Go struct field ObjectFieldSelector.spec.containers.env.valueFrom.fieldRef.fieldPath of type string'
      ],
      [
        'spec.containers[0].resources.limits[cpu]',
        'json: cannot unmarshal object into Go struct field ResourceRequirements.spec.containers.resources.limits of type resource.Quantity'
      ],
      [
        'spec.nodeSelector[z]',
        'json: cannot unmarshal bool into Go struct field PodSpec.spec.nodeSelector of type string'
      ],
      [
        'spec.volumes[0].configMap.items[0].path',
        'json: cannot unmarshal number into Go struct field KeyToPath.spec.volumes.configMap.items.path of type string'
      ]
    ])
    expect(pairs(schemaTypeErrors('', 'v1', 'ConfigMap', configMap))).toEqual([
      [
        'data[a]',
        'json: cannot unmarshal number into Go struct field ConfigMap.data of type string'
      ],
      ['binaryData[b]', 'illegal base64 data at input byte 3']
    ])
  })

  it('names every unknown field with its path, list indices included', () => {
    expect(pairs(unknownFields('', 'v1', 'Pod', pod))).toEqual([
      ['metadata.bogus', 'unknown field "metadata.bogus"'],
      ['spec.containers[0].ports[0].bad', 'unknown field "spec.containers[0].ports[0].bad"'],
      [
        'spec.containers[0].env[0].valueFrom.fieldRef.x',
        'unknown field "spec.containers[0].env[0].valueFrom.fieldRef.x"'
      ],
      [
        'spec.volumes[0].configMap.items[0].extra',
        'unknown field "spec.volumes[0].configMap.items[0].extra"'
      ],
      ['spec.extra', 'unknown field "spec.extra"']
    ])
    expect(pairs(unknownFields('', 'v1', 'ConfigMap', configMap))).toEqual([
      ['junk', 'unknown field "junk"']
    ])
  })

  it('finds nothing in a valid object', () => {
    const valid = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ok', labels: { a: 'b' } } }
    expect(schemaTypeErrors('', 'v1', 'Pod', valid)).toEqual([])
    expect(unknownFields('', 'v1', 'Pod', valid)).toEqual([])
  })
})
