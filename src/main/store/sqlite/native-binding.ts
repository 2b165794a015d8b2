/**
 * Which compiled better-sqlite3 module to load. Under plain Node (the CLI, tests) the package's
 * own build is right. Electron's main process runs a different Node ABI, so `npm run setup`
 * builds a second copy for Electron (scripts/build-electron-native.sh) into
 * `native/electron/better_sqlite3.node`; this picks it when running inside Electron.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { findPackageRoot } from '../../package-root'

/** The build for Electron, relative to the package root. */
export const ELECTRON_NATIVE_BINDING = join('native', 'electron', 'better_sqlite3.node')

/** better-sqlite3's `nativeBinding` option for this process (undefined: the package's own build). */
export function sqliteNativeBinding(): string | undefined {
  if (!process.versions.electron) return undefined
  const file = join(findPackageRoot(__dirname), ELECTRON_NATIVE_BINDING)
  return existsSync(file) ? file : undefined
}
