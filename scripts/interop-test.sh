#!/usr/bin/env bash
# Runs the Socket.IO interop tests (tests/interop) against the helpline binary,
# using the official socket.io-client pinned in tests/interop/package-lock.json.
#
#   scripts/interop-test.sh                 # builds helpline-server, then tests
#   HELPLINE_BIN=/path/to/helpline scripts/interop-test.sh   # tests that binary
#
# Extra arguments are passed to `node --test` (e.g. --test-name-pattern=polling).
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
INTEROP_DIR="$REPO_ROOT/tests/interop"

command -v node >/dev/null || { echo "interop-test: node (>= 20) is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "interop-test: npm is required" >&2; exit 1; }
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if (( node_major < 20 )); then
  echo "interop-test: node >= 20 is required (found $(node --version))" >&2
  exit 1
fi

if [[ -n "${HELPLINE_BIN:-}" ]]; then
  # Make a relative HELPLINE_BIN mean relative to where the script was called from.
  case "$HELPLINE_BIN" in
    /*) ;;
    *) HELPLINE_BIN="$(pwd)/$HELPLINE_BIN" ;;
  esac
else
  echo "interop-test: building helpline-server" >&2
  (cd "$REPO_ROOT" && cargo build -p helpline-server)
  HELPLINE_BIN="$REPO_ROOT/target/debug/helpline"
fi
if [[ ! -x "$HELPLINE_BIN" ]]; then
  echo "interop-test: helpline binary not found or not executable: $HELPLINE_BIN" >&2
  exit 1
fi
export HELPLINE_BIN

cd "$INTEROP_DIR"
npm ci --no-audit --no-fund
exec node --test "$@" interop.test.mjs oversized.test.mjs
