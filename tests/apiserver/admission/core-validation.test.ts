/**
 * Validation of Services, ConfigMaps, Secrets, Namespaces, Nodes, Events, Leases and
 * EndpointSlices, as the causes a user reads.
 */
import { describe, expect, it } from 'vitest'
import { create, lines, minimal, update } from './admission-fixtures'

type Any = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function causesOf(kind: string, mutate: (o: Any) => void): string[] {
  const o = minimal(kind) as Any
  mutate(o)
  return lines(create(kind, o as never).causes)
}

const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"

describe('Service', () => {
  it.each<[string, (o: Any) => void, string[]]>([
    [
      'a name starting with a digit',
      (o) => (o.metadata.name = '1web'),
      [`metadata.name: Invalid value: "1web": ${DNS1035_MSG}`]
    ],
    ['no ports', (o) => (o.spec.ports = []), ['spec.ports: Required value']],
    ['headless without ports', (o) => Object.assign(o.spec, { ports: [], clusterIP: 'None' }), []],
    [
      'ExternalName without ports',
      (o) => (o.spec = { type: 'ExternalName', externalName: 'db.example.com' }),
      []
    ],
    [
      'ExternalName without a name',
      (o) => (o.spec = { type: 'ExternalName' }),
      ['spec.externalName: Required value']
    ],
    [
      'two unnamed ports',
      (o) => o.spec.ports.push({ port: 443 }),
      ['spec.ports[0].name: Required value', 'spec.ports[1].name: Required value']
    ],
    [
      'duplicate port names',
      (o) =>
        (o.spec.ports = [
          { name: 'web', port: 80 },
          { name: 'web', port: 81 }
        ]),
      ['spec.ports[1].name: Duplicate value: "web"']
    ],
    [
      'port 0',
      (o) => (o.spec.ports = [{ port: 0, targetPort: 80 }]),
      ['spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive']
    ],
    [
      'unknown type',
      (o) => (o.spec.type = 'Internal'),
      [
        'spec.type: Unsupported value: "Internal": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'
      ]
    ],
    [
      'nodePort out of range',
      (o) => Object.assign(o.spec, { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }),
      [
        'spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767'
      ]
    ],
    [
      'nodePort on ClusterIP',
      (o) => (o.spec.ports = [{ port: 80, nodePort: 30080 }]),
      ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]
    ],
    [
      'same port twice',
      (o) =>
        (o.spec.ports = [
          { name: 'a', port: 80 },
          { name: 'b', port: 80 }
        ]),
      [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}'
      ]
    ],
    [
      'bad targetPort name',
      (o) => (o.spec.ports = [{ port: 80, targetPort: 'HTTP' }]),
      [
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.ports[0].targetPort: Invalid value: "HTTP": must contain at least one letter (a-z)'
      ]
    ],
    [
      'bad clusterIP',
      (o) => (o.spec.clusterIP = '10.96.0.300'),
      [
        'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'
      ]
    ]
  ])('%s', (_name, mutate, expected) => {
    expect(causesOf('Service', mutate)).toEqual(expected)
  })

  it('the clusterIP may not change once set', () => {
    const old = create('Service').obj as Any
    old.spec.clusterIP = '10.96.0.10'
    old.spec.clusterIPs = ['10.96.0.10']
    const causes = update('Service', old as never, (s) =>
      Object.assign(s.spec as Any, { clusterIP: '10.96.0.11', clusterIPs: ['10.96.0.11'] })
    )
    expect(lines(causes)).toEqual([
      'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set'
    ])
  })
})

describe('ConfigMap and Secret', () => {
  it.each<[string, string, (o: Any) => void, string[]]>([
    [
      'ConfigMap',
      'a key with a slash',
      (o) => (o.data = { 'a/b': '1' }),
      [
        "data[a/b]: Invalid value: \"a/b\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
      ]
    ],
    [
      'ConfigMap',
      'a key in data and binaryData',
      (o) => (o.binaryData = { 'app.conf': 'eA==' }),
      ['data[app.conf]: Invalid value: "app.conf": duplicate of key present in binaryData']
    ],
    [
      'ConfigMap',
      'over 1 MiB',
      (o) => (o.data = { big: 'x'.repeat(1024 * 1024 + 1) }),
      [': Too long: may not be more than 1048576 bytes']
    ],
    [
      'Secret',
      'a key ".."',
      (o) => (o.data = { '..': 'eA==' }),
      ['data[..]: Invalid value: "..": must not be \'..\'']
    ],
    [
      'Secret',
      'a TLS secret without its keys',
      (o) => (o.type = 'kubernetes.io/tls'),
      ['data[tls.crt]: Required value', 'data[tls.key]: Required value']
    ],
    [
      'Secret',
      'data that is not base64',
      (o) => (o.data = { k: 'not base64!' }),
      ['data[k]: Invalid value: "<secret contents redacted>": illegal base64 data']
    ]
  ])('%s: %s', (kind, _name, mutate, expected) => {
    expect(causesOf(kind, mutate)).toEqual(expected)
  })

  it('an immutable ConfigMap keeps its data; a Secret keeps its type', () => {
    const cm = create('ConfigMap').obj as Any
    cm.immutable = true
    expect(
      lines(update('ConfigMap', cm as never, (c) => ((c.data as Any)['app.conf'] = 'x=2')))
    ).toEqual(['data: Forbidden: field is immutable when `immutable` is set'])
    const secret = create('Secret').obj
    expect(lines(update('Secret', secret, (s) => (s.type = 'kubernetes.io/basic-auth')))).toEqual([
      'type: Invalid value: "kubernetes.io/basic-auth": field is immutable'
    ])
  })
})

