/**
 * `/openapi/v2` in gnostic's protobuf, as client-go's `OpenAPISchema()` asks for it: decoded
 * with the same message definitions it matches the JSON document, and the real kubectl can
 * validate `kind: List` input against it client-side (which it does for Lists).
 */
import { request } from 'node:https'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  decodeOpenApiV2,
  encodeOpenApiV2,
  negotiateOpenApiV2,
  OPENAPI_V2_PROTOBUF,
  OPENAPI_V2_PROTOBUF_DEPRECATED
} from '../../../src/main/apiserver/openapi/openapi-v2-protobuf'
import { ADMIN_TOKEN, startTestServer, type Json, type TestServer } from '../core/test-server'

let ts: TestServer

beforeAll(async () => {
  ts = await startTestServer()
})

afterAll(async () => {
  await ts?.close()
})

/** A GET whose body is kept as bytes. */
function getRaw(
  path: string,
  headers: Record<string, string>
): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port: ts.server.port,
        path,
        headers: {
          Host: `127.0.0.1:${ts.server.port}`,
          Authorization: `Bearer ${ADMIN_TOKEN}`,
          ...headers
        },
        ca: ts.caCert
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks)
          })
        )
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end()
  })
}

function named(pairs: { name: string; value: Json }[] | undefined, name: string): Json {
  return pairs?.find((p) => p.name === name)?.value
}

describe('GET /openapi/v2 with the protobuf media type', () => {
  let json: Json
  let decoded: Json
  let proto: Awaited<ReturnType<typeof getRaw>>

  beforeAll(async () => {
    json = (await ts.http('GET', '/openapi/v2')).json
    proto = await getRaw('/openapi/v2', { Accept: OPENAPI_V2_PROTOBUF_DEPRECATED })
    decoded = decodeOpenApiV2(proto.body)
  })

  it('answers protobuf with the JSON document’s ETag', async () => {
    const plain = await ts.http('GET', '/openapi/v2')
    expect(plain.headers['content-type']).toBe('application/json')
    expect(proto.status).toBe(200)
    expect(proto.headers['content-type']).toBe(OPENAPI_V2_PROTOBUF)
    expect(proto.headers.etag).toBe(plain.headers.etag)
    expect(proto.headers.vary).toBe('Accept')
    // Not JSON text: the first byte is field 1 (swagger), length-delimited.
    expect(proto.body[0]).toBe(0x0a)
  })

  it('decodes to the same paths and definitions as the JSON document', () => {
    expect(decoded.swagger).toBe('2.0')
    expect(decoded.info).toEqual(json.info)
    expect(decoded.paths.path.map((p: Json) => p.name)).toEqual(Object.keys(json.paths))
    const names = decoded.definitions.additional_properties.map((d: Json) => d.name)
    expect(names).toEqual(Object.keys(json.definitions))
    expect(names.length).toBeGreaterThan(100)
  })

  it('keeps a definition’s properties, required fields and group-version-kind', () => {
    const pod = named(decoded.definitions.additional_properties, 'io.k8s.api.core.v1.Pod')
    const want = json.definitions['io.k8s.api.core.v1.Pod']
    expect(pod.type.value).toEqual(['object'])
    expect(pod.properties.additional_properties.map((p: Json) => p.name)).toEqual(
      Object.keys(want.properties)
    )
    expect(named(pod.properties.additional_properties, 'spec')._ref).toBe(
      '#/definitions/io.k8s.api.core.v1.PodSpec'
    )
    const gvk = named(pod.vendor_extension, 'x-kubernetes-group-version-kind')
    expect(gvk.yaml).toBe('- group: ""\n  kind: Pod\n  version: v1\n')

    const spec = named(decoded.definitions.additional_properties, 'io.k8s.api.core.v1.PodSpec')
    expect(spec.required).toEqual(json.definitions['io.k8s.api.core.v1.PodSpec'].required)
    const containers = named(spec.properties.additional_properties, 'containers')
    expect(containers.items.schema[0]._ref).toBe('#/definitions/io.k8s.api.core.v1.Container')
    expect(named(containers.vendor_extension, 'x-kubernetes-patch-merge-key').yaml).toBe('name\n')
  })

  it('keeps operations, their parameters and responses', () => {
    const path = '/api/v1/namespaces/{namespace}/configmaps/{name}'
    const item = named(decoded.paths.path, path)
    const want = json.paths[path]
    expect(item.get.operation_id).toBe(want.get.operationId)
    expect(named(item.get.vendor_extension, 'x-kubernetes-action').yaml).toBe('get\n')
    expect(item.parameters.length).toBe(want.parameters.length)
    const pathParam = item.parameters[0].parameter.non_body_parameter.path_parameter_sub_schema
    expect(pathParam).toMatchObject({ name: 'name', in: 'path', required: true })
    const body = item.put.parameters.find((p: Json) => p.parameter?.body_parameter)
    expect(body.parameter.body_parameter.schema._ref).toBe(
      '#/definitions/io.k8s.api.core.v1.ConfigMap'
    )
    const ok = named(item.get.responses.response_code, '200')
    expect(ok.response.schema.schema._ref).toBe('#/definitions/io.k8s.api.core.v1.ConfigMap')
  })

  it('answers 304 to a matching If-None-Match and 406 to a media type it cannot produce', async () => {
    const again = await getRaw('/openapi/v2', {
      Accept: OPENAPI_V2_PROTOBUF,
      'If-None-Match': String(proto.headers.etag)
    })
    expect(again.status).toBe(304)
    const refused = await ts.http('GET', '/openapi/v2', { accept: 'application/yaml' })
    expect(refused.status).toBe(406)
    expect(refused.json).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 })
  })
})

