import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findPackageRoot } from '../../src/main/package-root'
import {
  APP_INDEX_URL,
  isAllowedHost,
  isTrustedRendererUrl,
  tokensEqual
} from '../../src/main/desktop/security'
import { contentTypeFor, resolveStaticPath } from '../../src/main/desktop/static-files'

describe('isTrustedRendererUrl (IPC sender and navigation check)', () => {
  const dev = 'http://localhost:5173/'
  it.each([
    [APP_INDEX_URL, undefined, true],
    ['app://kubedesk/assets/index.js', undefined, true],
    ['app://evil/index.html', undefined, false],
    ['file:///etc/passwd', undefined, false],
    ['https://example.com/', undefined, false],
    ['http://localhost:5173/', undefined, false],
    ['http://localhost:5173/index.html', dev, true],
    ['http://localhost:5174/', dev, false],
    ['http://127.0.0.1:5173/', dev, false],
    ['', dev, false],
    ['not a url', dev, false]
  ])('%s with dev server %s → %s', (url, devServer, trusted) => {
    expect(isTrustedRendererUrl(url, devServer)).toBe(trusted)
  })
})

describe('isAllowedHost', () => {
  it.each([
    ['127.0.0.1:8080', true],
    ['localhost:8080', true],
    ['LOCALHOST:8080', true],
    ['[::1]:8080', true],
    ['127.0.0.1', false],
    ['127.0.0.1:8081', false],
    ['rebind.example.com:8080', false],
    [undefined, false]
  ])('%s → %s', (host, allowed) => {
    expect(isAllowedHost(host, 8080)).toBe(allowed)
  })
})

describe('tokensEqual', () => {
  it('accepts only the exact token', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true)
    expect(tokensEqual('abd', 'abc')).toBe(false)
    expect(tokensEqual('ab', 'abc')).toBe(false)
    expect(tokensEqual(undefined, 'abc')).toBe(false)
  })
})

describe('resolveStaticPath (shared by app:// and the UI server)', () => {
  const root = resolve('/srv/renderer')
  it.each([
    ['/', join(root, 'index.html')],
    ['/index.html', join(root, 'index.html')],
    ['/assets/a%20b.js', join(root, 'assets', 'a b.js')],
    ['/assets/', join(root, 'assets', 'index.html')],
    ['/../package.json', undefined],
    ['/%2e%2e/package.json', undefined],
    ['/..%2f..%2fetc/passwd', undefined],
    ['/assets/%00.js', undefined],
    ['/%E0%A4%A', undefined],
    ['relative.js', undefined]
  ])('%s → %s', (path, expected) => {
    expect(resolveStaticPath(root, path)).toBe(expected)
  })

  it('names content types by extension', () => {
    expect(contentTypeFor('x/index.HTML')).toMatch(/^text\/html/)
    expect(contentTypeFor('a.js')).toMatch(/^text\/javascript/)
    expect(contentTypeFor('a.unknown')).toBe('application/octet-stream')
  })
})

describe('findPackageRoot', () => {
  it('walks up to the kubedesk package from source and refuses elsewhere', () => {
    expect(findPackageRoot(join(__dirname, 'deep', 'er'))).toBe(resolve(__dirname, '..', '..'))
    expect(() => findPackageRoot('/')).toThrow(/package root/)
  })
})
