import { describe, expect, it } from 'vitest'
import {
  FieldSet,
  fieldElement,
  keyElement,
  parsePathElement,
  pathString,
  serializePathElement,
  valueElement,
  type FieldPath
} from '../../../src/main/apiserver/patch/field-set'

const f = fieldElement
const path = (...names: string[]): FieldPath => names.map((n) => f(n))

describe('FieldsV1 path elements', () => {
  it.each([
    ['a field', f('replicas'), 'f:replicas', '.replicas'],
    ['a list item by key', keyElement([['name', 'nginx']]), 'k:{"name":"nginx"}', '[name="nginx"]'],
    [
      'keys sorted by name, numbers as JSON',
      keyElement([
        ['protocol', 'TCP'],
        ['containerPort', 80]
      ]),
      'k:{"containerPort":80,"protocol":"TCP"}',
      '[containerPort=80,protocol="TCP"]'
    ],
    [
      'a set item',
      valueElement('example.com/finalizer'),
      'v:"example.com/finalizer"',
      '[="example.com/finalizer"]'
    ],
    ['an index', { kind: 'index', index: 3 } as const, 'i:3', '[3]']
  ])('%s serializes as Kubernetes writes it', (_name, pe, serialized, printed) => {
    expect(serializePathElement(pe)).toBe(serialized)
    expect(parsePathElement(serialized)).toEqual(pe)
    expect(pathString([pe])).toBe(printed)
  })

  it('escapes characters in keys as Go does', () => {
    expect(serializePathElement(keyElement([['name', 'a<b&c>']]))).toBe(
      'k:{"name":"a\\u003cb\\u0026c\\u003e"}'
    )
  })

  it('prints a path the way conflict messages show it', () => {
    const p: FieldPath = [
      ...path('spec', 'template', 'spec', 'containers'),
      keyElement([['name', 'web']]),
      f('image')
    ]
    expect(pathString(p)).toBe('.spec.template.spec.containers[name="web"].image')
  })

  it('rejects malformed elements and ignores unknown element types', () => {
    expect(() => parsePathElement('x')).toThrow()
    expect(() => parsePathElement('i:one')).toThrow()
    expect(parsePathElement('r:future')).toBeUndefined()
  })
})

describe('FieldsV1 documents', () => {
  it('writes "." first for a node that is owned itself and has owned children', () => {
    const set = FieldSet.of(
      path('metadata', 'labels'),
      path('metadata', 'labels', 'app'),
      path('spec', 'replicas')
    )
    expect(JSON.stringify(set.toFieldsV1())).toBe(
      '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:replicas":{}}}'
    )
  })

  it.each([
    // Golden documents of structured-merge-diff's serializer: element order is fields, keys,
    // values, indexes; values order numbers, strings, booleans.
    '{"f:aaa":{},"f:aab":{},"k:{\\"name\\":\\"first\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"tcp\\"}":{},"k:{\\"port\\":443,\\"protocol\\":\\"udp\\"}":{},"v:1":{},"v:3":{},"v:\\"aa\\"":{},"v:true":{},"i:1":{},"i:4":{}}',
    '{"f:aaa":{"k:{\\"name\\":\\"second\\"}":{"v:3":{"f:aab":{}}},"v:3":{}},"f:aab":{".":{},"f:aaa":{}},"i:2":{"f:aae":{}}}'
  ])('round-trips %s byte for byte', (text) => {
    expect(JSON.stringify(FieldSet.fromFieldsV1(JSON.parse(text)).toFieldsV1())).toBe(text)
  })

  it('sorts elements written in any order', () => {
    const doc = { 'v:"b"': {}, 'i:0': {}, 'f:z': {}, 'k:{"name":"a"}': {}, 'f:a': {}, 'v:2': {} }
    expect(Object.keys(FieldSet.fromFieldsV1(doc).toFieldsV1())).toEqual([
      'f:a',
      'f:z',
      'k:{"name":"a"}',
      'v:2',
      'v:"b"',
      'i:0'
    ])
  })

  it('drops element types it does not know and refuses documents that are not objects', () => {
    expect(FieldSet.fromFieldsV1({ 'f:a': {}, 'r:b': {} }).toFieldsV1()).toEqual({ 'f:a': {} })
    expect(() => FieldSet.fromFieldsV1([])).toThrow()
  })
})

describe('FieldSet operations', () => {
  const a = FieldSet.of(
    path('spec', 'replicas'),
    path('spec', 'paused'),
    path('metadata', 'labels', 'app')
  )
  const b = FieldSet.of(path('spec', 'replicas'), path('metadata', 'labels', 'tier'))

  it.each([
    [
      'union',
      a.union(b),
      ['.spec.replicas', '.spec.paused', '.metadata.labels.app', '.metadata.labels.tier']
    ],
    ['intersection', a.intersection(b), ['.spec.replicas']],
    ['difference', a.difference(b), ['.spec.paused', '.metadata.labels.app']]
  ])('%s', (_name, result, expected) => {
    expect(result.paths().map(pathString).sort()).toEqual([...expected].sort())
  })

  it('a member removes children only in a recursive difference', () => {
    const owned = FieldSet.of(path('status', 'phase'), path('spec', 'replicas'))
    const status = FieldSet.of(path('status'))
    expect(owned.difference(status).paths().map(pathString).sort()).toEqual([
      '.spec.replicas',
      '.status.phase'
    ])
    expect(owned.recursiveDifference(status).paths().map(pathString)).toEqual(['.spec.replicas'])
  })

  it('answers membership and emptiness', () => {
    expect(a.has(path('spec', 'replicas'))).toBe(true)
    expect(a.has(path('spec'))).toBe(false)
    expect(a.touches(f('spec'))).toBe(true)
    expect(a.touches(f('status'))).toBe(false)
    expect(a.difference(a).isEmpty()).toBe(true)
    expect(new FieldSet().toFieldsV1()).toEqual({})
  })

  it('never modifies its inputs', () => {
    const before = JSON.stringify(a.toFieldsV1())
    a.union(b)
    a.difference(b)
    a.recursiveDifference(b)
    expect(JSON.stringify(a.toFieldsV1())).toBe(before)
  })
})
