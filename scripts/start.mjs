#!/usr/bin/env node
// `npm start`: the Electron app when Electron can run here, else browser mode
// (`kubedesk up --ui`) so the same UI opens in a browser. Extra arguments pass through.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

/** The Electron binary's path, or why it cannot be used. */
function findElectron() {
  let binary
  try {
    // The electron package exports its binary's path, and throws when the download never happened.
    binary = createRequire(import.meta.url)('electron')
  } catch {
    return { reason: "Electron's binary is not installed (downloads are blocked or were skipped)" }
  }
  if (typeof binary !== 'string' || !existsSync(binary)) {
    return { reason: `Electron's binary is missing at ${binary}` }
  }
  return { binary }
}

/** Why no window can be shown, or undefined when a display is available. */
function missingDisplay() {
  if (process.platform !== 'linux') return undefined
  if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return undefined
  return 'no display is available (DISPLAY and WAYLAND_DISPLAY are unset)'
}

/**
 * Why Electron cannot open the store, or undefined when it can: Electron's Node has its own ABI,
 * so the SQLite module needs the build `npm run setup` makes for it (native/electron/).
 */
function missingElectronNative(binary) {
  const binding = join(root, 'native', 'electron', 'better_sqlite3.node')
  if (!existsSync(binding)) {
    return "the SQLite module has no build for Electron (run 'npm run setup' with internet access)"
  }
  const probe = spawnSync(
    binary,
    [
      '-e',
      `new (require('better-sqlite3'))(':memory:', { nativeBinding: ${JSON.stringify(binding)} }).close()`
    ],
    { cwd: root, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' }
  )
  if (probe.status === 0) return undefined
  const detail = (probe.stderr || probe.error?.message || '').trim().split('\n')[0]
  return `Electron cannot load its SQLite module (${detail}); run 'npm run setup' again`
}

function requireBuilt(file) {
  if (existsSync(join(root, file))) return true
  console.error(`KubeDesk is not built (${file} is missing) — run \`npm run build\` first`)
  process.exitCode = 1
  return false
}

/**
 * Runs a child with our stdio, forwards SIGINT/SIGTERM (and SIGHUP as SIGTERM) to it, and exits
 * with its code.
 *
 * On POSIX the child gets its own process group: a terminal's Ctrl-C signals the whole
 * foreground group, so a child in our group would get SIGINT twice (once from the terminal, once
 * forwarded) and `kubedesk up` treats a second Ctrl-C as "exit without a clean stop". Windows
 * consoles deliver Ctrl-C to every attached process, so there it is not forwarded at all.
 */
function run(command, commandArgs) {
  const posix = process.platform !== 'win32'
  const child = spawn(command, commandArgs, { cwd: root, stdio: 'inherit', detached: posix })
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  process.on('SIGINT', () => posix && forward('SIGINT'))
  process.on('SIGTERM', () => forward('SIGTERM'))
  if (posix) process.on('SIGHUP', () => forward('SIGTERM'))
  child.on('error', (err) => {
    console.error(`Cannot start ${command}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    process.exit(code ?? (signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : 1))
  })
}

function main() {
  const electron = findElectron()
  const noDisplay = electron.binary ? missingDisplay() : undefined
  const noNative =
    electron.binary && !noDisplay ? missingElectronNative(electron.binary) : undefined
  if (electron.binary && !noDisplay && !noNative) {
    if (!requireBuilt('out/main/index.js')) return
    run(electron.binary, ['.', ...args])
    return
  }
  console.log(
    `${electron.reason ?? noNative ?? `Electron cannot open a window: ${noDisplay}`} — starting browser mode`
  )
  if (!requireBuilt('out/main/cli.js')) return
  run(process.execPath, [join(root, 'bin', 'kubedesk.js'), 'up', '--ui', ...args])
}

main()
