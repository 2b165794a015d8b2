/**
 * The desktop API on the wire: the messages both transports (Electron IPC and browser mode's
 * WebSocket) carry, and the check every message from a client passes before the host sees it.
 *
 * Client → host: `call` (one request, answered by one `result`), `subscribe` (answered by any
 * number of `update`s, ended by `ended`) and `unsubscribe`. Ids are chosen by the client and
 * name a call or a subscription within one connection.
 */
import { DESKTOP_CALLS, DESKTOP_TOPICS, type CallName, type TopicName } from './desktop-api'

/** The one IPC channel, both ways: renderer → main `ipcRenderer.send`, main → renderer `webContents.send`. */
export const IPC_WIRE_CHANNEL = 'kubedesk:wire'

/** Browser mode's WebSocket endpoint on the UI server. */
export const WS_WIRE_PATH = '/api/socket'

/** A client's id for a call or subscription: a short string or a non-negative integer. */
export type WireId = string | number

/** Asks the host to run one call of DesktopCalls. */
export interface CallMessage {
  type: 'call'
  id: WireId
  method: CallName
  input?: unknown
}

/** Asks the host for updates of one topic. */
export interface SubscribeMessage {
  type: 'subscribe'
  id: WireId
  topic: TopicName
  params?: unknown
}

/** Ends the subscription `id` (unknown ids are ignored: it may have ended meanwhile). */
export interface UnsubscribeMessage {
  type: 'unsubscribe'
  id: WireId
}

/** Everything a client may send. */
export type ClientMessage = CallMessage | SubscribeMessage | UnsubscribeMessage

/** The answer to a call: its value, or the readable message of its error. */
export type ResultMessage =
  | { type: 'result'; id: WireId; ok: true; value: unknown }
  | { type: 'result'; id: WireId; ok: false; error: string }

/** One update of a subscription. */
export interface UpdateMessage {
  type: 'update'
  id: WireId
  update: unknown
}

/** The subscription is over: the host failed it (`error`) or the client unsubscribed. */
export interface EndedMessage {
  type: 'ended'
  id: WireId
  error?: string
}

/** Everything the host sends. */
export type HostMessage = ResultMessage | UpdateMessage | EndedMessage

/** Longest id accepted (string ids). */
export const MAX_WIRE_ID_LENGTH = 64

/** What `parseClientMessage` answers: the message, or why it was refused (and its id if any). */
export type ParsedClientMessage =
  { ok: true; message: ClientMessage } | { ok: false; error: string; id?: WireId; type?: string }

const CALLS = new Set<string>(DESKTOP_CALLS)
const TOPICS = new Set<string>(DESKTOP_TOPICS)

/** Whether `id` is a usable wire id. */
export function isWireId(id: unknown): id is WireId {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_WIRE_ID_LENGTH
}

/**
 * Checks one message from a client (already JSON-parsed, or as IPC delivered it). Never throws:
 * anything that is not a well-formed ClientMessage answers a readable error, with the id when the
 * message had a usable one so the host can answer it.
 */
export function parseClientMessage(raw: unknown): ParsedClientMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, error: 'a desktop API message must be a JSON object' }
  }
  const msg = raw as Record<string, unknown>
  const type = typeof msg.type === 'string' ? msg.type : undefined
  if (!isWireId(msg.id)) {
    return {
      ok: false,
      error: `a desktop API message needs an id (a string of 1–${MAX_WIRE_ID_LENGTH} characters or an integer ≥ 0)`,
      type
    }
  }
  const id = msg.id
  switch (type) {
    case 'call':
      if (typeof msg.method !== 'string' || !CALLS.has(msg.method)) {
        return { ok: false, id, type, error: `unknown desktop API call: ${describe(msg.method)}` }
      }
      return {
        ok: true,
        message: { type, id, method: msg.method as CallName, input: msg.input }
      }
    case 'subscribe':
      if (typeof msg.topic !== 'string' || !TOPICS.has(msg.topic)) {
        return { ok: false, id, type, error: `unknown desktop API topic: ${describe(msg.topic)}` }
      }
      if (msg.params !== undefined && (typeof msg.params !== 'object' || msg.params === null)) {
        return { ok: false, id, type, error: `the params of topic ${msg.topic} must be an object` }
      }
      return {
        ok: true,
        message: { type, id, topic: msg.topic as TopicName, params: msg.params }
      }
    case 'unsubscribe':
      return { ok: true, message: { type, id } }
    default:
      return {
        ok: false,
        id,
        type,
        error: `unknown desktop API message type: ${describe(msg.type)} (expected call, subscribe or unsubscribe)`
      }
  }
}

/** A value as an error message shows it: short, quoted when a string. */
function describe(value: unknown): string {
  if (value === undefined) return '(none)'
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 80))
  return typeof value
}

/** An error's message, for the wire (the stack stays on the host). */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  return typeof err === 'string' ? err : String(err)
}
