/**
 * Label selectors as kubectl takes them ("app=web,tier!=db", "env in (a,b)", "!canary"), for
 * highlighting the pods a Deploy or a link asked for. A selector that does not parse is an error
 * with a readable message, not a silent match-nothing.
 */

type Requirement = (labels: Record<string, string>) => boolean

/** Answers a predicate over a pod's labels; throws a readable Error on a malformed selector. */
export function parseLabelSelector(selector: string): Requirement {
  const requirements = splitTerms(selector).map(parseTerm)
  return (labels) => requirements.every((matches) => matches(labels))
}

/** Splits on commas outside parentheses. */
function splitTerms(selector: string): string[] {
  const terms: string[] = []
  let depth = 0
  let current = ''
  for (const ch of selector) {
    if (ch === '(') depth++
    if (ch === ')') depth--
    if (ch === ',' && depth === 0) {
      terms.push(current)
      current = ''
    } else current += ch
  }
  terms.push(current)
  return terms.map((t) => t.trim()).filter((t) => t !== '')
}

const KEY = String.raw`[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?`
const VALUE = String.raw`[A-Za-z0-9._-]*`
const EQUALITY = new RegExp(String.raw`^(${KEY})\s*(==|=|!=)\s*(${VALUE})$`)
const SET = new RegExp(String.raw`^(${KEY})\s+(in|notin)\s*\(([^)]*)\)$`)
const EXISTS = new RegExp(String.raw`^(!?)\s*(${KEY})$`)

function parseTerm(term: string): Requirement {
  let m = EQUALITY.exec(term)
  if (m) {
    const [, key, , op, value] = m
    return op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value
  }
  m = SET.exec(term)
  if (m) {
    const [, key, , op, list] = m
    const values = new Set(list.split(',').map((v) => v.trim()))
    return op === 'in'
      ? (l) => key in l && values.has(l[key])
      : (l) => !(key in l) || !values.has(l[key])
  }
  m = EXISTS.exec(term)
  if (m) {
    const [, not, key] = m
    return not ? (l) => !(key in l) : (l) => key in l
  }
  throw new Error(`"${term}" is not a label selector term (try app=web or tier!=db)`)
}
