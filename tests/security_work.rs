//! Bounded work (issue 10): training memory does not grow with the epochs,
//! Ctrl-C twice exits at once, Graphviz is not handed graphs it cannot lay
//! out, and settings that are not whole numbers get a proper message.

mod common;
mod security_util;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::bpc;
use security_util::{TRAIN_SPEC, flat, path, put, scratch};

fn spawn_in(dir: &std::path::Path, args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bpc"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The resident memory of a running process, in KB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn sigint(child: &Child) {
    // SAFETY: kill sends a signal to a child this test started.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
}

/// Waits up to `limit` for the child; its status, stdout and stderr.
fn finish(mut child: Child, limit: Duration) -> (Option<i32>, String, String) {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("bpc did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_trillion_epochs_take_no_more_memory_than_a_few() {
    let dir = scratch();
    put(dir.path(), "s.yaml", TRAIN_SPEC);
    // Before: the loss history grew by about 200 MB/s until the process died.
    let child = spawn_in(
        dir.path(),
        &[
            "train",
            "s.yaml",
            "--epochs",
            "1000000000000",
            "--plot",
            "p.svg",
        ],
    );
    std::thread::sleep(Duration::from_millis(1500));
    let early = rss_kb(child.id());
    std::thread::sleep(Duration::from_millis(3000));
    let late = rss_kb(child.id());
    assert!(early > 0 && late > 0);
    assert!(late < early + 8 * 1024, "grew from {early} KB to {late} KB");
    sigint(&child);
    let (code, out, err) = finish(child, Duration::from_secs(30));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("interrupted after"), "{out}");
    let svg = std::fs::read_to_string(dir.path().join("p.svg")).unwrap();
    // The curve keeps at most a few thousand points, whatever the epochs.
    assert!(svg.len() < 400_000, "{} bytes", svg.len());
}

#[test]
fn the_history_file_is_streamed_and_whole() {
    let dir = scratch();
    let spec = put(dir.path(), "s.yaml", TRAIN_SPEC);
    let h = path(dir.path(), "h.csv");
    let (code, _, err) = bpc(&["train", &spec, "--epochs", "5000", "--history", &h]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&h).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5001);
    assert_eq!(lines[0], "epoch,loss");
    assert!(lines[5000].starts_with("5000,"), "{}", lines[5000]);
}

#[test]
fn a_second_ctrl_c_exits_at_once_with_130() {
    let dir = scratch();
    // One step is a few seconds in a debug build: 1000 x 1000 products.
    put(
        dir.path(),
        "slow.yaml",
        "inputs:\n  x: { shape: [1000, 1000], init: normal, seed: 1 }\n\
         params:\n  w: { shape: [1000, 1000], init: normal, std: 0.01, seed: 2 }\n\
         nodes:\n  y: matmul(x, w)\n  z: matmul(y, w)\n  l: mean(z)\noutput: l\n\
         train:\n  epochs: 1000\n",
    );
    let child = spawn_in(dir.path(), &["train", "slow.yaml", "-o", "out.yaml"]);
    std::thread::sleep(Duration::from_millis(1500));
    sigint(&child);
    std::thread::sleep(Duration::from_millis(300));
    let second = Instant::now();
    sigint(&child);
    let (code, out, err) = finish(child, Duration::from_secs(60));
    if code == Some(0) {
        // The machine ran the step faster than the signals came: the first
        // stopped training cleanly, which is right too.
        assert!(out.contains("interrupted after"), "{out}");
        return;
    }
    assert_eq!(code, Some(130), "{out}{err}");
    assert!(
        second.elapsed() < Duration::from_secs(2),
        "{:?}",
        second.elapsed()
    );
    assert!(err.contains("interrupted again"), "{err}");
    // Nothing half-written is left at the output's name.
    assert!(!dir.path().join("out.yaml").exists());
}

#[test]
fn graphviz_is_not_handed_a_graph_it_cannot_lay_out() {
    let dir = scratch();
    let mut spec = String::from("inputs:\n  x0: 0.5\nnodes:\n");
    for i in 1..=2500 {
        spec.push_str(&format!("  x{i}: sin(x{})\n", i - 1));
    }
    spec.push_str("output: x2500\n");
    let s = put(dir.path(), "chain.yaml", &spec);
    let svg = path(dir.path(), "chain.svg");
    // The program is never run: a stand-in that would hang shows it.
    let hang = put(dir.path(), "hang.sh", "#!/bin/sh\nsleep 600\n");
    std::fs::set_permissions(&hang, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let start = Instant::now();
    let (code, _, err) = bpc(&["dot", &s, "-o", &svg, "--graphviz", &hang]);
    assert_eq!(code, 2, "{err}");
    let err = flat(&err);
    assert!(
        err.contains("the graph has 2501 vertices; bpc draws pictures of at most 2000"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert!(start.elapsed() < Duration::from_secs(30));
    // The DOT text itself is always written.
    let (code, _, err) = bpc(&["dot", &s, "-o", &path(dir.path(), "chain.dot")]);
    assert_eq!(code, 0, "{err}");
    // With --force, Graphviz runs, and is stopped after its timeout.
    let start = Instant::now();
    let (code, _, err) = bpc(&[
        "dot",
        &s,
        "-o",
        &svg,
        "--graphviz",
        &hang,
        "--force",
        "--graphviz-timeout",
        "1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        flat(&err).contains("did not finish within 1 s and was stopped"),
        "{err}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert!(!dir.path().join("chain.svg").exists());
}

#[test]
fn settings_that_are_not_whole_numbers_say_so() {
    let dir = scratch();
    for (setting, found) in [
        ("epochs: 1e12", "1e12"),
        ("epochs: -3", "-3"),
        ("batch_size: 2.5", "2.5"),
    ] {
        let spec = put(
            dir.path(),
            "s.yaml",
            TRAIN_SPEC.replace("epochs: 5", setting),
        );
        let (code, _, err) = bpc(&["train", &spec]);
        assert_eq!(code, 2, "{err}");
        let err = flat(&err);
        assert!(
            err.contains(&format!("expected a whole number >= 0, found `{found}`")),
            "{err}"
        );
        assert!(!err.contains("YAML syntax"), "{err}");
        assert!(err.contains("bpc::bad-value"), "{err}");
    }
}
