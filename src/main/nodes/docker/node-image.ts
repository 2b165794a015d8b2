/**
 * The node image, `kubedesk/node:<hash>`: what every docker node container runs. The hash covers
 * the kubelet bundle's content, the `node` binary that runs it and the recipe, so a new agent
 * build gives a new image and an unchanged one is found and reused at once.
 *
 * Two recipes:
 * - `rootfs` (the default, no network needed): a root filesystem assembled from this machine
 *   (node-rootfs.ts), packed with `tar` and `docker import`ed;
 * - `dockerfile`: resources/node-image/Dockerfile on `node:20-slim`, used when
 *   KUBEDESK_NODE_IMAGE_DOCKERFILE=1 or when that base image is already present locally.
 */
import type Dockerode from 'dockerode'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { ComponentLog } from '../../observe/component-log'
import { NodeProviderError } from '../types'
import { dockerError, followProgress, isNotFound } from './docker-engine'
import {
  AGENT_PATH_IN_IMAGE,
  IMAGE_PATH_ENV,
  assembleRootfs,
  checkRootfsSources,
  hostNodeBinary,
  tarDirectory
} from './node-rootfs'

/** The node image's repository. */
export const NODE_IMAGE_REPOSITORY = 'kubedesk/node'

/** The base image of the Dockerfile recipe. */
export const NODE_BASE_IMAGE = 'node:20-slim'

/** Label on node images: the recipe that built them. */
export const NODE_IMAGE_LABEL = 'io.kubedesk.image'

/** Bumped when the assembled image's layout changes, so old images are not reused. */
const RECIPE_VERSION = '1'

/** How the image is built. */
export type NodeImageRecipe = 'rootfs' | 'dockerfile'

/** What ensureNodeImage needs. */
export interface NodeImageOptions {
  /** The kubelet bundle (out/agent/kubelet.js). */
  agentBundle: string
  /** Progress lines for `up` and the UI. */
  onProgress?: (message: string) => void
  log?: Pick<ComponentLog, 'info' | 'warn' | 'error'>
  /** Force a recipe; by default `dockerfile` only when asked for or its base image is present. */
  recipe?: NodeImageRecipe
}

/** The node image's tag for this bundle, node binary and recipe. */
export function nodeImageTag(agentBundle: string, recipe: NodeImageRecipe = 'rootfs'): string {
  const hash = createHash('sha256')
  hash.update(`recipe=${recipe}/${RECIPE_VERSION}\n`)
  hash.update(readBundle(agentBundle))
  if (recipe === 'rootfs') {
    // The node binary copied into the image: its version and identity on disk.
    const binary = hostNodeBinary()
    const stat = statSync(binary)
    hash.update(`\nnode=${process.versions.node} ${binary} ${stat.size} ${stat.mtimeMs}\n`)
  } else {
    hash.update(`\nbase=${NODE_BASE_IMAGE}\n`)
    hash.update(dockerfileText())
  }
  return `${NODE_IMAGE_REPOSITORY}:${hash.digest('hex').slice(0, 12)}`
}

/** In-flight builds by tag, so concurrent prepares build once. */
const building = new Map<string, Promise<string>>()

/**
 * Makes sure the node image for `agentBundle` exists and resolves to its tag: an existing image
 * is reused without work; otherwise it is built (a few seconds) and progress is reported.
 */
export async function ensureNodeImage(docker: Dockerode, opts: NodeImageOptions): Promise<string> {
  const recipe = opts.recipe ?? (await chooseRecipe(docker))
  const tag = nodeImageTag(opts.agentBundle, recipe)
  if (await imageExists(docker, tag)) {
    opts.log?.info('node image present', { image: tag })
    return tag
  }
  const pending = building.get(tag)
  if (pending) return pending
  const build = buildNodeImage(docker, tag, recipe, opts).finally(() => building.delete(tag))
  building.set(tag, build)
  return build
}