describe('negotiateOpenApiV2', () => {
  it('picks by quality, exact types before wildcards, and refuses what it cannot produce', () => {
    expect(negotiateOpenApiV2(undefined)).toBe('json')
    expect(negotiateOpenApiV2('*/*')).toBe('json')
    expect(negotiateOpenApiV2(`*/*, ${OPENAPI_V2_PROTOBUF}`)).toBe('protobuf')
    expect(negotiateOpenApiV2(`application/json;q=0.5, ${OPENAPI_V2_PROTOBUF}`)).toBe('protobuf')
    expect(negotiateOpenApiV2(`${OPENAPI_V2_PROTOBUF};q=0, application/json`)).toBe('json')
    expect(negotiateOpenApiV2('application/yaml, text/html')).toBeUndefined()
  })
})

describe('kubectl apply of a kind: List (client-side validation with /openapi/v2)', () => {
  const configMap = (name: string): string =>
    [
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata:',
      `    name: ${name}`,
      '    namespace: default',
      '  data:',
      '    key: value'
    ].join('\n')

  it('applies a List of two ConfigMaps', async () => {
    const list = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      configMap('list-a'),
      configMap('list-b')
    ]
    const out = await ts.kubectl(['apply', '-f', '-'], list.join('\n') + '\n')
    expect(out.stderr).toBe('')
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('configmap/list-a created')
    expect(out.stdout).toContain('configmap/list-b created')
    const got = await ts.kubectl(['get', 'configmap', 'list-a', 'list-b', '-o', 'name'])
    expect(got.stdout.trim().split('\n')).toEqual(['configmap/list-a', 'configmap/list-b'])
  })

  it('refuses a List whose Pod has an unknown container field, naming it', async () => {
    const list = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      configMap('list-c'),
      '- apiVersion: v1',
      '  kind: Pod',
      '  metadata:',
      '    name: list-pod',
      '    namespace: default',
      '  spec:',
      '    containers:',
      '    - name: app',
      '      image: busybox',
      '      bogus: true'
    ]
    const out = await ts.kubectl(['apply', '-f', '-'], list.join('\n') + '\n')
    expect(out.code).not.toBe(0)
    // kubectl's own message: it found the Pod's schema through x-kubernetes-group-version-kind.
    expect(out.stderr).toContain(
      'ValidationError(Pod.spec.containers[0]): unknown field "bogus" in io.k8s.api.core.v1.Container'
    )
    // Nothing of the List was applied.
    const got = await ts.kubectl(['get', 'pod/list-pod', 'configmap/list-c'])
    expect(got.code).not.toBe(0)
    expect(got.stderr).toContain('not found')
  })
})

describe('encodeOpenApiV2', () => {
  it('encodes the less common shapes as gnostic reads them', () => {
    const doc: Json = decodeOpenApiV2(
      encodeOpenApiV2({
        swagger: '2.0',
        info: { title: 't', version: 'v' },
        definitions: {
          A: {
            type: 'object',
            additionalProperties: { type: 'string' },
            properties: {
              flag: { type: 'string', enum: ['yes', 'no'], default: 'yes', maxLength: 3 },
              any: { type: 'object', additionalProperties: true },
              tuple: { type: 'array', items: [{ type: 'string' }, { type: 'integer' }] }
            }
          }
        },
        securityDefinitions: { T: { type: 'apiKey', name: 'authorization', in: 'header' } },
        security: [{ T: [] }]
      })
    )
    const a = named(doc.definitions.additional_properties, 'A')
    expect(a.additional_properties.schema.type.value).toEqual(['string'])
    const props = a.properties.additional_properties
    // YAML 1.1 readers (go-yaml v2) would take a bare yes for true: it is quoted.
    expect(named(props, 'flag').enum.map((e: Json) => e.yaml)).toEqual(['"yes"\n', '"no"\n'])
    expect(named(props, 'flag').max_length).toBe(3)
    expect(named(props, 'any').additional_properties).toEqual({ boolean: true })
    expect(named(props, 'tuple').items.schema.map((s: Json) => s.type.value[0])).toEqual([
      'string',
      'integer'
    ])
    const t = named(doc.security_definitions.additional_properties, 'T')
    expect(t.api_key_security).toEqual({ type: 'apiKey', name: 'authorization', in: 'header' })
    expect(doc.security[0].additional_properties[0].name).toBe('T')
  })

  it('refuses a property the format has no place for, naming where it is', () => {
    expect(() =>
      encodeOpenApiV2({ swagger: '2.0', definitions: { A: { type: 'object', nullable: true } } })
    ).toThrow('$.definitions.A.nullable has no place in Schema')
  })
})
