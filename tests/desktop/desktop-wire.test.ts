import { describe, expect, it } from 'vitest'
import { parseClientMessage } from '../../src/shared/desktop-wire'

describe('desktop API wire: client message check', () => {
  it.each([
    [{ type: 'call', id: 1, method: 'getStatus' }, 'call'],
    [{ type: 'call', id: 'a1', method: 'deploy', input: { name: 'web' } }, 'call'],
    [{ type: 'subscribe', id: 2, topic: 'nodes', params: {} }, 'subscribe'],
    [{ type: 'subscribe', id: 3, topic: 'startup' }, 'subscribe'],
    [{ type: 'unsubscribe', id: 2 }, 'unsubscribe']
  ])('accepts %j', (raw, type) => {
    const parsed = parseClientMessage(raw)
    expect(parsed.ok).toBe(true)
    if (parsed.ok) expect(parsed.message.type).toBe(type)
  })

  it('keeps the call input as sent', () => {
    const parsed = parseClientMessage({ type: 'call', id: 5, method: 'deploy', input: { a: [1] } })
    expect(parsed).toEqual({
      ok: true,
      message: { type: 'call', id: 5, method: 'deploy', input: { a: [1] } }
    })
  })

  it.each([
    ['a string', 'hello', /must be a JSON object/, undefined],
    ['null', null, /must be a JSON object/, undefined],
    ['an array', [1, 2], /must be a JSON object/, undefined],
    ['no id', { type: 'call', method: 'getStatus' }, /needs an id/, undefined],
    ['a negative id', { type: 'call', id: -1, method: 'getStatus' }, /needs an id/, undefined],
    ['a fractional id', { type: 'call', id: 1.5, method: 'getStatus' }, /needs an id/, undefined],
    ['an empty id', { type: 'call', id: '', method: 'getStatus' }, /needs an id/, undefined],
    [
      'a huge id',
      { type: 'call', id: 'x'.repeat(65), method: 'getStatus' },
      /needs an id/,
      undefined
    ],
    [
      'an unknown call',
      { type: 'call', id: 1, method: 'rmRf' },
      /unknown desktop API call: "rmRf"/,
      1
    ],
    [
      'a prototype name as call',
      { type: 'call', id: 1, method: 'constructor' },
      /unknown desktop API call/,
      1
    ],
    ['a call without method', { type: 'call', id: 1 }, /unknown desktop API call: \(none\)/, 1],
    [
      'an unknown topic',
      { type: 'subscribe', id: 4, topic: 'secrets' },
      /unknown desktop API topic: "secrets"/,
      4
    ],
    [
      'params not an object',
      { type: 'subscribe', id: 4, topic: 'pods', params: 3 },
      /params of topic pods must be an object/,
      4
    ],
    ['an unknown type', { type: 'exec', id: 'q' }, /unknown desktop API message type: "exec"/, 'q']
  ])('refuses %s with a readable error', (_what, raw, error, id) => {
    const parsed = parseClientMessage(raw)
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.error).toMatch(error)
    expect(parsed.id).toBe(id)
  })
})
