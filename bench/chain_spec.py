#!/usr/bin/env python3
"""Writes the scalar chain of `cargo bench --bench eval` (benches/eval.rs,
`chain_spec`) as a spec file, byte for byte the same text:

    python3 bench/chain_spec.py 1000000 chain.yaml     # 27 MB

n0 = tanh(x), then n{i} = add(n{i-1}, x) | mul(n{i-1}, w) | tanh(n{i-1}) for
i % 3 = 0, 1, 2; the output is the last node.
"""
import sys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    calls = ("add(n{p}, x)", "mul(n{p}, w)", "tanh(n{p})")
    with open(out, "w") as f:
        f.write("inputs:\n  x: 0.3\n  w: 0.9\nnodes:\n  n0: tanh(x)\n")
        for i in range(1, n):
            f.write(f"  n{i}: " + calls[i % 3].format(p=i - 1) + "\n")
        f.write(f"output: n{n - 1}\n")


if __name__ == "__main__":
    main()
