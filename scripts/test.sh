#!/usr/bin/env bash
# The README's test command: set everything up, check types, lint and format, then run the
# whole suite against real ZooKeeper servers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0 COREPACK_INTEGRITY_KEYS=0
echo "==> lint"
corepack pnpm run lint
echo "==> format"
corepack pnpm run format:check
echo "==> tests"
corepack pnpm run test "$@"
