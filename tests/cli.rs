//! The real `bpc` binary: exit codes, `--set`, JSON, the lesson's numbers.

use std::process::Command;

fn bpc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bpc"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the bpc binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["run", "specs/fruit.yaml", "--format", "json"];
    all.extend_from_slice(args);
    let (status, out, err) = bpc(&all);
    assert_eq!(status, 0, "{err}");
    serde_json::from_str(&out).expect("run --format json prints one JSON object")
}

#[test]
fn fruit_json_has_the_lessons_numbers() {
    let v = json(&[]);
    assert_eq!(v["name"], "fruit");
    assert_eq!(v["output"], "total_price");
    // 100 x 2 = 200, then 200 x 1.1 = 220.00000000000003 in f64.
    assert_eq!(
        v["values"]["total_price"].as_f64(),
        Some(220.00000000000003)
    );
    // d total / d n_X = price_Y x b_TAX = 100 x 1.1 = 110.00000000000001
    assert_eq!(v["grads"]["n_X"].as_f64(), Some(110.00000000000001));
    // d total / d price_Y = n_X x b_TAX = 2 x 1.1 = 2.2
    assert_eq!(v["grads"]["price_Y"].as_f64(), Some(2.2));
    // d total / d b_TAX = fruit_price = 200
    assert_eq!(v["grads"]["b_TAX"].as_f64(), Some(200.0));
    // d total / d fruit_price = b_TAX = 1.1
    assert_eq!(v["grads"]["fruit_price"].as_f64(), Some(1.1));
}

#[test]
fn changing_an_input_moves_the_output_by_gradient_times_change() {
    let base = json(&[])["values"]["total_price"].as_f64().unwrap();
    // count 2 -> 3: 3 x 100 x 1.1 = 330, up by d total / d n_X x 1 = 110
    let more = json(&["--set", "n_X=3"])["values"]["total_price"]
        .as_f64()
        .unwrap();
    assert!(
        (more - 330.0).abs() < 1e-9 && (more - base - 110.0).abs() < 1e-9,
        "{more}"
    );
    // tax 1.1 -> 1.2: 2 x 100 x 1.2 = 240, up by d total / d b_TAX x 0.1 = 20
    let taxed = json(&["--set", "b_TAX=1.2"])["values"]["total_price"]
        .as_f64()
        .unwrap();
    assert!(
        (taxed - 240.0).abs() < 1e-9 && (taxed - base - 20.0).abs() < 1e-9,
        "{taxed}"
    );
}

#[test]
fn table_is_the_default_and_deterministic() {
    let (status, a, _) = bpc(&["run", "specs/fruit.yaml"]);
    assert_eq!(status, 0);
    assert!(a.contains("d total_price / d ·"), "{a}");
    let (_, b, _) = bpc(&["run", "specs/fruit.yaml"]);
    assert_eq!(a, b);
}

#[test]
fn set_errors_exit_2_with_a_reason() {
    let (status, _, err) = bpc(&["run", "specs/fruit.yaml", "--set", "n_x=3"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("no input or param has that name") && err.contains("did you mean `n_X`?"),
        "{err}"
    );
    let (status, _, err) = bpc(&["run", "specs/fruit.yaml", "--set", "n_X=[1, 2]"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("shape [2]") && err.contains("shape []"),
        "{err}"
    );
    let (status, _, err) = bpc(&["run", "specs/fruit.yaml", "--set", "fruit_price=3"]);
    assert_eq!(status, 2);
    assert!(err.contains("that is a node"), "{err}");
    let (status, _, err) = bpc(&["run", "specs/fruit.yaml", "--set", "n_X"]);
    assert_eq!(status, 2);
    assert!(err.contains("expected NAME=VALUE"), "{err}");
}

#[test]
fn set_takes_yaml_tensors() {
    let (status, out, err) = bpc(&[
        "run",
        "specs/two_layer.yaml",
        "--set",
        "x=[1, 0]",
        "--format",
        "json",
    ]);
    assert_eq!(status, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["values"]["x"], serde_json::json!([1.0, 0.0]));
}

#[test]
fn usage_errors_and_missing_files_exit_2() {
    let (status, _, err) = bpc(&["run", "specs/no_such.yaml"]);
    assert_eq!(status, 2);
    assert!(err.contains("cannot read `specs/no_such.yaml`"), "{err}");
    let (status, _, _) = bpc(&["frobnicate"]);
    assert_eq!(status, 2);
    let (status, _, _) = bpc(&["run", "specs/fruit.yaml", "--format", "xml"]);
    assert_eq!(status, 2);
    let (status, out, _) = bpc(&["--help"]);
    assert_eq!(status, 0);
    assert!(out.contains("run"), "{out}");
}

#[test]
fn timings_go_to_stderr() {
    let (status, out, err) = bpc(&["run", "specs/fruit.yaml", "--timings"]);
    assert_eq!(status, 0);
    for phase in [
        "read",
        "parse",
        "build graph",
        "compile plan",
        "forward",
        "backward",
        "render",
    ] {
        assert!(err.contains(phase), "missing {phase} in {err}");
    }
    assert!(!out.contains("timings"));
}

#[test]
fn repeated_evaluations_give_the_same_bits_and_their_medians() {
    // Scalar-only, tensor-only and mixed plans: the warm repetitions reuse
    // every buffer (the tape's f64 arrays too) and must change nothing.
    for spec in [
        "specs/fruit.yaml",
        "specs/two_layer.yaml",
        "specs/two_layer_scalars.yaml",
        "specs/softmax_ce.yaml",
        "specs/fanout.yaml",
    ] {
        let (status, once, _) = bpc(&["run", spec, "--format", "json"]);
        assert_eq!(status, 0, "{spec}");
        let (status, again, err) = bpc(&[
            "run",
            spec,
            "--format",
            "json",
            "--timings",
            "--repeat",
            "3",
        ]);
        assert_eq!(status, 0, "{spec}: {err}");
        assert_eq!(once, again, "{spec}");
        for line in ["forward median", "backward median"] {
            assert!(err.contains(line), "missing {line} in {err}");
        }
    }
    let (status, _, err) = bpc(&["run", "specs/fruit.yaml", "--repeat", "3"]);
    assert_eq!(status, 2, "--repeat without --timings: {err}");
}

/// `-o` with an extension bpc cannot write is refused before any work, and
/// the message lists the ones it can.
#[test]
fn dot_refuses_an_output_it_cannot_write() {
    let (status, out, err) = bpc(&["dot", "specs/fruit.yaml", "-o", "fruit.jpg"]);
    assert_eq!(status, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(!std::path::Path::new("fruit.jpg").exists());
    insta::assert_snapshot!(err);
    // Upper case is the same extension; DOT text may be `.gv` or have none.
    let (status, _, err) = bpc(&["dot", "specs/fruit.yaml", "-o", "fruit.JPEG"]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("`.svg`, `.png`, `.pdf`"), "{err}");
}

/// `--set NAME VALUE` (a space for the `=`) shows the argument to write, for
/// every command that takes `--set`.
#[test]
fn set_with_a_space_says_to_join_name_and_value() {
    for cmd in ["run", "dot", "explain", "train", "export"] {
        let (status, out, err) = bpc(&[cmd, "specs/fruit.yaml", "--set", "n_X", "3"]);
        assert_eq!(status, 2, "{cmd}: {err}");
        assert!(out.is_empty(), "{cmd}: {out}");
        assert!(err.contains("help: write `--set n_X=3`"), "{cmd}: {err}");
    }
}
