#!/usr/bin/env bash
# Makes sure a Docker engine answers (docker nodes, the docker runtime and their tests need one)
# and that /bin/busybox (Debian's busybox-static) is there to assemble the node image offline.
#
# - The engine answers already: nothing to do.
# - Otherwise, on Debian/Ubuntu as root (or with sudo): installs docker.io (and busybox-static
#   when missing), starts dockerd in the background (log /tmp/dockerd.log, pid /tmp/dockerd.pid)
#   and waits up to 60 s for it to answer.
# - When that is not possible it says why and exits 0 (the Docker test suites then skip, saying
#   so) — except under CI=true, where a missing engine is a failure (exit 1).
set -uo pipefail

say() { echo "ensure-docker: $*"; }
give_up() {
  if [[ "${CI:-}" == "true" ]]; then
    say "error: $* (CI needs a Docker engine)" >&2
    exit 1
  fi
  say "warning: $*; Docker tests will be skipped" >&2
  exit 0
}

socket="${DOCKER_HOST:-unix:///var/run/docker.sock}"
socket="${socket#unix://}"
dockerd_log="${KUBEDESK_DOCKERD_LOG:-/tmp/dockerd.log}"
dockerd_pid="${KUBEDESK_DOCKERD_PID:-/tmp/dockerd.pid}"

answers() { command -v docker >/dev/null 2>&1 && timeout 15 docker version >/dev/null 2>&1; }

sudo=""
can_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
    sudo="sudo"
  fi
}

updated=""
apt_install() {
  if [[ -z "$updated" ]]; then
    $sudo apt-get update -qq >/dev/null || return 1
    updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# busybox-static: the node image's shell and tools (and the busybox test image).
if [[ ! -x /bin/busybox ]]; then
  if can_install && apt_install busybox-static; then
    say "installed busybox-static (/bin/busybox)"
  else
    say "warning: /bin/busybox is missing: install busybox-static to build the node image offline" >&2
  fi
fi

if answers; then
  say "the Docker engine answers at $socket"
  exit 0
fi

# A daemon that runs but refuses us: starting another would not help.
if [[ -S "$socket" ]] && command -v docker >/dev/null 2>&1 &&
  docker version 2>&1 | grep -qi "permission denied"; then
  give_up "the Docker engine at $socket refuses this user (add it to the docker group)"
fi

# Only the default socket is ours to start an engine on.
if [[ "$socket" != /var/run/docker.sock ]]; then
  give_up "no Docker engine answers at $socket (DOCKER_HOST); start it"
fi

if ! command -v dockerd >/dev/null 2>&1; then
  can_install || give_up "no Docker engine answers at $socket and dockerd cannot be installed here (needs apt-get and root or sudo)"
  say "installing docker.io (Debian package)…"
  apt_install docker.io || give_up "apt-get install docker.io failed"
  if answers; then
    say "the Docker engine answers at $socket (started by the package)"
    exit 0
  fi
fi

if [[ -f "$dockerd_pid" ]] && kill -0 "$(cat "$dockerd_pid")" 2>/dev/null; then
  say "dockerd (pid $(cat "$dockerd_pid")) is starting; waiting for it"
else
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null ||
      give_up "no Docker engine answers at $socket and dockerd needs root (or sudo) to start"
    sudo="sudo"
  fi
  say "starting dockerd (log $dockerd_log)…"
  nohup $sudo dockerd >"$dockerd_log" 2>&1 &
  echo $! >"$dockerd_pid"
fi

for _ in $(seq 1 60); do
  if answers; then
    say "dockerd (pid $(cat "$dockerd_pid")) answers at $socket"
    exit 0
  fi
  if ! kill -0 "$(cat "$dockerd_pid")" 2>/dev/null; then
    tail -n 20 "$dockerd_log" >&2
    give_up "dockerd exited; see $dockerd_log"
  fi
  sleep 1
done
tail -n 20 "$dockerd_log" >&2
give_up "dockerd did not answer within 60 s; see $dockerd_log"
