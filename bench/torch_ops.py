#!/usr/bin/env python3
"""Compare bpc's values and gradients with PyTorch float64 (run by hand; CI needs neither).

For every spec given (default: specs/*.yaml, a sweep of every op with broadcasting, and the
ops that pick at exact ties), this script builds the same graph in PyTorch from the YAML, runs
autograd on the output (summed when it is not a scalar), and compares every value and
gradient with `bpc run --format json`.

    cargo build --release
    python3 -m venv /work/venv-torch          # any folder; neither is needed by bpc's tests
    /work/venv-torch/bin/pip install torch pyyaml
    /work/venv-torch/bin/python bench/torch_ops.py [SPEC...]

(`BPC=target/debug/bpc` runs another build.) Where bpc's rule is not PyTorch's own
function's at a tie, the script writes bpc's documented rule with PyTorch ops, and says why:
`max`/`min` with no axis (torch.max(x) splits among equal maxima; bpc keeps max(x, dim)'s
first maximum) and `clip` at a bound (PyTorch 2.14 changed clamp's gradient there).

Prints the worst difference per spec (relative to the number plus the largest number of its
section, values or gradients, so that a sum that cancels to nearly zero is measured against
the section's scale) and exits 1 if any exceeds 1e-9.
"""
import glob
import json
import math
import os
import re
import subprocess
import sys
import tempfile

import torch
import yaml

torch.set_default_dtype(torch.float64)
BPC = os.environ.get("BPC", "target/release/bpc")


def literal(v):
    return torch.tensor(v, dtype=torch.float64)


def call(text):
    m = re.fullmatch(r"\s*(\w+)\((.*)\)\s*", text)
    op, inner = m.group(1), m.group(2)
    args, attrs = [], {}
    # commas inside [...] (shape=[2, 3]) do not split
    for piece in [p.strip() for p in re.split(r",(?![^\[]*\])", inner) if p.strip()]:
        if "=" in piece:
            k, v = piece.split("=", 1)
            attrs[k.strip()] = json.loads(v) if v.strip().startswith("[") else float(v)
        else:
            args.append(piece)
    return op, args, attrs


def node_form(d):
    if isinstance(d, str):
        return call(d)
    d = dict(d)
    op, args = d.pop("op"), [str(a) for a in d.pop("args")]
    return op, args, {k: v if isinstance(v, list) else float(v) for k, v in d.items()}


def apply(op, a, attrs):
    ax = attrs.get("axis")
    ax = None if ax is None else int(ax)
    if op == "add": return a[0] + a[1]
    if op == "sub": return a[0] - a[1]
    if op == "mul": return a[0] * a[1]
    if op == "div": return a[0] / a[1]
    if op == "pow": return torch.pow(a[0], a[1])
    if op == "neg": return -a[0]
    if op in ("exp", "log", "sqrt", "abs", "sin", "cos", "sigmoid", "tanh", "relu"):
        return getattr(torch, op)(a[0])
    if op == "square": return a[0] * a[0]
    if op == "softplus": return torch.nn.functional.softplus(a[0])
    if op == "leaky_relu": return torch.nn.functional.leaky_relu(a[0], attrs.get("alpha", 0.01))
    if op == "matmul": return torch.matmul(a[0], a[1])
    if op == "transpose": return a[0].permute(*reversed(range(a[0].dim())))
    if op == "sum": return a[0].sum() if ax is None else a[0].sum(dim=ax)
    if op == "mean": return a[0].mean() if ax is None else a[0].mean(dim=ax)
    if op == "softmax": return torch.softmax(a[0], dim=-1 if ax is None else ax)
    if op == "log_softmax": return torch.log_softmax(a[0], dim=-1 if ax is None else ax)
    if op == "affine": return torch.matmul(a[0], a[1]) + a[2]
    if op == "mse": return ((a[0] - a[1]) ** 2).mean()
    if op == "bce":
        p, y = torch.broadcast_tensors(a[0], a[1])
        return torch.nn.functional.binary_cross_entropy(p, y)
    if op == "cross_entropy":
        logits, t = a
        if logits.dim() == 1:
            logits, t = logits.unsqueeze(0), t.unsqueeze(0)
        if t.shape == logits.shape:
            return -(t * torch.log_softmax(logits, dim=-1)).sum(-1).mean()
        return torch.nn.functional.cross_entropy(logits, t.detach().long())
    if op == "maximum": return torch.maximum(a[0], a[1])
    if op == "minimum": return torch.minimum(a[0], a[1])
    if op == "clip":
        # PyTorch's clamp up to 2.13 (x's gradient on [lo, hi], bounds included), as bpc;
        # 2.14 moved it at a bound (0 at a number bound, ½ and ½ with a tensor bound).
        m = torch.where(a[0] < a[1], a[1], a[0])
        return torch.where(m > a[2], a[2], m)
    # max(x, dim) sends the gradient to the first maximum, as bpc does; with no
    # axis bpc keeps that rule (torch.max(x) with no dim would split it among
    # ties), so x is flattened and reduced along its one dim
    if op == "max": return (a[0].reshape(-1).max(dim=0) if ax is None else a[0].max(dim=ax)).values
    if op == "min": return (a[0].reshape(-1).min(dim=0) if ax is None else a[0].min(dim=ax)).values
    ax0 = 0 if ax is None else ax
    if op == "index": return a[0].select(ax0, int(a[1].item()))
    if op == "slice":
        at = (slice(None),) * (ax0 % a[0].dim()) + (slice(int(a[1].item()), int(a[2].item())),)
        return a[0][at]
    if op == "reshape": return a[0].reshape([int(d) for d in attrs["shape"]])
    if op == "stack": return torch.stack(a, dim=ax0)
    if op == "concat": return torch.cat(a, dim=ax0)
    raise ValueError(f"op {op} not mapped")


