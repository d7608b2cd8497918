#!/usr/bin/env python3
"""The workload of `cargo bench --bench train`, hand-written in NumPy float64.

A 784-128-10 sigmoid MLP with softmax cross-entropy (mean over the batch),
plain SGD (lr 0.1), batches of 64 over 10,000 synthetic samples, shuffled
each epoch. Run by hand (not in CI):

    pip install numpy
    python3 bench/numpy_mlp.py            # single-threaded BLAS, like bpc
    THREADS=2 python3 bench/numpy_mlp.py  # let BLAS use 2 threads

Prints seconds per epoch and samples per second (best of 3 epochs).
"""

import os

threads = os.environ.get("THREADS", "1")
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = threads

import time  # noqa: E402

import numpy as np  # noqa: E402

ROWS, FEATURES, HIDDEN, CLASSES, BATCH, LR = 10_000, 784, 128, 10, 64, 0.1

rng = np.random.default_rng(42)
x = rng.random((ROWS, FEATURES))
y = rng.integers(0, CLASSES, ROWS)
W1 = rng.normal(0, 0.05, (FEATURES, HIDDEN))
b1 = np.zeros(HIDDEN)
W2 = rng.normal(0, 0.05, (HIDDEN, CLASSES))
b2 = np.zeros(CLASSES)


def step(xb, yb):
    global W1, b1, W2, b2
    n = len(xb)
    # forward
    h = 1.0 / (1.0 + np.exp(-(xb @ W1 + b1)))
    z = h @ W2 + b2
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), yb].mean()
    # backward: d loss / d z = (softmax(z) - onehot(y)) / n
    dz = np.exp(log_p)
    dz[np.arange(n), yb] -= 1.0
    dz /= n
    dW2 = h.T @ dz
    db2 = dz.sum(axis=0)
    dnet = (dz @ W2.T) * h * (1.0 - h)  # d/dx sigmoid x = s (1 - s)
    dW1 = xb.T @ dnet
    db1 = dnet.sum(axis=0)
    # SGD
    W1 -= LR * dW1
    b1 -= LR * db1
    W2 -= LR * dW2
    b2 -= LR * db2
    return loss


def epoch():
    order = rng.permutation(ROWS)
    total = 0.0
    for i in range(0, ROWS, BATCH):
        idx = order[i : i + BATCH]
        total += step(x[idx], y[idx]) * len(idx)
    return total / ROWS


best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    loss = epoch()
    best = min(best, time.perf_counter() - t)
print(f"numpy {np.__version__}, BLAS threads {threads}: {best:.3f} s/epoch, "
      f"{ROWS / best:,.0f} samples/s (last epoch loss {loss:.4f})")
