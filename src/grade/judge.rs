//! Is a hand answer right? One rule for `bpc check` and `bpc grade`.
//!
//! By default (no tolerance in the key) an answer `a`, written as text `t`,
//! for the key's value `k` is
//!
//! 1. **right** when it equals the key: `|a - k| <= 1e-9 + 1e-6 |k|` (the
//!    contract's default tolerance: floating-point noise, so `220` is right
//!    for 220.00000000000003 and `3.6` for 3.6000000000000001);
//! 2. otherwise, with `u = 10^q` the place of the last digit written in `t`
//!    (`0.6044`: u = 0.0001; `1.23e3`: u = 10) and `s` its significant
//!    digits (`0.6044`: 4; `0.0045`: 2; `220`: 3; `1.20`: 3):
//!    - **right** when `a` is `k` rounded at `u` (`|a - k| <= u/2`) and
//!      `s >= 3`: `0.6044` and `0.604` for 0.604368;
//!    - **too few digits** (wrong) when `a` is `k` rounded at `u` but
//!      `s < 3`: `0.6` and `0.60` for 0.604368;
//!    - **close: check your rounding** (no points) when `s >= 3` and `a` is
//!      off by at most one and a half units of its last digit, or by at most
//!      one unit of the key's third significant digit (a rounding slip, or
//!      intermediate results rounded early): `0.6043`, `0.605` for 0.604368;
//!    - **wrong** otherwise.
//!
//! A key that sets `rtol`/`atol` (for the whole `expect` or one question)
//! replaces all of this by NumPy's `isclose`: `|a - k| <= atol + rtol |k|`.
//! A tensor answer is judged element by element: right when every element
//! is, close when every element is right or close.

use crate::render::number;
use crate::tensor::{Value, shape_text};

/// The contract's default tolerances of `expect`: `rtol`.
pub const DEFAULT_RTOL: f64 = 1e-6;
/// The contract's default tolerances of `expect`: `atol`.
pub const DEFAULT_ATOL: f64 = 1e-9;
/// Fewest significant digits a rounded answer needs.
pub const MIN_DIGITS: u32 = 3;

/// How answers to one question are judged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Rule {
    /// The hand-answer rule (the module's documentation).
    Hand,
    /// `|a - k| <= atol + rtol |k|` only.
    Tolerance {
        /// Relative tolerance.
        rtol: f64,
        /// Absolute tolerance.
        atol: f64,
    },
}

/// The verdict on one number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Right.
    Right,
    /// Off by a rounding slip.
    Close,
    /// The key rounded, but to fewer than [`MIN_DIGITS`] significant digits.
    TooFewDigits,
    /// Wrong.
    Wrong,
}

/// The digits of a number as written: `0.6044` has 4 significant digits and
/// its last digit in the place 10^-4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digits {
    /// Significant digits: from the first non-zero digit to the last written.
    pub significant: u32,
    /// The exponent of the last written digit's place.
    pub last_place: i32,
}

/// Reads the digits of a decimal number as written (`-0.6044`, `1.20`,
/// `1.2e-3`, `220`). `None` for anything else (`.inf`, `0x1F`, `1_000`).
pub fn digits(text: &str) -> Option<Digits> {
    let t = text.trim();
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all = || int.bytes().chain(frac.bytes());
    if int.len() + frac.len() == 0 || !all().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = all().skip_while(|&b| b == b'0').count();
    let frac_len = i32::try_from(frac.len()).ok()?;
    Some(Digits {
        significant: u32::try_from(significant).ok()?,
        last_place: exp.checked_sub(frac_len)?,
    })
}

/// Judges one number: the answer `answer`, written as `text` (its digits
/// matter to the hand rule; `None` when unknown), against the key's `key`.
pub fn judge(key: f64, answer: f64, text: Option<&str>, rule: Rule) -> Verdict {
    let (rtol, atol) = match rule {
        Rule::Tolerance { rtol, atol } => (rtol, atol),
        Rule::Hand => (DEFAULT_RTOL, DEFAULT_ATOL),
    };
    if !answer.is_finite() || !key.is_finite() {
        return if answer == key {
            Verdict::Right
        } else {
            Verdict::Wrong
        };
    }
    let off = (answer - key).abs();
    if off <= atol + rtol * key.abs() {
        return Verdict::Right;
    }
    let (Rule::Hand, Some(d)) = (rule, text.and_then(digits)) else {
        return Verdict::Wrong;
    };
    let unit = 10f64.powi(d.last_place);
    // A hair over one half, so that a key exactly half-way between two
    // roundings (as near as f64 says) accepts both.
    if off <= 0.5 * unit * (1.0 + 1e-9) {
        return if d.significant >= MIN_DIGITS {
            Verdict::Right
        } else {
            Verdict::TooFewDigits
        };
    }
    let third = 10f64.powi(key.abs().log10().floor() as i32 - 2);
    if d.significant >= MIN_DIGITS && off <= (1.5 * unit).max(third) {
        Verdict::Close
    } else {
        Verdict::Wrong
    }
}

