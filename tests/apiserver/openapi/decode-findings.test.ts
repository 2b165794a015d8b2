import { describe, expect, it } from 'vitest'
import {
  decodeFindings,
  schemaTypeErrors,
  unknownFields
} from '../../../src/main/apiserver/openapi'
import { CREATE_CORPUS, variants } from '../patch/create-corpus'

const cases = CREATE_CORPUS.flatMap(([group, kind, obj], i) =>
  [obj, ...variants(obj, 100 + i, 60)].map(
    (o, j) => [`${kind} ${i}.${j}`, group, obj.apiVersion.split('/')[1] ?? 'v1', kind, o] as const
  )
)

describe('decodeFindings (both decoding checks in one walk)', () => {
  it.each(cases)('%s: what the two checks find alone', (_label, group, version, kind, obj) => {
    const found = decodeFindings(group, version, kind, obj)
    const typeErrors = schemaTypeErrors(group, version, kind, obj)
    expect(found.typeErrors).toEqual(typeErrors)
    // Unknown fields count only when the body decodes (a type error is answered first).
    if (typeErrors.length === 0) {
      expect(found.unknownFields).toEqual(unknownFields(group, version, kind, obj))
    }
  })

  it('the variants include bodies with type errors and with unknown fields', () => {
    const found = cases.map(([, g, v, k, o]) => decodeFindings(g, v, k, o))
    expect(found.some((f) => f.typeErrors.length > 0)).toBe(true)
    expect(found.some((f) => f.typeErrors.length === 0 && f.unknownFields.length > 0)).toBe(true)
  })
})
