/**
 * The Pods the API server benchmark writes: what a Deployment's pod looks like in a real cluster
 * (two containers with ports, env, resources, a probe and a volume mount; labels and annotations),
 * about 1.3 KB of JSON as sent, before the server's defaults and managedFields.
 */

/** A Pod manifest named `name` in `namespace`; `index` varies one label. */
export function podManifest(name: string, namespace: string, index: number): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: {
        app: 'bench-web',
        tier: 'frontend',
        release: 'stable',
        'pod-template-hash': '7d4b9c8f5',
        'bench.kubedesk.dev/shard': String(index % 100)
      },
      annotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9100',
        'kubedesk.dev/benchmark': 'apiserver'
      }
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27.2',
          ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
          env: [
            { name: 'MODE', value: 'production' },
            { name: 'LOG_LEVEL', value: 'info' },
            { name: 'UPSTREAM', value: 'http://api.default.svc.cluster.local:8080' }
          ],
          resources: {
            requests: { cpu: '100m', memory: '128Mi' },
            limits: { cpu: '500m', memory: '256Mi' }
          },
          volumeMounts: [{ name: 'config', mountPath: '/etc/web', readOnly: true }],
          readinessProbe: { httpGet: { path: '/healthz', port: 80 }, periodSeconds: 5 }
        },
        {
          name: 'metrics',
          image: 'prom/node-exporter:v1.8.2',
          args: ['--web.listen-address=:9100'],
          ports: [{ name: 'metrics', containerPort: 9100, protocol: 'TCP' }],
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '64Mi' } }
        }
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30
    }
  }
}

/** The JSON body of `podManifest`. */
export function podBody(name: string, namespace: string, index: number): string {
  return JSON.stringify(podManifest(name, namespace, index))
}
