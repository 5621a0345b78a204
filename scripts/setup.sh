#!/usr/bin/env bash
# Sets up everything the demo and the tests need, on a fresh Debian machine or again on one
# where it already ran: the ZooKeeper server (Debian package; Java comes with it), Apache
# Curator and a JDK (for the tests that run Curator peers), pnpm (through corepack, at the
# version package.json pins), the JavaScript dependencies from the lockfile, and the build.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The ZooKeeper server (Java comes with it); for the interoperability tests, Apache Curator's
# jars and a JDK to compile the Java peers with.
missing=()
if [ -z "${ZOOKEEPER_HOME:-}" ] && { [ ! -f /usr/share/java/zookeeper.jar ] || ! command -v java >/dev/null; }; then
  missing+=(zookeeper)
fi
[ -f /usr/share/java/curator-recipes.jar ] || missing+=(libcurator-recipes-java)
[ -f /usr/share/java/curator-x-discovery.jar ] || missing+=(libcurator-discovery-java)
command -v javac >/dev/null || missing+=(default-jdk-headless)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# corepack fetches the pnpm that package.json's packageManager pins. The registry this project
# installs from serves no npm signatures, so corepack's key check is off; the tarball's
# integrity hash is still checked (docs/adr/0003-pnpm-through-corepack.md).
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
export COREPACK_INTEGRITY_KEYS=0
echo "==> installing JavaScript dependencies from the lockfile"
corepack pnpm install --frozen-lockfile --reporter=append-only
echo "==> building"
corepack pnpm run build
