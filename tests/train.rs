//! `bpc train`: the loop, the optimizers' first steps, the trained file, the
//! data errors. Every command runs in-process through `cli::run`.

use std::path::{Path, PathBuf};

use bpc::cli::{self, Io};

/// Runs `bpc ARGS`; returns (exit code, stdout, stderr).
fn bpc(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io {
            out: &mut out,
            err: &mut err,
            color: false,
            tty: false,
        };
        cli::run(std::iter::once("bpc").chain(args.iter().copied()), &mut io)
    };
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bpc-train-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// The exact value of `name` in `bpc run --format json`.
fn json_value(spec: &str, name: &str) -> serde_json::Value {
    let (code, out, err) = bpc(&["run", spec, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["values"][name].clone()
}

/// The number after `key ` on the line starting with `prefix`.
fn figure(out: &str, prefix: &str, key: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` in\n{out}"));
    let rest = &line[line.find(key).unwrap() + key.len()..];
    rest.split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches([',', ')'])
        .parse()
        .unwrap()
}

#[test]
fn xor_learns_what_a_perceptron_cannot() {
    let dir = scratch("xor");
    let trained = dir.join("xor.yaml").display().to_string();
    let (code, out, err) = bpc(&["train", "specs/xor.yaml", "-o", &trained]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("trained:") && l.ends_with("accuracy 100% (4/4)")),
        "{out}"
    );
    let before = figure(&out, "trained:", "before training:");
    let after = figure(&out, "trained:", "loss");
    assert!(after < 0.01 && after < before / 50.0, "{out}");
    // The trained spec runs, and its loss is the trained loss.
    let loss = json_value(&trained, "loss").as_f64().unwrap();
    assert!((loss - after).abs() <= 1e-6 * after, "{loss} vs {after}");
    let original = json_value("specs/xor.yaml", "loss").as_f64().unwrap();
    assert!(loss < original);
}

#[test]
fn same_seed_same_file_byte_for_byte() {
    let dir = scratch("seed");
    let a = dir.join("a.yaml").display().to_string();
    let b = dir.join("b.yaml").display().to_string();
    for out in [&a, &b] {
        let (code, _, err) = bpc(&["train", "specs/xor.yaml", "--epochs", "50", "-o", out]);
        assert_eq!(code, 0, "{err}");
    }
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn output_never_overwrites_the_input() {
    let dir = scratch("inplace");
    let original = std::fs::read_to_string("specs/xor.yaml").unwrap();
    let spec = write(&dir, "xor.yaml", &original);
    let (code, _, err) = bpc(&["train", &spec, "--epochs", "5", "-o", &spec]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("is the spec being trained") && err.contains("--in-place"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), original);
    // With --in-place it does, keeping the comments.
    let (code, _, err) = bpc(&["train", &spec, "--epochs", "5", "--in-place"]);
    assert_eq!(code, 0, "{err}");
    let now = std::fs::read_to_string(&spec).unwrap();
    assert_ne!(now, original);
    assert!(
        now.contains("# input -> hidden weights") && now.starts_with("# XOR: y = 1"),
        "{now}"
    );
}
