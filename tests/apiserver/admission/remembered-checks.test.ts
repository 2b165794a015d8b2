import { describe, expect, it } from 'vitest'
import { isQualifiedName } from '../../../src/main/apiserver/admission/formats'
import { parseQuantity } from '../../../src/main/apiserver/admission/shape'

// Both functions remember answers per string; asking again, after thousands of other strings,
// or after a caller changed a returned array, must answer as the first time.
describe('remembered admission checks', () => {
  it('parses a quantity the same every time, invalid spellings included', () => {
    const table: [string, number | undefined][] = [
      ['100m', 0.1],
      ['64Mi', 64 * 2 ** 20],
      ['1e3', 1000],
      [' 2 ', 2],
      ['1.5Gi', 1.5 * 2 ** 30],
      ['1..5', undefined],
      ['abc', undefined],
      ['', undefined]
    ]
    for (let round = 0; round < 3; round++) {
      for (const [text, value] of table) expect(parseQuantity(text)).toBe(value)
      for (let i = 0; i < 5000; i++) parseQuantity(`${i}Ki`)
    }
    expect(parseQuantity('4999Ki')).toBe(4999 * 1024)
  })

  it('keeps reporting an invalid qualified name, and a valid one stays valid', () => {
    const invalid = ['-bad', 'a/b/c', '/x', 'x/', 'Bad_Prefix!/name', 'a'.repeat(64)]
    const first = invalid.map((name) => isQualifiedName(name))
    for (const errs of first) expect(errs.length).toBeGreaterThan(0)
    for (let round = 0; round < 2; round++) {
      expect(isQualifiedName('app.kubernetes.io/name')).toEqual([])
      const answer = isQualifiedName('tier')
      expect(answer).toEqual([])
      answer.push('changed by a caller')
      expect(isQualifiedName('tier')).toEqual([])
      expect(invalid.map((name) => isQualifiedName(name))).toEqual(first)
      for (let i = 0; i < 5000; i++) isQualifiedName(`key-${i}`)
    }
  })
})
