/**
 * The remote command protocol's pieces: channel framing, subprotocol choice, the final Status
 * as client-go's error decoder reads it, resize decoding, and the kubelet's exec query checks.
 */
import { describe, expect, it } from 'vitest'
import { parseExecRequest } from '../../../src/agent/server/container-exec'
import { HttpError } from '../../../src/agent/server/http-util'
import {
  CHANNEL,
  closeFrame,
  decodeFrame,
  encodeFrame,
  exitStatus,
  failureStatus,
  negotiateProtocol,
  ResizeDecoder,
  supportsClose
} from '../../../src/agent/server/remote-command'

describe('channel framing', () => {
  it.each([
    [CHANNEL.stdout, 'hello', [1, 104, 101, 108, 108, 111]],
    [CHANNEL.stderr, '', [2]],
    [CHANNEL.error, '{}', [3, 123, 125]]
  ])('channel %i carries %j', (channel, text, bytes) => {
    const frame = encodeFrame(channel, text)
    expect([...frame]).toEqual(bytes)
    expect(decodeFrame(frame)).toEqual({ channel, data: Buffer.from(text) })
  })

  it('binary data passes unchanged; an empty message is no frame', () => {
    const data = Buffer.from([0, 255, 10, 13])
    expect(decodeFrame(encodeFrame(CHANNEL.stdin, data))?.data).toEqual(data)
    expect(decodeFrame(Buffer.alloc(0))).toBeUndefined()
  })

  it('the v5 CLOSE signal names the closed channel', () => {
    expect([...closeFrame(CHANNEL.stdin)]).toEqual([255, 0])
    expect(decodeFrame(closeFrame(CHANNEL.stdin))).toEqual({
      channel: CHANNEL.close,
      data: Buffer.from([0])
    })
  })
})

describe('subprotocol negotiation', () => {
  it.each([
    ['v5.channel.k8s.io', 'v5.channel.k8s.io'],
    ['v4.channel.k8s.io', 'v4.channel.k8s.io'],
    ['v4.channel.k8s.io, v5.channel.k8s.io', 'v5.channel.k8s.io'],
    ['channel.k8s.io,base64.channel.k8s.io', undefined],
    ['', undefined],
    [undefined, undefined]
  ])('offer %j → %j', (offer, chosen) => {
    expect(negotiateProtocol(offer)).toBe(chosen)
  })

  it('only v5 has the CLOSE signal', () => {
    expect(supportsClose('v5.channel.k8s.io')).toBe(true)
    expect(supportsClose('v4.channel.k8s.io')).toBe(false)
  })
})

describe('the final Status', () => {
  it('exit 0 is Success', () => {
    expect(exitStatus(0, ['true'])).toEqual({ metadata: {}, status: 'Success' })
  })

  it.each([1, 3, 127, 255])(
    'exit %i is NonZeroExitCode with the code as an ExitCode cause',
    (n) => {
      expect(exitStatus(n, ['sh', '-c', 'x'])).toEqual({
        metadata: {},
        status: 'Failure',
        reason: 'NonZeroExitCode',
        message: `command terminated with non-zero exit code: command 'sh -c x' exited with ${n}`,
        details: { causes: [{ reason: 'ExitCode', message: String(n) }] }
      })
    }
  )

  it('a command that could not run is an InternalError carrying the reason', () => {
    const s = failureStatus('no processes here')
    expect(s).toMatchObject({ status: 'Failure', reason: 'InternalError', code: 500 })
    expect(s.message).toBe(
      'Internal error occurred: error executing command in container: no processes here'
    )
  })
})

describe('resize decoding', () => {
  it.each([
    ['one size', ['{"Width":80,"Height":24}'], [{ width: 80, height: 24 }]],
    [
      'two in one message',
      ['{"Width":80,"Height":24}\n{"Width":100,"Height":40}\n'],
      [
        { width: 80, height: 24 },
        { width: 100, height: 40 }
      ]
    ],
    ['split over messages', ['{"Width":1', '32,"Height":50}'], [{ width: 132, height: 50 }]],
    ['not a size', ['{"Width":"wide","Height":1}', '{"Width":-1,"Height":2}'], []]
  ])('%s', (_what, messages, sizes) => {
    const d = new ResizeDecoder()
    expect(messages.flatMap((m) => d.push(Buffer.from(m)))).toEqual(sizes)
  })
})

describe("the kubelet's exec query", () => {
  const parse = (path: string) => parseExecRequest(new URL(path, 'https://kubelet'))

  it('decodes the path and the kubelet parameter names', () => {
    expect(
      parse('/exec/ns1/web/app?command=sh&command=-c&command=echo%20hi&input=1&output=1&error=1')
    ).toEqual({
      namespace: 'ns1',
      pod: 'web',
      container: 'app',
      command: ['sh', '-c', 'echo hi'],
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false
    })
  })

  it('a terminal carries stderr in stdout', () => {
    expect(parse('/exec/ns/p/c?command=sh&input=1&output=1&error=1&tty=1')).toMatchObject({
      tty: true,
      stderr: false
    })
  })

  it.each([
    ['/exec/ns/p/c?output=1', 400, 'you must specify at least one command for the container'],
    ['/exec/ns/p/c?command=ls', 400, 'you must specify at least 1 of stdin, stdout, stderr'],
    ['/exec/ns/p/c?command=ls&output=maybe', 400, 'invalid value for output'],
    ['/exec/ns/p?command=ls&output=1', 404, '404 page not found']
  ])('%s → %i', (path, status, message) => {
    let err: unknown
    try {
      parse(path)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(HttpError)
    expect((err as HttpError).status).toBe(status)
    expect((err as HttpError).message).toContain(message)
  })
})
