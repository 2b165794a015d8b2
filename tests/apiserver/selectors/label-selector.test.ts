import { describe, expect, it } from 'vitest'
import { ApiError } from '../../../src/main/apiserver/api-errors'
import {
  formatLabelSelector,
  labelSelectorFromObject,
  parseLabelSelector
} from '../../../src/main/apiserver/selectors/label-selector'

const web = { app: 'web', tier: 'frontend', version: '3' }
const api = { app: 'api', tier: 'backend' }
const bare = {}

describe('parseLabelSelector matching', () => {
  const cases: Array<[string, Record<string, string>, boolean]> = [
    ['', web, true],
    ['app=web', web, true],
    ['app==web', web, true],
    ['app=web', api, false],
    ['app!=web', api, true],
    ['app!=web', bare, true],
    ['app in (web,api)', api, true],
    ['app in (web, api)', bare, false],
    ['app notin (web)', api, true],
    ['app notin (web)', bare, true],
    ['app notin (web)', web, false],
    ['tier', web, true],
    ['tier', bare, false],
    ['!tier', bare, true],
    ['!tier', api, false],
    ['app=web,tier=frontend', web, true],
    ['app=web,tier=backend', web, false],
    ['  app = web ,  !canary ', web, true],
    ['version>2', web, true],
    ['version<3', web, false],
    ['version>2', api, false],
    ['app=', { app: '' }, true],
    ['app in ()', { app: '' }, true],
    ['in in (in)', { in: 'in' }, true],
    ['example.com/role=db', { 'example.com/role': 'db' }, true]
  ]
  it.each(cases)('%j on %j → %s', (text, labels, expected) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(expected)
  })

  it('treats missing labels as no labels', () => {
    expect(parseLabelSelector('!a').matches(undefined)).toBe(true)
    expect(parseLabelSelector('a').matches(undefined)).toBe(false)
  })

  it('reports an empty selector as empty and others not', () => {
    expect(parseLabelSelector('').empty).toBe(true)
    expect(parseLabelSelector('a').empty).toBe(false)
  })
})

describe('parseLabelSelector canonical string', () => {
  it.each([
    ['b=2,a=1', 'a=1,b=2'],
    ['app in (web, api)', 'app in (api,web)'],
    ['x notin (b,a,b)', 'x notin (a,b)'],
    ['!canary,app==web', 'app==web,!canary'],
    ['tier', 'tier'],
    ['n>5', 'n>5'],
    ['', '']
  ])('%j → %j', (text, canonical) => {
    expect(parseLabelSelector(text).toString()).toBe(canonical)
  })
})

describe('parseLabelSelector errors', () => {
  const keyMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
  const valueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
  it.each([
    ['a b', "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b,', "found '', expected: identifier after ','"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['a in b', "unable to parse requirement: found 'b' expected: '('"],
    ['a in (b', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['a=(', "unable to parse requirement: found '(', expected: identifier"],
    ['-a=b', `unable to parse requirement: <nil>: Invalid value: "-a": ${keyMsg}`],
    ['a=-b', `unable to parse requirement: values[0][a]: Invalid value: "-b": ${valueMsg}`],
    [
      'n>x',
      "unable to parse requirement: values[0]: Invalid value: \"x\": for 'Gt', 'Lt' operators, the value must be an integer"
    ]
  ])('%j → %s', (text, message) => {
    let error: unknown
    try {
      parseLabelSelector(text)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe(400)
    expect((error as ApiError).reason).toBe('BadRequest')
    expect((error as ApiError).message).toBe(message)
  })
})

describe('labelSelectorFromObject', () => {
  it('selects nothing for a missing selector and everything for an empty one', () => {
    expect(labelSelectorFromObject(undefined).matches(web)).toBe(false)
    expect(labelSelectorFromObject(null).matches({})).toBe(false)
    expect(labelSelectorFromObject({}).matches(web)).toBe(true)
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty).toBe(true)
  })

  it('ANDs matchLabels and matchExpressions', () => {
    const sel = labelSelectorFromObject({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['frontend', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'version', operator: 'Exists' },
        { key: 'zone', operator: 'NotIn', values: ['b'] }
      ]
    })
    expect(sel.matches(web)).toBe(true)
    expect(sel.matches({ ...web, canary: 'true' })).toBe(false)
    expect(sel.matches({ ...web, tier: 'backend' })).toBe(false)
    expect(sel.toString()).toBe('app=web,!canary,tier in (edge,frontend),version,zone notin (b)')
  })

  it('rejects unknown operators and invalid keys with apimachinery messages', () => {
    expect(() =>
      labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Equals' }] })
    ).toThrow('"Equals" is not a valid label selector operator')
    expect(() => labelSelectorFromObject({ matchLabels: { 'bad key': 'x' } })).toThrow(
      /^key: Invalid value: "bad key": name part must consist of/
    )
    expect(() =>
      labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })
    ).toThrow("values set can't be empty")
  })

  it('formats selectors as the SELECTOR column does', () => {
    expect(formatLabelSelector({ matchLabels: { app: 'web' } })).toBe('app=web')
    expect(formatLabelSelector({})).toBe('<none>')
    expect(formatLabelSelector(undefined)).toBe('<none>')
    expect(formatLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Bad' }] })).toBe(
      '<error>'
    )
  })
})
