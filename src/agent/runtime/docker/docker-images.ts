/**
 * The image side of the docker runtime (CRI's ImageService): an image's status, pulls with
 * progress and Docker's own message when they fail, and the list of images on the engine.
 */
import type Dockerode from 'dockerode'
import { ImagePullError, type ContainerRuntime, type ImageInfo, type PullProgress } from '../types'
import { dockerMessage, statusCodeOf } from './docker-errors'

function toImageInfo(info: Dockerode.ImageInspectInfo | Dockerode.ImageInfo): ImageInfo {
  return { id: info.Id, repoTags: info.RepoTags ?? [], sizeBytes: info.Size }
}

/** The image calls of a runtime on `docker`. */
export function dockerImageService(
  docker: Dockerode
): Pick<ContainerRuntime, 'imageStatus' | 'pullImage' | 'listImages'> {
  async function imageStatus(image: string): Promise<ImageInfo | undefined> {
    if (typeof image !== 'string' || !image.trim()) throw new Error('an image name is required')
    try {
      return toImageInfo(await docker.getImage(image).inspect())
    } catch (err) {
      if (statusCodeOf(err) === 404) return undefined
      throw new Error(`inspect image ${image}: ${dockerMessage(err)}`)
    }
  }

  return {
    imageStatus,

    async pullImage(image, onProgress?: (p: PullProgress) => void) {
      const present = await imageStatus(image)
      if (present) return present
      try {
        const stream = await docker.pull(image)
        await new Promise<void>((resolve, reject) =>
          docker.modem.followProgress(
            stream,
            (err: Error | null) => (err ? reject(err) : resolve()),
            (event: { status?: string; progress?: string; id?: string }) => {
              if (!onProgress || !event.status) return
              const detail = [event.id, event.progress].filter(Boolean).join(' ')
              onProgress({ status: event.status, ...(detail ? { detail } : {}) })
            }
          )
        )
      } catch (err) {
        throw new ImagePullError(image, dockerMessage(err))
      }
      const pulled = await imageStatus(image)
      if (!pulled) throw new ImagePullError(image, `image ${image} is still missing after the pull`)
      return pulled
    },

    async listImages() {
      return (await docker.listImages()).map(toImageInfo)
    }
  }
}
