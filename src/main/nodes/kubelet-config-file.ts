/**
 * Where a node's files live and how its kubelet configuration reaches it: a JSON file,
 * `<dataDir>/nodes/<name>/kubelet.json` (mode 0600: it holds the node's token), whose path the
 * kubelet gets in the `KUBEDESK_KUBELET_CONFIG` environment variable.
 */
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises'
import { NODES_DIR } from '../data-dir'
import { join } from 'node:path'
import type { KubeletConfig } from '../../agent/config'
import { NodeProviderError } from './types'

export { KUBELET_CONFIG_ENV } from '../../agent/config'

/** A node's state directory: the kubelet's root dir (volumes, logs, its config). */
export function nodeStateDir(dataDir: string, name: string): string {
  return join(dataDir, NODES_DIR, name)
}

/** The kubelet configuration file of node `name`. */
export function kubeletConfigFile(dataDir: string, name: string): string {
  return join(nodeStateDir(dataDir, name), 'kubelet.json')
}

/** Node names are DNS-1123 labels (they become container names and host names). */
export function checkNodeName(name: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new NodeProviderError(
      `invalid node name '${name}'`,
      'use lower-case letters, digits and dashes (at most 63), e.g. kubedesk-worker2'
    )
  }
}

/**
 * Writes `config` to the node's configuration file (creating its state directory, mode 0700)
 * atomically, so a kubelet starting at that moment never reads half a file. Returns the path.
 */
export async function writeKubeletConfig(
  dataDir: string,
  name: string,
  config: KubeletConfig
): Promise<string> {
  const dir = nodeStateDir(dataDir, name)
  const file = kubeletConfigFile(dataDir, name)
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 })
    const temp = `${file}.${process.pid}.tmp`
    await writeFile(temp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 })
    await chmod(temp, 0o600)
    await rename(temp, file)
  } catch (err) {
    throw new NodeProviderError(
      `cannot write the kubelet configuration of ${name} to ${file}: ${(err as Error).message}`
    )
  }
  return file
}

/** Rejects sizes no node can have, before anything is created. */
export function checkNodeSize(size: { cpu: number; memoryBytes: number; pods: number }): void {
  if (!(size.cpu > 0) || !(size.memoryBytes >= 6 * 1024 ** 2) || !(size.pods >= 1)) {
    throw new NodeProviderError(
      `invalid node size: cpu=${size.cpu} memory=${size.memoryBytes} pods=${size.pods}`,
      'a node needs cpu > 0, at least 6 MiB of memory and room for one pod'
    )
  }
}
