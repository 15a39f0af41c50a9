#!/usr/bin/env bash
# Offline install bundle for an air-gapped intranet (政务内网): geoplan's wheel (with the maps' npm assets), a
# wheelhouse of every dependency for the target platform and Python, the demo data, the Chinese guides and an
# install script that never reaches a package index (pip install --no-index --find-links wheels).
#
# Run on a machine with internet, from the repository root (after `npm ci --ignore-scripts`):
#   scripts/offline_bundle.sh                      # for this machine's platform and Python
#   scripts/offline_bundle.sh --platform manylinux2014_x86_64 --python-version 3.11   # another target
# Options: --out DIR (default dist/), --wheelhouse-cache DIR (reuse and fill a folder of wheels between runs).
# Prints the path of dist/geoplan-<version>-offline-<platform>-py<X.Y>.tar.gz.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
out=dist
platform=""
pyver=""
cache=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --platform) platform=$2; shift 2 ;;
    --python-version) pyver=$2; shift 2 ;;
    --wheelhouse-cache) cache=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "offline_bundle.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -n "$platform" && -z "$pyver" ]] || [[ -z "$platform" && -n "$pyver" ]]; then
  echo "offline_bundle.sh: give --platform and --python-version together" >&2; exit 2
fi

version=$("$python" -c 'import re,sys; print(re.search(r"^version = \"(.+)\"", open("pyproject.toml").read(), re.M)[1])')
if [[ -z "$pyver" ]]; then
  pyver=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  platform_name=$("$python" -c 'import sysconfig; print(sysconfig.get_platform().replace("-", "_").replace(".", "_"))')
else
  platform_name=$platform
fi
name="geoplan-${version}-offline-${platform_name}-py${pyver}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
bundle="$stage/$name"
mkdir -p "$bundle/wheels" "$out"

# 1. geoplan's wheel, built from the files git knows (a copy: no stray local file, no build/ shared with another
#    build); setup.py's build hook copies the npm assets (and licences) in, or refuses without them.
mkdir -p "$stage/src"
git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - | tar -xf - -C "$stage/src"
GEOPLAN_ASSETS_DIR=${GEOPLAN_ASSETS_DIR:-$PWD/node_modules} \
  "$python" -m pip wheel --quiet --no-deps --wheel-dir "$bundle/wheels" "$stage/src"
wheel=$(ls "$bundle"/wheels/geoplan-*.whl)
# with the extras an office may need offline: the PostgreSQL/PostGIS backend and walks weighted by a DEM
with_extras="$wheel[postgis,dem]"

# 2. every dependency as a wheel for the target (a cache folder, when given, is read first and filled after).
links=()
if [[ -n "$cache" ]]; then mkdir -p "$cache"; links=(--find-links "$cache"); fi
if [[ -n "$platform" ]]; then
  abi="cp${pyver/./}"
  "$python" -m pip download --quiet --dest "$bundle/wheels" "${links[@]}" --only-binary=:all: \
    --platform "$platform" --python-version "$pyver" --implementation cp --abi "$abi" "$with_extras"
elif [[ -n "$cache" ]] && "$python" -m pip wheel --quiet --no-index --wheel-dir "$bundle/wheels" "${links[@]}" "$with_extras" 2>/dev/null; then
  echo "offline_bundle.sh: every dependency came from the cache $cache" >&2
else
  # pip wheel also builds a wheel for any dependency published only as source
  "$python" -m pip wheel --quiet --wheel-dir "$bundle/wheels" "${links[@]}" "$with_extras"
fi
if [[ -n "$cache" ]]; then cp -n "$bundle"/wheels/*.whl "$cache"/ 2>/dev/null || true; rm -f "$cache"/geoplan-*.whl; fi

# 3. what the office needs beside the wheels
cp -r data/geojson "$bundle/demo-data"
rm -rf "$bundle/demo-data/.geoplan"
mkdir -p "$bundle/docs"
if [[ -d docs ]]; then cp -r docs/. "$bundle/docs/"; fi
cp README.md "$bundle/"
echo "$pyver" > "$bundle/PYTHON_VERSION"
cat > "$bundle/install.sh" <<'EOS'
#!/bin/sh
# Install geoplan from this folder alone: no package index, no internet (see docs/zh/部署运维手册.md).
#   sh install.sh [VENV_DIR]        default /opt/geoplan/venv; PYTHON=python3.11 to choose the interpreter
set -eu
here=$(cd "$(dirname "$0")" && pwd)
target=${1:-/opt/geoplan/venv}
python=${PYTHON:-python3}
want=$(cat "$here/PYTHON_VERSION")
have=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if [ "$want" != "$have" ]; then
  echo "install.sh: this bundle is for Python $want, but $python is $have (set PYTHON=python$want)" >&2
  exit 1
fi
"$python" -m venv "$target"
PIP_NO_INDEX=1 "$target/bin/python" -m pip install --no-index --find-links "$here/wheels" "geoplan[postgis,dem]"

echo "geoplan installed in $target — try: $target/bin/geoplan serve --data-dir $here/demo-data"
EOS
chmod +x "$bundle/install.sh"
(cd "$bundle" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum > SHA256SUMS)

tar -czf "$out/$name.tar.gz.tmp" -C "$stage" "$name"
mv "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
echo "$out/$name.tar.gz"
