/**
 * What each control-plane mirror pod says about its component: an image named after it and the
 * settings it runs with, written as the Kubernetes component's own flags, so `kubectl describe
 * pod -n kube-system kube-apiserver-kubedesk-control-plane` tells how this cluster is set up.
 * The requests are kubeadm's for the same components.
 */
import { CONTROLLERS } from '../kube-components'
import { KUBEDESK_VERSION } from '../version'
import type { MirrorPodSpec } from './mirror-pods'

/** The settings the flags show (the control plane's options; absent ones are the defaults). */
export interface MirrorPodSettings {
  store: string
  dataDir: string
  nodeMonitorGracePeriodSeconds?: number
  defaultNotReadyTolerationSeconds?: number
  defaultUnreachableTolerationSeconds?: number
  terminatedPodGcThreshold?: number
  eventTtlSeconds?: number
}

/** The four components' specs, etcd first as kubeadm lists them. */
export function mirrorPodSpecs(o: MirrorPodSettings, apiServerPort: number): MirrorPodSpec[] {
  const image = (component: string) => `kubedesk/${component}:v${KUBEDESK_VERSION}`
  return [
    {
      component: 'etcd',
      image: image('etcd'),
      command: ['etcd', `--backend=${o.store}`, `--data-dir=${o.dataDir}`],
      requests: { cpu: '100m', memory: '100Mi' }
    },
    {
      component: 'kube-apiserver',
      image: image('kube-apiserver'),
      command: [
        'kube-apiserver',
        '--bind-address=127.0.0.1',
        `--secure-port=${apiServerPort}`,
        `--default-not-ready-toleration-seconds=${o.defaultNotReadyTolerationSeconds ?? 30}`,
        `--default-unreachable-toleration-seconds=${o.defaultUnreachableTolerationSeconds ?? 30}`,
        `--event-ttl=${o.eventTtlSeconds ?? 3600}s`,
        '--service-cluster-ip-range=10.96.0.0/12'
      ],
      requests: { cpu: '250m' }
    },
    {
      component: 'kube-controller-manager',
      image: image('kube-controller-manager'),
      command: [
        'kube-controller-manager',
        `--controllers=${CONTROLLERS.join(',')}`,
        `--node-monitor-grace-period=${o.nodeMonitorGracePeriodSeconds ?? 20}s`,
        `--terminated-pod-gc-threshold=${o.terminatedPodGcThreshold ?? 1000}`
      ],
      requests: { cpu: '200m' }
    },
    {
      component: 'kube-scheduler',
      image: image('kube-scheduler'),
      command: ['kube-scheduler', '--leader-elect=false'],
      requests: { cpu: '100m' }
    }
  ]
}
