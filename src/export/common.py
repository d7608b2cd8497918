# What every script exported by `bpc export` shares: bpc's seeded inits and
# the JSON that `bpc run --format json` prints. `bpc export` copies the
# functions a script uses (a function's text runs from its `def` to the next).
import json
import math

import numpy as np


def fans(shape):
    """Fan-in and fan-out of a weight laid out [in, out], as bpc reads them."""
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    field = math.prod(shape[2:])
    return shape[0] * field, shape[1] * field


def bpc_init(init, shape, seed=0, mean=0.0, std=1.0, low=0.0, high=1.0):
    """bpc's seeded init (src/init.rs): SplitMix64 and Box-Muller, so the
    same seed gives the same numbers as in bpc, bit for bit."""
    mask = (1 << 64) - 1
    state = seed

    def uniform():  # [0, 1) from 53 random bits
        nonlocal state
        state = (state + 0x9E3779B97F4A7C15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        z ^= z >> 31
        return (z >> 11) * (1.0 / (1 << 53))

    def normal():  # Box-Muller, one sample per pair of uniforms
        u1 = 1.0 - uniform()
        u2 = uniform()
        return math.sqrt(-2.0 * math.log(u1)) * math.cos(math.tau * u2)

    fan_in, fan_out = fans(shape)
    n = math.prod(shape)
    if init == "normal":
        data = [mean + std * normal() for _ in range(n)]
    elif init == "uniform":
        data = [low + (high - low) * uniform() for _ in range(n)]
    elif init == "xavier":
        a = math.sqrt(6.0 / max(fan_in + fan_out, 1))
        data = [-a + 2.0 * a * uniform() for _ in range(n)]
    elif init == "he":
        s = math.sqrt(2.0 / max(fan_in, 1))
        data = [s * normal() for _ in range(n)]
    else:
        raise ValueError("unknown init " + init)
    return np.reshape(np.array(data, dtype=float), shape)


def number(x):
    """A float as bpc writes it: the shortest text that reads back exactly
    (Python's repr, with Rust's exponents: 1e-7, 1e16), and NaN and
    infinities, which JSON lacks, as the strings "NaN", "inf" and "-inf"."""
    if x != x:
        return '"NaN"'
    if x in (math.inf, -math.inf):
        return '"inf"' if x > 0 else '"-inf"'
    text = repr(float(x))
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = mantissa + "e" + str(int(exponent))
    return text


def tensor(v):
    """A number, or nested lists of numbers, as JSON."""
    if isinstance(v, list):
        return "[" + ", ".join(tensor(x) for x in v) + "]"
    return number(v)


def report(name, output, rows):
    """Prints what `bpc run --format json` prints; rows are (name, value, gradient)."""
    def text(s):
        return json.dumps(s, ensure_ascii=False)

    def entries(k):
        return ", ".join(
            text(row[0]) + ": " + tensor(np.asarray(row[k], dtype=float).tolist())
            for row in rows
        )

    print('{"name": %s, "output": %s, "values": {%s}, "grads": {%s}}'
          % (text(name), text(output), entries(1), entries(2)))
