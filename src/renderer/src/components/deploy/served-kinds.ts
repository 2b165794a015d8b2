/**
 * The kinds KubeDesk's API server serves, with the apiVersions each is served at, derived from
 * the server's own list (a plain data module, bundled into the renderer) so the two never
 * drift: the YAML editor flags a kind or apiVersion the server would refuse.
 */
import { RESOURCES } from '../../../../main/apiserver/registry/resource-list'

export const SERVED_KINDS: Readonly<Record<string, readonly string[]>> = RESOURCES.reduce<
  Record<string, string[]>
>((kinds, r) => {
  ;(kinds[r.kind] ??= []).push(r.group ? `${r.group}/${r.version}` : r.version)
  return kinds
}, {})
