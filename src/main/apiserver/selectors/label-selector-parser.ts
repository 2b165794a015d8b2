/**
 * The label selector string grammar of apimachinery (`labels.Parse`), with its error wording:
 *
 *   selector    ::= requirement | requirement "," selector
 *   requirement ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
 *
 * A lexer turns the text into tokens, then a recursive-descent parser builds requirements.
 * `in`/`notin` are keywords only where an operator may stand, so `in in (in)` is valid.
 */
import { newRequirement, type LabelOperator, type Requirement } from './label-requirement'
import { invalidValue, labelKeyErrors } from './label-syntax'

type Token =
  | 'error'
  | 'eos'
  | ')'
  | ','
  | '!'
  | '=='
  | '='
  | '>'
  | 'identifier'
  | 'in'
  | '<'
  | '!='
  | 'notin'
  | '('

interface Scanned {
  tok: Token
  literal: string
}

const literalTokens: Record<string, Token> = {
  ')': ')',
  ',': ',',
  '!': '!',
  '==': '==',
  '=': '=',
  '>': '>',
  in: 'in',
  '<': '<',
  '!=': '!=',
  notin: 'notin',
  '(': '('
}

const isWhitespace = (ch: string): boolean =>
  ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n'
const isSpecialSymbol = (ch: string): boolean => '=!(),><'.includes(ch)