def torch_eval(spec):
    env = {}
    for section in ("inputs", "params"):
        for name, v in (spec.get(section) or {}).items():
            env[name] = literal(v).requires_grad_(True)
    data = spec.get("data") or {}
    if "csv" not in data:
        for name, v in data.items():
            env[name] = literal(v).requires_grad_(True)
    nodes = {k: node_form(v) for k, v in (spec.get("nodes") or {}).items()}
    done = set()
    while len(done) < len(nodes):
        for name, (op, args, attrs) in nodes.items():
            if name in done or any(a not in env and not re.fullmatch(r"[-+0-9.eE]+", a) for a in args):
                continue
            vals = [env[a] if a in env else literal(float(a)) for a in args]
            env[name] = apply(op, vals, attrs)
            env[name].retain_grad()
            done.add(name)
    out = env[spec["output"]]
    out.sum().backward() if out.dim() else out.backward()
    return env


def numbers(v):
    """bpc's JSON numbers as floats: it writes NaN and infinities as strings."""
    if isinstance(v, list):
        return [numbers(x) for x in v]
    return float(v)


def compare(path):
    spec = yaml.safe_load(open(path))
    if "csv" in (spec.get("data") or {}):
        return None
    for v in list((spec.get("inputs") or {}).values()) + list((spec.get("params") or {}).values()):
        if isinstance(v, dict):
            return None  # seeded inits: bpc's stream, not torch's
    env = torch_eval(spec)
    got = json.loads(subprocess.run([BPC, "run", path, "--format", "json", "--allow-nonfinite"],
                                    check=True, capture_output=True, text=True).stdout)
    worst = 0.0
    for kind in ("values", "grads"):
        pairs = []
        for name, v in got[kind].items():
            t = env[name]
            ref = t.detach() if kind == "values" else (t.grad if t.grad is not None else torch.zeros_like(t))
            pairs.append((name, v, torch.tensor(numbers(v), dtype=torch.float64), ref))
        # relative to the number, or to the largest number of its section where a sum
        # cancels to nearly zero (as tests/export.rs and bench/export_check.py measure)
        finite = [r.abs()[r.isfinite()] for _, _, _, r in pairs]
        scale = max([f.max().item() for f in finite if f.numel()], default=0.0)
        for name, v, mine, ref in pairs:
            if not ref.numel():
                continue
            # equal numbers (infinities, NaN and NaN included) differ by 0, NaN and a number by inf
            rel = (mine - ref).abs() / (torch.maximum(mine.abs(), ref.abs()) + scale).clamp(min=1e-300)
            same = (mine == ref) | (mine.isnan() & ref.isnan())
            rel = torch.where(same, 0.0, torch.nan_to_num(rel, nan=math.inf))
            err = rel.max().item()
            worst = max(worst, err)
            if err > 1e-9:
                print(f"  {path}: {kind} {name}: bpc {v} vs torch {ref.tolist()}")
    return worst


