/**
 * `kubedesk logs --verbosity N kubelet/<node>` for kubelets in their own process (docker and
 * process nodes): a PUT of the level to the kubelet API's `/debug/flags/v`, found and
 * authenticated as the API server reaches kubelets for pods/log.
 */
import { request } from 'node:https'
import type { ApiClient } from '../apiserver/client'
import type { KubeletClientConfig } from '../apiserver/rest/context'
import { kubeletBaseUrl } from '../apiserver/rest/pod-log'

const TIMEOUT_MS = 5000

/** The component log of a node's kubelet: `kubelet-<node>` (`kubedesk logs kubelet/<node>`). */
export function kubeletLogComponent(node: string): string {
  return `kubelet-${node}`
}

/** The node of a kubelet's component log name (`kubelet-<node>`), or undefined. */
export function kubeletNodeOf(component: string): string | undefined {
  return component.startsWith('kubelet-') ? component.slice('kubelet-'.length) : undefined
}

/** Sets the verbosity of `nodeName`'s kubelet; rejects with the reason it could not. */
export async function setKubeletVerbosity(
  client: ApiClient,
  kubelet: KubeletClientConfig,
  nodeName: string,
  level: number
): Promise<void> {
  const node = await client.get({ apiVersion: 'v1', kind: 'Node' }, undefined, nodeName)
  const base = kubeletBaseUrl(node)
  if (!base) throw new Error(`node "${nodeName}" has no kubelet endpoint`)
  const { status, body } = await new Promise<{ status: number; body: string }>(
    (resolve, reject) => {
      const req = request(new URL('/debug/flags/v', base), {
        method: 'PUT',
        ca: kubelet.caCert,
        agent: false,
        timeout: TIMEOUT_MS,
        headers: { Authorization: `Bearer ${kubelet.token}`, 'Content-Type': 'text/plain' }
      })
      req.on('response', (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (c: string) => (text += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
      })
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)))
      req.on('error', reject)
      req.end(String(level))
    }
  )
  if (status !== 200) throw new Error(`the kubelet answered ${status}: ${body.trim()}`)
}
