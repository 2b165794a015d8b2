#!/usr/bin/env bash
# Builds the native modules a second time, for Electron's Node ABI, into native/electron/, leaving
# the copies in node_modules (built for this Node, used by the CLI and the tests) untouched:
# better-sqlite3, which Electron's main process loads through its `nativeBinding` option
# (src/main/store/sqlite/native-binding.ts), and node-pty, the terminals' module, loaded from
# native/electron/node-pty (src/main/desktop/host/terminals/pty-loader.ts). Needs Electron's
# headers (a download), so setup runs it only after Electron's own binary was fetched.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

electron_version=$(node -p 'require("electron/package.json").version')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R node_modules/better-sqlite3 "$work/better-sqlite3"
rm -rf "$work/better-sqlite3/build"
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
(
  cd "$work/better-sqlite3"
  # A prebuilt module for this Electron if one is published, else a local compile.
  "$root/node_modules/.bin/prebuild-install" --runtime electron --target "$electron_version" 2>/dev/null ||
    node "$gyp" rebuild --release --runtime=electron --target="$electron_version" \
      --dist-url=https://electronjs.org/headers
)
mkdir -p native/electron
cp "$work/better-sqlite3/build/Release/better_sqlite3.node" native/electron/better_sqlite3.node
echo "built native/electron/better_sqlite3.node for Electron $electron_version"

# node-pty: the whole package (its JavaScript finds its .node file relative to itself).
rm -rf "$work/node-pty" native/electron/node-pty
cp -R node_modules/node-pty "$work/node-pty"
rm -rf "$work/node-pty/build"
(
  cd "$work/node-pty"
  node "$gyp" rebuild --release --runtime=electron --target="$electron_version" \
    --dist-url=https://electronjs.org/headers
)
cp -R "$work/node-pty" native/electron/node-pty
echo "built native/electron/node-pty for Electron $electron_version"
