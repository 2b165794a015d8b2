/**
 * Tables of core/v1 kinds other than pods and events: nodes, namespaces, services, endpoints,
 * configmaps, secrets, serviceaccounts — the columns and cells kube-apiserver's printers give.
 */
import { array, formatLabels, int, record, since, str } from './format'
import { ageColumn, column, nameColumn, selectorColumn, type TablePrinter } from './table'

type Json = Record<string, unknown>

const asJson = (obj: unknown): Json => obj as Json

/** `node-role.kubernetes.io/<role>` labels and the old `kubernetes.io/role=<role>`, sorted. */
function nodeRoles(labels: Json): string[] {
  const roles = new Set<string>()
  for (const [key, value] of Object.entries(labels)) {
    if (key.startsWith('node-role.kubernetes.io/')) {
      const role = key.slice('node-role.kubernetes.io/'.length)
      if (role.length > 0) roles.add(role)
    } else if (key === 'kubernetes.io/role' && str(value) !== '') {
      roles.add(str(value))
    }
  }
  return [...roles].sort()
}

function nodeAddress(status: Json, type: string): string {
  const found = array(status.addresses)
    .map(record)
    .find((a) => a.type === type)
  return found ? str(found.address) : '<none>'
}

/** Nodes: STATUS from the Ready condition (`Ready`, `NotReady`, `Unknown`), `,SchedulingDisabled` when cordoned. */
export const nodePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'The status of the node'),
    column('Roles', 'string', 'The roles of the node'),
    ageColumn(),
    column('Version', 'string', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'string', 'List of addresses reachable to the node.', { wide: true }),
    column('External-IP', 'string', 'List of addresses reachable to the node.', { wide: true }),
    column(
      'OS-Image',
      'string',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      { wide: true }
    ),
    column(
      'Kernel-Version',
      'string',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      { wide: true }
    ),
    column(
      'Container-Runtime',
      'string',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      { wide: true }
    )
  ],
  row(obj, now) {
    const node = asJson(obj)
    const status = record(node.status)
    const info = record(status.nodeInfo)
    const ready = array(status.conditions)
      .map(record)
      .find((c) => c.type === 'Ready')
    const states = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown']
    if (record(node.spec).unschedulable === true) states.push('SchedulingDisabled')
    const roles = nodeRoles(record(obj.metadata?.labels)).join(',')
    return {
      cells: [
        str(obj.metadata?.name),
        states.join(','),
        roles || '<none>',
        since(obj.metadata?.creationTimestamp, now),
        str(info.kubeletVersion),
        nodeAddress(status, 'InternalIP'),
        nodeAddress(status, 'ExternalIP'),
        str(info.osImage) || '<unknown>',
        str(info.kernelVersion) || '<unknown>',
        str(info.containerRuntimeVersion) || '<unknown>'
      ]
    }
  }
}

