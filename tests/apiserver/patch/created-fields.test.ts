import { describe, expect, it } from 'vitest'
import { admit } from '../../../src/main/apiserver/admission'
import { patchSchemaFor } from '../../../src/main/apiserver/openapi/patch-schemas'
import { createdFields } from '../../../src/main/apiserver/patch/created-fields'
import {
  STRIPPED_FIELDS,
  ignoredFieldsFor,
  recordComparedUpdate,
  recordUpdate
} from '../../../src/main/apiserver/patch/managed-fields'
import { serverSideApply } from '../../../src/main/apiserver/patch/server-side-apply'
import { objectSchema } from '../../../src/main/apiserver/patch/typed-fields'
import { findResourceByKind } from '../../../src/main/apiserver/registry'
import type { KubeObject } from '../../../src/main/apiserver/types'
import { podManifest } from '../../../bench/apiserver/pods'
import { CREATE_CORPUS, variants } from './create-corpus'

const OPTS = {
  manager: 'kubectl-create',
  operation: 'Update',
  now: '2026-12-04T00:00:00Z'
} as const

type Case = [label: string, group: string, kind: string, obj: KubeObject]

/** The object as the create path hands it to managedFields: defaulted, with initial status. */
function admitted(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj)
  const entry = findResourceByKind(copy.apiVersion, copy.kind)!
  copy.metadata = {
    ...copy.metadata,
    uid: '11111111-2222-4333-8444-555555555555',
    creationTimestamp: OPTS.now
  }
  if (entry.initialStatus) copy.status = entry.initialStatus()
  admit(entry, 'CREATE', copy)
  return copy
}

const bench = podManifest('bench-1', 'default', 1) as KubeObject
const real: Case[] = [
  ['bench pod', '', 'Pod', bench],
  ...CREATE_CORPUS.map(([group, kind, obj]): Case => [
    `${kind} ${obj.metadata.name ?? ''}`,
    group,
    kind,
    obj
  ])
]
const cases: Case[] = [
  ...real,
  ...real.map(([label, g, k, obj]): Case => [`${label}, admitted`, g, k, admitted(obj)]),
  ...real.flatMap(([label, g, k, obj], i) =>
    variants(obj, i + 1, 60).map((v, j): Case => [`${label}, variant ${j}`, g, k, v])
  ),
  ...real.flatMap(([label, g, k, obj], i) =>
    variants(admitted(obj), 500 + i, 30).map((v, j): Case => [
      `${label}, admitted variant ${j}`,
      g,
      k,
      v
    ])
  )
]

function both(group: string, kind: string, obj: KubeObject): [KubeObject, KubeObject] {
  const opts = { ...OPTS, schema: patchSchemaFor(group, 'v1', kind) }
  return [recordUpdate(undefined, obj, opts), recordComparedUpdate(undefined, obj, opts)]
}

describe('managedFields of a create without comparing', () => {
  it.each(cases)('%s: the same entries as the comparison', (_label, group, kind, obj) => {
    const [fast, compared] = both(group, kind, obj)
    // Key order included: clients see the JSON.
    expect(JSON.stringify(fast)).toBe(JSON.stringify(compared))
  })

  it('owns every field of the objects', () => {
    for (const [, group, kind, obj] of real) {
      const compared = both(group, kind, admitted(obj))[1]
      const fields = createdFields(
        { ...admitted(obj), metadata: { ...admitted(obj).metadata } },
        objectSchema(patchSchemaFor(group, 'v1', kind)),
        { ignored: ignoredFieldsFor(undefined), stripped: STRIPPED_FIELDS }
      )
      expect(fields).toEqual(compared.metadata.managedFields?.[0].fieldsV1)
    }
  })

  it('the variants include objects whose fields nobody owns (they do not fit the schema)', () => {
    const unowned = cases.filter(([, g, k, obj]) => !both(g, k, obj)[1].metadata.managedFields)
    expect(unowned.length).toBeGreaterThan(0)
  })

  it('keeps the comparison for creates that send managedFields', () => {
    const sent: KubeObject = {
      ...bench,
      metadata: {
        ...bench.metadata,
        managedFields: [
          {
            manager: 'other',
            operation: 'Update',
            apiVersion: 'v1',
            fieldsType: 'FieldsV1',
            // finalizers: a field the pod does not set, so the sent entry keeps something.
            fieldsV1: {
              'f:metadata': { 'f:finalizers': {}, 'f:labels': { 'f:app': {}, 'f:tier': {} } }
            }
          }
        ]
      }
    }
    const [fast, compared] = both('', 'Pod', sent)
    expect(fast).toEqual(compared)
    expect(fast.metadata.managedFields?.map((m) => m.manager)).toEqual(['other', 'kubectl-create'])
  })
})

describe('managedFields of a create by server-side apply', () => {
  it('gives the applier an Apply entry, stamped with the time, owning what it applied', () => {
    const applied = structuredClone(CREATE_CORPUS[3][2])
    const created = serverSideApply(undefined, applied, {
      manager: 'kubectl',
      force: false,
      schema: patchSchemaFor('apps', 'v1', 'Deployment'),
      now: OPTS.now
    })
    const [entry, ...others] = created.metadata.managedFields ?? []
    expect(others).toEqual([])
    expect(entry).toMatchObject({
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: OPTS.now
    })
    const spec = (entry.fieldsV1 as Record<string, Record<string, object>>)['f:spec']
    expect(Object.keys(spec)).toEqual([
      'f:replicas',
      'f:revisionHistoryLimit',
      'f:selector',
      'f:strategy',
      'f:template'
    ])
  })
})
