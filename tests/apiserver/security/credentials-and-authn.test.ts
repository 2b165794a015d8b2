import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTokenAuthenticator } from '../../../src/main/apiserver/authn'
import { CredentialsError, loadCredentials } from '../../../src/main/apiserver/credentials'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kd-creds-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const tokensFile = (): string => join(dir, 'pki', 'tokens.json')

describe('credentials', () => {
  it('issues a random admin token, stored 0600 and reused by the next run', () => {
    const first = loadCredentials(dir)
    expect(first.adminToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(statSync(tokensFile()).mode & 0o777).toBe(0o600)
    expect(loadCredentials(dir).adminToken).toBe(first.adminToken)

    const elsewhere = mkdtempSync(join(tmpdir(), 'kd-creds-'))
    try {
      expect(loadCredentials(elsewhere).adminToken).not.toBe(first.adminToken)
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })

  it('the admin is kubernetes-admin in system:masters; a node is system:node:<name>', () => {
    const creds = loadCredentials(dir)
    expect(creds.lookup(creds.adminToken)).toEqual({
      username: 'kubernetes-admin',
      groups: ['system:masters', 'system:authenticated']
    })
    const node = creds.issueNodeToken('kubedesk-worker')
    expect(creds.lookup(node)).toEqual({
      username: 'system:node:kubedesk-worker',
      groups: ['system:nodes', 'system:authenticated']
    })
    expect(creds.issueNodeToken('kubedesk-worker')).toBe(node)
    expect(creds.issueNodeToken('kubedesk-worker2')).not.toBe(node)
    expect(creds.lookup(creds.issueComponentToken('kube-scheduler'))?.username).toBe(
      'system:kube-scheduler'
    )
  })

  it('node tokens survive a restart; a revoked one stops working', () => {
    const node = loadCredentials(dir).issueNodeToken('kubedesk-worker')
    const again = loadCredentials(dir)
    expect(again.lookup(node)?.username).toBe('system:node:kubedesk-worker')
    again.revokeNodeToken('kubedesk-worker')
    expect(again.lookup(node)).toBeUndefined()
    expect(loadCredentials(dir).lookup(node)).toBeUndefined()
  })

  it('a corrupt tokens.json is a readable error naming the file, left untouched', () => {
    loadCredentials(dir)
    writeFileSync(tokensFile(), '{ "tokens": [ oops')
    expect(() => loadCredentials(dir)).toThrow(CredentialsError)
    expect(() => loadCredentials(dir)).toThrow(`cannot use ${tokensFile()}: it is not valid JSON`)
    expect(readFileSync(tokensFile(), 'utf8')).toBe('{ "tokens": [ oops')
  })
})

describe('token authenticator', () => {
  it('accepts the right bearer token and nothing else', () => {
    const creds = loadCredentials(dir)
    const authn = createTokenAuthenticator(creds)
    const t = creds.adminToken
    expect(authn.authenticate({ authorization: `Bearer ${t}` })?.username).toBe('kubernetes-admin')
    // The scheme is case-insensitive, as in kube-apiserver.
    expect(authn.authenticate({ authorization: `bearer ${t}` })?.username).toBe('kubernetes-admin')

    const refused: Record<string, string | undefined> = {
      missing: undefined,
      empty: '',
      'scheme only': 'Bearer',
      'scheme and blank': 'Bearer   ',
      'wrong token': `Bearer ${'x'.repeat(43)}`,
      'token with one character changed': `Bearer ${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`,
      'token prefix': `Bearer ${t.slice(0, 20)}`,
      'token plus suffix': `Bearer ${t}x`,
      'no scheme': t,
      'basic auth': `Basic ${Buffer.from(`admin:${t}`).toString('base64')}`,
      'extra words': `Bearer ${t} extra`
    }
    for (const [what, authorization] of Object.entries(refused)) {
      expect(authn.authenticate({ authorization }), what).toBeUndefined()
    }
  })

  it('accepts the token in the WebSocket bearer subprotocol, only on an upgrade', () => {
    const creds = loadCredentials(dir)
    const authn = createTokenAuthenticator(creds)
    const protocol = `base64url.bearer.authorization.k8s.io.${Buffer.from(creds.adminToken).toString('base64url')}`
    expect(
      authn.authenticate({
        upgrade: 'websocket',
        'sec-websocket-protocol': `v5.channel.k8s.io, ${protocol}`
      })?.username
    ).toBe('kubernetes-admin')
    expect(authn.authenticate({ 'sec-websocket-protocol': protocol })).toBeUndefined()
    expect(
      authn.authenticate({
        upgrade: 'websocket',
        'sec-websocket-protocol': 'base64url.bearer.authorization.k8s.io.bm9wZQ'
      })
    ).toBeUndefined()
  })
})
