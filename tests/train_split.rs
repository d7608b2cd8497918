//! `bpc train` with held-out data (`data.test`) and `--log-every`: the split
//! on a spec with known numbers, the test curves in the log, the history,
//! the plot and the trained file, and the errors of bad splits.

mod common;

use common::bpc;

/// The epoch numbers of the per-epoch lines.
fn logged_epochs(out: &str) -> Vec<u64> {
    out.lines()
        .filter_map(|l| l.strip_prefix("epoch "))
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn log_every_on_the_command_line_overrides_the_spec() {
    // xor.yaml logs every 200 of its 2000 epochs.
    let (code, out, err) = bpc(&[
        "train",
        "specs/xor.yaml",
        "--epochs",
        "10",
        "--log-every",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(logged_epochs(&out), [1, 3, 6, 9, 10], "{out}");
    let (code, out, err) = bpc(&[
        "train",
        "specs/xor.yaml",
        "--epochs",
        "4",
        "--log-every",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(logged_epochs(&out), [1, 2, 3, 4], "{out}");
    let (code, out, err) = bpc(&["train", "specs/xor.yaml", "--log-every", "0"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("--log-every must be at least 1"), "{err}");
    let (_, help, _) = bpc(&["train", "--help"]);
    assert!(help.contains("--log-every <N>"), "{help}");
}

/// y = 2x through the origin, w from 0, lr 0.01, 5 rows of which `test: 0.4`
/// holds out ⌈0.4 · 5⌉ = 2: with seed 0 the rows x = 3 and x = 4.
/// Train rows x = 1, 2, 5: mean x² = 10; test rows: mean x² = 12.5.
/// Loss at w: (2 - w)² · mean x². Step: w ← w + 0.01 · 4 · 10 · (2 - w)/1
/// (d/dw = -2 (2 - w) mean x² = -40 + 20 w), so w = 0, 0.4, 0.72, 0.976.
#[test]
fn a_fraction_holds_out_known_rows_with_known_losses() {
    let dir = std::env::temp_dir().join(format!("bpc-split-known-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("lin.yaml");
    std::fs::write(
        &spec,
        "params:\n  w: 0\nnodes:\n  pred: mul(x, w)\n  loss: mse(pred, y)\noutput: loss\n\
         train: { lr: 0.01, epochs: 3, seed: 0 }\ndata:\n  x: [1, 2, 3, 4, 5]\n  \
         y: [2, 4, 6, 8, 10]\n  test: 0.4\n",
    )
    .unwrap();
    let history = dir.join("h.csv");
    let out_spec = dir.join("out.yaml");
    let (code, out, err) = bpc(&[
        "train",
        spec.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        "-o",
        out_spec.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("3 rows (2 more held out for testing)"),
        "{out}"
    );
    // Training loss before each epoch's step: (2 - w)² · 10 at w = 0, 0.4, 0.72;
    // test loss after it: (2 - w)² · 12.5 at w = 0.4, 0.72, 0.976.
    let csv = std::fs::read_to_string(&history).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(csv.lines().next(), Some("epoch,loss,test_loss"));
    let want = [(40.0, 32.0), (25.6, 20.48), (16.384, 13.1072)];
    for (r, (train, test)) in rows.iter().zip(want) {
        assert!((r[1] - train).abs() < 1e-12, "{csv}");
        assert!((r[2] - test).abs() < 1e-12, "{csv}");
    }
    assert!(
        out.contains("test: loss 13.1072 (before training: 50)"),
        "{out}"
    );
    let trained = std::fs::read_to_string(&out_spec).unwrap();
    assert!(
        trained.contains("test: 0.4  # test after training: loss 13.1072 after 3 epochs"),
        "{trained}"
    );
}

/// A bad `test:` is an error at its line, exit 2.
#[test]
fn bad_splits_are_errors_at_their_line() {
    let dir = std::env::temp_dir().join(format!("bpc-split-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (value, says) in [
        ("1.5", "between 0 and 1; found 1.5"),
        ("0", "between 0 and 1; found 0"),
        ("0.99", "holds out all 5 rows"),
        ("true", "found the boolean `true`"),
        ("t.csv", "a test CSV needs the training data in a CSV too"),
    ] {
        let spec = dir.join("s.yaml");
        std::fs::write(
            &spec,
            format!(
                "params:\n  w: 0\nnodes:\n  pred: mul(x, w)\n  loss: mse(pred, y)\n\
                 output: loss\ndata:\n  x: [1, 2, 3, 4, 5]\n  y: [2, 4, 6, 8, 10]\n  \
                 test: {value}\n"
            ),
        )
        .unwrap();
        let (code, out, err) = bpc(&["train", spec.to_str().unwrap()]);
        assert_eq!((code, out.as_str()), (2, ""), "{value}: {err}");
        assert!(err.contains(says), "{value}: {err}");
        assert!(err.contains("s.yaml:10:9"), "{value}: {err}");
    }
}

/// A test CSV without a column that `columns` names is an error at the
/// `test:` line naming the file and the column (`bpc run` does not read the
/// test rows, so only `bpc train` finds it).
#[test]
fn a_test_csv_missing_a_column_is_an_error_at_its_line() {
    let dir = std::env::temp_dir().join(format!("bpc-split-columns-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("train.csv"), "a,b\n1,2\n3,6\n").unwrap();
    std::fs::write(dir.join("other.csv"), "a,c\n4,8\n").unwrap();
    let spec = dir.join("s.yaml");
    std::fs::write(
        &spec,
        "params:\n  w: 0\nnodes:\n  pred: mul(x, w)\n  loss: mse(pred, y)\noutput: loss\n\
         data:\n  csv: train.csv\n  columns: { x: a, y: b }\n  test: other.csv\n",
    )
    .unwrap();
    let (code, out, err) = bpc(&["train", spec.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("other.csv` has no column `b`"), "{err}");
    assert!(err.contains("s.yaml:10:9"), "{err}");
    assert!(err.contains("its first line names 2 columns"), "{err}");
}
