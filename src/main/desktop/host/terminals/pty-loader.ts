/**
 * node-pty, loaded on first use: it is a native module, and when it was built for another ABI
 * (Electron's differs from node's) loading it fails. That failure becomes a readable error for
 * openTerminal, instead of breaking the whole main process at start. Inside Electron the copy
 * built for Electron's ABI (native/electron/node-pty, by scripts/build-electron-native.sh) is
 * preferred when it exists.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type * as NodePty from 'node-pty'
import { findPackageRoot } from '../../../package-root'

let loaded: Promise<typeof NodePty> | undefined

/** The Electron build of node-pty, when running inside Electron and it was built. */
function electronBuild(): string | undefined {
  if (!process.versions.electron) return undefined
  const dir = join(findPackageRoot(__dirname), 'native', 'electron', 'node-pty')
  return existsSync(join(dir, 'package.json')) ? dir : undefined
}

/** The node-pty module, or a rejection saying why it cannot be used. */
export function loadPty(): Promise<typeof NodePty> {
  const forElectron = electronBuild()
  loaded ??= (
    forElectron
      ? Promise.resolve().then(() => createRequire(__filename)(forElectron) as typeof NodePty)
      : import('node-pty')
  )
    .then((m) => ((m as { default?: typeof NodePty }).default ?? m) as typeof NodePty)
    .catch((err: unknown) => {
      loaded = undefined
      const cause = rootCause(err)
      throw new Error(
        `terminals are not available: the node-pty module cannot be loaded (${cause}); ` +
          (process.versions.electron
            ? 'build it for Electron with `bash scripts/build-electron-native.sh`'
            : 'reinstall it with `npm ci`')
      )
    })
  return loaded
}

/** The first line of the innermost cause's message (loaders wrap the native error). */
function rootCause(err: unknown): string {
  let e = err
  while (e instanceof Error && e.cause instanceof Error) e = e.cause
  return e instanceof Error ? e.message.split('\n')[0] : String(e)
}
