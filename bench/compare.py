#!/usr/bin/env python3
"""bpc against the performance referee, side by side in one run (by hand, not CI).

Run through `bench/compare.sh`, which builds everything and makes the venv; this
script only measures. Every number in its table comes from this run: the machine
is shared and noisy, so only ratios within one run mean anything.

    python bench/compare.py --bpc target/release/bpc --referee DIR --work DIR [--quick]

Work measured (the referee's README, "The work, precisely"):
- one training epoch of the 784-128-10 sigmoid MLP (softmax cross-entropy, SGD
  lr 0.1, batch 64 in sample order, 10,000 samples, f64, the referee's initial
  weights): `bpc train --timings` (its `epoch median`) against the referee's
  `mlp.py` in NumPy, PyTorch and JAX (`jax-scan`: the epoch in one jit), 1 and
  2 threads. bpc's result is checked first: its epoch loss, trained params and
  full-set loss against the referee's NumPy epoch.
- forward + backward of the referee's random scalar DAG (1,000,000 nodes,
  written as a spec by `to_bpc_spec.py`) against the flat tape
  (`rust-limit scalar`, the median of warm repetitions on preallocated
  arrays), timed the same way (`bpc run --repeat 20`: the median pass of 20
  evaluations into the same buffers), the cold first pass shown beside it;
  bpc's checksums y, G, W are compared with the tape's.
- the 1,000,000-node chain of `cargo bench --bench eval` from text to every
  gradient (every phase of `bpc run --timings` but `render`) and its peak
  memory, against PyYAML's C loader parsing the same text.
- loading the 10,000 x 785 CSV: bpc's `load data` phase against
  `pandas.read_csv`.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# The referee's figures for the MLP epoch (its README) and the targets of issue 15.
REF_MEAN_BATCH_LOSS = 1.083294058890
REF_FULL_LOSS = 0.271783239068


def run(cmd, env=None, stdout_path=None, cwd=None):
    """Runs cmd; returns (returncode, stdout text or None, stderr text, peak RSS MiB, wall s)."""
    out = open(stdout_path, "wb") if stdout_path else tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    # The child's own peak: GNU time's %M (wait4's ru_maxrss here reports the
    # largest of every child the process ever waited for).
    peak_file = tempfile.NamedTemporaryFile(delete=False)
    peak_file.close()
    if os.path.exists("/usr/bin/time"):
        cmd = ["/usr/bin/time", "-q", "-f", "%M", "-o", peak_file.name] + list(cmd)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    try:
        peak_kb = float(open(peak_file.name).read().split()[-1])
    except (ValueError, IndexError):
        peak_kb = float("nan")
    os.unlink(peak_file.name)
    text = None
    if not stdout_path:
        out.seek(0)
        text = out.read().decode()
    out.close()
    err.seek(0)
    etext = err.read().decode()
    err.close()
    return p.returncode, text, etext, peak_kb / 1024.0, wall


def must(cmd, **kw):
    rc, out, err, rss, wall = run(cmd, **kw)
    if rc != 0:
        sys.exit(f"failed ({rc}): {' '.join(cmd)}\n{err[-3000:]}")
    return out, err, rss, wall


def timing_ms(stderr, phase):
    """The milliseconds of `phase` in a `--timings` report."""
    m = re.search(rf"^\s*{re.escape(phase)}\s+([0-9.]+) ms$", stderr, re.M)
    if not m:
        sys.exit(f"no `{phase}` line in the --timings report:\n{stderr[-2000:]}")
    return float(m.group(1))


def phases_ms(stderr):
    """Every phase of a `--timings` report (name -> ms), without the total."""
    found = re.findall(r"^  (\S.*?)\s+([0-9.]+) ms$", stderr, re.M)
    return {k: float(v) for k, v in found if k != "total"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------ training
def referee_epoch(args, impl, threads):
    cmd = [args.python, "mlp.py", "--impl", impl, "--dtype", "f64", "--threads", str(threads),
           "--reps", str(args.reps)]
    env = dict(os.environ)
    if impl == "numpy":
        # Set on some machines for old OpenBLAS builds; they slow a current NumPy.
        env.pop("OPENBLAS_CORETYPE", None)
        env.pop("OPENBLAS_L2_SIZE", None)
    if impl.startswith("jax"):
        # XLA uses as many threads as CPUs in the affinity mask.
        cmd = ["taskset", "-c", ",".join(str(c) for c in range(threads))] + cmd
    out, _, _, _ = must(cmd, env=env, cwd=args.referee)
    r = json.loads(out.strip().splitlines()[-1])
    return r["epoch_s_med"], r


def bpc_epoch(args, threads):
    cmd = [args.bpc, "train", os.path.join(args.work, "mlp.yaml"), "--epochs", str(args.reps + 1),
           "--threads", str(threads), "--timings"]
    _, err, rss, _ = must(cmd)
    # The first epoch warms up (as the referee's untimed one); the median of the rest.
    epochs = [float(v) for v in re.findall(r"^\s*epoch \d+\s+([0-9.]+) ms$", err, re.M)][1:]
    return statistics.median(epochs) / 1e3, {"epochs_ms": epochs, "maxrss_mb": rss,
                                             "load_data_ms": timing_ms(err, "load data")}


def verify_training(args):
    """bpc's epoch against the referee's NumPy epoch: the same numbers."""
    import numpy as np
    import yaml

    sys.path.insert(0, args.referee)
    import graphgen
    import mlp

    x, y = graphgen.mlp_data(10000)
    init = graphgen.mlp_init()
    (w1, b1, w2, b2), losses = mlp.make_numpy(x, y, init, 64, 0.1, np.float64)()
    rows = np.array([min(64, 10000 - s) for s in range(0, 10000, 64)], dtype=np.float64)
    weighted = float((losses * rows).sum() / rows.sum())
    full, _ = mlp.evaluate((w1, b1, w2, b2), x, y)

    trained = os.path.join(args.work, "trained.yaml")
    history = os.path.join(args.work, "history.csv")
    must([args.bpc, "train", os.path.join(args.work, "mlp.yaml"), "--epochs", "1",
          "-o", trained, "--history", history])
    epoch_loss = float(open(history).read().splitlines()[1].split(",")[1])
    out, _, _, _ = must([args.bpc, "run", trained, "--format", "json"])
    res = json.loads(out)
    bpc_full = float(res["values"][res["output"]])
    with open(trained) as f:
        params = yaml.load(f, Loader=yaml.CLoader)["params"]
    diff = max(float(np.abs(np.asarray(params[k], dtype=np.float64) - v).max())
               for k, v in (("W1", w1), ("b1", b1), ("W2", w2), ("b2", b2)))
    checks = {
        "referee mean batch loss (unweighted)": (float(losses.mean()), REF_MEAN_BATCH_LOSS),
        "bpc epoch loss vs referee's, weighted by rows": (epoch_loss, weighted),
        "bpc full-set loss vs README": (bpc_full, REF_FULL_LOSS),
        "bpc full-set loss vs referee's": (bpc_full, full),
    }
    ok = diff <= 1e-12
    lines = []
    for what, (got, want) in checks.items():
        tol = 1e-12 if "README" in what else 1e-12 * abs(want)
        good = abs(got - want) <= max(tol, 5e-13)
        ok &= good
        lines.append(f"- {what}: {got!r} vs {want!r} ({'ok' if good else 'DIFFERENT'})")
    lines.append(f"- largest |bpc param - NumPy param| after one epoch: {diff:.3g} "
                 f"({'ok' if diff <= 1e-12 else 'DIFFERENT'})")
    return ok, lines


# ------------------------------------------------------------------ scalar DAG
def scalar_dag(args, n):
    spec = os.path.join(args.work, f"scalar{n}.yaml")
    if not os.path.exists(spec):
        must([args.python, os.path.join(args.referee, "to_bpc_spec.py"), str(n), spec])
    out, _, _, _ = must([os.path.join(args.referee, "rust-limit/target/release/rust-limit"),
                         "scalar", "--n", str(n)])
    tape = next(json.loads(line) for line in out.splitlines() if '"rust-tape"' in line)
    # The tape times warm repetitions on preallocated buffers (median of at
    # least 5, over at least 1 s); bpc's --repeat does the same on its own
    # buffers. The cold first pass is reported beside it.
    times, cold, answer = [], [], os.path.join(args.work, "scalar_out.json")
    for _ in range(args.reps_big):
        _, err, rss, _ = must([args.bpc, "run", spec, "--timings", "--repeat", "20",
                               "--format", "json"], stdout_path=answer)
        times.append((timing_ms(err, "forward median") + timing_ms(err, "backward median")) / 1e3)
        cold.append((timing_ms(err, "forward") + timing_ms(err, "backward")) / 1e3)
    tape["bpc_cold_s"] = statistics.median(cold)
    with open(answer) as f:
        res = json.load(f)
    leaves = n // 10
    grads = [float(res["grads"][f"v{j}"]) for j in range(leaves)]
    g = w = 0.0
    for j, d in enumerate(grads):
        g += d
        w += ((j % 7) + 1) * d
    mine = {"y": float(res["values"][res["output"]]), "G": g, "W": w}
    same = all(mine[k] == float(tape[k]) for k in ("y", "G", "W"))
    return statistics.median(times), tape["total_s_med"], same, mine, tape


# ------------------------------------------------------------------ big spec
def big_spec(args, n):
    spec = os.path.join(args.work, f"chain{n}.yaml")
    if not os.path.exists(spec):
        must([sys.executable, os.path.join(HERE, "chain_spec.py"), str(n), spec])
    times, peaks = [], []
    for _ in range(args.reps_big):
        _, err, rss, _ = must([args.bpc, "run", spec, "--timings", "--format", "json"],
                              stdout_path=os.devnull)
        ph = phases_ms(err)
        times.append(sum(v for k, v in ph.items() if k != "render") / 1e3)
        peaks.append(rss)
    code = ("import json, resource, sys, time, yaml\n"
            "t = time.perf_counter()\n"
            "text = open(sys.argv[1]).read()\n"
            "yaml.load(text, Loader=yaml.CLoader)\n"
            "print(json.dumps({'s': time.perf_counter() - t}))\n")
    out, _, rss, _ = must([args.python, "-c", code, spec])
    return statistics.median(times), max(peaks), json.loads(out)["s"], rss, os.path.getsize(spec)


def pandas_csv(args):
    code = ("import json, sys, time, pandas\n"
            "t = time.perf_counter()\n"
            "df = pandas.read_csv(sys.argv[1])\n"
            "print(json.dumps({'s': time.perf_counter() - t}))\n")
    csv = os.path.join(args.work, "mlp.csv")
    return statistics.median(json.loads(must([args.python, "-c", code, csv])[0])["s"]
                             for _ in range(3))


# ------------------------------------------------------------------ table
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpc", required=True)
    ap.add_argument("--referee", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--reps", type=int, default=7, help="timed epochs per training run")
    ap.add_argument("--reps-big", type=int, default=3, help="bpc runs of the 1M-node specs")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of the training runs")
    ap.add_argument("--nodes", type=int, default=1_000_000)
    ap.add_argument("--quick", action="store_true", help="--reps 3 --rounds 1 --reps-big 1")
    args = ap.parse_args()
    if args.quick:
        args.reps, args.rounds, args.reps_big = 3, 1, 1
    args.referee = os.path.abspath(args.referee)
    os.makedirs(args.work, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M")
    load0 = os.getloadavg()[0]

    log("writing the MLP spec and CSV")
    if not os.path.exists(os.path.join(args.work, "mlp.csv")):
        must([sys.executable, os.path.join(HERE, "mlp_spec.py"), args.referee, args.work])
    log("checking bpc's training numbers against the referee")
    trained_ok, check_lines = verify_training(args)

    impls = [("NumPy", "numpy"), ("PyTorch", "torch"), ("JAX", "jax-scan")]
    epochs = {}
    for r in range(args.rounds):
        for threads in (1, 2):
            log(f"training epochs, round {r + 1}, {threads} thread(s)")
            s, info = bpc_epoch(args, threads)
            epochs.setdefault(("bpc", threads), []).append(s)
            epochs.setdefault(("bpc load data", threads), []).append(info["load_data_ms"] / 1e3)
            for name, impl in impls:
                s, _ = referee_epoch(args, impl, threads)
                epochs.setdefault((name, threads), []).append(s)
    med = {k: statistics.median(v) for k, v in epochs.items()}

    log("scalar DAG")
    dag_bpc, dag_tape, dag_same, dag_mine, dag_tape_info = scalar_dag(args, args.nodes)
    log("big spec (PyYAML takes a while)")
    big_bpc, big_rss, big_yaml, yaml_rss, big_bytes = big_spec(args, args.nodes)
    log("CSV loading")
    pandas_s = pandas_csv(args)
    load1 = os.getloadavg()[0]

    def ms(s):
        return f"{s * 1e3:.1f} ms" if s < 10 else f"{s:.1f} s"

    rows = []

    def row(work, bpc, against, theirs, target=None, met=None):
        ratio = bpc / theirs
        verdict = "" if target is None else (f"<= {target}: " + ("met" if (ratio <= target if met is None else met) else "NOT met"))
        rows.append((work, bpc, against, theirs, ratio, verdict))

    for threads in (1, 2):
        b = med[("bpc", threads)]
        for name, _ in impls:
            row(f"training epoch, {threads} thread{'s' if threads > 1 else ''}", b, name,
                med[(name, threads)], 0.8 if name == "NumPy" else None)
    b1, b2 = med[("bpc", 1)], med[("bpc", 2)]
    row("training epoch, 2 threads", b2, "bpc, 1 thread", b1, 1.0)
    row("scalar DAG forward + backward, warm", dag_bpc, "flat tape", dag_tape, 2.0)
    row("scalar DAG forward + backward, cold", dag_tape_info["bpc_cold_s"], "flat tape",
        dag_tape)
    row("1M-node chain, text to every gradient", big_bpc, "PyYAML C loader, parse", big_yaml, 0.3)
    rows.append(("1M-node chain, peak memory", big_rss, "PyYAML C loader, parse", yaml_rss,
                 big_rss / yaml_rss, "<= 600 MB: " + ("met" if big_rss <= 600 else "NOT met")))
    row("CSV 10,000 x 785, load", med[("bpc load data", 1)], "pandas.read_csv", pandas_s, 1.0)

    print(f"bench/compare.sh, {started}, load average {load0:.2f} at the start, {load1:.2f} at the end")
    print(f"(`nproc` {os.cpu_count()}; every figure from this run; training: median of "
          f"{args.rounds} x {args.reps} epochs; 1M-node specs: median of {args.reps_big} bpc runs)")
    print()
    print("| work | bpc | against | theirs | bpc / theirs | target |")
    print("|---|---:|---|---:|---:|---|")
    for work, b, against, theirs, ratio, verdict in rows:
        if "memory" in work:
            bt, tt = f"{b:.0f} MB", f"{theirs:.0f} MB"
        else:
            bt, tt = ms(b), ms(theirs)
        print(f"| {work} | {bt} | {against} | {tt} | {ratio:.2f} | {verdict} |")
    print()
    print("Same work, same numbers:")
    for line in check_lines:
        print(line)
    print(f"- scalar DAG checksums (y, G, W) {'identical to' if dag_same else 'DIFFERENT from'} "
          f"the flat tape's: y = {dag_mine['y']!r}, G = {dag_mine['G']!r}, W = {dag_mine['W']!r}")
    print(f"- 1M-node chain: {big_bytes / 1e6:.1f} MB of YAML")
    with open(os.path.join(args.work, "compare.json"), "w") as f:
        json.dump({"started": started, "load": [load0, load1],
                   "epochs": {f"{k[0]}/{k[1]}": v for k, v in epochs.items()},
                   "dag": {"bpc_s": dag_bpc, "tape_s": dag_tape, "tape": dag_tape_info},
                   "big": {"bpc_s": big_bpc, "bpc_peak_mb": big_rss, "yaml_s": big_yaml,
                           "yaml_peak_mb": yaml_rss},
                   "pandas_read_csv_s": pandas_s}, f, indent=1)
    if not (trained_ok and dag_same):
        sys.exit("bpc's numbers differ from the referee's: the table above compares different work")


if __name__ == "__main__":
    main()
