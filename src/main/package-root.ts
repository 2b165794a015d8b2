import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** The `name` in KubeDesk's package.json; how the package root is recognised. */
export const PACKAGE_NAME = 'kubedesk'

/**
 * The folder holding KubeDesk's package.json, found by walking up from `startDir`.
 * Walking (rather than a fixed `../..`) makes the same code work bundled in `out/main` (or one of
 * its chunk folders) and unbundled under tsx or vitest from `src/main/desktop`.
 */
export function findPackageRoot(startDir: string = __dirname): string {
  let dir = startDir
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && readPackageName(manifest) === PACKAGE_NAME) return dir
    const parent = dirname(dir)
    if (parent === dir) {
      throw new Error(`Cannot find the ${PACKAGE_NAME} package root above ${startDir}`)
    }
    dir = parent
  }
}

/** Where `electron-vite build` writes the renderer: `out/renderer` under the package root. */
export function defaultRendererDir(): string {
  return join(findPackageRoot(), 'out', 'renderer')
}

function readPackageName(manifest: string): string | undefined {
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }
    return typeof parsed.name === 'string' ? parsed.name : undefined
  } catch {
    // A package.json we cannot read is not ours; keep walking.
    return undefined
  }
}
