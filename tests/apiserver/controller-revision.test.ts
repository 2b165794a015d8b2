/**
 * apps/v1 ControllerRevisions as served: discovery, validation as kube-apiserver words it (data
 * required, revision not negative, data immutable while the revision number may change), and
 * the NAME CONTROLLER REVISION AGE table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiError } from '../../src/main/apiserver/api-errors'
import { findResource } from '../../src/main/apiserver/registry'
import { toTable } from '../../src/main/apiserver/tables'
import type { KubeObject } from '../../src/main/apiserver/types'
import { startControllerFixture, type ControllerFixture, type Json } from '../controllers/fixture'

const CR = { apiVersion: 'apps/v1', kind: 'ControllerRevision' }
const NS = 'default'
let f: ControllerFixture

beforeAll(async () => {
  f = await startControllerFixture()
})
afterAll(async () => {
  await f?.close()
})

const revision = (name: string, fields: Json = {}): Json => ({
  ...CR,
  metadata: { name, namespace: NS },
  data: { spec: { template: { $patch: 'replace', spec: { containers: [] } } } },
  revision: 1,
  ...fields
})
/** The `field: message` lines of the 422 a create or update fails with. */
async function rejection(write: Promise<unknown>): Promise<string[]> {
  const err = await write.then(
    () => undefined,
    (e: unknown) => e
  )
  expect(err).toBeInstanceOf(ApiError)
  expect((err as ApiError).code).toBe(422)
  return ((err as ApiError).details?.causes ?? []).map((c) => `${c.field}: ${c.message}`)
}

describe('apps/v1 controllerrevisions', () => {
  it('is served namespaced, without short names or categories', () => {
    const r = findResource('apps', 'v1', 'controllerrevisions')
    expect(r).toMatchObject({ kind: 'ControllerRevision', namespaced: true, subresources: [] })
    expect(r?.shortNames).toBeUndefined()
    expect(r?.categories).toBeUndefined()
  })

  it.each<[string, Json, string[]]>([
    ['no data', { data: undefined }, ['data: Required value: data is mandatory']],
    [
      'a negative revision',
      { revision: -1 },
      ['revision: Invalid value: -1: must be greater than or equal to 0']
    ]
  ])('rejects %s', async (_what, fields, causes) => {
    const obj = revision('bad', fields)
    if ('data' in fields) delete obj.data
    expect(await rejection(f.client.create(obj as KubeObject))).toEqual(causes)
  })

  it('takes any JSON as data, and reads an absent revision as 0', async () => {
    const created: Json = await f.client.create({
      ...CR,
      metadata: { name: 'free', namespace: NS },
      data: { anything: [1, 'two', { three: null }] }
    } as KubeObject)
    expect(created.data).toEqual({ anything: [1, 'two', { three: null }] })
    expect(created.revision).toBe(0)
  })

  it('lets the revision number change but not the data', async () => {
    await f.client.create(revision('web-abc') as KubeObject)
    const bumped: Json = await f.client.patch(CR, NS, 'web-abc', 'merge', { revision: 4 })
    expect(bumped.revision).toBe(4)
    const causes = await rejection(
      f.client.patch(CR, NS, 'web-abc', 'merge', { data: { spec: null } })
    )
    // kube-apiserver echoes its internal runtime.Object here; only the field and reason matter.
    expect(causes).toEqual([expect.stringMatching(/^data: Invalid value: .*: field is immutable$/)])
  })

  it.each([
    {
      refs: [
        { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }
      ],
      controller: 'statefulset.apps/web'
    },
    {
      refs: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u' }],
      controller: '<none>'
    },
    { refs: undefined, controller: '<none>' }
  ])('prints CONTROLLER $controller', ({ refs, controller }) => {
    const r = findResource('apps', 'v1', 'controllerrevisions')!
    const obj = revision('web-abc', { revision: 7 })
    obj.metadata.creationTimestamp = '2024-05-01T11:55:00Z'
    if (refs) obj.metadata.ownerReferences = refs
    const table = toTable(r, [obj as KubeObject], { now: new Date('2024-05-01T12:00:00Z') })
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Controller',
      'Revision',
      'Age'
    ])
    expect(table.rows[0].cells).toEqual(['web-abc', controller, 7, '5m'])
  })
})
