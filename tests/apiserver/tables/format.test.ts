import { describe, expect, it } from 'vitest'
import { humanDuration } from '../../../src/main/apiserver/tables'

const s = 1000
const m = 60 * s
const h = 60 * m
const d = 24 * h

describe('humanDuration (AGE as kubectl shows it)', () => {
  it.each([
    [-3 * s, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m, '2m'],
    [3 * m + 2 * s, '3m2s'],
    [9 * m + 59 * s, '9m59s'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h, '3h'],
    [5 * h + 3 * m, '5h3m'],
    [8 * h + 59 * m, '8h'],
    [47 * h, '47h'],
    [2 * d, '2d'],
    [2 * d + 3 * h, '2d3h'],
    [8 * d + 5 * h, '8d'],
    [400 * d, '400d'],
    [2 * 365 * d, '2y'],
    [3 * 365 * d + 40 * d, '3y40d'],
    [9 * 365 * d + 100 * d, '9y']
  ])('%d ms → %s', (ms, text) => {
    expect(humanDuration(ms)).toBe(text)
  })
})
