/**
 * Browser mode's socket in real Chromium: a page served by the UI server, under its CSP
 * (`connect-src 'self'`), opens `ws://<host>/api/socket` with the session cookie the token link
 * set, and a call comes back. Proves that CSP3's 'self' covers same-origin ws:// here, and that
 * the cookie reaches the upgrade.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startUiServer, type UiServer } from '../../src/main/desktop/ui-server'
import type { ClusterStatus } from '../../src/shared/status'
import { CHROMIUM_BIN, launchChromium } from '../helpers/chromium'
import { createFakeHost } from './fake-host'

const STATUS = { version: '9.9.9', pid: 31337, components: [] } as unknown as ClusterStatus

// What the renderer's transport does, without a bundler: open the socket, call getStatus.
const PAGE_SCRIPT = `
const out = document.getElementById('out')
const ws = new WebSocket('ws://' + location.host + '/api/socket')
ws.onopen = () => ws.send(JSON.stringify({ type: 'call', id: 1, method: 'getStatus' }))
ws.onmessage = (e) => { out.textContent = 'pid ' + JSON.parse(e.data).value.pid }
ws.onclose = (e) => { if (!out.textContent) out.textContent = 'closed ' + e.code }
`

const hasChromium = existsSync(CHROMIUM_BIN)
if (!hasChromium) console.log(`skipped: Chromium is not installed at ${CHROMIUM_BIN}`)

describe.skipIf(!hasChromium)('UI socket in Chromium', () => {
  let dir: string
  let server: UiServer
  let browser: Browser
  const violations: string[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kd-ui-chromium-'))
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><title>t</title><p id="out"></p><script src="/app.js"></script>'
    )
    writeFileSync(join(dir, 'app.js'), PAGE_SCRIPT)
    server = await startUiServer({
      rendererDir: dir,
      host: createFakeHost({ getStatus: async () => STATUS }).host
    })
    browser = await launchChromium()
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it.each(['127.0.0.1', 'localhost'])(
    "connects under the page's CSP with the cookie (%s)",
    async (hostname) => {
      const page = await browser.newPage()
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) violations.push(m.text())
      })
      const url = new URL(server.url)
      url.hostname = hostname
      await page.goto(url.toString())
      expect(new URL(page.url()).search).toBe('')
      await expect.poll(() => page.locator('#out').textContent()).toBe('pid 31337')
      expect(violations).toEqual([])
      await page.close()
    }
  )

  it('is refused without the cookie (a page that never opened the token link)', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(new URL(server.url).origin + '/')
    await expect.poll(() => page.locator('#out').textContent()).toMatch(/^closed /)
    await context.close()
  })
})
