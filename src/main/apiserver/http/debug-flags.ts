/**
 * `/debug/flags/v`: kube-apiserver's way to change its log verbosity while it runs
 * (`curl -X PUT --data 4 …/debug/flags/v`, or `kubectl replace --raw /debug/flags/v -f -`).
 * Answers as kube-apiserver's StringFlagPutHandler does, in plain text: 200 `successfully set
 * klog.logging.verbosity to 4`, 400 for a value that is not a level, 406 `unsupported http
 * method` for anything but PUT. Only the admin (`system:masters`) may: everyone else gets
 * 403 Forbidden, as RBAC answers a non-resource URL nobody was granted.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ApiError } from '../api-errors'
import { MASTERS_GROUP } from '../credentials'
import type { UserInfo } from '../types'
import type { ComponentLog, ComponentLogger } from '../../observe/component-log'
import { readBody } from './body'

/** The path, as kube-apiserver serves it. */
export const DEBUG_FLAGS_V_PATH = '/debug/flags/v'

/** Where the verbosity lives (the API server's component log). */
export interface VerbosityFlag {
  set(level: number): void
}

/** The handler `createRequestHandler` calls for `/debug/flags/v`. */
export function createDebugFlagsHandler(
  flag: VerbosityFlag
): (req: IncomingMessage, res: ServerResponse, user: UserInfo) => Promise<void> {
  return async (req, res, user) => {
    if (!user.groups.includes(MASTERS_GROUP)) {
      const verb = (req.method ?? '').toLowerCase()
      throw new ApiError(
        403,
        'Forbidden',
        `forbidden: User "${user.username}" cannot ${verb} path "${DEBUG_FLAGS_V_PATH}"`
      )
    }
    if (req.method !== 'PUT') return plainText(res, 406, 'unsupported http method')
    const level = parseVerbosity((await readBody(req, 1024)).toString('utf8'))
    if (typeof level === 'string') return plainText(res, 400, level)
    flag.set(level)
    plainText(res, 200, `successfully set klog.logging.verbosity to ${level}`)
  }
}

/**
 * A PUT body as a verbosity, or klog's error text. klog's Level.Set parses the whole body; a
 * trailing newline (`-f file`) is forgiven here.
 */
export function parseVerbosity(value: string): number | string {
  const text = value.trim()
  if (/^\d{1,9}$/.test(text)) return Number(text)
  return (
    `failed set klog.logging.verbosity ${value}: strconv.ParseInt: parsing ` +
    `${JSON.stringify(value)}: invalid syntax`
  )
}

function plainText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain', 'X-Content-Type-Options': 'nosniff' })
  res.end(text + '\n')
}

/** The `/debug/flags/v` handler for the API server's log, when it has a verbosity to set. */
export function debugFlagsFor(
  log: ComponentLog | undefined
): ReturnType<typeof createDebugFlagsHandler> | undefined {
  const setVerbosity = (log as Partial<ComponentLogger> | undefined)?.setVerbosity
  return setVerbosity ? createDebugFlagsHandler({ set: setVerbosity }) : undefined
}
