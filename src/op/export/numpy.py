# The NumPy helpers of scripts exported by `bpc export --to numpy`: each op's
# forward and backward where one expression is not enough, each derivative
# with its formula. `bpc export` copies the functions a graph uses into its
# script (a function's text runs from its `def` to the next one). They compute
# what src/op/kernels.rs computes, in the same order where rounding could tell.
import numpy as np


def unbroadcast(g, x):
    """Sums g over the axes along which x was broadcast: back to x's shape."""
    shape = np.shape(x)
    g = np.asarray(g)
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


def add_backward(g, a, b):
    # d/da (a + b) = 1, d/db (a + b) = 1
    return unbroadcast(g, a), unbroadcast(g, b)


def sub_backward(g, a, b):
    # d/da (a - b) = 1, d/db (a - b) = -1
    return unbroadcast(g, a), unbroadcast(-g, b)


def mul_backward(g, a, b):
    # d/da ab = b, d/db ab = a
    return unbroadcast(g * b, a), unbroadcast(g * a, b)


def div_backward(g, a, b):
    # d/da a/b = 1/b, d/db a/b = -a/b²
    return unbroadcast(g / b, a), unbroadcast(-g * a / (b * b), b)


def pow_backward(g, out, x, p):
    # d/dx xᵖ = p·xᵖ⁻¹ (0 where p = 0), d/dp xᵖ = xᵖ·ln x (0 where x = 0 and p >= 0)
    dx = np.where(p == 0, 0.0, g * p * np.power(x, p - 1.0))
    dp = np.where((x == 0) & (p >= 0), 0.0, g * out * np.log(x))
    return unbroadcast(dx, x), unbroadcast(dp, p)


def sigmoid(x):
    """σ(x) = 1/(1 + e⁻ˣ), without overflow for large |x|."""
    return np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))


def softplus(x):
    """ln(1 + eˣ) = ln(1 + e^-|x|) + max(x, 0), without overflow."""
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0.0)


def matmul_backward(g, a, b):
    # With A [m, k], B [k, n] (a 1-D a is a row, a 1-D b a column):
    # d/dA (A B) = G Bᵀ, d/dB (A B) = Aᵀ G
    A = np.reshape(a, (-1, np.shape(a)[-1]))
    B = np.reshape(b, (np.shape(b)[0], -1))
    G = np.reshape(g, (A.shape[0], B.shape[1]))
    return np.reshape(G @ B.T, np.shape(a)), np.reshape(A.T @ G, np.shape(b))


def softmax(x, axis):
    """e^(x - max) / Σ e^(x - max) along axis."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def softmax_backward(g, out, axis):
    # ∂outⱼ/∂xᵢ = outⱼ(δᵢⱼ - outᵢ): d/dx = out (g - Σ g out)
    return out * (g - np.sum(g * out, axis=axis, keepdims=True))


def log_softmax(x, axis):
    """x - max - ln Σ e^(x - max) along axis."""
    m = np.max(x, axis=axis, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def log_softmax_backward(g, out, axis):
    # ∂outⱼ/∂xᵢ = δᵢⱼ - softmaxᵢ: d/dx = g - e^out Σ g
    return g - np.exp(out) * np.sum(g, axis=axis, keepdims=True)


def affine_backward(g, x, W, b):
    # affine = x @ W + b: d/db = 1 (summed over broadcast axes); x and W as matmul
    dx, dW = matmul_backward(unbroadcast(g, x @ W), x, W)
    return dx, dW, unbroadcast(g, b)


def mse_backward(g, pred, target):
    # d/dpred mean (pred - target)² = 2(pred - target)/n, d/dtarget = -2(pred - target)/n
    d = 2.0 * (pred - target) * g / np.size(pred - target)
    return unbroadcast(d, pred), unbroadcast(-d, target)


def bce_backward(g, p, y):
    # d/dp bce = (p - y)/(p(1 - p))/n, d/dy bce = -(ln p - ln(1 - p))/n
    shape = np.broadcast_shapes(np.shape(p), np.shape(y))
    g = g / np.prod(shape)
    dp = np.broadcast_to(g * (p - y) / (p * (1.0 - p)), shape)
    dy = np.broadcast_to(-g * (np.log(p) - np.log(1.0 - p)), shape)
    return unbroadcast(dp, p), unbroadcast(dy, y)


def class_index(t, classes):
    """A class index: an integer in [0, classes), or None."""
    ok = np.isfinite(t) and t == np.floor(t) and 0 <= t < classes
    return int(t) if ok else None


def log_softmax_rows(logits):
    """log_softmax of the logits as [N, C] rows."""
    return log_softmax(np.reshape(logits, (-1, np.shape(logits)[-1])), axis=1)


def cross_entropy(logits, target):
    """Mean over rows of -Σ target · log_softmax(logits); target one-hot (or
    probability) rows, or one class index per row (NaN for an invalid one)."""
    ls = log_softmax_rows(logits)
    n, c = ls.shape
    if np.shape(target) == np.shape(logits):
        return -np.sum(np.reshape(target, (n, c)) * ls) / n
    total = 0.0
    for i, t in enumerate(np.reshape(target, -1)):
        j = class_index(t, c)
        total += np.nan if j is None else -ls[i, j]
    return total / n


def cross_entropy_backward(g, logits, target):
    # d/dz = (softmax(z)·Σt - t)/N for target rows (softmax - onehot for one-hot
    # rows), d/dt = -log_softmax(z)/N; class indices have gradient 0
    ls = log_softmax_rows(logits)
    n, c = ls.shape
    scale = g / n
    if np.shape(target) == np.shape(logits):
        t = np.reshape(target, (n, c))
        dz = scale * (np.exp(ls) * np.sum(t, axis=1, keepdims=True) - t)
        return np.reshape(dz, np.shape(logits)), np.reshape(-scale * ls, np.shape(target))
    dz = scale * np.exp(ls)
    for i, t in enumerate(np.reshape(target, -1)):
        j = class_index(t, c)
        if j is None:
            dz[i] = np.nan
        else:
            dz[i, j] -= scale
    return np.reshape(dz, np.shape(logits)), np.zeros(np.shape(target))