describe('Namespace, Node, ServiceAccount', () => {
  it.each<[string, string, (o: Any) => void, string[]]>([
    [
      'Namespace',
      'a dotted name',
      (o) => (o.metadata.name = 'team.a'),
      [`metadata.name: Invalid value: "team.a": ${LABEL_MSG}`]
    ],
    [
      'Namespace',
      'an unqualified finalizer',
      (o) => (o.spec = { finalizers: ['cleanup'] }),
      [
        'spec.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified'
      ]
    ],
    [
      'Node',
      'a taint without effect',
      (o) => (o.spec = { taints: [{ key: 'dedicated', value: 'gpu' }] }),
      ['spec.taints[0].effect: Required value']
    ],
    [
      'Node',
      'an unknown taint effect',
      (o) => (o.spec = { taints: [{ key: 'k', effect: 'NoRun' }] }),
      [
        'spec.taints[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'
      ]
    ],
    [
      'Node',
      'a bad pod CIDR',
      (o) => (o.spec = { podCIDR: '10.244.1.0' }),
      [
        'spec.podCIDRs[0]: Invalid value: "10.244.1.0": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'
      ]
    ],
    [
      'ServiceAccount',
      'an upper-case name',
      (o) => (o.metadata.name = 'Builder'),
      [
        expect.stringMatching(
          /^metadata\.name: Invalid value: "Builder": a lowercase RFC 1123 subdomain/
        ) as unknown as string
      ]
    ]
  ])('%s: %s', (kind, _name, mutate, expected) => {
    expect(causesOf(kind, mutate)).toEqual(expected)
  })

  it('a namespaced kind may not be sent without a namespace; a cluster kind may not carry one', () => {
    expect(causesOf('ConfigMap', (o) => delete o.metadata.namespace)).toEqual([
      'metadata.namespace: Required value'
    ])
    expect(causesOf('Node', (o) => (o.metadata.namespace = 'default'))).toEqual([
      'metadata.namespace: Forbidden: not allowed on this type'
    ])
  })

  it('a node may get a pod CIDR once, but not change it', () => {
    const old = create('Node').obj
    const withCIDR = structuredClone(old) as Any
    expect(
      update(
        'Node',
        old,
        (n) => (n.spec = { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] })
      )
    ).toEqual([])
    withCIDR.spec = { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] }
    expect(
      lines(
        update('Node', withCIDR as never, (n) => ((n.spec as Any).podCIDRs = ['10.244.2.0/24']))
      )
    ).toEqual([
      'spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "" to valid'
    ])
  })
})

describe('Events, Leases, EndpointSlices', () => {
  it.each<[string, string, (o: Any) => void, string[]]>([
    [
      'Event',
      'an involved object in another namespace',
      (o) => (o.involvedObject.namespace = 'kube-system'),
      ['involvedObject.namespace: Invalid value: "kube-system": does not match event.namespace']
    ],
    [
      'events.k8s.io/Event',
      'no reportingController',
      (o) => delete o.reportingController,
      ['reportingController: Required value']
    ],
    [
      'events.k8s.io/Event',
      'an unknown type',
      (o) => (o.type = 'Info'),
      ['type: Invalid value: "": has invalid value: Info']
    ],
    [
      'Lease',
      'a zero duration',
      (o) => (o.spec.leaseDurationSeconds = 0),
      ['spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0']
    ],
    [
      'EndpointSlice',
      'an unknown address type',
      (o) => (o.addressType = 'IPv5'),
      ['addressType: Unsupported value: "IPv5": supported values: "FQDN", "IPv4", "IPv6"']
    ],
    [
      'EndpointSlice',
      'an IPv6 address in an IPv4 slice',
      (o) => (o.endpoints[0].addresses = ['fd00::1']),
      ['endpoints[0].addresses[0]: Invalid value: "fd00::1": must be a valid IPv4 address']
    ],
    [
      'EndpointSlice',
      'an endpoint without addresses',
      (o) => (o.endpoints[0].addresses = []),
      ['endpoints[0].addresses: Required value: must contain at least 1 address']
    ]
  ])('%s: %s', (kind, _name, mutate, expected) => {
    expect(causesOf(kind, mutate)).toEqual(expected)
  })

  it('an events.k8s.io Event keeps its reason once written', () => {
    const old = create('events.k8s.io/Event').obj
    expect(lines(update('events.k8s.io/Event', old, (e) => (e.reason = 'Other')))).toEqual([
      'reason: Invalid value: "Other": field is immutable'
    ])
  })
})
