/**
 * The `--help` text of `kubedesk` and each subcommand. Kept together so the commands read
 * alike; each text says honestly what this build does and does not do yet.
 */

const DATA_DIR_FLAG = `  --data-dir DIR    the instance's data directory
                    (default: $KUBEDESK_HOME, else ~/.kubedesk)`

/** `kubedesk --help`. */
export const ROOT_HELP = `kubedesk — a local Kubernetes-style cluster you can see and drive

Usage:
  kubedesk <command> [flags]

Commands:
  up          run the control plane in the foreground (Ctrl-C stops it)
  status      show what a running KubeDesk is doing
  down        stop a running KubeDesk (--delete also removes its data)
  logs        print a component's log (etcd, kubedesk, kube-apiserver, …)
  node        add, stop, start or remove worker nodes
  component   make a control-plane component fail, to watch it restart
  open        open a Service on a loopback port and print its URL

Flags:
  -h, --help        show help (also: kubedesk <command> --help, kubedesk help <command>)
  --version         print the KubeDesk version

Every command takes --data-dir DIR to choose which instance it talks to
(default: $KUBEDESK_HOME, else ~/.kubedesk).
`

/** `kubedesk up --help`. */
export const UP_HELP = `Run KubeDesk's control plane in the foreground until Ctrl-C, SIGTERM or 'kubedesk down'.

Usage:
  kubedesk up [flags]

Flags:
  --store BACKEND          where cluster state lives: sqlite (default; <data-dir>/store.db),
                           memory (lost on stop) or etcd (needs --etcd-endpoints)
  --etcd-endpoints URLS    etcd client URLs, comma-separated (with --store etcd),
                           e.g. http://127.0.0.1:2379
  --ui                     also serve the KubeDesk UI to a browser on 127.0.0.1 and print its URL
  --ui-port PORT           port for --ui (default: any free port)
  --nodes N                worker nodes wanted, 0 or more (default 1); running ones are adopted
  --provider NAME          how worker nodes run: docker (a container each), process (a child
                           process each, no Docker needed) or simulated (in-process, for
                           scale); default: docker when a Docker engine answers, else process
  --node-heartbeat D       how often kubelets renew their Lease (default 10s)
  --node-monitor-grace-period D
                           a node whose Lease is older than this goes NotReady (default 20s;
                           Kubernetes 50s) and gets the unreachable NoExecute taint
  --default-not-ready-toleration-seconds N
  --default-unreachable-toleration-seconds N
                           how long a new pod stays on a node that is not ready (its kubelet
                           says Ready=False) or unreachable (its Lease expired) before it is
                           evicted, unless the pod sets its own toleration (default 30 each;
                           Kubernetes 300). A pod comes back elsewhere about grace + this.
  --terminated-pod-gc-threshold N
                           finished (Succeeded/Failed) pods kept before the oldest are deleted
                           (default 1000; Kubernetes 12500; 0 keeps them all). Pods on deleted
                           nodes are always deleted.
  --crash-loop-backoff I,M CrashLoopBackOff's first delay and ceiling (default 10s,5m)
  --event-ttl D            how long an Event is kept after its last occurrence (default 1h)
  --port PORT              port for the Kubernetes API server on 127.0.0.1 (default 6443;
                           0 = any free port). If it is taken, a free port is used and 'up'
                           says which.
${DATA_DIR_FLAG}
  -h, --help               show this help

What this build starts: the store (shown as 'etcd' in status and logs), the Kubernetes API
server (HTTPS on 127.0.0.1, with a CA created on first run in <data-dir>/pki), kube-scheduler,
kube-controller-manager (every controller 'kubedesk status' lists), and the control socket
that 'kubedesk status' and 'kubedesk down' use. It writes <data-dir>/kubeconfig and
merges a 'kubedesk' cluster, user and context into your kubeconfig ($KUBECONFIG's first file,
else ~/.kube/config), making it the current context only when you have none.

Worker nodes: 'up' creates kubedesk-worker, kubedesk-worker2, … (each running KubeDesk's
kubelet) and a kubedesk-control-plane Node tainted NoSchedule. Docker nodes keep running after
'up' stops and are adopted, with their pods, by the next 'up' on the same data directory;
'kubedesk node' adds, stops, starts and removes them.

One data directory serves one running KubeDesk; a second 'up' on it is refused.
`

/** `kubedesk status --help`. */
export const STATUS_HELP = `Show the status of a running KubeDesk: pid, data directory, uptime, store, components,
API server URL, UI URL.

Usage:
  kubedesk status [flags]

Flags:
  -o, --output FORMAT   text (default) or json (the ClusterStatus object)
${DATA_DIR_FLAG}
  -h, --help            show this help

Exit status: 0 when a KubeDesk is running for the data directory, 1 when none is.
`

