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


def maximum_backward(g, a, b):
    # d/da max(a, b) = 1 where a > b, 0 where a < b, ½ each at a tie (NaN if either is NaN)
    tie = np.where(a == b, g / 2, np.nan)
    da = np.where(a > b, g, np.where(a < b, 0.0, tie))
    db = np.where(a > b, 0.0, np.where(a < b, g, tie))
    return unbroadcast(da, a), unbroadcast(db, b)


def minimum_backward(g, a, b):
    # d/da min(a, b) = 1 where a < b, 0 where a > b, ½ each at a tie (NaN if either is NaN)
    tie = np.where(a == b, g / 2, np.nan)
    da = np.where(a < b, g, np.where(a > b, 0.0, tie))
    db = np.where(a < b, 0.0, np.where(a > b, g, tie))
    return unbroadcast(da, a), unbroadcast(db, b)


def clip(x, lo, hi):
    """min(max(x, lo), hi): hi where lo > hi, as PyTorch's clamp; NaN stays NaN."""
    m = np.where(x < lo, lo, x)
    return np.where(m > hi, hi, m)


def clip_backward(g, x, lo, hi):
    # With m = max(x, lo): d/dx = 1 where x >= lo and m <= hi, d/dlo = 1 where
    # x < lo and m <= hi, d/dhi = 1 where m > hi (for lo <= hi: g goes to x
    # inside [lo, hi], to lo below it, to hi above it)
    m = np.where(x < lo, lo, x)
    dx = np.where((x >= lo) & (m <= hi), g, 0.0)
    dlo = np.where((x < lo) & (m <= hi), g, 0.0)
    dhi = np.where(m > hi, g, 0.0)
    return unbroadcast(dx, x), unbroadcast(dlo, lo), unbroadcast(dhi, hi)


def picked(g, x, first, axis):
    """g placed at the element picked in each lane (`first`: its position
    along axis, or in x flattened when axis is None), 0 elsewhere."""
    dx = np.zeros(np.shape(x))
    if axis is None:
        dx.flat[first] = g
    else:
        np.put_along_axis(dx, np.expand_dims(first, axis), np.expand_dims(g, axis), axis)
    return dx


def max_backward(g, x, axis=None):
    # d/dx max x = 1 at the first maximum of each lane (the first NaN if there
    # is one), 0 elsewhere, as PyTorch's max(x, dim): argmax picks the first
    return picked(g, x, np.argmax(x, axis=axis), axis)


def min_backward(g, x, axis=None):
    # d/dx min x = 1 at the first minimum of each lane (the first NaN if there
    # is one), 0 elsewhere: argmin picks the first
    return picked(g, x, np.argmin(x, axis=axis), axis)


def placed(g, x, where):
    # d/dx x[where] = 1 at the elements taken, 0 elsewhere: g put back where
    # they came from (index, slice)
    dx = np.zeros(np.shape(x))
    dx[where] = g
    return dx


def stack_backward(g, *xs, axis):
    # d/d(argument k) stack = 1 on slab k: argument k gets slab k of g along
    # the new axis
    parts = tuple(np.take(g, k, axis=axis) for k in range(len(xs)))
    return parts if len(xs) > 1 else parts[0]


def concat_backward(g, *xs, axis):
    # d/d(argument k) concat = 1 on its part: each argument gets the part of g
    # where it was placed along axis
    ends = np.cumsum([np.shape(x)[axis] for x in xs])
    parts = tuple(np.split(g, ends[:-1], axis=axis))
    return parts if len(xs) > 1 else parts[0]
