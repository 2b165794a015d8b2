/**
 * The API server's PKI: a cluster CA and a serving certificate signed by it, kept in
 * `<data-dir>/pki/` like kubeadm keeps `/etc/kubernetes/pki/`:
 *
 *   ca.crt, ca.key                 the cluster CA (10 years), the trust root kubeconfigs carry
 *   apiserver.crt, apiserver.key   the serving certificate (1 year, serverAuth)
 *
 * Keys are ECDSA P-256 (what kubeadm uses with `EncryptionAlgorithm: ECDSA-P256`), made with
 * WebCrypto and written as PKCS#8 PEM, mode 0600. Everything is reused on later runs so the
 * kubeconfigs users copied keep working; the serving certificate alone is re-issued, by the
 * same CA, when it lacks a wanted SAN or is about to expire.
 */
import { createPrivateKey, X509Certificate as NodeX509, webcrypto } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'
import type * as X509 from '@peculiar/x509'
import { PKI_DIR } from '../data-dir'

/** Names every serving certificate carries, as kube-apiserver's do (plus loopback). */
export const DEFAULT_SANS: readonly string[] = [
  'localhost',
  '127.0.0.1',
  '::1',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
  'kubernetes.default.svc.cluster.local'
]

/** The subject of the CA, as kubeadm names its own (`CN=kubernetes`). */
const CA_NAME = 'CN=kubernetes'
const SERVER_NAME = 'CN=kube-apiserver'
const CA_VALIDITY_DAYS = 3650
const SERVER_VALIDITY_DAYS = 365
/** A serving certificate closer than this to expiry is re-issued at start. */
const RENEW_BEFORE_DAYS = 30
const DAY_MS = 86_400_000
/** Clocks of containers and hosts drift a little; a certificate valid from "now" may look early. */
const BACKDATE_MS = 5 * 60_000

const EC_KEY: webcrypto.EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' }
const SIGNING: webcrypto.EcdsaParams = { name: 'ECDSA', hash: 'SHA-256' }

/** The PKI as the API server and kubeconfigs use it: PEM text, and the CA's path. */
export interface Pki {
  /** The CA certificate (PEM): what clients trust. */
  caCert: string
  /** The serving certificate (PEM). */
  serverCert: string
  /** The serving certificate's private key (PKCS#8 PEM). */
  serverKey: string
  /** `<data-dir>/pki/ca.crt`. */
  caFile: string
}

/** Options of `ensurePki`. */
export interface PkiOptions {
  /** Extra names or addresses for the serving certificate (e.g. the node network's gateway). */
  sans: string[]
}

/** A PKI file exists but cannot be used; the message names the file, `hint` what to do. */
export class PkiError extends Error {
  readonly hint: string
  constructor(
    readonly file: string,
    reason: string
  ) {
    super(`cannot use ${file}: ${reason}`)
    this.name = 'PkiError'
    this.hint =
      `Remove ${join(file, '..')} to create a new CA ` +
      '(kubeconfigs that carry the old CA stop working).'
  }
}

/** The files of a PKI directory. */
export function pkiPaths(dataDir: string): {
  dir: string
  caCert: string
  caKey: string
  serverCert: string
  serverKey: string
} {
  const dir = join(dataDir, PKI_DIR)
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'apiserver.crt'),
    serverKey: join(dir, 'apiserver.key')
  }
}

/**
 * Loads the PKI of `dataDir`, creating the CA on first run and (re-)issuing the serving
 * certificate when it is missing, lacks one of the SANs wanted, or expires within 30 days.
 * Rejects with a PkiError naming the file when one is unreadable or corrupt.
 */
export async function ensurePki(dataDir: string, opts: PkiOptions): Promise<Pki> {
  await loadX509()
  const paths = pkiPaths(dataDir)
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 })

  const ca = (await loadCa(paths.caCert, paths.caKey)) ?? (await createCa(paths))
  const sans = uniqueSans([...DEFAULT_SANS, ...opts.sans])
  let serverCert = readOptional(paths.serverCert)
  let serverKey = readOptional(paths.serverKey)
  if (
    serverCert === undefined ||
    serverKey === undefined ||
    !servingCertUsable(ca.cert, serverCert, serverKey, sans)
  ) {
    ;({ cert: serverCert, key: serverKey } = await issueServingCert(ca, sans))
    writePem(paths.serverKey, serverKey, 0o600)
    writePem(paths.serverCert, serverCert, 0o644)
  }
  return { caCert: ca.certPem, serverCert, serverKey, caFile: paths.caCert }
}

/**
 * A kubelet's serving certificate, signed by the cluster CA of `dataDir` (created there when
 * missing), for its HTTPS API: subject `CN=system:node:<nodeName>,O=system:nodes` as kubelet's
 * own, SANs `nodeName` plus `addresses`. Returned as PEM, not written to disk: the node provider
 * hands it to the kubelet with its configuration.
 */
export async function issueKubeletServingCert(
  dataDir: string,
  nodeName: string,
  addresses: string[]
): Promise<{ cert: string; key: string }> {
  await loadX509()
  const paths = pkiPaths(dataDir)
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 })
  const ca = (await loadCa(paths.caCert, paths.caKey)) ?? (await createCa(paths))
  const subject = `CN=system:node:${nodeName.replace(/[,+"\\<>;=]/g, '\\$&')}, O=system:nodes`
  return issueServingCert(ca, uniqueSans([nodeName, ...addresses]), subject)
}

/** The CA in the forms signing needs. */
interface LoadedCa {
  certPem: string
  cert: NodeX509
  key: webcrypto.CryptoKey
  /** The CA certificate as @peculiar/x509 reads it, for the issuer name and key identifier. */
  x509: X509.X509Certificate
}

