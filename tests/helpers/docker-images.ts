/**
 * Docker images for tests, made offline: nothing can be pulled here, so `busybox:latest` is a
 * `docker import` of a root filesystem with the machine's static busybox (Debian's
 * busybox-static at /bin/busybox) and its applet links.
 */
import Dockerode from 'dockerode'
import { importBusyboxImage } from '../../src/agent/runtime/docker/busybox-rootfs'

/** The busybox image tests run. */
export const BUSYBOX_IMAGE = 'busybox:latest'

/** A dockerode client for the local engine (API 1.41, as Docker 20.10 speaks). */
export function localDocker(): Dockerode {
  return new Dockerode({ socketPath: '/var/run/docker.sock', version: 'v1.41' })
}

/** Builds `busybox:latest` locally (docker import of a rootfs with /bin/busybox from Debian's busybox-static and its applet links) when missing; resolves to the image name. */
export async function ensureBusyboxImage(docker: Dockerode = localDocker()): Promise<string> {
  try {
    await docker.getImage(BUSYBOX_IMAGE).inspect()
    return BUSYBOX_IMAGE
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err
  }
  await importBusyboxImage(docker, BUSYBOX_IMAGE, ['CMD ["sh"]'])
  return BUSYBOX_IMAGE
}

/** True when a Docker engine answers on the socket. */
export async function dockerAvailable(): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      localDocker().ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), 3000)))
    ])
    return true
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}
