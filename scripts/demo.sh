#!/usr/bin/env bash
# The README's demo command: set everything up and run the demo against an embedded ZooKeeper
# (or against ZK_CONNECT when it is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node demo/dist/main.js "$@"
