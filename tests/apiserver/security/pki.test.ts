import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { certSans, ensurePki, PkiError, type Pki } from '../../../src/main/apiserver/pki'

const dirs: string[] = []
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kd-pki-'))
  dirs.push(dir)
  return dir
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
afterEach(() => vi.useRealTimers())

const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256

/** Serves `pki` on 127.0.0.1 and answers whether a client trusting `ca` accepts it as `host`. */
async function tlsHandshake(pki: Pki, ca: string, servername?: string): Promise<string> {
  const server: Server = createServer({ cert: pki.serverCert, key: pki.serverKey }, (_, res) =>
    res.end('ok')
  )
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  try {
    return await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, ca, servername }, () => {
        resolve(socket.authorized ? 'authorized' : String(socket.authorizationError))
        socket.end()
      })
      socket.on('error', (err) => resolve(err.message))
    })
  } finally {
    server.close()
  }
}

describe('ensurePki', () => {
  let dir: string
  let first: Pki

  beforeAll(async () => {
    dir = dataDir()
    first = await ensurePki(dir, { sans: ['172.18.0.1'] })
  })

  it('creates a CA and a serving certificate signed by it, keys readable by the owner only', () => {
    const ca = new X509Certificate(first.caCert)
    const cert = new X509Certificate(first.serverCert)
    expect(ca.ca).toBe(true)
    expect(cert.ca).toBe(false)
    expect(cert.checkIssued(ca)).toBe(true)
    expect(cert.verify(ca.publicKey)).toBe(true)
    expect(first.caFile).toBe(join(dir, 'pki', 'ca.crt'))
    expect(readFileSync(first.caFile, 'utf8')).toBe(first.caCert)
    for (const key of ['ca.key', 'apiserver.key']) {
      expect(statSync(join(dir, 'pki', key)).mode & 0o777).toBe(0o600)
    }
    // A 10-year CA, a 1-year serving certificate.
    const years = (c: X509Certificate): number =>
      (Date.parse(c.validTo) - Date.parse(c.validFrom)) / (365 * 86_400_000)
    expect(years(ca)).toBeGreaterThan(9.9)
    expect(years(cert)).toBeGreaterThan(0.99)
    expect(years(cert)).toBeLessThan(1.01)
  })

  it('names the loopback addresses, the kubernetes service names and the extra SANs', () => {
    expect(certSans(new X509Certificate(first.serverCert)).sort()).toEqual(
      [
        '127.0.0.1',
        '::1',
        '172.18.0.1',
        'kubernetes',
        'kubernetes.default',
        'kubernetes.default.svc',
        'kubernetes.default.svc.cluster.local',
        'localhost'
      ].sort()
    )
  })

  it.each([
    ['127.0.0.1 (no SNI)', undefined],
    ['localhost', 'localhost'],
    ['kubernetes.default.svc', 'kubernetes.default.svc']
  ])('a TLS client trusting only the CA verifies the server as %s', async (_, servername) => {
    expect(await tlsHandshake(first, first.caCert, servername)).toBe('authorized')
  })

  it('a client trusting another CA refuses the server', async () => {
    const other = await ensurePki(dataDir(), { sans: [] })
    expect(await tlsHandshake(first, other.caCert, 'localhost')).not.toBe('authorized')
    expect(await tlsHandshake(first, first.caCert, 'example.com')).toMatch(/altnames|match/i)
  })

  it('is reused on the next run: same CA, same serving certificate', async () => {
    const again = await ensurePki(dir, { sans: ['172.18.0.1'] })
    expect(fingerprint(again.caCert)).toBe(fingerprint(first.caCert))
    expect(again.serverCert).toBe(first.serverCert)
    expect(again.serverKey).toBe(first.serverKey)
  })

  it('re-issues the serving certificate, by the same CA, when a wanted SAN is missing', async () => {
    const widened = await ensurePki(dir, { sans: ['172.18.0.1', '10.96.0.1'] })
    expect(fingerprint(widened.caCert)).toBe(fingerprint(first.caCert))
    expect(widened.serverCert).not.toBe(first.serverCert)
    expect(certSans(new X509Certificate(widened.serverCert))).toContain('10.96.0.1')
    expect(await tlsHandshake(widened, first.caCert, 'localhost')).toBe('authorized')
  })

  it('re-issues the serving certificate when it expires within 30 days', async () => {
    const d = dataDir()
    const before = await ensurePki(d, { sans: [] })
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() + 340 * 86_400_000)
    const renewed = await ensurePki(d, { sans: [] })
    expect(fingerprint(renewed.caCert)).toBe(fingerprint(before.caCert))
    expect(renewed.serverCert).not.toBe(before.serverCert)
    expect(Date.parse(new X509Certificate(renewed.serverCert).validTo)).toBeGreaterThan(
      Date.now() + 300 * 86_400_000
    )
  })

  it('a corrupt CA certificate is a readable error naming the file, and is left alone', async () => {
    const d = dataDir()
    await ensurePki(d, { sans: [] })
    const file = join(d, 'pki', 'ca.crt')
    writeFileSync(file, 'not a certificate\n')
    await expect(ensurePki(d, { sans: [] })).rejects.toThrow(PkiError)
    await expect(ensurePki(d, { sans: [] })).rejects.toThrow(
      `cannot use ${file}: it is not a PEM certificate`
    )
    expect(readFileSync(file, 'utf8')).toBe('not a certificate\n')
  })

  it('a CA key that does not belong to the CA certificate is refused', async () => {
    const a = dataDir()
    const b = dataDir()
    await ensurePki(a, { sans: [] })
    await ensurePki(b, { sans: [] })
    writeFileSync(join(a, 'pki', 'ca.key'), readFileSync(join(b, 'pki', 'ca.key')))
    await expect(ensurePki(a, { sans: [] })).rejects.toThrow(
      `cannot use ${join(a, 'pki', 'ca.key')}: it is not the private key of ca.crt`
    )
  })

  it('a corrupt serving certificate is simply re-issued by the existing CA', async () => {
    const d = dataDir()
    const before = await ensurePki(d, { sans: [] })
    writeFileSync(join(d, 'pki', 'apiserver.crt'), 'garbage')
    const after = await ensurePki(d, { sans: [] })
    expect(fingerprint(after.caCert)).toBe(fingerprint(before.caCert))
    expect(await tlsHandshake(after, before.caCert, 'localhost')).toBe('authorized')
  })
})
