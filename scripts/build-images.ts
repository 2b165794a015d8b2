/**
 * Builds, offline, the images the docker nodes and their tests use, when missing: the node image
 * (`kubedesk/node:<hash>`, assembled from this machine's Node.js, busybox and the kubelet bundle),
 * the pause image the kubelet's sandboxes run (`kubedesk/pause:1`) and the `busybox:latest` test
 * image. `.ci/run` calls it after starting the Docker engine; `kubedesk up` and the tests would
 * otherwise build them on first use. Usage: npx tsx scripts/build-images.ts
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ensurePauseImage } from '../src/agent/runtime/docker/pause-image'
import { connectDocker, pingDocker } from '../src/main/nodes/docker/docker-engine'
import { ensureNodeImage } from '../src/main/nodes/docker/node-image'
import { ensureBusyboxImage } from '../tests/helpers/docker-images'

async function main(): Promise<number> {
  const docker = connectDocker()
  const why = await pingDocker(docker, 5000)
  if (why !== undefined) {
    console.error(`build-images: no Docker engine answers (${why}); nothing built`)
    return process.env.CI === 'true' ? 1 : 0
  }
  const bundle = join(__dirname, '..', 'out', 'agent', 'kubelet.js')
  if (!existsSync(bundle)) {
    console.error(`build-images: ${bundle} is missing; run 'npm run build' first`)
    return 1
  }
  console.log(`build-images: ${await ensureBusyboxImage(docker)}`)
  console.log(`build-images: ${await ensurePauseImage(docker)}`)
  const node = await ensureNodeImage(docker, {
    agentBundle: bundle,
    onProgress: (message) => console.log(`build-images: ${message}`)
  })
  console.log(`build-images: ${node}`)
  return 0
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`build-images: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
)
