/**
 * What must exist before anything is timed: the kubelet bundle (rebuilt when older than
 * src/agent), the busybox image pods run, the node image `up` would otherwise build, and —
 * when `up` runs from source — tsx's compile cache, so the timings are not compile time.
 */
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type Dockerode from 'dockerode'
import { ensureNodeImage } from '../../src/main/nodes/docker/node-image'
import { ensureBusyboxImage } from '../../tests/helpers/docker-images'
import { cliCommand, newestMtime, REPO_ROOT } from './up-process'

const run = promisify(execFile)

/** Builds out/agent/kubelet.js when missing or older than src/agent; answers its path. */
export async function ensureAgentBundle(log: (line: string) => void): Promise<string> {
  const bundle = join(REPO_ROOT, 'out', 'agent', 'kubelet.js')
  const stale =
    !existsSync(bundle) || statSync(bundle).mtimeMs < newestMtime(join(REPO_ROOT, 'src', 'agent'))
  if (stale) {
    log('building the kubelet bundle (node scripts/build-agent.mjs)')
    await run(process.execPath, [join(REPO_ROOT, 'scripts', 'build-agent.mjs')], {
      cwd: REPO_ROOT
    })
  }
  return bundle
}

/** The docker images: busybox for pods, the node image for this bundle. Answers busybox's name. */
export async function ensureImages(
  docker: Dockerode,
  agentBundle: string,
  log: (line: string) => void
): Promise<string> {
  const busybox = await ensureBusyboxImage(docker)
  const image = await ensureNodeImage(docker, { agentBundle, onProgress: (m) => log(`  ${m}`) })
  log(`images ready: ${busybox}, ${image}`)
  return busybox
}

/** Loads `up`'s module graph once under tsx, filling its cache (no-op for the built CLI). */
export async function warmCli(log: (line: string) => void): Promise<void> {
  const { argv } = cliCommand()
  if (argv[0] !== '--import') return
  log('warming the tsx compile cache (loading src/main/cli/up.ts once)')
  await run(process.execPath, ['--import', 'tsx', '-e', "require('./src/main/cli/up')"], {
    cwd: REPO_ROOT
  })
}