/// The status of one answered or unanswered question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every element right: full points.
    Correct,
    /// Right but for a rounding slip: no points, a hint.
    Close,
    /// Wrong (including too few digits): no points.
    Wrong,
    /// Blank or missing: no points.
    Unanswered,
}

impl Status {
    /// `correct`, `close`, `wrong` or `unanswered`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Correct => "correct",
            Status::Close => "close",
            Status::Wrong => "wrong",
            Status::Unanswered => "unanswered",
        }
    }
}

/// One number of an answer as the student wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// Its value.
    pub value: f64,
    /// Its text, when known (an alias has none).
    pub text: Option<String>,
}

/// An answer: its shape and elements in row-major order, `None` for blanks.
#[derive(Clone, Debug, PartialEq)]
pub struct Answer {
    /// The shape written (`[]` for a number or a single blank).
    pub shape: Vec<usize>,
    /// The elements; `None` where blank.
    pub elements: Vec<Option<Written>>,
}

impl Answer {
    /// True when nothing is written.
    pub fn is_blank(&self) -> bool {
        self.elements.iter().all(Option::is_none)
    }

    /// The answer as written, for people: `0.6044`, `[1.0, ~]`.
    pub fn text(&self) -> String {
        let texts: Vec<String> = self
            .elements
            .iter()
            .map(|e| match e {
                None => "~".to_string(),
                Some(w) => w.text.clone().unwrap_or_else(|| number(w.value, 17)),
            })
            .collect();
        nest(&self.shape, &texts)
    }
}

/// Texts laid out as nested lists of `shape`.
fn nest(shape: &[usize], texts: &[String]) -> String {
    match shape {
        [] => texts.first().cloned().unwrap_or_default(),
        [_] => format!("[{}]", texts.join(", ")),
        [_, rest @ ..] => {
            let inner: usize = rest.iter().product();
            let rows: Vec<String> = texts.chunks(inner.max(1)).map(|c| nest(rest, c)).collect();
            format!("[{}]", rows.join(", "))
        }
    }
}

/// A question's status and, unless right, why.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// Correct, close, wrong or unanswered.
    pub status: Status,
    /// Why it is not right (`close: check your rounding`), or `None`.
    pub reason: Option<String>,
}

/// Judges an answer against the key's value, element by element.
pub fn judge_answer(key: &Value, answer: &Answer, rule: Rule) -> Judgement {
    let verdict = |status, reason: String| Judgement {
        status,
        reason: Some(reason),
    };
    let blanks = answer.elements.iter().filter(|e| e.is_none()).count();
    if answer.is_blank() {
        return verdict(Status::Unanswered, "blank".into());
    }
    if blanks > 0 {
        let n = answer.elements.len();
        return verdict(
            Status::Unanswered,
            format!("{blanks} of {n} elements blank"),
        );
    }
    if answer.shape != key.shape() {
        return verdict(
            Status::Wrong,
            format!(
                "the answer has shape {}, the question {}",
                shape_text(&answer.shape),
                shape_text(key.shape())
            ),
        );
    }
    let at = |j: usize| {
        if key.shape().is_empty() {
            String::new()
        } else {
            format!(" at {}", index_text(key.shape(), j))
        }
    };
    let mut close = None;
    for (j, (k, w)) in key.iter().zip(&answer.elements).enumerate() {
        let Some(w) = w else { continue };
        match judge(k, w.value, w.text.as_deref(), rule) {
            Verdict::Right => {}
            Verdict::Close => {
                close.get_or_insert(j);
            }
            Verdict::TooFewDigits => {
                let d = w
                    .text
                    .as_deref()
                    .and_then(digits)
                    .map_or(0, |d| d.significant);
                let digit = if d == 1 { "digit" } else { "digits" };
                return verdict(
                    Status::Wrong,
                    format!(
                        "too few digits{}: {d} significant {digit}, write at least {MIN_DIGITS}",
                        at(j)
                    ),
                );
            }
            Verdict::Wrong => return verdict(Status::Wrong, format!("wrong{}", at(j))),
        }
    }
    match close {
        Some(j) => verdict(
            Status::Close,
            format!("close{}: check your rounding", at(j)),
        ),
        None => Judgement {
            status: Status::Correct,
            reason: None,
        },
    }
}

/// `[1, 0]` for row-major index 2 of shape [2, 2].
fn index_text(shape: &[usize], mut j: usize) -> String {
    let mut idx = vec![0; shape.len()];
    for (i, &n) in shape.iter().enumerate().rev() {
        idx[i] = j % n.max(1);
        j /= n.max(1);
    }
    let idx: Vec<String> = idx.iter().map(|i| i.to_string()).collect();
    format!("[{}]", idx.join(", "))
}

#[cfg(test)]
mod tests;
