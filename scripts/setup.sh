#!/usr/bin/env bash
# Installs KubeDesk from a fresh clone: npm dependencies (native modules built for this Node),
# the build (electron-vite: main + CLI, preload, renderer), and — when downloads are possible —
# Electron's binary. Without Electron's binary `npm start` falls back to browser mode.
set -euo pipefail
cd "$(dirname "$0")/.."

need_major=20
need_minor=19
if ! command -v node >/dev/null 2>&1; then
  echo "setup: Node.js is not installed. Install Node.js ${need_major}.${need_minor} or newer, then run this again." >&2
  exit 1
fi
read -r major minor < <(node -p 'process.versions.node.split(".").slice(0,2).join(" ")')
if (( major < need_major || (major == need_major && minor < need_minor) )); then
  echo "setup: Node.js $(node --version) is too old; KubeDesk needs ${need_major}.${need_minor} or newer." >&2
  exit 1
fi

echo "setup: installing npm dependencies (builds better-sqlite3 for Node $(node --version))…"
# Electron's own postinstall downloads its binary from outside the npm registry; skip it here and
# try separately below so a blocked download cannot fail the whole install.
ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund

if [[ "${CI:-}" != "true" && "${KUBEDESK_SKIP_ELECTRON:-}" != "1" ]]; then
  echo "setup: fetching Electron's binary (optional)…"
  if node node_modules/electron/install.js >/dev/null 2>&1; then
    # Electron's Node has its own ABI: it needs its own build of the SQLite module.
    if bash scripts/build-electron-native.sh; then
      echo "setup: Electron is ready: 'npm start' opens the desktop app."
    else
      echo "setup: the SQLite module could not be built for Electron; 'npm start' will run browser mode instead."
    fi
  else
    echo "setup: Electron's binary could not be downloaded; 'npm start' will run browser mode instead."
  fi
fi

# npm ci ran the "prepare" script (electron-vite build); check its output is there.
if [[ ! -f out/main/cli.js ]]; then
  npm run build
elif [[ ! -f out/agent/kubelet.js ]]; then
  # "prepare" builds the app only; the kubelet bundle (the node image's agent) is built here.
  node scripts/build-agent.mjs
fi
echo "setup: done. Start KubeDesk with 'npm start' (or 'node bin/kubedesk.js up')."
