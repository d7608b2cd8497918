//! Long chains run without recursion: a chain of `n` nodes goes through
//! parsing, validation, planning, both passes and rendering on a test
//! thread's small stack (2 MB). `n` is 100,000 here (a debug build parses
//! about 30,000 nodes a second); set `BPC_DEEP_NODES=1000000` and build with
//! `--release` for the full-size case.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Nodes in the chain (override with `BPC_DEEP_NODES`).
fn chain_len() -> usize {
    std::env::var("BPC_DEEP_NODES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// A temporary file that is removed when dropped.
struct TempSpec(PathBuf);

impl TempSpec {
    fn new(stem: &str, text: &str) -> TempSpec {
        let path = std::env::temp_dir().join(format!("bpc-{stem}-{}.yaml", std::process::id()));
        std::fs::write(&path, text).expect("write the temporary spec");
        TempSpec(path)
    }
}

impl Drop for TempSpec {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `n0 = x`, then `n_i` = tanh / add x / mul by half of `n_{i-1}` in turn.
fn chain_spec(n: usize) -> String {
    let mut s = String::with_capacity(n * 28);
    s.push_str("inputs:\n  x: 0.5\n  half: 0.5\nnodes:\n  n0: add(x, 0)\n");
    for i in 1..n {
        let p = i - 1;
        let _ = match i % 3 {
            0 => writeln!(s, "  n{i}: tanh(n{p})"),
            1 => writeln!(s, "  n{i}: add(n{p}, x)"),
            _ => writeln!(s, "  n{i}: mul(n{p}, half)"),
        };
    }
    let _ = writeln!(s, "output: n{}", n - 1);
    s
}

/// Runs `bpc` in-process; returns (status, stdout, stderr).
fn bpc(args: &[&str]) -> (u8, Vec<u8>, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut io = bpc::session::Io {
        out: &mut out,
        err: &mut err,
        color: false,
        tty: false,
    };
    let status = bpc::cmd::run(std::iter::once("bpc").chain(args.iter().copied()), &mut io);
    (status, out, String::from_utf8_lossy(&err).into_owned())
}

#[test]
fn long_chain_runs() {
    let n = chain_len();
    let spec = TempSpec::new("chain", &chain_spec(n));
    let path = spec.0.to_string_lossy().into_owned();
    let (status, out, err) = bpc(&["run", &path, "--format", "json"]);
    assert!(err.is_empty(), "{err}");
    assert_eq!(status, 0);
    let json: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    let values = json["values"].as_object().expect("values");
    // Two inputs and n nodes.
    assert_eq!(values.len(), n + 2);
    // The chain's steps are tanh, +0.5 and x0.5 in turn, so every value
    // stays within (-1, 1.5): tanh bounds it, the next two steps map
    // (-1, 1) to (-0.25, 0.75).
    let last = values[&format!("n{}", n - 1)].as_f64().expect("a number");
    assert!(last.abs() < 1.5, "{last}");
}

#[test]
fn long_cycle_is_reported_in_short() {
    // n0 uses the last node: one cycle through every node.
    let n = chain_len();
    let text = chain_spec(n).replacen("n0: add(x, 0)", &format!("n0: add(x, n{})", n - 1), 1);
    let spec = TempSpec::new("cycle", &text);
    let path = spec.0.to_string_lossy().into_owned();
    let (status, _, err) = bpc(&["run", &path]);
    assert_eq!(status, 2, "{err}");
    // The message names the first twelve nodes, how many are left out, and
    // the last node, then closes the loop.
    let more = n - 13;
    let want = format!(
        "the graph has a cycle: n0 -> n1 -> n2 -> n3 -> n4 -> n5 -> n6 -> n7 -> n8 -> n9 -> n10 -> n11 -> ... ({more} more) -> n{} -> n0",
        n - 1
    );
    // The renderer wraps long lines: compare with the wrapping undone.
    let unwrapped = err.replace("\n  │ ", " ");
    assert!(unwrapped.contains(&want), "{}", &err[..err.len().min(2000)]);
}

#[test]
fn wide_fan_in_runs() {
    // One node used by 50,000 others, all summed pairwise in a chain: the
    // gradient of `x` accumulates 50,000 contributions.
    let n = chain_len() / 2;
    let mut s = String::from("inputs:\n  x: 2\nnodes:\n  s0: mul(x, 1)\n");
    for i in 1..n {
        let _ = writeln!(s, "  s{i}: add(s{}, x)", i - 1);
    }
    let _ = writeln!(s, "output: s{}", n - 1);
    let spec = TempSpec::new("fan", &s);
    let path = spec.0.to_string_lossy().into_owned();
    let (_, out, err) = bpc(&["run", &path, "--format", "json"]);
    assert!(err.is_empty(), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    // s_{n-1} = n * x, so d/dx = n exactly (integers below 2^53 add exactly).
    assert_eq!(json["grads"]["x"].as_f64(), Some(n as f64));
}