async function loadCa(certFile: string, keyFile: string): Promise<LoadedCa | undefined> {
  const certPem = readOptional(certFile)
  const keyPem = readOptional(keyFile)
  if (certPem === undefined && keyPem === undefined) return undefined
  if (certPem === undefined) throw new PkiError(certFile, 'it is missing while ca.key exists')
  if (keyPem === undefined) throw new PkiError(keyFile, 'it is missing while ca.crt exists')
  const cert = parseCert(certFile, certPem)
  if (!cert.ca) throw new PkiError(certFile, 'it is not a CA certificate')
  if (Date.parse(cert.validTo) <= Date.now()) {
    throw new PkiError(certFile, `the CA expired on ${cert.validTo}`)
  }
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      throw new PkiError(keyFile, 'it is not the private key of ca.crt')
    }
  } catch (err) {
    if (err instanceof PkiError) throw err
    throw new PkiError(keyFile, 'it is not a PEM private key')
  }
  const key = await importSigningKey(keyFile, keyPem)
  return { certPem, cert, key, x509: new x509.X509Certificate(certPem) }
}

async function createCa(paths: ReturnType<typeof pkiPaths>): Promise<LoadedCa> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, [
    'sign',
    'verify'
  ])) as webcrypto.CryptoKeyPair
  const now = Date.now()
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: CA_NAME,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(now + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign |
          x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey)
    ]
  })
  const certPem = pemText(cert.toString('pem'))
  // The key first: a crash in between leaves a key without a certificate, which loadCa reports
  // instead of silently minting a CA that does not match the one on disk.
  writePem(paths.caKey, await exportKey(keys.privateKey), 0o600)
  writePem(paths.caCert, certPem, 0o644)
  return { certPem, cert: new NodeX509(certPem), key: keys.privateKey, x509: cert }
}

async function issueServingCert(
  ca: LoadedCa,
  sans: string[],
  subject = SERVER_NAME
): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(EC_KEY, true, [
    'sign',
    'verify'
  ])) as webcrypto.CryptoKeyPair
  const now = Date.now()
  const notAfter = Math.min(now + SERVER_VALIDITY_DAYS * DAY_MS, Date.parse(ca.cert.validTo))
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.x509.subject,
    notBefore: new Date(now - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        sans.map((name) => ({ type: isIP(name) ? 'ip' : 'dns', value: name }))
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca.x509.publicKey)
    ]
  })
  return { cert: pemText(cert.toString('pem')), key: pemText(await exportKey(keys.privateKey)) }
}

/**
 * True when the serving certificate on disk can be kept: it parses, was signed by this CA,
 * matches its key, names every SAN wanted and stays valid for more than 30 days. A corrupt
 * serving certificate is simply re-issued — only the CA is precious.
 */
function servingCertUsable(ca: NodeX509, certPem: string, keyPem: string, sans: string[]): boolean {
  try {
    const cert = new NodeX509(certPem)
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return false
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) return false
    if (Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_DAYS * DAY_MS) return false
    const present = new Set(certSans(cert))
    return sans.every((name) => present.has(canonicalSan(name)))
  } catch {
    return false
  }
}

/** The SANs of a certificate, canonical (`DNS:x` → `x`, IPs as node prints them). */
export function certSans(cert: NodeX509): string[] {
  return (cert.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((entry) => canonicalSan(entry.replace(/^(DNS|IP Address):/, '')))
}

/** A name or address in one spelling, so `::1` and `0:0:0:0:0:0:0:1` compare equal. */
function canonicalSan(name: string): string {
  if (isIP(name) === 6) {
    try {
      return new URL(`http://[${name}]/`).hostname.slice(1, -1)
    } catch {
      return name
    }
  }
  return name.toLowerCase()
}

function uniqueSans(names: string[]): string[] {
  const seen = new Set<string>()
  const out: string[] = []
  for (const raw of names) {
    const name = raw.trim()
    if (!name || seen.has(canonicalSan(name))) continue
    seen.add(canonicalSan(name))
    out.push(name)
  }
  return out
}

function parseCert(file: string, pem: string): NodeX509 {
  try {
    return new NodeX509(pem)
  } catch {
    throw new PkiError(file, 'it is not a PEM certificate')
  }
}

async function importSigningKey(file: string, pem: string): Promise<webcrypto.CryptoKey> {
  try {
    const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' })
    return await webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign'])
  } catch {
    throw new PkiError(file, 'it is not an ECDSA P-256 private key')
  }
}

async function exportKey(key: webcrypto.CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key)
  return x509.PemConverter.encode(der, 'PRIVATE KEY')
}

let x509: typeof X509

/**
 * Loads @peculiar/x509 on first use. Its dependency injection (tsyringe) needs the Reflect
 * metadata API, which the `reflect-metadata` package provides (as @peculiar/x509 documents).
 */
async function loadX509(): Promise<void> {
  if (x509) return
  await import('reflect-metadata')
  x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as webcrypto.Crypto)
}

/** 16 random bytes with the top bit clear: X.509 serials must be positive. */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] &= 0x7f
  bytes[0] |= 0x01
  return Buffer.from(bytes).toString('hex')
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new PkiError(file, code === 'EACCES' ? 'permission denied' : String(err))
  }
}

/** PEM as stored: Unix line ends, one final newline, so what is returned equals what is read. */
function pemText(pem: string): string {
  return pem.replace(/\r\n/g, '\n').trimEnd() + '\n'
}

/** Writes through a temporary file so a crash never leaves half a key or certificate. */
function writePem(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, pemText(text), { mode })
  chmodSync(tmp, mode)
  renameSync(tmp, file)
}