/** `kubedesk down --help`. */
export const DOWN_HELP = `Stop the KubeDesk running for a data directory and wait until it has exited.

Usage:
  kubedesk down [flags]

Flags:
  --delete          after stopping, remove the cluster's docker nodes and their pods'
                    containers, what KubeDesk created in the data directory (store.db*,
                    logs/, pki/, nodes/, kubeconfig, kubedesk.* files; other files are left
                    alone) and the 'kubedesk' cluster, user and context 'up' merged into your
                    kubeconfig (only if they still belong to this cluster)
  --timeout DURATION  how long to wait for it to stop (default 60s)
${DATA_DIR_FLAG}
  -h, --help        show this help

Without --delete, docker nodes keep running with their pods, and the next 'up' on the same
data directory adopts them.

Like 'kind delete cluster', stopping something that is not running is not an error: when no
KubeDesk runs for the data directory, 'down' says so and exits 0 (with --delete it still
removes the files).
`

/** `kubedesk logs --help`. */
export const LOGS_HELP = `Print a component's log from <data-dir>/logs/<component>.log, whether or not KubeDesk runs.

Usage:
  kubedesk logs                           list the components, their verbosity and log size
  kubedesk logs COMPONENT [flags]
  kubedesk logs --verbosity N COMPONENT   set a component's verbosity in the running KubeDesk

Components: etcd (the store), kube-apiserver, kube-scheduler, kube-controller-manager,
kubelet/NODE (each node's kubelet, e.g. kubelet/kubedesk-worker2), node-provider, docker
(engine events of the node and pod containers) and kubedesk (the control plane itself).

Flags:
  -f, --follow        keep printing new lines until Ctrl-C
  --since DURATION    only lines newer than this, e.g. 30s, 5m, 1h30m, 2d
  --level LEVEL       only lines at this level or above: info, warn, error
  --grep TEXT         only lines containing TEXT (case-sensitive)
  --verbosity N       klog's -v for COMPONENT, 0-10 (default 2; kube-apiserver logs each
                      request from 3, a kubelet each pod status update from 3 and each
                      lease renewal from 4); with -f, then follows the log
${DATA_DIR_FLAG}
  -h, --help          show this help

Lines are in the klog format:
  I1127 18:04:05.123456   12345 etcd] "opened store" backend="sqlite" revision=42
  (level I/W/E, month and day, local time, pid, component, message, key=value pairs)
`

/** `kubedesk node --help`. */
export const NODE_HELP = `Manage worker nodes: add, stop, start, remove or fail one by name.

Usage:
  kubedesk node add NAME [flags]
  kubedesk node stop NAME [flags]
  kubedesk node start NAME [flags]
  kubedesk node rm NAME [flags]
  kubedesk node fail NAME [flags]

NAME is a Kubernetes node name: lowercase letters, digits and '-' (e.g. kubedesk-worker3).

Flags:
  --cpu N           add: CPU cores of the new node (default 2; fractions such as 0.5 allowed)
  --memory SIZE     add: memory of the new node (default 2Gi; e.g. 512Mi, 4Gi)
${DATA_DIR_FLAG}
  -h, --help        show this help

stop also stops the containers of the node's pods; start brings the node back and its kubelet
restarts them; rm deletes the node, its containers and its Node object; fail crashes the node
(its kubelet and its pods' containers are killed at once, so it goes NotReady after the grace
period) and start brings it back.
`

/** `kubedesk component --help`. */
export const COMPONENT_HELP = `Make a control-plane component fail as if it had crashed.

Usage:
  kubedesk component fail NAME [flags]

NAME is kube-scheduler or kube-controller-manager. The component stops at once; its mirror pod
(kubectl get pods -n kube-system) goes not ready, and it is restarted after a back-off (1s,
doubling to 30s) with RESTARTS one up; kubectl logs --previous shows the run that failed.
The store (etcd) and kube-apiserver serve every other component and are not restarted alone.

Flags:
${DATA_DIR_FLAG}
  -h, --help        show this help
`

/** `kubedesk open --help`. */
export const OPEN_HELP = `Open a Service on a loopback port of this machine and print its URL.

Usage:
  kubedesk open svc/NAME [flags]

The running KubeDesk's kube-proxy listens on a free port on 127.0.0.1 and sends each
connection to one of the Service's ready endpoints in turn (pod IP : targetPort of its first
TCP port), as 'kubectl port-forward svc/NAME' would, but without a process left running: the
port stays open while KubeDesk runs and closes when the Service is deleted. Asking again for
the same Service prints the same URL. A Service with no ready endpoints is opened anyway
(connections are closed until a pod is ready) and 'open' says so.

NodePort Services need no 'open': they answer on 127.0.0.1:<nodePort> (kubectl get svc shows
it in PORT(S) as 80:3xxxx/TCP).

Flags:
  -n, --namespace NS   the Service's namespace (default: default)
${DATA_DIR_FLAG}
  -h, --help           show this help

Output: the URL (http://127.0.0.1:PORT) on stdout, what is forwarded on stderr.
`

/** Help by subcommand name. */
export const COMMAND_HELP: Record<string, string> = {
  up: UP_HELP,
  status: STATUS_HELP,
  down: DOWN_HELP,
  logs: LOGS_HELP,
  node: NODE_HELP,
  component: COMPONENT_HELP,
  open: OPEN_HELP
}
