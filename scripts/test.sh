#!/usr/bin/env bash
# The test command (`npm test`): makes sure the real parts the tests use are present, then runs
# Vitest. Real parts: etcd (the etcd store backend's contract suite and the store benchmark's
# baseline), kubectl (the API server is tested with the real client) and Chromium (the UI's
# end-to-end tests). On Debian/Ubuntu as root (or with sudo) missing packages are installed;
# elsewhere the script says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v "${ETCD_BIN:-etcd}" >/dev/null 2>&1 || missing+=(etcd-server)
command -v "${KUBECTL:-kubectl}" >/dev/null 2>&1 || missing+=(kubectl)
# Chromium: the UI's end-to-end tests and `npm run bench -- ui` drive the renderer in it.
[[ -x "${CHROMIUM_BIN:-/usr/bin/chromium}" ]] || missing+=(chromium)

if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    if [[ $(id -u) -ne 0 ]]; then
      if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
        echo "test: missing ${missing[*]}; install them (apt-get install ${missing[*]}) and run again." >&2
        exit 1
      fi
    fi
    echo "test: installing ${missing[*]} (Debian packages)…"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test: missing ${missing[*]} (etcd 3.4 or newer and kubectl on PATH, or ETCD_BIN / KUBECTL set)." >&2
    exit 1
  fi
fi

# Docker: docker nodes and the docker runtime run against a real engine. Installs and starts one
# when none answers (Debian, root or sudo); otherwise warns and the Docker suites skip (CI fails).
bash scripts/ensure-docker.sh

mkdir -p .tmp
report=.tmp/vitest-report.json
rm -f "$report"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line, whatever the reporter printed above it.
if [[ -f "$report" ]]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
  ' "$report"
fi
exit "$status"
