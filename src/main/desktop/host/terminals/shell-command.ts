/**
 * What a terminal runs for its target: the kubectl shell (the user's shell with KUBECONFIG set
 * to this cluster), or a shell inside a node — `docker exec -it <node> sh` for docker nodes, a
 * shell in the node's state directory with its kubelet's environment (and a `crictl`) for
 * process nodes. Simulated nodes and the control-plane node have no shell.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { KUBELET_CONFIG_ENV } from '../../../../agent/config'
import type { ControlPlane } from '../../../control-plane'
import { dataDirPaths } from '../../../data-dir'
import { agentBundlePath } from '../../../nodes/create-provider'
import { kubeletConfigFile, nodeStateDir } from '../../../nodes/kubelet-config-file'
import { CONTROL_PLANE_NODE } from '../../../nodes/types'
import type { TerminalTarget } from '../../../../shared/desktop-api'

/** How to start a terminal's shell. */
export interface ShellCommand {
  file: string
  args: string[]
  cwd: string
  env: Record<string, string>
  title: string
  /** Shown before the shell's own output. */
  banner: string
}

const DNS_1123 = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/

/** The shell for `target`; rejects readably when it has none. */
export async function shellFor(
  controlPlane: ControlPlane,
  dataDir: string,
  target: TerminalTarget,
  env: NodeJS.ProcessEnv = process.env
): Promise<ShellCommand> {
  if (target?.kind === 'kubectl') return kubectlShell(dataDir, env)
  if (target?.kind !== 'node') throw new Error('a terminal target is a node or kubectl')
  const name = target.node
  if (typeof name !== 'string' || !DNS_1123.test(name)) {
    throw new Error(`${JSON.stringify(name)} is not a node name`)
  }
  if (name === CONTROL_PLANE_NODE) {
    throw new Error(
      `${CONTROL_PLANE_NODE} is the control plane's own machine, not a node with a shell; use the kubectl shell`
    )
  }
  const status = await controlPlane.status()
  const provider = status.nodeProvider?.name
  const node = status.nodes?.find((n) => n.name === name)
  if (!node) throw new Error(`no node named ${name} in this cluster`)
  if (provider === 'simulated') {
    throw new Error(`${name} is a simulated node: simulated nodes have no shell`)
  }
  if (node.state !== 'running') throw new Error(`node ${name} is stopped; start it first`)
  if (provider === 'docker') return dockerNodeShell(name, env)
  if (provider === 'process') return processNodeShell(dataDir, name, env)
  throw new Error(`nodes of the ${String(provider)} provider have no shell`)
}

function baseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    // Electron's own switches must not reach the user's tools.
    if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') out[k] = v
  }
  out.TERM = 'xterm-256color'
  out.COLORTERM = 'truecolor'
  return out
}

/** The user's $SHELL, else bash, else sh. */
export function userShell(env: NodeJS.ProcessEnv): string {
  const candidates = [env.SHELL, '/bin/bash', '/usr/bin/bash', '/bin/sh']
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? '/bin/sh'
}

function kubectlShell(dataDir: string, env: NodeJS.ProcessEnv): ShellCommand {
  const kubeconfig = dataDirPaths(dataDir).kubeconfig
  const shell = userShell(env)
  const vars = baseEnv(env)
  vars.KUBECONFIG = kubeconfig
  const args: string[] = []
  const prompt = '(kubedesk) '
  if (/(^|\/)bash$/.test(shell)) {
    // The user's bashrc, then a prompt saying which cluster kubectl talks to.
    const dir = join(dataDir, 'terminal')
    mkdirSync(dir, { recursive: true })
    const rc = join(dir, 'kubectl-bashrc')
    writeFileSync(
      rc,
      `[ -f ~/.bashrc ] && . ~/.bashrc\nexport KUBECONFIG=${JSON.stringify(kubeconfig)}\nPS1="${prompt}$PS1"\n`
    )
    args.push('--rcfile', rc, '-i')
  } else {
    vars.PS1 = `${prompt}${env.PS1 ?? '$ '}`
  }
  return {
    file: shell,
    args,
    cwd: env.HOME && existsSync(env.HOME) ? env.HOME : dataDir,
    env: vars,
    title: 'kubectl',
    banner: `kubectl shell: KUBECONFIG=${kubeconfig} (this KubeDesk cluster)\r\n`
  }
}

function dockerNodeShell(name: string, env: NodeJS.ProcessEnv): ShellCommand {
  return {
    file: 'docker',
    args: ['exec', '-it', '-e', 'TERM=xterm-256color', name, 'sh'],
    cwd: env.HOME && existsSync(env.HOME) ? env.HOME : '/',
    env: baseEnv(env),
    title: `node ${name}`,
    banner: `shell in node ${name} (docker exec; crictl lists its pods' containers)\r\n`
  }
}

/** `crictl` for process nodes: the kubelet bundle's crictl, against the node of the shell. */
function crictlDir(dataDir: string): string {
  const dir = join(dataDir, 'terminal', 'bin')
  mkdirSync(dir, { recursive: true })
  const script =
    '#!/bin/sh\n' +
    `ELECTRON_RUN_AS_NODE=1 exec ${JSON.stringify(process.execPath)} ${JSON.stringify(agentBundlePath())} crictl "$@"\n`
  writeFileSync(join(dir, 'crictl'), script, { mode: 0o755 })
  return dir
}

function processNodeShell(dataDir: string, name: string, env: NodeJS.ProcessEnv): ShellCommand {
  const vars = baseEnv(env)
  vars[KUBELET_CONFIG_ENV] = kubeletConfigFile(dataDir, name)
  vars.PATH = [crictlDir(dataDir), env.PATH ?? '/usr/bin:/bin'].join(delimiter)
  vars.PS1 = `(${name}) $ `
  const shell = userShell(env)
  // bash would replace PS1 from the user's bashrc: start it without one.
  const args = /(^|\/)bash$/.test(shell) ? ['--norc', '-i'] : []
  return {
    file: shell,
    args,
    cwd: nodeStateDir(dataDir, name),
    env: vars,
    title: `node ${name}`,
    banner:
      `shell on process node ${name}: its pods run as processes of this machine; ` +
      `cwd is the node's state directory; crictl talks to its kubelet\r\n`
  }
}