/** Splits selector text into tokens (apimachinery's `Lexer`). */
function scan(text: string): Scanned[] {
  const items: Scanned[] = []
  let pos = 0
  for (;;) {
    while (pos < text.length && isWhitespace(text[pos])) pos++
    if (pos >= text.length) {
      items.push({ tok: 'eos', literal: '' })
      return items
    }
    if (isSpecialSymbol(text[pos])) {
      // Longest run of symbols that still forms an operator: `!=` rather than `!` then `=`.
      let buffer = ''
      let last: Scanned | undefined
      while (pos < text.length && isSpecialSymbol(text[pos])) {
        buffer += text[pos]
        const tok = literalTokens[buffer]
        if (tok) last = { tok, literal: buffer }
        else if (last) break
        pos++
      }
      items.push(last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` })
    } else {
      let buffer = ''
      while (pos < text.length && !isSpecialSymbol(text[pos]) && !isWhitespace(text[pos])) {
        buffer += text[pos++]
      }
      const keyword = buffer === 'in' || buffer === 'notin' ? literalTokens[buffer] : undefined
      items.push({ tok: keyword ?? 'identifier', literal: buffer })
    }
  }
}

/** Thrown inside the parser; the public parser turns it into a message. */
class ParseError extends Error {}

type Context = 'keyAndOperator' | 'values'

/** Recursive-descent parser over the scanned tokens (apimachinery's `Parser`). */
class Parser {
  private position = 0

  constructor(private readonly items: Scanned[]) {}

  private lookahead(context: Context): Scanned {
    return this.asContext(this.items[this.position], context)
  }

  private consume(context: Context): Scanned {
    const item = this.items[this.position]
    if (this.position < this.items.length - 1) this.position++
    return this.asContext(item, context)
  }

  /** In a values context the keywords `in`/`notin` are plain identifiers. */
  private asContext(item: Scanned, context: Context): Scanned {
    if (context === 'values' && (item.tok === 'in' || item.tok === 'notin')) {
      return { tok: 'identifier', literal: item.literal }
    }
    return item
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = []
    for (;;) {
      const { tok, literal } = this.lookahead('values')
      if (tok === 'identifier' || tok === '!') {
        try {
          requirements.push(this.parseRequirement())
        } catch (err) {
          throw new ParseError(`unable to parse requirement: ${(err as Error).message}`)
        }
        const next = this.consume('values')
        if (next.tok === 'eos') return requirements
        if (next.tok !== ',') {
          throw new ParseError(`found '${next.literal}', expected: ',' or 'end of string'`)
        }
        const after = this.lookahead('values')
        if (after.tok !== 'identifier' && after.tok !== '!') {
          throw new ParseError(`found '${after.literal}', expected: identifier after ','`)
        }
      } else if (tok === 'eos') {
        return requirements
      } else {
        throw new ParseError(`found '${literal}', expected: !, identifier, or 'end of string'`)
      }
    }
  }

  private parseRequirement(): Requirement {
    const { key, operator } = this.parseKeyAndInferOperator()
    if (operator === 'exists' || operator === '!') return checked(newRequirement(key, operator, []))
    const op = this.parseOperator()
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue()
    // Values are a set in apimachinery: deduplicated and listed in sorted order.
    return checked(newRequirement(key, op, [...new Set(values)].sort()))
  }

  private parseKeyAndInferOperator(): { key: string; operator?: LabelOperator } {
    let operator: LabelOperator | undefined
    let item = this.consume('values')
    if (item.tok === '!') {
      operator = '!'
      item = this.consume('values')
    }
    if (item.tok !== 'identifier')
      throw new ParseError(`found '${item.literal}', expected: identifier`)
    const keyErrs = labelKeyErrors(item.literal)
    // The parser checks the key before building the requirement, with no field path: `<nil>`.
    if (keyErrs.length > 0)
      throw new ParseError(invalidValue('<nil>', item.literal, keyErrs.join('; ')))
    const next = this.lookahead('values').tok
    if ((next === 'eos' || next === ',') && operator !== '!') operator = 'exists'
    return { key: item.literal, operator }
  }

  private parseOperator(): LabelOperator {
    const { tok, literal } = this.consume('keyAndOperator')
    switch (tok) {
      case 'in':
        return 'in'
      case '=':
        return '='
      case '==':
        return '=='
      case '>':
        return 'gt'
      case '<':
        return 'lt'
      case 'notin':
        return 'notin'
      case '!=':
        return '!='
      default:
        throw new ParseError(`found '${literal}', expected: in, notin, =, ==, !=, gt, lt`)
    }
  }

  private parseValues(): string[] {
    const open = this.consume('values')
    if (open.tok !== '(') throw new ParseError(`found '${open.literal}' expected: '('`)
    const { tok, literal } = this.lookahead('values')
    if (tok === 'identifier' || tok === ',') {
      const values = this.parseIdentifiersList()
      if (this.consume('values').tok !== ')') {
        throw new ParseError(`found '${literal}', expected: ')'`)
      }
      return values
    }
    if (tok === ')') {
      this.consume('values')
      return ['']
    }
    throw new ParseError(`found '${literal}', expected: ',', ')' or identifier`)
  }

  /** A possibly empty, comma-separated list of possibly empty values: `(a,,b)`, `(,)`. */
  private parseIdentifiersList(): string[] {
    const values = new Set<string>()
    for (;;) {
      const { tok, literal } = this.consume('values')
      if (tok === 'identifier') {
        values.add(literal)
        const next = this.lookahead('values')
        if (next.tok === ',') continue
        if (next.tok === ')') return [...values]
        throw new ParseError(`found '${next.literal}', expected: ',' or ')'`)
      } else if (tok === ',') {
        if (values.size === 0) values.add('')
        const next = this.lookahead('values')
        if (next.tok === ')') {
          values.add('')
          return [...values]
        }
        if (next.tok === ',') {
          this.consume('values')
          values.add('')
        }
      } else {
        throw new ParseError(`found '${literal}', expected: ',', or identifier`)
      }
    }
  }

  private parseExactValue(): string[] {
    const next = this.lookahead('values')
    if (next.tok === 'eos' || next.tok === ',') return ['']
    const { tok, literal } = this.consume('values')
    if (tok === 'identifier') return [literal]
    throw new ParseError(`found '${literal}', expected: identifier`)
  }
}

function checked(result: Requirement | string): Requirement {
  if (typeof result === 'string') throw new ParseError(result)
  return result
}

/**
 * Parses label selector text into requirements, or returns the error message kube-apiserver
 * gives for it. The empty string parses to no requirements (everything matches).
 */
export function parseRequirements(text: string): Requirement[] | string {
  try {
    return new Parser(scan(text)).parse()
  } catch (err) {
    if (err instanceof ParseError) return err.message
    throw err
  }
}
