//! A student's variant: the key's `vary` rules drawn with a random stream
//! seeded by the key's seed and the student's ID, so that every student gets
//! their own numbers and the grader can recompute them from the ID alone.
//!
//! The stream is bpc's SplitMix64 ([`crate::init::Rng`]) seeded with the
//! first output of SplitMix64(`seed`) XOR the 64-bit FNV-1a hash of the ID's
//! UTF-8 bytes. Rules are drawn in the key's order; each element of a tensor
//! input under a `range` is drawn on its own. Same key, same ID, same numbers,
//! on every machine.

use crate::init::Rng;
use crate::tensor::{Array, Value};

/// How one input varies.
#[derive(Clone, Debug, PartialEq)]
pub enum Draw {
    /// `low, low + step, ..., high` (inclusive), each equally likely.
    Range {
        /// The smallest value.
        low: f64,
        /// The largest value.
        high: f64,
        /// The spacing (default 1).
        step: f64,
    },
    /// One of the listed values, each equally likely.
    Choice(Vec<Value>),
}

/// One `vary` entry: which input or param, and how.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// The input's or param's name.
    pub name: String,
    /// Its shape in the key.
    pub shape: Vec<usize>,
    /// How it is drawn.
    pub draw: Draw,
}

impl Draw {
    /// How many values a range holds (at least 1); `None` for a choice.
    pub fn range_len(low: f64, high: f64, step: f64) -> f64 {
        ((high - low) / step + 1e-9).floor() + 1.0
    }
}

/// The longest student ID, in bytes.
pub const MAX_ID: usize = 100;

/// Checks a student ID: 1 to [`MAX_ID`] ASCII letters, digits, `_`, `.`,
/// `@` or `-`, not starting with `.` or `-` (it names the handout's folder).
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID
        && !id.starts_with(['.', '-'])
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a student ID: use 1 to {MAX_ID} letters, digits, `_`, `.`, `@` or `-`, \
             not starting with `.` or `-`",
            crate::term::shown(id, 120)
        ))
    }
}

/// The 64-bit FNV-1a hash of `bytes`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The random stream of one student.
pub fn stream(seed: u64, student: &str) -> Rng {
    Rng::new(Rng::new(seed).next_u64() ^ fnv1a(student.as_bytes()))
}

/// A number printed with at most 12 significant digits, read back: a range's
/// `0.05 + 3 x 0.01` is `0.08`, not `0.08000000000000002`.
fn tidy(x: f64) -> f64 {
    format!("{x:.11e}").parse().unwrap_or(x)
}

/// The value of every rule for `student`, in the rules' order.
pub fn draw(rules: &[Rule], seed: u64, student: &str) -> Vec<(String, Value)> {
    let mut rng = stream(seed, student);
    rules
        .iter()
        .map(|r| {
            let value = match &r.draw {
                // An empty choice is refused when the key is read.
                Draw::Choice(values) => values
                    .get(rng.below(values.len().max(1)))
                    .cloned()
                    .unwrap_or(Value::Scalar(f64::NAN)),
                Draw::Range { low, high, step } => {
                    let n = Draw::range_len(*low, *high, *step) as usize;
                    let mut one = || tidy(low + rng.below(n.max(1)) as f64 * step);
                    if r.shape.is_empty() {
                        Value::Scalar(one())
                    } else {
                        let count = r.shape.iter().product();
                        let data: Vec<f64> = (0..count).map(|_| one()).collect();
                        Array::from_shape_vec(ndarray::IxDyn(&r.shape), data)
                            .map(Value::from_array)
                            .unwrap_or(Value::Scalar(f64::NAN))
                    }
                }
            };
            (r.name.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Vec<Rule> {
        vec![
            Rule {
                name: "n_X".into(),
                shape: vec![],
                draw: Draw::Range {
                    low: 1.0,
                    high: 9.0,
                    step: 1.0,
                },
            },
            Rule {
                name: "price_Y".into(),
                shape: vec![],
                draw: Draw::Choice(vec![
                    Value::Scalar(80.0),
                    Value::Scalar(100.0),
                    Value::Scalar(120.0),
                ]),
            },
            Rule {
                name: "x".into(),
                shape: vec![2],
                draw: Draw::Range {
                    low: 0.05,
                    high: 0.1,
                    step: 0.01,
                },
            },
        ]
    }

    #[test]
    fn same_seed_and_id_same_numbers() {
        let a = draw(&rules(), 7, "alice");
        assert_eq!(a, draw(&rules(), 7, "alice"));
        // The stream is pinned: these numbers never change.
        let texts: Vec<String> = a
            .iter()
            .map(|(n, v)| format!("{n}={}", crate::render::value_text(v, 12, 12)))
            .collect();
        assert_eq!(texts, ["n_X=7", "price_Y=120", "x=[0.09, 0.1]"]);
    }

    #[test]
    fn ids_are_file_names() {
        for good in ["alice", "s123", "a.b@uni.edu", "x_y-z"] {
            assert!(check_id(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".hidden",
            "-x",
            "a/b",
            "..",
            "a b",
            "é",
            &"x".repeat(101),
        ] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_spread_over_the_range() {
        let mut seen = std::collections::BTreeSet::new();
        for i in 0..200 {
            let v = draw(&rules(), 1, &format!("s{i}"));
            let n = v[0].1.as_scalar().unwrap();
            assert!((1.0..=9.0).contains(&n) && n.fract() == 0.0, "{n}");
            for x in v[2].1.iter() {
                assert!((0.05..=0.1 + 1e-12).contains(&x), "{x}");
                // Tidy: at most 2 decimals.
                assert_eq!(x, (x * 100.0).round() / 100.0);
            }
            seen.insert(n as i64);
        }
        assert_eq!(seen.len(), 9, "{seen:?}");
        assert_ne!(draw(&rules(), 1, "alice"), draw(&rules(), 2, "alice"));
    }
}
