//! The shipped training specs do what their comments promise: the digits
//! network reaches 95% accuracy on digits it never trained on, and the
//! overfitting spec's curves show a training loss that keeps falling while
//! the test loss turns and climbs.

mod common;

use common::bpc;

/// A scratch file under the target directory.
fn scratch(name: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("train-specs");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name).to_str().unwrap().to_owned()
}

/// The number after `label` on the line that starts with `line`, e.g. the
/// accuracy in `test: loss 0.0489, accuracy 98.33% (354/360)`.
fn figure(out: &str, line: &str, label: &str) -> f64 {
    let l = out
        .lines()
        .find(|l| l.starts_with(line))
        .unwrap_or_else(|| panic!("no line `{line}` in\n{out}"));
    let rest = &l[l
        .find(label)
        .unwrap_or_else(|| panic!("no `{label}` in `{l}`"))
        + label.len()..];
    let num: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == 'e' || *c == '-')
        .collect();
    num.parse()
        .unwrap_or_else(|_| panic!("no number after `{label}` in `{l}`"))
}

#[test]
fn digits_reaches_95_percent_on_held_out_digits() {
    let trained = scratch("digits.yaml");
    let (code, out, err) = bpc(&["train", "specs/digits.yaml", "-o", &trained]);
    assert_eq!(code, 0, "{err}");
    // 1,797 rows, a fifth (360) held out by the spec's seed.
    assert!(
        out.contains("1437 rows (360 more held out for testing)"),
        "{out}"
    );
    let test_accuracy = figure(&out, "test: ", "accuracy");
    assert!(
        test_accuracy >= 95.0,
        "test accuracy {test_accuracy}%:\n{out}"
    );
    // Before training a 10-class network guesses: loss near ln 10 = 2.30.
    let before = figure(&out, "test: ", "(before training:");
    assert!((2.0..2.8).contains(&before), "{out}");
    // The trained spec records the final test figures in a comment.
    let text = std::fs::read_to_string(&trained).unwrap();
    assert!(
        text.contains(&format!("accuracy {test_accuracy}%")),
        "the trained spec's comment lacks the test accuracy:\n{}",
        &text[..text.len().min(2000)]
    );
}

#[test]
fn overfit_shows_the_test_loss_turning_while_training_loss_falls() {
    let history = scratch("overfit.csv");
    let plot = scratch("overfit.svg");
    let (code, out, err) = bpc(&[
        "train",
        "specs/overfit.yaml",
        "--history",
        &history,
        "--plot",
        &plot,
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&history).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("epoch,loss,test_loss"));
    let rows: Vec<[f64; 3]> = lines
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().unwrap()).collect();
            [v[0], v[1], v[2]]
        })
        .collect();
    assert_eq!(rows.len(), 1000);
    // The epoch where the test loss is lowest: early, well before the end.
    let best = rows
        .iter()
        .min_by(|a, b| a[2].total_cmp(&b[2]))
        .copied()
        .unwrap();
    let last = *rows.last().unwrap();
    assert!(best[0] <= 300.0, "lowest test loss at epoch {}", best[0]);
    // After it, the training loss keeps falling (to under half) while the
    // test loss climbs (to over one and a half times its low).
    assert!(
        last[1] < 0.5 * best[1],
        "training loss {} -> {}",
        best[1],
        last[1]
    );
    assert!(
        last[2] > 1.5 * best[2],
        "test loss {} -> {}",
        best[2],
        last[2]
    );
    // Both curves are on the plot, and the log names the test rows.
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(
        svg.contains("training loss") && svg.contains("test loss"),
        "{svg}"
    );
    assert!(out.contains("and 101 test rows from the test CSV"), "{out}");
}
