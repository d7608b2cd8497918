#!/usr/bin/env bash
# bpc against the performance referee, side by side in one run. By hand, not CI:
# it needs the network for the venv (torch alone is ~5 GB with its CUDA wheels)
# and takes 10-20 minutes on a 2-core machine.
#
#   bench/compare.sh [--quick] [compare.py options]
#
# Environment:
#   REFEREE  the referee's folder (default: ../shared/bench beside the repository)
#   WORK     scratch folder for the copy of the referee, data and specs
#            (default: ${TMPDIR:-/tmp}/bpc-compare; about 250 MB)
#   VENV     the Python venv with the referee's pinned packages (default: ~/.venv-ref;
#            made and filled when missing)
#
# It builds bpc (release) and the referee's rust-limit, installs the referee's
# requirements.txt plus bench/requirements-compare.txt (PyYAML, pandas) into the
# venv, then runs bench/compare.py, which prints one table of ratios (paste it
# into docs/performance.md). Take numbers when `uptime` shows a quiet machine.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
REFEREE="${REFEREE:-$ROOT/../shared/bench}"
WORK="${WORK:-${TMPDIR:-/tmp}/bpc-compare}"
VENV="${VENV:-$HOME/.venv-ref}"

if [ ! -f "$REFEREE/mlp.py" ]; then
  echo "no referee at $REFEREE (set REFEREE to the folder holding mlp.py and graphgen.py)" >&2
  exit 2
fi
mkdir -p "$WORK"
# The referee's folder may be read-only: work on a copy (rust-limit builds in it).
rm -rf "$WORK/referee"
cp -r "$REFEREE" "$WORK/referee"
chmod -R u+w "$WORK/referee"

echo "==> Python venv $VENV" >&2
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q -r "$WORK/referee/requirements.txt" -r "$ROOT/bench/requirements-compare.txt"

echo "==> cargo build --release (bpc, rust-limit)" >&2
(cd "$ROOT" && cargo build --release --locked -q)
(cd "$WORK/referee/rust-limit" && cargo build --release -q)

echo "==> measuring (load average: $(cut -d' ' -f1-3 /proc/loadavg))" >&2
exec "$VENV/bin/python" "$ROOT/bench/compare.py" --bpc "$ROOT/target/release/bpc" \
  --referee "$WORK/referee" --work "$WORK" --python "$VENV/bin/python" "$@"
