/** Rows, columns and details the Workloads tests feed the fake desktop API. */
import type { ResourceDetail, ResourceRow, TableColumn } from '../../src/shared/desktop-api'

export const deploymentColumns: TableColumn[] = [
  { name: 'Name', type: 'string', priority: 0 },
  { name: 'Ready', type: 'string', priority: 0 },
  { name: 'Age', type: 'string', priority: 0 },
  { name: 'Images', type: 'string', priority: 1 }
]

export function deploymentRow(name: string, ready = '1/1', namespace = 'default'): ResourceRow {
  return {
    key: `uid-${namespace}-${name}`,
    kind: 'Deployment',
    namespace,
    name,
    cells: [name, ready, '5m', 'nginx:1.27'],
    labels: { app: name },
    createdAt: '2026-12-04T01:00:00Z'
  }
}

export function deploymentDetail(name: string, replicas = 2): ResourceDetail {
  return {
    ref: { kind: 'Deployment', namespace: 'default', name },
    object: { apiVersion: 'apps/v1', kind: 'Deployment', spec: { replicas } },
    yaml: `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n`,
    conditions: [
      { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
      { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' }
    ],
    events: [
      {
        key: 'e1',
        namespace: 'default',
        type: 'Normal',
        reason: 'ScalingReplicaSet',
        message: `Scaled up replica set ${name}-5d8f7 to ${replicas}`,
        involved: { kind: 'Deployment', namespace: 'default', name },
        source: 'deployment-controller',
        count: 1,
        firstTime: '2026-12-04T01:00:00Z',
        lastTime: '2026-12-04T01:00:00Z'
      }
    ],
    related: [
      { kind: 'ReplicaSet', namespace: 'default', name: `${name}-5d8f7`, relation: 'owned' }
    ]
  }
}
