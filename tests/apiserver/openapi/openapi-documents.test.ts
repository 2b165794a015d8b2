import { describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { RESOURCES } from '../../../src/main/apiserver/registry'
import {
  openApiV2,
  openApiV3,
  openApiV3Paths,
  openApiV3Serialized
} from '../../../src/main/apiserver/openapi'
import type { ResourceInfo } from '../../../src/main/apiserver/types'

type Doc = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function prefix(r: ResourceInfo): string {
  return r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`
}

function definitionName(doc: Doc, r: ResourceInfo): string | undefined {
  return Object.keys(doc.components.schemas).find((name) =>
    (doc.components.schemas[name]['x-kubernetes-group-version-kind'] ?? []).some(
      (g: Doc) => g.group === r.group && g.version === r.version && g.kind === r.kind
    )
  )
}

describe('/openapi/v3 index', () => {
  const index = openApiV3Paths(RESOURCES)

  it('lists every group version served, the discovery documents and version', () => {
    for (const r of RESOURCES) expect(index.paths).toHaveProperty([prefix(r)])
    for (const key of ['api', 'apis', 'apis/apps', 'version'])
      expect(index.paths).toHaveProperty([key])
  })

  it('points at each document with the SHA-512 of the bytes served', () => {
    const entry = index.paths['apis/apps/v1']
    const served = openApiV3Serialized('apis/apps/v1', RESOURCES)
    const hash = createHash('sha512').update(served!.json).digest('hex').toUpperCase()
    expect(entry.serverRelativeURL).toBe(`/openapi/v3/apis/apps/v1?hash=${hash}`)
    expect(JSON.parse(served!.json)).toEqual(served!.document)
  })

  it('has no document for a group version nobody serves', () => {
    expect(openApiV3('apis/example.com/v1', RESOURCES)).toBeUndefined()
  })
})

describe('OpenAPI v3 group version documents', () => {
  it.each(RESOURCES.map((r) => [`${prefix(r)} ${r.kind}`, r] as const))(
    '%s: schema with its extensions and descriptions, PATCH takes fieldValidation',
    (_name, r) => {
      const doc = openApiV3(prefix(r), RESOURCES) as Doc
      expect(doc.openapi).toMatch(/^3\./)
      const name = definitionName(doc, r)
      expect(name, `schema of ${r.kind}`).toBeDefined()
      const schema = doc.components.schemas[name!]
      // kubectl explain prints these descriptions.
      expect(schema.description).toBeTruthy()
      expect(schema.properties.metadata.description).toBeTruthy()
      expect(schema.properties.metadata.allOf[0].$ref).toBe(
        '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'
      )
      // kubectl asks the server to validate only when the kind's PATCH declares fieldValidation.
      const patches = Object.values(doc.paths)
        .map((item) => (item as Doc).patch)
        .filter((op) => op && op['x-kubernetes-group-version-kind']?.kind === r.kind)
      if (r.verbs.includes('patch')) {
        expect(patches.length).toBeGreaterThan(0)
        for (const op of patches) {
          expect(op.parameters.map((p: Doc) => p.name)).toContain('fieldValidation')
          expect(op['x-kubernetes-action']).toBe('patch')
          expect(Object.keys(op.requestBody.content)).toContain(
            'application/strategic-merge-patch+json'
          )
        }
      }
      // Every reference resolves inside the document.
      const json = JSON.stringify(doc)
      for (const [, name] of json.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
        expect(doc.components.schemas).toHaveProperty([name])
      }
    }
  )

  it('keeps the Kubernetes extensions on the Pod schema', () => {
    const schemas = (openApiV3('api/v1', RESOURCES) as Doc).components.schemas
    const containers = schemas['io.k8s.api.core.v1.PodSpec'].properties.containers
    expect(containers['x-kubernetes-patch-strategy']).toBe('merge')
    expect(containers['x-kubernetes-patch-merge-key']).toBe('name')
    expect(containers['x-kubernetes-list-type']).toBe('map')
    expect(containers['x-kubernetes-list-map-keys']).toEqual(['name'])
    expect(
      schemas['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']['x-kubernetes-map-type']
    ).toBe('atomic')
    expect(
      schemas['io.k8s.apimachinery.pkg.util.intstr.IntOrString']['x-kubernetes-int-or-string']
    ).toBe(true)
    expect(
      schemas['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1'][
        'x-kubernetes-preserve-unknown-fields'
      ]
    ).toBe(true)
  })

  it('serves the scale subresource as autoscaling/v1 Scale', () => {
    const doc = openApiV3('apis/apps/v1', RESOURCES) as Doc
    const scale = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']
    expect(scale.patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale'
    })
    expect(doc.components.schemas).toHaveProperty(['io.k8s.api.autoscaling.v1.Scale'])
  })
})

describe('OpenAPI v2 document', () => {
  it('is Swagger 2.0 with every kind and fieldValidation on PATCH', () => {
    const doc = openApiV2(RESOURCES) as Doc
    expect(doc.swagger).toBe('2.0')
    const patch = doc.paths['/api/v1/namespaces/{namespace}/pods/{name}'].patch
    expect(patch.parameters.map((p: Doc) => p.name)).toContain('fieldValidation')
    expect(patch['x-kubernetes-group-version-kind']).toEqual({
      group: '',
      version: 'v1',
      kind: 'Pod'
    })
    for (const [, name] of JSON.stringify(doc).matchAll(/"#\/definitions\/([^"]+)"/g)) {
      expect(doc.definitions).toHaveProperty([name])
    }
  })
})
