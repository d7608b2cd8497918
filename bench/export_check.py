#!/usr/bin/env python3
"""Check `bpc export` by hand for every target (CI checks NumPy only, in tests/export.rs).

For every spec given (default: specs/*.yaml, exercises/*.yaml and tests/export/every_op.yaml,
which uses every op), and for each of --to numpy, pytorch and jax, this script exports the
spec, runs the script with this Python, and compares what it prints with
`bpc run SPEC --format json`: the same JSON apart from the numbers, and every number within
1e-12 relative (to the number, or to the largest number of its section where a sum cancels
to nearly zero). A target whose framework this Python cannot import is skipped, and said so.

    cargo build --release
    pip install numpy torch jax          # whichever you want to check
    python3 bench/export_check.py [SPEC...]

Prints one line per spec and target with the worst difference (relative to the number
plus the largest number of its section, so at most 1e-12 when it passes), then
`N passed, M failed` (and `K skipped`); exits 1 if anything failed.

With PyTorch and JAX in a virtual environment (neither is needed by bpc or its tests):

    python3 -m venv /work/venv-torch
    /work/venv-torch/bin/pip install torch jax jaxlib numpy pyyaml
    /work/venv-torch/bin/python bench/export_check.py
"""
import glob
import importlib.util
import json
import math
import os
import re
import subprocess
import sys

BPC = os.environ.get("BPC", "target/release/bpc")
RTOL = 1e-12
TARGETS = {"numpy": "numpy", "pytorch": "torch", "jax": "jax"}
NUMBER = re.compile(r'"NaN"|"-?inf"|-?\d[\d.eE+-]*')


def run(args, stdin=None):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}\n{p.stderr[-2000:]}")
    return p.stdout


def numbers(text):
    """The JSON text with numbers replaced by #, and the numbers of values and of grads."""
    head, _, grads = text.partition('"grads": {')
    sections = []
    for part in (head, grads):
        sections.append([float(m.strip('"').replace("NaN", "nan")) for m in NUMBER.findall(part)])
    return NUMBER.sub("#", text), sections


def compare(got, want):
    """The worst difference relative to the number plus its section's largest
    number (the measure held to 1e-12: near-zero gradients where a sum cancels
    are measured against the section's scale), or an error message."""
    g_text, g_sections = numbers(got)
    w_text, w_sections = numbers(want)
    if g_text != w_text:
        return None, "the JSON differs beyond its numbers"
    worst = 0.0
    for g, w in zip(g_sections, w_sections):
        scale = max([abs(x) for x in w if math.isfinite(x)], default=0.0)
        for a, b in zip(g, w):
            if a == b or (math.isnan(a) and math.isnan(b)):
                continue
            diff = abs(a - b)
            if diff > RTOL * max(abs(a), abs(b)) + RTOL * scale:
                return None, f"script {a!r}, bpc {b!r}"
            worst = max(worst, diff / (max(abs(a), abs(b)) + scale))
    return worst, None


def main():
    specs = sys.argv[1:] or (
        sorted(glob.glob("specs/*.yaml"))
        + sorted(glob.glob("exercises/*.yaml"))
        + ["tests/export/every_op.yaml"]
    )
    passed = failed = skipped = 0
    available = {t: importlib.util.find_spec(m) is not None for t, m in TARGETS.items()}
    for target, ok in available.items():
        if not ok:
            print(f"skipped --to {target}: this Python cannot import {TARGETS[target]}")
    for spec in specs:
        want = run([BPC, "run", spec, "--format", "json"])
        for target, ok in available.items():
            if not ok:
                skipped += 1
                continue
            try:
                script = run([BPC, "export", spec, "--to", target])
                got = run([sys.executable, "-"], stdin=script)
                worst, error = compare(got, want)
            except RuntimeError as e:
                worst, error = None, str(e)
            if error is None:
                passed += 1
                print(f"ok     {target:8} {spec}  worst difference {worst:.1e}")
            else:
                failed += 1
                print(f"FAILED {target:8} {spec}: {error}")
    line = f"{passed} passed, {failed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
