//! `data.test`: rows held out of training, so that `bpc train` can measure
//! the trained params on data they never saw.
//!
//! `test: 0.2` holds out ⌈0.2 · rows⌉ rows: all rows are shuffled by bpc's
//! SplitMix64 seeded with the spec's `train.seed` (default 0), and the first
//! ones are the test rows (kept in file order). The same spec holds out the
//! same rows on every machine. `test: FILE.csv` reads the test rows from a
//! second CSV with the columns of `columns`.

use crate::diag::{Diagnostic, ErrorKind, Source, Sp};
use crate::graph::Binding;
use crate::init::Rng;
use crate::spec::{Spec, TestDef};
use crate::tensor::Value;

/// How many of `rows` a fraction holds out: ⌈fraction · rows⌉ (as
/// scikit-learn's `train_test_split` counts).
pub fn held_out_count(rows: usize, fraction: f64) -> usize {
    ((fraction * rows as f64).ceil() as usize).min(rows)
}

/// The held-out rows (indices in increasing order): the first `count` of
/// `0..rows` shuffled by SplitMix64 seeded with `seed`.
pub fn test_rows(rows: usize, count: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows).collect();
    Rng::new(seed).shuffle(&mut order);
    let mut test = order[..count.min(rows)].to_vec();
    test.sort_unstable();
    test
}

/// The seed of the split: the spec's own `train.seed` (not `--seed`, which
/// changes the shuffle of batches but not which rows are held out).
pub fn seed(spec: &Spec) -> u64 {
    spec.train
        .as_ref()
        .and_then(|t| t.value.seed.as_ref())
        .map_or(0, |s| s.value)
}

/// Checks `data.test` against the data: a fraction in (0, 1) that leaves
/// rows on both sides, or a CSV file beside CSV training data. `rows` is the
/// number of data rows; `csv` says whether the training data is a CSV.
pub fn check(src: &Source, test: &Sp<TestDef>, rows: usize, csv: bool) -> Option<Diagnostic> {
    let bad = |msg: String, label: &str, help: &str| {
        Some(
            Diagnostic::new(ErrorKind::Data, msg)
                .at(src, test.span, label)
                .help(help.to_string()),
        )
    };
    const HELP: &str = "write the fraction of the rows to hold out for testing, like \
                        `test: 0.2` (a fifth), or a CSV file of test rows, like `test: test.csv`";
    match &test.value {
        TestDef::Fraction(f) if !(*f > 0.0 && *f < 1.0) => bad(
            format!(
                "`test` is the fraction of the rows held out, between 0 and 1; found {}",
                crate::render::number(*f, 6)
            ),
            "not between 0 and 1",
            HELP,
        ),
        TestDef::Fraction(f) if rows > 0 && held_out_count(rows, *f) >= rows => bad(
            format!(
                "`test: {}` holds out all {rows} rows, leaving none to train on",
                crate::render::number(*f, 6)
            ),
            "no rows left for training",
            "hold out fewer rows, or add rows to the data",
        ),
        TestDef::Fraction(_) => None,
        TestDef::Csv(_) if !csv => bad(
            "a test CSV needs the training data in a CSV too (`csv:` and `columns:`)".into(),
            "test rows from a file",
            "hold out a fraction of the inline rows instead, like `test: 0.25`",
        ),
        TestDef::Csv(_) => None,
        TestDef::Bad(what) => bad(
            format!("`test` must be a fraction like 0.2 or a CSV file; found {what}"),
            "not a fraction or a file",
            HELP,
        ),
    }
}

/// Splits every binding's rows (axis 0): (the rows not in `test`, the rows
/// in `test`), each in file order. `test` is sorted.
pub fn split(bindings: &[Binding], test: &[usize]) -> (Vec<Binding>, Vec<Binding>) {
    let rows = bindings
        .first()
        .and_then(|b| b.value.shape().first().copied())
        .unwrap_or(0);
    let mut held = vec![false; rows];
    for &r in test {
        if let Some(h) = held.get_mut(r) {
            *h = true;
        }
    }
    let train: Vec<usize> = (0..rows).filter(|&r| !held[r]).collect();
    let pick = |rows: &[usize]| -> Vec<Binding> {
        bindings
            .iter()
            .map(|b| Binding {
                value: Value::from_array(b.value.view().select(ndarray::Axis(0), rows)),
                ..b.clone()
            })
            .collect()
    };
    (pick(&train), pick(test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_holds_out_the_same_rows() {
        assert_eq!(held_out_count(10, 0.2), 2);
        assert_eq!(held_out_count(1797, 0.2), 360); // ⌈359.4⌉
        assert_eq!(held_out_count(3, 0.5), 2); // ⌈1.5⌉
        let a = test_rows(10, 3, 0);
        assert_eq!(a, test_rows(10, 3, 0));
        assert_eq!(a.len(), 3);
        assert!(a.windows(2).all(|w| w[0] < w[1]), "{a:?}");
        assert_ne!(a, test_rows(10, 3, 1));
        assert_eq!(test_rows(4, 4, 7), [0, 1, 2, 3]);
    }
}
