//! `bpc train`: the loop, the optimizers' first steps, the trained file, the
//! data errors. Every command runs in-process (`common::bpc`).

use std::path::{Path, PathBuf};

mod common;

use common::bpc;

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
        now.contains("# input -> hidden weights")
            && now.starts_with(
                "# yaml-language-server: $schema=../schema/bpc-spec.json\n# XOR: y = 1"
            ),
        "{now}"
    );
}

/// Fixtures under `target/` so that paths in messages are short and stable.
fn fixtures(name: &str) -> PathBuf {
    let dir = PathBuf::from("target/train-fixtures").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// loss = 1/2 (w x - t)^2 with x = 2, t = 1, so d loss / d w = (w x - t) x = 4w - 2.
const QUADRATIC: &str = "\
inputs: { x: 2, t: 1 }
params: { w: 1 }
nodes:
  pred: mul(w, x)
  diff: sub(pred, t)
  sq: square(diff)
  loss: mul(sq, 0.5)
output: loss
";

/// w after two steps of `optimizer` with lr 0.1 from w = 1.
fn two_steps(name: &str, optimizer: &str) -> f64 {
    let dir = scratch(name);
    let spec = write(&dir, "q.yaml", QUADRATIC);
    let out = dir.join("trained.yaml").display().to_string();
    let (code, _, err) = bpc(&[
        "train",
        &spec,
        "--optimizer",
        optimizer,
        "--lr",
        "0.1",
        "--epochs",
        "2",
        "-o",
        &out,
    ]);
    assert_eq!(code, 0, "{err}");
    json_value(&out, "w").as_f64().unwrap()
}

#[test]
fn sgd_first_steps_match_the_hand_computed_updates() {
    // g(1) = 2: w = 1 - 0.1 * 2 = 0.8; g(0.8) = 1.2: w = 0.8 - 0.1 * 1.2 = 0.68.
    let w = two_steps("sgd", "sgd");
    assert!((w - 0.68).abs() < 1e-15, "{w}");
}

#[test]
fn momentum_first_steps_match_the_hand_computed_updates() {
    // mu = 0.9 (default). Step 1: buf = g = 2, w = 1 - 0.1 * 2 = 0.8.
    // Step 2: g = 1.2, buf = 0.9 * 2 + 1.2 = 3, w = 0.8 - 0.1 * 3 = 0.5.
    let w = two_steps("momentum", "momentum");
    assert!((w - 0.5).abs() < 1e-15, "{w}");
}

#[test]
fn adam_first_steps_match_the_hand_computed_updates() {
    let (b1, b2, eps, lr) = (0.9f64, 0.999f64, 1e-8, 0.1);
    // Step 1: g = 2, m = 0.1 * 2 = 0.2, v = 0.001 * 4 = 0.004; m̂ = m / 0.1 = 2,
    // v̂ = v / 0.001 = 4: w = 1 - 0.1 * 2 / (2 + 1e-8) = 0.9000000005.
    let (mut m, mut v, mut w) = (0.0, 0.0, 1.0f64);
    for t in 1..=2 {
        let g = 4.0 * w - 2.0;
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        let (m_hat, v_hat) = (m / (1.0 - b1.powi(t)), v / (1.0 - b2.powi(t)));
        w -= lr * m_hat / (v_hat.sqrt() + eps);
        if t == 1 {
            assert!((w - 0.9000000005).abs() < 1e-12, "{w}");
        }
    }
    // Step 2: g = 4 * 0.9000000005 - 2 = 1.600000002, m = 0.34, v = 0.006556,
    // m̂ = 0.34 / 0.19 = 1.78947, v̂ = 0.006556 / 0.001999 = 3.27964:
    // w = 0.9 - 0.1 * 1.78947 / 1.81098 = 0.801187.
    assert!((w - 0.801187).abs() < 1e-6, "{w}");
    let got = two_steps("adam", "adam");
    assert!((got - w).abs() < 1e-15, "{got} vs {w}");
}

#[test]
fn minibatches_are_shuffled_the_same_way_for_the_same_seed() {
    let dir = fixtures("minibatch");
    let iris = std::fs::read_to_string("specs/iris.yaml").unwrap();
    // The data lies beside the spec (a spec reads data from its own folder).
    std::fs::copy("specs/iris.csv", dir.join("iris.csv")).unwrap();
    let spec = iris.replace("epochs: 2000", "epochs: 30\n  batch_size: 16");
    let spec = write(&dir, "iris.yaml", &spec);
    let run = |seed: &str, out: &str| {
        let out = dir.join(out).display().to_string();
        let (code, stdout, err) = bpc(&["train", &spec, "--seed", seed, "-o", &out]);
        assert_eq!(code, 0, "{err}");
        assert!(
            stdout.contains("150 rows, batches of 16, shuffled"),
            "{stdout}"
        );
        std::fs::read(out).unwrap()
    };
    let (a, b, c) = (run("7", "a.yaml"), run("7", "b.yaml"), run("8", "c.yaml"));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn iris_reaches_97_percent() {
    let (code, out, err) = bpc(&["train", "specs/iris.yaml"]);
    assert_eq!(code, 0, "{err}");
    // A linear 4 -> 3 softmax classifier separates 148 of the 150 flowers.
    let line = out.lines().find(|l| l.starts_with("trained:")).unwrap();
    assert!(line.ends_with("accuracy 98.67% (148/150)"), "{out}");
}

#[test]
fn a_trained_spec_elsewhere_still_finds_its_csv() {
    let dir = scratch("csvpath");
    let out = dir.join("iris.yaml").display().to_string();
    let (code, stdout, err) = bpc(&["train", "specs/iris.yaml", "--epochs", "3", "-o", &out]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("run it with --allow-outside-data"),
        "{stdout}"
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("iris.csv") && !text.contains("csv: iris.csv"),
        "{text}"
    );
    assert!(text.contains("# Fisher's Iris flowers"), "{text}");
    // The data now lies outside the trained spec's folder: read on request only.
    let (code, _, err) = bpc(&["check", &out]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("outside the spec's folder"), "{err}");
    let (code, _, err) = bpc(&["check", "--allow-outside-data", &out]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn two_layer_trains_without_data() {
    let (code, out, err) = bpc(&["train", "specs/two_layer.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no data (each epoch is one step on the spec's inputs)"),
        "{out}"
    );
    // The lesson's E_total = 0.298371 before training.
    assert!(out.contains("(before training: 0.298371)"), "{out}");
    assert!(figure(&out, "trained:", "loss") < 0.01, "{out}");
}

#[test]
fn history_and_plot_are_written() {
    let dir = scratch("history");
    let csv = dir.join("h.csv").display().to_string();
    let svg = dir.join("loss.svg").display().to_string();
    let (code, _, err) = bpc(&[
        "train",
        "specs/xor.yaml",
        "--epochs",
        "300",
        "--history",
        &csv,
        "--plot",
        &svg,
    ]);
    assert_eq!(code, 0, "{err}");
    let h = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = h.lines().collect();
    assert_eq!(lines[0], "epoch,loss,accuracy");
    assert_eq!(lines.len(), 301);
    // Epoch 1 is the loss of the initial params (full batch): bpc run says 0.782803.
    assert!(lines[1].starts_with("1,0.78280"), "{}", lines[1]);
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("<polyline"));
    // 0.78 down to about 0.03 spans less than two decades: a linear axis.
    assert!(svg.contains("\nloss\n") && !svg.contains("log scale"));
}

#[test]
fn a_diverging_run_names_the_epoch_and_the_node() {
    let (code, out, err) = bpc(&["train", "specs/xor.yaml", "--lr", "1000", "--epochs", "50"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!(err);
}

/// Writes `files` into a fixture folder and runs `bpc train` on its spec.yaml.
fn train_err(name: &str, files: &[(&str, &str)]) -> String {
    let dir = fixtures(name);
    for (f, text) in files {
        write(&dir, f, text);
    }
    let spec = dir.join("spec.yaml").display().to_string();
    let (code, out, err) = bpc(&["train", &spec]);
    assert_eq!(code, 2, "{name}: {out}");
    err
}

const CSV_SPEC: &str = "\
params: { W: [[0.1], [0.2]] }
nodes:
  pred: matmul(x, W)
  loss: mse(pred, y)
output: loss
data:
  csv: d.csv
  columns:
    x: [a, b]
    y: c
";

#[test]
fn csv_errors_point_at_the_line_and_column() {
    let missing = train_err(
        "csv_missing",
        &[
            ("spec.yaml", &CSV_SPEC.replace("y: c", "y: cc")),
            ("d.csv", "a,b,c\n1,2,3\n"),
        ],
    );
    let cell = train_err(
        "csv_cell",
        &[
            ("spec.yaml", CSV_SPEC),
            ("d.csv", "a,b,c\n1,2,3\n4,five,6\n"),
        ],
    );
    let ragged = train_err(
        "csv_ragged",
        &[("spec.yaml", CSV_SPEC), ("d.csv", "a,b,c\n1,2,3\n4,5\n")],
    );
    assert!(cell.contains("d.csv:3:3"), "{cell}");
    insta::assert_snapshot!(format!("{missing}\n{cell}\n{ragged}"));
}

#[test]
fn invalid_settings_are_diagnostics_at_their_span() {
    let spec = |train: &str| format!("{QUADRATIC}train:\n{train}");
    let cases = [
        ("optimizer", spec("  optimizer: adamw\n")),
        ("lr", spec("  lr: 0\n")),
        ("batch", spec("  batch_size: 0\n")),
        ("loss_missing", spec("  loss: los\n")),
        (
            "loss_shape",
            spec("  loss: vec\n")
                .replace("x: 2, t: 1", "x: 2, t: 1, v: [1, 2]")
                .replace("output: loss", "  vec: add(pred, v)\noutput: loss"),
        ),
        (
            "no_params",
            QUADRATIC
                .replace("params: { w: 1 }", "params: {}")
                .replace("mul(w, x)", "mul(2, x)"),
        ),
    ];
    let mut all = String::new();
    for (name, text) in &cases {
        all.push_str(&format!(
            "--- {name}\n{}\n",
            train_err(&format!("settings_{name}"), &[("spec.yaml", text)])
        ));
    }
    insta::assert_snapshot!(all);
    let (code, _, err) = bpc(&["train", "specs/xor.yaml", "--optimizer", "adm"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown optimizer `adm`") && err.contains("did you mean `adam`?"),
        "{err}"
    );
    let (code, _, err) = bpc(&["train", "specs/xor.yaml", "--lr", "-1"]);
    assert_eq!(code, 2);
    assert!(err.contains("--lr must be a number > 0, found -1"), "{err}");
}

#[test]
fn shapes_are_checked_with_the_batch_size_too() {
    // `wts` has one row per data row but is not bound by `data`: fine for the
    // whole set of 4 rows, wrong for batches of 2.
    let spec = "\
inputs:
  wts: [[1], [2], [1], [2]]
params: { W: [[0.1], [0.2]] }
nodes:
  pred: matmul(x, W)
  wp: mul(pred, wts)
  loss: mse(wp, y)
output: loss
train:
  batch_size: 2
data:
  x: [[0, 0], [0, 1], [1, 0], [1, 1]]
  y: [[0], [1], [1], [0]]
";
    let err = train_err("batch_shapes", &[("spec.yaml", spec)]);
    assert!(
        err.contains("with batches of 2 rows (batch_size 2): shape mismatch in `wp`"),
        "{err}"
    );
    assert!(err.contains("spec.yaml:6:7"), "{err}");
}
