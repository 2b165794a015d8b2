/**
 * Kubernetes' remote command protocol over WebSocket (k8s.io/apimachinery/pkg/util/remotecommand
 * and the kubelet's streaming server): every binary message is one channel byte then data.
 * Channels: 0 stdin, 1 stdout, 2 stderr, 3 error (the final metav1.Status as JSON), 4 resize
 * (`{"Width":..,"Height":..}`). `v5.channel.k8s.io` adds 255, the CLOSE signal: `[255, n]` says
 * the peer will send nothing more on channel n (stdin's EOF). Pure functions, no I/O.
 */
import type { TerminalSize } from '../runtime/types'

/** The subprotocols the kubelet speaks, most preferred first. */
export const STREAM_PROTOCOL_V5 = 'v5.channel.k8s.io'
export const STREAM_PROTOCOL_V4 = 'v4.channel.k8s.io'
export const STREAM_PROTOCOLS = [STREAM_PROTOCOL_V5, STREAM_PROTOCOL_V4] as const

/** Channel numbers (remotecommand's StreamStdIn … StreamClose). */
export const CHANNEL = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  error: 3,
  resize: 4,
  close: 255
} as const

/** The Status reason and cause type of a command that exited non-zero. */
export const NON_ZERO_EXIT_CODE_REASON = 'NonZeroExitCode'
export const EXIT_CODE_CAUSE_TYPE = 'ExitCode'

/** One received message, split. */
export interface Frame {
  channel: number
  data: Buffer
}

/** The message carrying `data` on `channel`. */
export function encodeFrame(channel: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
  return Buffer.concat([Buffer.from([channel]), body])
}

/** Splits a message into its channel and data; undefined for an empty message. */
export function decodeFrame(message: Buffer): Frame | undefined {
  if (message.length === 0) return undefined
  return { channel: message[0]!, data: message.subarray(1) }
}

/** The CLOSE signal for `channel` (v5 only). */
export function closeFrame(channel: number): Buffer {
  return Buffer.from([CHANNEL.close, channel])
}

/**
 * The subprotocol to answer with, from a `Sec-WebSocket-Protocol` offer: the first of ours, in
 * our order, that the client offered; undefined when it offered none of them.
 */
export function negotiateProtocol(offer: string | undefined): string | undefined {
  const offered = new Set((offer ?? '').split(',').map((p) => p.trim()))
  return STREAM_PROTOCOLS.find((p) => offered.has(p))
}

/** Whether `protocol` has the CLOSE signal. */
export function supportsClose(protocol: string): boolean {
  return protocol === STREAM_PROTOCOL_V5
}

/** The Status a command's exit code ends the session with (written on the error channel). */
export function exitStatus(exitCode: number, cmd: string[]): Record<string, unknown> {
  if (exitCode === 0) return { metadata: {}, status: 'Success' }
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command '${cmd.join(' ')}' exited with ${exitCode}`,
    reason: NON_ZERO_EXIT_CODE_REASON,
    details: { causes: [{ reason: EXIT_CODE_CAUSE_TYPE, message: String(exitCode) }] }
  }
}

/** The Status of an exec that could not run (kubelet: an internal error on the error channel). */
export function failureStatus(message: string): Record<string, unknown> {
  return {
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: error executing command in container: ${message}`,
    reason: 'InternalError',
    details: { causes: [{ message: `error executing command in container: ${message}` }] },
    code: 500
  }
}

/**
 * Decodes the resize channel: a stream of JSON TerminalSize objects that may arrive split or
 * several to a message. `push` returns the complete sizes received so far, in order.
 */
export class ResizeDecoder {
  private pending = ''

  push(data: Buffer): TerminalSize[] {
    this.pending += data.toString('utf8')
    const sizes: TerminalSize[] = []
    for (;;) {
      const end = objectEnd(this.pending)
      if (end < 0) break
      const text = this.pending.slice(0, end + 1)
      this.pending = this.pending.slice(end + 1)
      const size = parseSize(text)
      if (size) sizes.push(size)
    }
    if (!this.pending.trim()) this.pending = ''
    return sizes
  }
}

/** The index of the `}` closing the first JSON object in `text`, or -1 (no nesting in sizes). */
function objectEnd(text: string): number {
  const start = text.indexOf('{')
  return start < 0 ? -1 : text.indexOf('}', start)
}

function parseSize(text: string): TerminalSize | undefined {
  try {
    const v = JSON.parse(text.slice(text.indexOf('{'))) as { Width?: unknown; Height?: unknown }
    const width = Number(v.Width)
    const height = Number(v.Height)
    if (!Number.isInteger(width) || !Number.isInteger(height)) return undefined
    if (width < 0 || height < 0 || width > 65535 || height > 65535) return undefined
    return { width, height }
  } catch {
    return undefined
  }
}
