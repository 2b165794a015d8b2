/**
 * The docker runtime's container event stream, which drives the kubelet's evented PLEG: a
 * container of this node that is created, started, dies or is removed gives an event naming its
 * pod; exec runs (probes) and containers of other nodes give none. The engine part is skipped
 * (with the reason printed) only when no Docker engine answers.
 */
import { randomBytes } from 'node:crypto'
import type Dockerode from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  containerEventOf,
  watchDockerContainerEvents
} from '../../../src/agent/runtime/docker/docker-container-events'
import { LABELS, type ContainerEvent } from '../../../src/agent/runtime/types'
import { dockerAvailable, ensureBusyboxImage, localDocker } from '../../helpers/docker-images'

const line = (action: string, type = 'container') =>
  JSON.stringify({
    Type: type,
    Action: action,
    Actor: { ID: 'abc', Attributes: { [LABELS.podUid]: 'uid-1', name: 'k8s_main' } }
  })

describe('containerEventOf', () => {
  it.each(['create', 'start', 'die', 'destroy', 'oom', 'pause', 'unpause', 'restart'])(
    'reports %s with the pod it belongs to',
    (action) => {
      expect(containerEventOf(line(action))).toEqual({ containerId: 'abc', podUid: 'uid-1' })
    }
  )

  it.each(['exec_create: sh -c true', 'exec_start: sh -c true', 'exec_die', 'attach', 'resize'])(
    'ignores %s, which changes no container state',
    (action) => {
      expect(containerEventOf(line(action))).toBeUndefined()
    }
  )

  it('ignores other object types and lines that are not JSON', () => {
    expect(containerEventOf(line('create', 'network'))).toBeUndefined()
    expect(containerEventOf('{"Type":')).toBeUndefined()
  })
})

const available = await dockerAvailable()
if (!available) console.warn('Skipping the docker event tests: no Docker engine answers')

const suffix = randomBytes(4).toString('hex')
const nodeName = `kubedesk-test-ev-${suffix}`
const otherNode = `kubedesk-test-ev-other-${suffix}`

describe.skipIf(!available)('watchDockerContainerEvents', () => {
  let docker: Dockerode
  let image: string

  beforeAll(async () => {
    docker = localDocker()
    image = await ensureBusyboxImage(docker)
  })

  afterAll(async () => {
    for (const node of [nodeName, otherNode]) {
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`${LABELS.node}=${node}`] }
      })
      await Promise.all(left.map((c) => docker.getContainer(c.Id).remove({ force: true })))
    }
  })

  it("reports the state changes of this node's containers only, not exec runs", async () => {
    const events: ContainerEvent[] = []
    let waiter: { until: (e: ContainerEvent[]) => boolean; done: () => void } | undefined
    const connected = new Promise<void>((resolve, reject) => {
      const watch = watchDockerContainerEvents(docker, nodeName, {
        onConnected: resolve,
        onEvent: (e) => {
          events.push(e)
          if (waiter?.until(events)) waiter.done()
        },
        onEnd: (err) => reject(err ?? new Error('the stream ended'))
      })
      afterAll(() => watch.close())
    })
    await connected
    const seen = (until: (e: ContainerEvent[]) => boolean) =>
      new Promise<void>((done) => {
        waiter = { until, done }
        if (until(events)) done()
      })
    const create = (node: string, uid: string) =>
      docker.createContainer({
        Image: image,
        Cmd: ['sleep', '3600'],
        Labels: { [LABELS.node]: node, [LABELS.podUid]: uid }
      })

    const other = await create(otherNode, 'uid-other')
    await other.start()
    const mine = await create(nodeName, 'uid-mine')
    await mine.start()
    await seen((e) => e.filter((x) => x.containerId === mine.id).length >= 2)
    const exec = await mine.exec({ Cmd: ['true'], AttachStdout: true })
    const out = await exec.start({})
    await new Promise((resolve) => out.on('end', resolve).resume())
    await mine.kill()
    await seen((e) => e.filter((x) => x.containerId === mine.id).length >= 3)

    // create, start, die: nothing for the exec, nothing of the other node.
    expect(events).toEqual([
      { containerId: mine.id, podUid: 'uid-mine' },
      { containerId: mine.id, podUid: 'uid-mine' },
      { containerId: mine.id, podUid: 'uid-mine' }
    ])
  })
})
