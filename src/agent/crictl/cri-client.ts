/**
 * crictl's side of the CRI socket (src/agent/server/cri-socket.ts): GET requests over a unix
 * socket, JSON answers, plain-text errors turned into CriClientError with the server's words.
 */
import { request, type IncomingMessage } from 'node:http'

/** A failed call: `status` is the HTTP status, 0 when the socket could not be reached. */
export class CriClientError extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
    this.name = 'CriClientError'
  }
}

/** Opens `path` on the socket; resolves with the response once its status is 2xx. */
export function criGet(socket: string, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET' }, (res) => {
      const status = res.statusCode ?? 0
      if (status >= 200 && status < 300) return resolve(res)
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () =>
        reject(new CriClientError(status, Buffer.concat(chunks).toString('utf8').trim()))
      )
      res.on('error', reject)
    })
    req.on('error', (err) =>
      reject(
        new CriClientError(0, `cannot connect to the runtime at unix://${socket}: ${err.message}`)
      )
    )
    req.end()
  })
}

/** GET `path` and parse the JSON answer. */
export async function criGetJson<T>(socket: string, path: string): Promise<T> {
  const res = await criGet(socket, path)
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  const text = Buffer.concat(chunks).toString('utf8')
  try {
    return JSON.parse(text) as T
  } catch {
    throw new CriClientError(500, `the runtime answered ${path} with something that is not JSON`)
  }
}
