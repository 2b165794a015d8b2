/**
 * Each error a kubectl user meets, with the words kubectl prints for it against a real
 * kube-apiserver (kubectl's `cmd/util/helpers.go` turns a Status into these lines):
 * 401, 404, 409 AlreadyExists and Conflict, 422, 400 and 413. The 410 case needs a store the test
 * can compact, so it runs against an in-process server in compaction-410.test.ts.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { startCluster, writeKubeconfigWithToken, type Cluster } from '../../helpers/cluster'

let cluster: Cluster

async function ok(args: string[], stdin?: string): Promise<string> {
  const r = await cluster.kubectl(args, { stdin })
  if (r.code !== 0) {
    throw new Error(
      `kubectl ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`
    )
  }
  return r.stdout
}

/** Runs kubectl expecting failure; answers its stderr. */
async function fails(args: string[], stdin?: string): Promise<string> {
  const r = await cluster.kubectl(args, { stdin })
  expect(r.code, `kubectl ${args.join(' ')} should fail; stdout: ${r.stdout}`).toBe(1)
  return r.stderr
}

beforeAll(async () => {
  cluster = await startCluster()
})

afterAll(async () => {
  await cluster?.stop()
})

describe('kubectl error messages', () => {
  it('401: a kubeconfig with a wrong token', async () => {
    const bad = join(cluster.tmp, 'wrong-token-kubeconfig')
    writeKubeconfigWithToken(cluster.kubeconfig, bad, 'not-the-token')
    const raw = await cluster.kubectl(['get', '--raw', '/api/v1/namespaces'], { kubeconfig: bad })
    expect(raw.code).toBe(1)
    expect(raw.stderr.trim()).toBe('error: You must be logged in to the server (Unauthorized)')

    // Through discovery kubectl words it either way, depending on which request fails first.
    const get = await cluster.kubectl(['get', 'pods'], { kubeconfig: bad })
    expect(get.code).toBe(1)
    expect(get.stderr).toMatch(
      /^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/m
    )
    expect(get.stdout).toBe('')
  })

  it('404: a pod that does not exist, and an unknown resource type', async () => {
    expect(await fails(['get', 'pod', 'nope'])).toBe(
      'Error from server (NotFound): pods "nope" not found\n'
    )
    expect(await fails(['get', 'deploy', 'nope', '-n', 'kube-system'])).toBe(
      'Error from server (NotFound): deployments.apps "nope" not found\n'
    )
    expect(await fails(['get', 'widgets'])).toContain(
      `error: the server doesn't have a resource type "widgets"`
    )
  })

  it('409 AlreadyExists: creating the same object twice', async () => {
    const cm = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twice' } })
    await ok(['create', '-f', '-'], cm)
    expect(await fails(['create', '-f', '-'], cm)).toBe(
      'Error from server (AlreadyExists): error when creating "STDIN": configmaps "twice" already exists\n'
    )
    const ns = JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dup' } })
    await ok(['create', '-f', '-'], ns)
    expect(await fails(['create', '-f', '-'], ns)).toBe(
      'Error from server (AlreadyExists): error when creating "STDIN": namespaces "dup" already exists\n'
    )
  })

  it('409 Conflict: replace with a stale resourceVersion', async () => {
    await ok(
      ['create', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'stale' },
        data: { a: '1' }
      })
    )
    const old = await ok(['get', 'cm', 'stale', '-o', 'yaml'])
    await ok(['label', 'cm', 'stale', 'moved=on'])
    const edited = parseYaml(old)
    edited.data.a = '2'
    expect(await fails(['replace', '-f', '-'], JSON.stringify(edited))).toBe(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "stale": the object has been modified; please apply your changes to the latest version and try again\n'
    )
  })

  it('422: an invalid Deployment and an invalid namespace name', async () => {
    const stderr = await fails([
      'create',
      '-f',
      join(__dirname, 'fixtures/invalid-deployment.yaml')
    ])
    expect(stderr).toBe(
      'The Deployment "bad" is invalid: spec.template.spec.containers[0].image: Required value\n'
    )
    const bad = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'Bad_Name' } }
    const ns = await fails(['create', '-f', '-'], JSON.stringify(bad))
    expect(ns).toMatch(
      /^The Namespace "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": /
    )
  })

  it('400: a malformed JSON or YAML body', async () => {
    const path = '/api/v1/namespaces/default/configmaps'
    const before = await ok(['get', 'cm', '-n', 'default', '-o', 'name'])
    const json = await fails(['create', '--raw', path, '-f', '-'], '{"apiVersion":"v1","kind":')
    expect(json).toMatch(/^Error from server \(BadRequest\): /)
    const yaml = await fails(
      ['create', '--raw', path, '-f', '-'],
      'kind: ConfigMap\n  bad: [indent\n'
    )
    expect(yaml).toMatch(/^Error from server \(BadRequest\): /)
    // Nothing was created by either request.
    expect(await ok(['get', 'cm', '-n', 'default', '-o', 'name'])).toBe(before)
  })

  it('413: a ConfigMap over 3 MiB', async () => {
    const big = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'huge', namespace: 'default' },
      data: { blob: 'x'.repeat(3 * 1024 * 1024 + 1024) }
    }
    const stderr = await fails(['create', '-f', '-'], JSON.stringify(big))
    expect(stderr).toMatch(/^Error from server \(RequestEntityTooLarge\): /)
    const after = await cluster.kubectl(['get', 'cm', 'huge'])
    expect(after.stderr).toContain('Error from server (NotFound): configmaps "huge" not found')
  })
})
