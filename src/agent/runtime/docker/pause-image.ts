/**
 * The pause image every pod sandbox runs: a process that holds the pod's network namespace and
 * does nothing else. Nothing can be pulled, so it is made locally: a commit of `busybox:latest`
 * with the pause command when that image exists, else a `docker import` of the static busybox
 * on this machine (see busybox-rootfs.ts).
 */
import { existsSync } from 'node:fs'
import type Dockerode from 'dockerode'
import { HOST_BUSYBOX, importBusyboxImage } from './busybox-rootfs'

/** The sandbox image. */
export const PAUSE_IMAGE = 'kubedesk/pause:1'
/** The image the pause image is made from when present. */
export const BUSYBOX_IMAGE = 'busybox:latest'
/** Sleeps until SIGTERM, which it obeys at once (a shell as PID 1 ignores it otherwise). */
export const PAUSE_COMMAND = [
  'sh',
  '-c',
  'trap "exit 0" TERM INT; while :; do sleep 3600 & wait; done'
]

async function imageExists(docker: Dockerode, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect()
    return true
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false
    throw err
  }
}

async function commitFromBusybox(docker: Dockerode): Promise<void> {
  const container = await docker.createContainer({
    Image: BUSYBOX_IMAGE,
    Cmd: PAUSE_COMMAND,
    Labels: { 'io.kubedesk.image': 'pause' }
  })
  try {
    const [repo, tag] = PAUSE_IMAGE.split(':')
    await container.commit({ repo, tag })
  } finally {
    await container.remove({ force: true }).catch(() => undefined)
  }
}

/** Makes PAUSE_IMAGE exist on the engine; rejects with a readable Error when it cannot. */
export async function ensurePauseImage(
  docker: Dockerode,
  busyboxPath = HOST_BUSYBOX
): Promise<string> {
  if (await imageExists(docker, PAUSE_IMAGE)) return PAUSE_IMAGE
  if (await imageExists(docker, BUSYBOX_IMAGE)) {
    await commitFromBusybox(docker)
  } else if (existsSync(busyboxPath)) {
    await importBusyboxImage(
      docker,
      PAUSE_IMAGE,
      [`CMD ${JSON.stringify(PAUSE_COMMAND)}`],
      busyboxPath
    )
  } else {
    throw new Error(
      `the pod sandbox image ${PAUSE_IMAGE} is missing and cannot be built: ` +
        `no ${BUSYBOX_IMAGE} image on the engine and no static busybox at ${busyboxPath}`
    )
  }
  return PAUSE_IMAGE
}
