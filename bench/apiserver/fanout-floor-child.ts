/**
 * The watch fan-out floor: the least any single Node.js process can do to give W HTTPS watchers
 * each event, measured in the same run as the API server so the watch figures have a baseline
 * from the same machine at the same moment. No store, no admission, no selectors: `POST /pods`
 * answers 201 at once and queues one line — the pod as the API server stored it, renamed, so
 * each event carries the same bytes as the real watch — and one timer writes everything queued
 * to every `GET /watch` stream, at the API server's own flush interval for that many streams.
 * What is left is what the real server cannot avoid either: TLS records, system calls and
 * loopback TCP for every byte of every stream.
 *
 * Run by fanout-floor.ts: `node --import tsx fanout-floor-child.ts <dir>`; reads the template
 * line `{ storedPod, templateName }` (JSON) on stdin, prints `{ port, ca }` once it listens.
 */
import { createServer } from 'node:https'
import { ensurePki } from '../../src/main/apiserver/pki'
import { flushInterval } from '../../src/main/apiserver/http/watch-stream'
import type { ServerResponse } from 'node:http'

/** What the parent sends on stdin, one JSON line. */
export interface FloorTemplate {
  /** A pod as the API server stored it (JSON), named `templateName`. */
  storedPod: string
  templateName: string
}

/** What the child prints once it listens, one JSON line. */
export interface FloorReady {
  port: number
  ca: string
}

async function readTemplate(): Promise<FloorTemplate> {
  let text = ''
  for await (const chunk of process.stdin) {
    text += String(chunk)
    if (text.includes('\n')) break
  }
  return JSON.parse(text) as FloorTemplate
}

async function main(): Promise<void> {
  const dir = process.argv[2]
  if (!dir) throw new Error('usage: fanout-floor-child.ts <dir>')
  const template = await readTemplate()
  const nameField = `"name":"${template.templateName}"`
  if (!template.storedPod.includes(nameField)) throw new Error('the template lacks its name')
  const pki = await ensurePki(dir, { sans: [] })

  const streams = new Set<ServerResponse>()
  let queued: Buffer[] = []
  let timer: NodeJS.Timeout | undefined
  const flush = (): void => {
    timer = undefined
    const data = Buffer.concat(queued)
    queued = []
    for (const res of streams) res.write(data)
  }

  const server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (req, res) => {
    if (req.method === 'GET' && req.url === '/watch') {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
      res.flushHeaders()
      streams.add(res)
      res.on('close', () => streams.delete(res))
      return
    }
    if (req.method === 'POST' && req.url === '/pods') {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const name = /"name":"([^"]+)"/.exec(Buffer.concat(chunks).toString())?.[1] ?? ''
        const pod = template.storedPod.replace(nameField, `"name":"${name}"`)
        queued.push(Buffer.from(`{"type":"ADDED","object":${pod}}\n`))
        timer ??= setTimeout(flush, flushInterval(streams.size))
        res.writeHead(201, { 'Content-Type': 'application/json' })
        res.end(pod)
      })
      return
    }
    res.writeHead(404).end()
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    const port = typeof address === 'object' && address ? address.port : 0
    process.stdout.write(JSON.stringify({ port, ca: pki.caCert } satisfies FloorReady) + '\n')
  })
  process.on('SIGTERM', () => {
    for (const res of streams) res.destroy()
    server.close(() => process.exit(0))
  })
}

main().catch((err: unknown) => {
  process.stderr.write(`fanout floor: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
