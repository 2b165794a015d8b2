/**
 * The docker runtime's stats reader (straight over the engine socket): a running container's CPU
 * and memory, and a container that is gone as the engine's 404, which the stats summary skips.
 * Skipped (with the reason printed) only when no Docker engine answers.
 */
import { randomBytes } from 'node:crypto'
import type Dockerode from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStatsReader } from '../../../src/agent/runtime/docker/docker-stats'
import { LABELS } from '../../../src/agent/runtime/types'
import { dockerAvailable, ensureBusyboxImage, localDocker } from '../../helpers/docker-images'

const available = await dockerAvailable()
if (!available) console.warn('Skipping the docker stats tests: no Docker engine answers')

const nodeName = `kubedesk-test-stats-${randomBytes(4).toString('hex')}`

describe.skipIf(!available)('createStatsReader', () => {
  let docker: Dockerode
  let container: Dockerode.Container

  beforeAll(async () => {
    docker = localDocker()
    const image = await ensureBusyboxImage(docker)
    container = await docker.createContainer({
      Image: image,
      Cmd: ['sleep', '3600'],
      Labels: { [LABELS.node]: nodeName }
    })
    await container.start()
  })

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => undefined)
  })

  it('reads the CPU time and memory of a running container', async () => {
    const stats = await createStatsReader(docker)(container.id)
    expect(stats.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(0)
    expect(stats.memory_stats.usage).toBeGreaterThan(0)
  })

  it('rejects with the status code 404 for a container that is gone', async () => {
    const read = createStatsReader(docker)
    const gone = await docker.createContainer({
      Image: (await container.inspect()).Config.Image,
      Labels: { [LABELS.node]: nodeName }
    })
    await gone.remove()
    await expect(read(gone.id)).rejects.toMatchObject({ statusCode: 404 })
  })
})
