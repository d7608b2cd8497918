//! Limits that cannot be bypassed (issue 10): what an op builds inside
//! (a loss broadcasting its arguments) is counted at compile time, and the
//! budgets hold before any init is generated.

mod security_util;

use std::time::{Duration, Instant};

use security_util::{flat, put, run_in, scratch};

/// Runs the real binary on `spec_text`; returns (status, stderr, seconds).
fn run_spec(spec_text: &str) -> (i32, String, Duration) {
    let dir = scratch();
    put(dir.path(), "s.yaml", spec_text);
    let start = Instant::now();
    let out = run_in(dir.path(), &["run", "s.yaml"]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        start.elapsed(),
    )
}

/// The largest resident size of any child process waited for so far, in MB.
fn children_peak_mb() -> f64 {
    // SAFETY: getrusage writes one struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    u.ru_maxrss as f64 / 1024.0
}

fn loss_bomb(op: &str, n: usize) -> String {
    format!(
        "inputs:\n  a: {{ shape: [{n}, 1], init: uniform, low: 0.1, high: 0.9 }}\n  \
         b: {{ shape: [{n}], init: uniform, low: 0.1, high: 0.9 }}\nnodes:\n  l: {op}(a, b)\noutput: l\n"
    )
}

#[test]
fn a_loss_that_broadcasts_past_the_limit_is_refused_at_compile_time() {
    // [200000, 1] against [200000]: 4e10 elements inside the loss (an abort
    // before); [20000, 1] against [20000]: 4e8 (21 s and 6.3 GB before).
    for (op, n) in [
        ("mse", 200_000),
        ("bce", 200_000),
        ("mse", 20_000),
        ("bce", 20_000),
    ] {
        let (code, err, took) = run_spec(&loss_bomb(op, n));
        assert_eq!(code, 2, "{op} {n}: {err}");
        let err = flat(&err);
        assert!(err.contains("bpc::limit"), "{err}");
        assert!(
            err.contains(&format!("{}", n * n)) && err.contains("elements inside the op"),
            "{err}"
        );
        assert!(err.contains("s.yaml:5:6"), "{err}");
        assert!(took < Duration::from_secs(10), "{op} {n} took {took:?}");
    }
    assert!(children_peak_mb() < 500.0, "{} MB", children_peak_mb());
    // The same loss on matching shapes runs.
    let ok = loss_bomb("mse", 2000).replace("shape: [2000]", "shape: [2000, 1]");
    let (code, err, _) = run_spec(&ok);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn inits_are_generated_only_once_the_graph_fits() {
    // Four params of 50M elements each fit together (200M); one node more
    // does not. The inits (1.6 GB) are never generated.
    let mut spec = String::from("params:\n");
    for k in 0..4 {
        spec.push_str(&format!(
            "  w{k}: {{ shape: [5000, 10000], init: normal, std: 0.1, seed: {k} }}\n"
        ));
    }
    spec.push_str("nodes:\n  s: add(w0, w1)\n  t: sum(s)\noutput: t\n");
    let (code, err, took) = run_spec(&spec);
    assert_eq!(code, 2, "{err}");
    assert!(
        flat(&err).contains("brings the graph's values over 200000000 elements"),
        "{err}"
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert!(children_peak_mb() < 500.0, "{} MB", children_peak_mb());
}

#[test]
fn data_counts_against_the_budget() {
    let dir = scratch();
    // Params of 199,990,000 elements, and 12,000 numbers of data: over the
    // 200,000,000 budget together (the data was not counted before).
    let rows: String = (0..6000).map(|i| format!("{i},{i}\n")).collect();
    put(dir.path(), "d.csv", format!("a,b\n{rows}"));
    let mut spec = String::from("params:\n");
    for k in 0..4 {
        let n = if k == 3 { 4999 } else { 5000 };
        spec.push_str(&format!("  w{k}: {{ shape: [{n}, 10000], init: zeros }}\n"));
    }
    spec.push_str(
        "nodes:\n  s: sum(x)\noutput: s\ndata:\n  csv: d.csv\n  columns:\n    x: [a, b]\n",
    );
    put(dir.path(), "s.yaml", &spec);
    let start = Instant::now();
    let out = run_in(dir.path(), &["run", "s.yaml"]);
    let err = flat(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("over 200000000 elements"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(10));
}
