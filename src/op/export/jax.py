# The JAX helpers of scripts exported by `bpc export --to jax`: the ops whose
# bpc meaning no single JAX function has. jax.grad differentiates them;
# `bpc export` copies the functions a graph uses into its script.
import jax
import jax.numpy as jnp


def cross_entropy(logits, target):
    """Mean over rows of -Σ target · log_softmax(logits); target one-hot (or
    probability) rows, or one class index per row (NaN for an invalid one;
    class indices get no gradient, as in bpc)."""
    ls = jax.nn.log_softmax(jnp.reshape(logits, (-1, jnp.shape(logits)[-1])), axis=1)
    n, c = ls.shape
    if jnp.shape(target) == jnp.shape(logits):
        return -jnp.sum(jnp.reshape(target, (n, c)) * ls) / n
    t = jax.lax.stop_gradient(jnp.reshape(target, -1))
    valid = (t == jnp.floor(t)) & (t >= 0) & (t < c)
    index = jnp.where(valid, t, 0).astype(jnp.int32)[:, None]
    picked = jnp.take_along_axis(ls, index, axis=1)[:, 0]
    return jnp.sum(jnp.where(valid, -picked, jnp.nan)) / n


def clip(x, lo, hi):
    """min(max(x, lo), hi) as bpc writes it: jax.grad gives the gradient to x
    where lo <= x <= hi, to lo below, to hi above (jnp.clip halves it where
    x equals a bound)."""
    m = jnp.where(x < lo, lo, x)
    return jnp.where(m > hi, hi, m)


def first_max(x, axis=None):
    """max as bpc: the first maximum of each lane (the first NaN if there is
    one), so jax.grad sends the gradient there alone (jnp.max shares it
    among equal maxima)."""
    if axis is None:
        flat = jnp.reshape(x, -1)
        return flat[jnp.argmax(flat)]
    first = jnp.expand_dims(jnp.argmax(x, axis=axis), axis)
    return jnp.squeeze(jnp.take_along_axis(x, first, axis=axis), axis)


def first_min(x, axis=None):
    """min as bpc: the first minimum of each lane (the first NaN if there is one)."""
    if axis is None:
        flat = jnp.reshape(x, -1)
        return flat[jnp.argmin(flat)]
    first = jnp.expand_dims(jnp.argmin(x, axis=axis), axis)
    return jnp.squeeze(jnp.take_along_axis(x, first, axis=axis), axis)
