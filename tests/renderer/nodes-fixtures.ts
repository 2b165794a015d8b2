/**
 * Nodes and pods as the host summarises them, for the Nodes and Cluster view tests, and a mount
 * helper that gives a component a fresh Pinia and a fake DesktopApi.
 */
import { mount } from '@vue/test-utils'
import { createPinia } from 'pinia'
import type { Component } from 'vue'
import { desktopApiKey } from '../../src/renderer/src/api/desktop-api'
import type { NodeSummary, PodSummary } from '../../src/shared/desktop-api'
import { createFakeDesktopApi, type FakeDesktopApi } from './fake-desktop-api'

const GiB = 2 ** 30

export function nodeSummary(name: string, overrides: Partial<NodeSummary> = {}): NodeSummary {
  return {
    key: name,
    name,
    ready: 'True',
    status: 'Ready',
    roles: [],
    unschedulable: false,
    taints: [],
    kubeletVersion: 'v1.34.0',
    containerRuntime: 'process://0.1.0',
    internalIP: '10.0.0.2',
    createdAt: '2026-12-04T00:00:00Z',
    capacity: { cpuMillis: 4000, memoryBytes: 8 * GiB, pods: 110 },
    allocatable: { cpuMillis: 4000, memoryBytes: 8 * GiB, pods: 110 },
    conditions: [{ type: 'Ready', status: 'True' }],
    labels: { 'kubernetes.io/hostname': name },
    ...overrides
  }
}

export function podSummary(
  namespace: string,
  name: string,
  nodeName: string | undefined,
  phase: PodSummary['phase'] = 'Running',
  overrides: Partial<PodSummary> = {}
): PodSummary {
  return {
    key: `uid-${namespace}-${name}`,
    namespace,
    name,
    nodeName,
    phase,
    status: phase,
    ready: phase === 'Running' ? '1/1' : '0/1',
    restarts: 0,
    podIP: nodeName ? '10.244.0.5' : undefined,
    createdAt: '2026-12-04T00:00:00Z',
    requests: { cpuMillis: 500, memoryBytes: GiB },
    containers: ['app'],
    labels: { app: name.split('-')[0] },
    ...overrides
  }
}

/** Mounts `component` with a fresh Pinia and `fake` (created when not given). */
export function mountWithApi(component: Component, fake: FakeDesktopApi = createFakeDesktopApi()) {
  const wrapper = mount(component, {
    attachTo: document.body,
    global: { plugins: [createPinia()], provide: { [desktopApiKey as symbol]: fake.api } }
  })
  return { wrapper, fake }
}
