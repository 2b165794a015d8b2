/**
 * The kinds KubeDesk's API server serves (src/main/apiserver/registry/resource-list.ts), with
 * the apiVersions each is served at: the YAML editor flags a kind or apiVersion it would refuse.
 */
export const SERVED_KINDS: Readonly<Record<string, readonly string[]>> = {
  Namespace: ['v1'],
  Node: ['v1'],
  Pod: ['v1'],
  Service: ['v1'],
  Endpoints: ['v1'],
  Event: ['v1', 'events.k8s.io/v1'],
  ConfigMap: ['v1'],
  Secret: ['v1'],
  ServiceAccount: ['v1'],
  ReplicationController: ['v1'],
  Deployment: ['apps/v1'],
  ReplicaSet: ['apps/v1'],
  StatefulSet: ['apps/v1'],
  DaemonSet: ['apps/v1'],
  ControllerRevision: ['apps/v1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1'],
  Lease: ['coordination.k8s.io/v1'],
  EndpointSlice: ['discovery.k8s.io/v1']
}
