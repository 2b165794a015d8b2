/** The engine's event stream as lines: a line split across chunks arrives whole, blank lines never. */
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { onEngineEventLines } from '../../../src/agent/runtime/docker/engine-event-lines'

describe('engine event lines', () => {
  it('joins a line split across chunks and skips blank ones', () => {
    const stream = new PassThrough()
    const lines: string[] = []
    onEngineEventLines(stream, (l) => lines.push(l))
    stream.write('{"Action":"start"}\n{"Act')
    expect(lines).toEqual(['{"Action":"start"}'])
    stream.write('ion":"die"}\n\n  \n')
    expect(lines).toEqual(['{"Action":"start"}', '{"Action":"die"}'])
  })
})
