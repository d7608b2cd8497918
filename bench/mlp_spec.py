#!/usr/bin/env python3
"""Writes the performance referee's MLP work as a bpc spec and its CSV, so that
`bpc train` does exactly what the referee's `mlp.py` times (run by hand, by
`bench/compare.sh`; CI needs no Python).

    python3 bench/mlp_spec.py REFEREE_DIR OUT_DIR [--n 10000]

REFEREE_DIR holds the referee's `graphgen.py` (the SplitMix64 definitions of
the data and the initial weights); OUT_DIR gets:

- `mlp.csv`: a header `p0,...,p783,label`, then one row per sample: the 784
  pixels (k/256, printed exactly) and the class index;
- `mlp.yaml`: the 784-128-10 sigmoid MLP, softmax cross-entropy (mean over the
  batch), SGD lr 0.1, batches of 64 in sample order (`shuffle: false`), one
  epoch, with the referee's initial weights written out digit for digit (every
  f64 printed by `repr`, which reads back as the same bits; bpc's own `xavier`
  init rounds differently in the last bit, so it is not used).
"""
import argparse
import os
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("referee")
    ap.add_argument("out")
    ap.add_argument("--n", type=int, default=10000)
    args = ap.parse_args()
    sys.path.insert(0, args.referee)
    import graphgen  # noqa: E402  (the referee's generators)

    x, y = graphgen.mlp_data(args.n)
    w1, b1, w2, b2 = graphgen.mlp_init()
    os.makedirs(args.out, exist_ok=True)

    with open(os.path.join(args.out, "mlp.csv"), "w") as f:
        f.write(",".join(f"p{j}" for j in range(x.shape[1])) + ",label\n")
        for row, label in zip(x.tolist(), y.tolist()):
            f.write(",".join(map(repr, row)) + f",{label}\n")

    def flow(m):
        rows = ("[" + ", ".join(map(repr, r)) + "]" for r in m.tolist())
        return "[" + ",\n    ".join(rows) + "]"

    cols = ", ".join(f"p{j}" for j in range(x.shape[1]))
    with open(os.path.join(args.out, "mlp.yaml"), "w") as f:
        f.write(
            f"""# The performance referee's MLP (shared bench README, "The work, precisely"):
# written by bench/mlp_spec.py; do not edit.
name: mlp_referee
description: 784-128-10 sigmoid MLP, softmax cross-entropy, SGD lr 0.1, batch 64 in order
params:
  W1: {flow(w1)}
  b1: {{ shape: [{len(b1)}], init: zeros }}
  W2: {flow(w2)}
  b2: {{ shape: [{len(b2)}], init: zeros }}
nodes:
  net_h: affine(x, W1, b1)
  h: sigmoid(net_h)
  logits: affine(h, W2, b2)
  loss: cross_entropy(logits, y)
output: loss
train:
  optimizer: sgd
  lr: 0.1
  epochs: 1
  batch_size: 64
  shuffle: false
data:
  csv: mlp.csv
  columns:
    x: [{cols}]
    y: label
"""
        )


if __name__ == "__main__":
    main()
