//! `bpc train --threads` and `--timings`: the thread count changes the speed,
//! never a bit of the result; the timings name every phase and each epoch.

use std::path::PathBuf;

use bpc::cmd;
use bpc::session::Io;

fn bpc(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io {
            out: &mut out,
            err: &mut err,
            color: false,
            tty: false,
        };
        cmd::run(std::iter::once("bpc").chain(args.iter().copied()), &mut io)
    };
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bpc-speed-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A 200-96-10 sigmoid MLP on 64 rows: its products (64 x 200 @ 200 x 96
/// forward, 200 x 64 @ 64 x 96 for the weight's gradient) are big enough to
/// be cut into row blocks that threads share (`matmul::blocks`).
fn mlp_spec() -> String {
    let labels: Vec<String> = (0..64).map(|i| ((i * 7) % 10).to_string()).collect();
    format!(
        "name: mlp
inputs:
  x: {{ shape: [64, 200], init: uniform, low: 0, high: 1, seed: 3 }}
  y: [{}]
params:
  W1: {{ shape: [200, 96], init: xavier, seed: 1 }}
  b1: {{ shape: [96], init: zeros }}
  W2: {{ shape: [96, 10], init: xavier, seed: 2 }}
  b2: {{ shape: [10], init: zeros }}
nodes:
  net_h: affine(x, W1, b1)
  h: sigmoid(net_h)
  logits: affine(h, W2, b2)
  loss: cross_entropy(logits, y)
output: loss
train:
  optimizer: sgd
  lr: 0.5
  epochs: 12
",
        labels.join(", ")
    )
}

#[test]
fn every_thread_count_gives_the_same_bits() {
    let dir = scratch("threads");
    let spec = dir.join("mlp.yaml");
    std::fs::write(&spec, mlp_spec()).unwrap();
    let spec = spec.display().to_string();
    let mut files = Vec::new();
    for threads in ["1", "2", "3", "auto"] {
        let out = dir
            .join(format!("trained-{threads}.yaml"))
            .display()
            .to_string();
        let mut args = vec!["train", &spec, "-o", &out];
        if threads != "auto" {
            args.extend(["--threads", threads]);
        }
        let (code, stdout, err) = bpc(&args);
        assert_eq!(code, 0, "{stdout}{err}");
        files.push((threads, std::fs::read_to_string(&out).unwrap()));
    }
    for (threads, text) in &files[1..] {
        assert!(
            *text == files[0].1,
            "--threads {threads} trained other numbers than 1 thread"
        );
    }
    let (code, _, err) = bpc(&["train", &spec, "--threads", "0"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn timings_name_loading_compiling_and_each_epoch() {
    let dir = scratch("timings");
    let spec = dir.join("mlp.yaml");
    std::fs::write(&spec, mlp_spec()).unwrap();
    let spec = spec.display().to_string();
    let (code, out, err) = bpc(&[
        "train",
        &spec,
        "--epochs",
        "3",
        "--threads",
        "1",
        "--timings",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        err.starts_with("threads: 1 (--threads)\ntimings:\n"),
        "{err}"
    );
    for phase in [
        "read",
        "parse",
        "build graph",
        "compile plan",
        "epoch 1",
        "epoch 3",
        "score",
    ] {
        assert!(
            err.contains(&format!("\n  {phase} ")),
            "no `{phase}` in\n{err}"
        );
    }
    let median = err
        .lines()
        .find(|l| l.starts_with("  epoch median "))
        .unwrap_or_else(|| panic!("no median in\n{err}"));
    assert!(median.trim_end().ends_with(" ms"), "{median}");
    assert!(!err.contains("epoch 4"), "{err}");
    // Without the flag, stderr stays quiet.
    let (_, _, quiet) = bpc(&["train", &spec, "--epochs", "1"]);
    assert!(quiet.is_empty(), "{quiet}");
}
