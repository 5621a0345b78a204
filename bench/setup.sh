#!/usr/bin/env bash
# Installs what bench/lock-vs-peers.mjs needs beyond scripts/setup.sh: kazoo (the Debian
# package python3-kazoo) for the Python peer, and checks the Curator jars and the JDK for the
# Java peer. Running it again installs nothing that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
# Debian's python3-kazoo is for Debian's interpreter, not one a version manager put first on PATH.
PYTHON=/usr/bin/python3

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
[ -x "$PYTHON" ] && "$PYTHON" -c 'import kazoo' 2>/dev/null || missing+=(python3-kazoo)
[ -f /usr/share/java/curator-recipes.jar ] || missing+=(libcurator-recipes-java)
command -v javac >/dev/null || missing+=(default-jdk-headless)
if [ -z "${ZOOKEEPER_HOME:-}" ] && [ ! -f /usr/share/java/zookeeper.jar ]; then
  missing+=(zookeeper)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -q
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends \
    "${missing[@]}"
fi

for jar in curator-recipes curator-framework curator-client zookeeper guava slf4j-api slf4j-nop; do
  [ -f "/usr/share/java/$jar.jar" ] || { echo "missing /usr/share/java/$jar.jar" >&2; exit 1; }
done
echo "==> peers: kazoo $("$PYTHON" -c 'import kazoo.version as v; print(v.__version__)')," \
  "Curator $(dpkg-query -W -f '${Version}' libcurator-recipes-java 2>/dev/null || echo '?')," \
  "$(javac -version 2>&1)"
