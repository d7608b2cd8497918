#!/usr/bin/env bash
# Renders every spec's DOT (`bpc dot SPEC`) to SVG with Graphviz; fails when
# bpc or Graphviz fails, or when Graphviz prints anything on stderr (warnings
# included). Needs Graphviz: `apt-get install -y graphviz`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null; then
    echo "render-dot: Graphviz's dot is not installed (apt-get install -y graphviz)" >&2
    exit 1
fi

# The debug build: `cargo test` has just built it, so this costs nothing in CI.
cargo build -q
bpc=target/debug/bpc
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

failed=0
count=0
for spec in specs/*.yaml exercises/*.yaml exercises/keys/*.yaml; do
    count=$((count + 1))
    for flags in "" "--no-grad"; do
        # shellcheck disable=SC2086 # $flags is empty or one word
        if ! "$bpc" dot "$spec" $flags >"$tmp/graph.dot" 2>"$tmp/bpc.err"; then
            echo "FAIL $spec $flags: bpc dot failed:" >&2
            cat "$tmp/bpc.err" >&2
            failed=1
            continue
        fi
        if ! dot -Tsvg -o /dev/null "$tmp/graph.dot" 2>"$tmp/dot.err" || [ -s "$tmp/dot.err" ]; then
            echo "FAIL $spec $flags: Graphviz said:" >&2
            cat "$tmp/dot.err" >&2
            failed=1
        fi
    done
done

if [ "$failed" -ne 0 ]; then
    exit 1
fi
echo "render-dot: $count specs render with Graphviz without warnings"
