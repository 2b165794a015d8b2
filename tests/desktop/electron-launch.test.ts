import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { _electron, type ElectronApplication } from 'playwright-core'
import { afterAll, describe, expect, it } from 'vitest'
import { DESKTOP_CALLS } from '../../src/shared/desktop-api'

const root = resolve(__dirname, '..', '..')

/** Why the Electron app cannot be launched here, or undefined when it can. */
function cannotLaunch(): string | undefined {
  let binary: unknown
  try {
    binary = createRequire(__filename)('electron')
  } catch {
    return "Electron's binary is not installed"
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return "Electron's binary is missing"
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'no display (DISPLAY and WAYLAND_DISPLAY are unset)'
  }
  if (!existsSync(join(root, 'out', 'main', 'index.js'))) return 'not built (run `npm run build`)'
  if (!existsSync(join(root, 'native', 'electron', 'better_sqlite3.node'))) {
    return 'the SQLite module has no build for Electron (npm run setup makes it)'
  }
  return undefined
}

const skipReason = cannotLaunch()
if (skipReason) console.log(`Skipping the Electron launch test: ${skipReason}`)

describe.skipIf(skipReason !== undefined)('Electron app', () => {
  let home: string | undefined
  let app: ElectronApplication | undefined

  afterAll(async () => {
    await app?.close()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  it('opens a sandboxed window titled KubeDesk that sees only the desktop API', async () => {
    home = mkdtempSync(join(tmpdir(), 'kubedesk-electron-'))
    app = await _electron.launch({
      args: ['.'],
      cwd: root,
      // Never the user's own kubeconfig: the app merges its context into $KUBECONFIG.
      env: {
        ...(process.env as Record<string, string>),
        KUBEDESK_HOME: home,
        KUBECONFIG: join(home, 'user-kubeconfig')
      }
    })
    const window = await app.firstWindow()
    await window.waitForLoadState('domcontentloaded')
    expect(await window.title()).toBe('KubeDesk')
    // The shell rendered: the sidebar offers the views.
    await window.getByTestId('nav-nodes').waitFor()
    expect(window.url()).toBe('app://kubedesk/index.html')

    const bridge = await window.evaluate(() => ({
      keys: Object.keys((window as unknown as { kubedesk: object }).kubedesk).sort(),
      hasRequire: typeof (globalThis as { require?: unknown }).require !== 'undefined'
    }))
    // Exactly the desktop API contract: every call and `subscribe`, nothing of Electron's.
    expect(bridge).toEqual({ keys: [...DESKTOP_CALLS, 'subscribe'].sort(), hasRequire: false })
  })
})
