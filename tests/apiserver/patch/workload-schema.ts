/**
 * Hand-built patch schemas of Pod, Deployment and Service for the patch tests, with the
 * `patchStrategy` / `patchMergeKey` tags of k8s.io/api core/v1 and apps/v1 types.go (checked
 * against `kubectl patch --local`, which reads the same tags). The OpenAPI module's
 * `patchSchemaFor` replaces these in the server.
 */
import { schemaFromSpec, type PatchSchemaSpec } from '../../../src/main/apiserver/patch'

const map: PatchSchemaSpec = { type: 'object', items: { type: 'string' } }

const objectMeta: PatchSchemaSpec = {
  fields: {
    labels: map,
    annotations: map,
    finalizers: { type: 'array', patchStrategy: 'merge', items: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'uid',
      items: { fields: { uid: { type: 'string' }, name: { type: 'string' } } }
    }
  }
}

const container: PatchSchemaSpec = {
  fields: {
    name: { type: 'string' },
    image: { type: 'string' },
    command: { type: 'array', items: { type: 'string' } },
    args: { type: 'array', items: { type: 'string' } },
    ports: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'containerPort',
      listType: 'map',
      listMapKeys: ['containerPort', 'protocol'],
      items: { fields: { containerPort: { type: 'integer' }, protocol: { type: 'string' } } }
    },
    env: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'name',
      items: { fields: { name: { type: 'string' }, value: { type: 'string' }, valueFrom: {} } }
    },
    envFrom: { type: 'array', items: { fields: {} } },
    volumeMounts: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'mountPath',
      items: { fields: { name: { type: 'string' }, mountPath: { type: 'string' } } }
    },
    resources: { fields: { limits: map, requests: map } }
  }
}

const containers = (): PatchSchemaSpec => ({
  type: 'array',
  patchStrategy: 'merge',
  patchMergeKey: 'name',
  items: container
})

const podSpec: PatchSchemaSpec = {
  fields: {
    containers: containers(),
    initContainers: containers(),
    volumes: {
      type: 'array',
      patchStrategy: 'merge,retainKeys',
      patchMergeKey: 'name',
      items: {
        fields: {
          name: { type: 'string' },
          emptyDir: { fields: {} },
          configMap: { fields: { name: { type: 'string' } } },
          secret: { fields: { secretName: { type: 'string' } } }
        }
      }
    },
    imagePullSecrets: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'name',
      items: { fields: { name: { type: 'string' } } }
    },
    // No patchStrategy tag on PodSpec.Tolerations: a patch replaces the whole list.
    tolerations: { type: 'array', items: { fields: { key: { type: 'string' } } } },
    hostAliases: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'ip',
      items: { fields: { ip: { type: 'string' } } }
    },
    nodeSelector: map
  }
}

const podStatus: PatchSchemaSpec = {
  fields: {
    conditions: {
      type: 'array',
      patchStrategy: 'merge',
      patchMergeKey: 'type',
      items: { fields: { type: { type: 'string' }, status: { type: 'string' } } }
    }
  }
}

/** Pod: containers by name, ports by containerPort, env by name, volumes by name, … */
export const podSchema = schemaFromSpec({
  fields: { metadata: objectMeta, spec: podSpec, status: podStatus }
})

/** Deployment: the pod template as in Pod, `strategy` with the retainKeys strategy. */
export const deploymentSchema = schemaFromSpec({
  fields: {
    metadata: objectMeta,
    spec: {
      fields: {
        replicas: { type: 'integer' },
        selector: { fields: { matchLabels: map } },
        strategy: {
          patchStrategy: 'retainKeys',
          fields: {
            type: { type: 'string' },
            rollingUpdate: { fields: { maxSurge: {}, maxUnavailable: {} } }
          }
        },
        template: { fields: { metadata: objectMeta, spec: podSpec } }
      }
    }
  }
})

/** Service: ports merged by `port`. */
export const serviceSchema = schemaFromSpec({
  fields: {
    metadata: objectMeta,
    spec: {
      fields: {
        selector: map,
        ports: {
          type: 'array',
          patchStrategy: 'merge',
          patchMergeKey: 'port',
          items: { fields: { port: { type: 'integer' }, name: { type: 'string' } } }
        }
      }
    }
  }
})
