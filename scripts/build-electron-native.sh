#!/usr/bin/env bash
# Builds better-sqlite3 a second time, for Electron's Node ABI, into native/electron/, leaving the
# copy in node_modules (built for this Node, used by the CLI and the tests) untouched. Electron's
# main process loads it through better-sqlite3's `nativeBinding` option
# (src/main/store/sqlite/native-binding.ts). Needs Electron's headers (a download), so setup runs
# it only after Electron's own binary was fetched.
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