SWEEP = """
inputs:
  a: [[0.3, -1.2, 0.7], [1.5, 0.2, -0.4]]
  b: [0.5, 1.1, -0.8]
  c: [[0.9], [-0.6]]
  pos: [[0.3, 1.2, 0.7], [1.5, 0.2, 0.4]]
  p: [[0.2, 0.7, 0.4], [0.9, 0.1, 0.5]]
  y: [[0, 1, 1], [1, 0, 0]]
  W: [[0.1, 0.2], [-0.3, 0.4], [0.5, -0.6]]
  bias: [0.05, -0.05]
  cls: [1, 0]
  onehot: [[0, 1], [1, 0]]
  v: [0.3, -0.2, 0.9]
nodes:
  add_: add(a, b)
  sub_: sub(a, c)
  mul_: mul(a, c)
  div_: div(a, pos)
  pow_: pow(pos, b)
  pow2: pow(pos, 3)
  neg_: neg(a)
  exp_: exp(a)
  log_: log(pos)
  sqrt_: sqrt(pos)
  square_: square(a)
  abs_: abs(a)
  sin_: sin(a)
  cos_: cos(a)
  sig: sigmoid(a)
  tanh_: tanh(a)
  relu_: relu(a)
  softplus_: softplus(a)
  leaky: leaky_relu(a, alpha=0.2)
  mm: matmul(a, W)
  mv: matmul(a, v)
  vm: matmul(b, W)
  vv: matmul(b, v)
  tr: transpose(a)
  s0: sum(a, axis=0)
  m1: mean(a, axis=1)
  sm: softmax(a, axis=1)
  lsm: log_softmax(a, axis=0)
  aff: affine(a, W, bias)
  mse_: mse(a, c)
  ce_idx: cross_entropy(aff, cls)
  ce_hot: cross_entropy(aff, onehot)
  bce_: bce(p, y)
  t1: sum(add_)
  t2: sum(sub_)
  t3: sum(mul_)
  t4: sum(div_)
  t5: sum(pow_)
  t6: sum(pow2)
  t7: sum(neg_)
  t8: sum(exp_)
  t9: sum(log_)
  t10: sum(sqrt_)
  t11: sum(square_)
  t12: sum(abs_)
  t13: sum(sin_)
  t14: sum(cos_)
  t15: sum(sig)
  t16: sum(tanh_)
  t17: sum(relu_)
  t18: sum(softplus_)
  t19: sum(leaky)
  t20: sum(mm)
  t21: sum(mv)
  t22: sum(vm)
  t23: mul(vv, 1.5)
  t24: sum(tr)
  t25: sum(s0)
  t26: sum(m1)
  t27: mul(sm, a)
  t28: sum(t27)
  t29: mul(lsm, a)
  t30: sum(t29)
  t31: sum(aff)
  maxi: maximum(a, c)
  mini: minimum(a, b)
  clp: clip(a, -0.5, 0.8)
  clpt: clip(a, c, 1.0)
  mx0: max(a, axis=0)
  mn: min(a)
  ix: index(a, 1)
  ixc: index(a, -1, axis=1)
  sl: slice(a, 0, 2, axis=1)
  rs: reshape(a, shape=[3, -1])
  st: stack(b, v, b, v)
  cc: concat(b, v, b, v)
  t32: sum(maxi)
  t33: sum(mini)
  t34: sum(clp)
  t35: sum(clpt)
  t36: sum(mx0)
  t37: sum(ix)
  t38: sum(ixc)
  t39: sum(sl)
  t40: mul(rs, rs)
  t41: sum(t40)
  t42: mul(st, st)
  t43: sum(t42)
  t44: mul(cc, cc)
  t45: sum(t44)
  all1: stack(t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15)
  all2: stack(t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t28, t30, t31, mse_)
  all3: stack(ce_idx, ce_hot, bce_, t32, t33, t34, t35, t36, mn, t37, t38, t39, t41, t43, t45)
  all: concat(all1, all2, all3)
  total: sum(all)
output: total
"""


# The ops that pick, at exact ties: maximum and minimum (½ each), clip at its
# bounds and with lo > hi, max and min with two equal maxima in a lane.
TIES = """
inputs:
  a: [[0.5, 2.0, 2.0], [-1.0, -1.0, 0.3]]
  b: [0.5, 2.0, 0.3]
  c: [[2.0], [-1.0]]
  lo: [0.5, -1.0, 0.0]
  hi: [2.0, 1.0, -0.5]
  w: [[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]]
nodes:
  mx: maximum(a, b)
  mn: minimum(a, c)
  mxs: maximum(a, 2.0)
  cl: clip(a, lo, hi)
  cl2: clip(a, -1.0, 2.0)
  r0: max(a, axis=1)
  r1: min(a, axis=-1)
  r2: max(a)
  r3: min(a)
  r4: max(a, axis=0)
  k1: mul(mx, w)
  k2: mul(mn, w)
  k3: mul(mxs, w)
  k4: mul(cl, w)
  k5: mul(cl2, w)
  k6: mul(r4, b)
  s1: sum(k1)
  s2: sum(k2)
  s3: sum(k3)
  s4: sum(k4)
  s5: sum(k5)
  s6: sum(k6)
  s7: sum(r0)
  s8: mul(r1, c)
  s9: sum(s8)
  all: stack(s1, s2, s3, s4, s5, s6, s7, s9, r2, r3)
  total: sum(all)
output: total
"""


def main():
    paths = sys.argv[1:] or sorted(glob.glob("specs/*.yaml"))
    labels = {}
    for label, text in (("sweep of every op", SWEEP), ("every picking op at ties", TIES)):
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
            f.write(text)
        paths.append(f.name)
        labels[f.name] = label
    bad = False
    for path in paths:
        worst = compare(path)
        name = labels.get(path, path)
        if worst is None:
            print(f"{name}: skipped (seeded inits or CSV data)")
            continue
        print(f"{name}: worst difference {worst:.3g}")
        bad |= worst > 1e-9
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