async function buildNodeImage(
  docker: Dockerode,
  tag: string,
  recipe: NodeImageRecipe,
  opts: NodeImageOptions
): Promise<string> {
  const progress = (message: string): void => {
    opts.onProgress?.(message)
    opts.log?.info(message, { image: tag })
  }
  const started = Date.now()
  const dir = await mkdtemp(join(tmpdir(), 'kubedesk-node-image-'))
  try {
    if (recipe === 'rootfs') {
      progress(`building node image ${tag} (assembling root filesystem…)`)
      await assembleRootfs(join(dir, 'rootfs'), opts.agentBundle)
      await importRootfs(docker, tag, join(dir, 'rootfs'))
      progress(`node image ${tag} imported in ${seconds(started)} s`)
    } else {
      progress(`building node image ${tag} (from ${NODE_BASE_IMAGE}…)`)
      await dockerfileBuild(docker, tag, dir, opts.agentBundle)
      progress(`node image ${tag} built in ${seconds(started)} s`)
    }
  } catch (err) {
    opts.log?.error('node image build failed', { image: tag, err })
    throw dockerError(`cannot build the node image ${tag}`, err)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
  return tag
}

async function importRootfs(docker: Dockerode, tag: string, root: string): Promise<void> {
  const [repo, version] = tag.split(':')
  const tar = tarDirectory(root)
  const importing = docker
    .importImage(tar.stream, {
      repo,
      tag: version,
      changes: [
        `ENV PATH=${IMAGE_PATH_ENV}`,
        `CMD ["node","${AGENT_PATH_IN_IMAGE}"]`,
        `LABEL ${NODE_IMAGE_LABEL}=node`
      ]
    })
    .then((stream) => followProgress(docker, stream))
  // Both must succeed; when tar fails the engine sees a truncated archive, and tar's words
  // say more than the engine's.
  const [tarResult, importResult] = await Promise.allSettled([tar.done, importing])
  if (tarResult.status === 'rejected') throw tarResult.reason
  if (importResult.status === 'rejected') throw importResult.reason
  if (!(await imageExists(docker, tag))) {
    throw new NodeProviderError(`docker import finished but ${tag} is not there`)
  }
}

async function dockerfileBuild(
  docker: Dockerode,
  tag: string,
  dir: string,
  agentBundle: string
): Promise<void> {
  await writeFile(join(dir, 'Dockerfile'), dockerfileText())
  await copyFile(agentBundle, join(dir, 'kubelet.js'))
  const stream = await docker.buildImage(
    { context: dir, src: ['Dockerfile', 'kubelet.js'] },
    { t: tag, labels: { [NODE_IMAGE_LABEL]: 'node' } }
  )
  await followProgress(docker, stream)
}

async function chooseRecipe(docker: Dockerode): Promise<NodeImageRecipe> {
  if (process.env.KUBEDESK_NODE_IMAGE_DOCKERFILE === '1') return 'dockerfile'
  if (await imageExists(docker, NODE_BASE_IMAGE)) return 'dockerfile'
  checkRootfsSources()
  return 'rootfs'
}

/** True when the engine has `image`. */
export async function imageExists(docker: Dockerode, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect()
    return true
  } catch (err) {
    if (isNotFound(err)) return false
    throw dockerError(`cannot inspect image ${image}`, err)
  }
}

function readBundle(agentBundle: string): Buffer {
  try {
    return readFileSync(agentBundle)
  } catch (err) {
    throw new NodeProviderError(
      `cannot read the kubelet bundle ${agentBundle}: ${(err as Error).message}`,
      'build it with `npm run build` (or `node scripts/build-agent.mjs`)'
    )
  }
}

/** The Dockerfile recipe: resources/node-image/Dockerfile, found beside the source or the build. */
function dockerfileText(): string {
  const candidates = [
    resolve(process.cwd(), 'resources/node-image/Dockerfile'),
    resolve(__dirname, '../../resources/node-image/Dockerfile'),
    resolve(__dirname, '../../../../resources/node-image/Dockerfile'),
    resolve(process.resourcesPath ?? '', 'node-image/Dockerfile')
  ]
  const found = candidates.find((file) => existsSync(file))
  if (!found) {
    throw new NodeProviderError(
      'cannot find resources/node-image/Dockerfile',
      'unset KUBEDESK_NODE_IMAGE_DOCKERFILE to assemble the node image locally instead'
    )
  }
  return readFileSync(found, 'utf8')
}

function seconds(since: number): string {
  return ((Date.now() - since) / 1000).toFixed(1)
}