/** Namespaces: NAME STATUS AGE. */
export const namespacePrinter: TablePrinter = {
  columns: [nameColumn(), column('Status', 'string', 'The status of the namespace'), ageColumn()],
  row(obj, now) {
    return {
      cells: [
        str(obj.metadata?.name),
        str(record(asJson(obj).status).phase),
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}

/** EXTERNAL-IP of a service by type (the server prints wide, so load balancer lists are not clipped). */
function serviceExternalIP(spec: Json, status: Json): string {
  const externalIPs = array(spec.externalIPs).map(str)
  switch (str(spec.type) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>'
    case 'LoadBalancer': {
      const ingress = array(record(status.loadBalancer).ingress).map(record)
      const lb = [
        ...new Set(ingress.map((i) => str(i.ip) || str(i.hostname)).filter((v) => v !== ''))
      ].sort()
      if (externalIPs.length > 0) return [...lb, ...externalIPs].join(',')
      return lb.length > 0 ? lb.join(',') : '<pending>'
    }
    case 'ExternalName':
      return str(spec.externalName)
    default:
      return '<unknown>'
  }
}

/** `80/TCP,443:30443/TCP` (`makePortString`). */
function servicePorts(spec: Json): string {
  return array(spec.ports)
    .map(record)
    .map((p) => {
      const protocol = str(p.protocol) || 'TCP'
      const nodePort = int(p.nodePort)
      return nodePort > 0 ? `${int(p.port)}:${nodePort}/${protocol}` : `${int(p.port)}/${protocol}`
    })
    .join(',')
}

/** Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, wide SELECTOR. */
export const servicePrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column(
      'Type',
      'string',
      'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.'
    ),
    column(
      'Cluster-IP',
      'string',
      'clusterIP is the IP address of the service and is usually assigned randomly.'
    ),
    column(
      'External-IP',
      'string',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'
    ),
    column('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    selectorColumn(
      'Route service traffic to pods with label keys and values matching this selector.'
    )
  ],
  row(obj, now) {
    const spec = record(asJson(obj).spec)
    const clusterIP = str(array(spec.clusterIPs)[0]) || str(spec.clusterIP) || '<none>'
    return {
      cells: [
        str(obj.metadata?.name),
        str(spec.type) || 'ClusterIP',
        clusterIP,
        serviceExternalIP(spec, record(asJson(obj).status)),
        servicePorts(spec) || '<none>',
        since(obj.metadata?.creationTimestamp, now),
        formatLabels(spec.selector)
      ]
    }
  }
}

/** `10.0.0.1:80,10.0.0.2:80 + 3 more...`: at most three addresses (`formatEndpoints`). */
function formatEndpoints(subsets: Json[]): string {
  if (subsets.length === 0) return '<none>'
  const max = 3
  const list: string[] = []
  let count = 0
  for (const subset of subsets) {
    const addresses = array(subset.addresses).map(record)
    const ports = array(subset.ports).map(record)
    const hostPorts = ports.length === 0 ? [undefined] : ports.map((p) => int(p.port))
    for (const port of hostPorts) {
      count += addresses.length
      for (const address of addresses) {
        if (list.length === max) break
        const ip = str(address.ip)
        const host =
          port === undefined ? ip : ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
        list.push(host)
      }
    }
  }
  const text = list.join(',')
  return count > max ? `${text} + ${count - max} more...` : text
}

/** Endpoints: NAME ENDPOINTS AGE. */
export const endpointsPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Endpoints', 'string', 'The set of all endpoints is the union of all subsets.'),
    ageColumn()
  ],
  row(obj, now) {
    return {
      cells: [
        str(obj.metadata?.name),
        formatEndpoints(array(asJson(obj).subsets).map(record)),
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}

/** ConfigMaps: NAME DATA AGE (data and binaryData keys). */
export const configMapPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Data', 'string', 'Data contains the configuration data.'),
    ageColumn()
  ],
  row(obj, now) {
    const cm = asJson(obj)
    const keys = Object.keys(record(cm.data)).length + Object.keys(record(cm.binaryData)).length
    return { cells: [str(obj.metadata?.name), keys, since(obj.metadata?.creationTimestamp, now)] }
  }
}

/** Secrets: NAME TYPE DATA AGE (`stringData` counts, as it is merged into `data`). */
export const secretPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column('Type', 'string', 'Used to facilitate programmatic handling of secret data.'),
    column('Data', 'string', 'Data contains the secret data.'),
    ageColumn()
  ],
  row(obj, now) {
    const secret = asJson(obj)
    const keys = new Set([
      ...Object.keys(record(secret.data)),
      ...Object.keys(record(secret.stringData))
    ])
    return {
      cells: [
        str(obj.metadata?.name),
        str(secret.type) || 'Opaque',
        keys.size,
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}

/** ServiceAccounts: NAME SECRETS AGE. */
export const serviceAccountPrinter: TablePrinter = {
  columns: [
    nameColumn(),
    column(
      'Secrets',
      'string',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'
    ),
    ageColumn()
  ],
  row(obj, now) {
    return {
      cells: [
        str(obj.metadata?.name),
        array(asJson(obj).secrets).length,
        since(obj.metadata?.creationTimestamp, now)
      ]
    }
  }
}
