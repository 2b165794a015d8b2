/**
 * Mirror pods: the API's copies of a node's static pods (for KubeDesk, the control plane's
 * components in kube-system). The kubelet that sees one bound to its node runs nothing for it:
 * what it shows runs elsewhere, and its status is written by whoever mirrors it.
 */
/** The annotation that marks a mirror pod (its value: the static pod's config hash). */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror'

/** True for a mirror pod. */
export function isMirrorPod(pod: {
  metadata?: { annotations?: Record<string, string> | null }
}): boolean {
  return pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined
}
