//! Renderers: they read a plan and its evaluation, and compute nothing new.

pub mod dot;
pub mod json;
pub mod matrix;
pub mod nonfinite;
pub mod table;

use crate::tensor::Value;

/// A number for people: `sig` significant digits, trailing zeros dropped
/// (`220`, `2.2`, `0.000123457`, `1.5e+12`).
pub fn number(x: f64, sig: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if x == 0.0 {
        return "0".into();
    }
    let sig = sig.clamp(1, 17);
    // Round once, in scientific form, then choose the layout from the exponent.
    let sci = format!("{:.*e}", sig - 1, x);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    // printf's %g rule: scientific below 1e-4 or at 10^sig and above.
    if exp < -4 || exp >= sig as i32 {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (sig as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{:.*}", decimals, x)).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

/// A number for machines: the shortest text that reads back as the same f64.
pub fn exact(x: f64) -> String {
    format!("{x:?}")
}

/// A value for people: a scalar as a number, a small tensor in full as nested
/// lists, a large one as its first elements and a count.
pub fn value_text(v: &Value, sig: usize, max_elems: usize) -> String {
    match v {
        Value::Scalar(x) => number(*x, sig),
        Value::Tensor(a) if a.len() <= max_elems => {
            nested(a.shape(), &v.to_vec(), &|x| number(x, sig))
        }
        Value::Tensor(a) => {
            let shown: Vec<String> = a
                .iter()
                .take(max_elems.max(1))
                .map(|&x| number(x, sig))
                .collect();
            format!("[{}, …] ({} values)", shown.join(", "), a.len())
        }
    }
}

/// Row-major `data` of `shape` as nested lists, each number through `f`.
pub fn nested(shape: &[usize], data: &[f64], f: &dyn Fn(f64) -> String) -> String {
    match shape {
        [] => data.first().map(|&x| f(x)).unwrap_or_default(),
        [_] => format!(
            "[{}]",
            data.iter().map(|&x| f(x)).collect::<Vec<_>>().join(", ")
        ),
        [n, rest @ ..] => {
            let stride: usize = rest.iter().product();
            let rows: Vec<String> = (0..*n)
                .map(|i| nested(rest, &data[i * stride..(i + 1) * stride], f))
                .collect();
            format!("[{}]", rows.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people_are_rounded() {
        // The lesson's f64 results: 220.00000000000003 and 110.00000000000001.
        assert_eq!(number(220.00000000000003, 6), "220");
        assert_eq!(number(110.00000000000001, 6), "110");
        assert_eq!(number(3.3000000000000003, 6), "3.3");
        assert_eq!(number(-0.5, 6), "-0.5");
        assert_eq!(number(0.000123456789, 6), "0.000123457");
        assert_eq!(number(0.0000246548, 6), "2.46548e-05");
        assert_eq!(number(1.5e12, 6), "1.5e+12");
        assert_eq!(number(2.5e-7, 6), "2.5e-07");
        assert_eq!(number(999999.7, 6), "1e+06");
        assert_eq!(number(f64::NAN, 6), "NaN");
    }

    #[test]
    fn numbers_for_machines_round_trip() {
        for x in [220.00000000000003, 0.1, 1e-300, 2.2, -0.0, 1e21] {
            assert_eq!(exact(x).parse::<f64>().unwrap().to_bits(), x.to_bits());
        }
    }

    #[test]
    fn nested_lists() {
        let s = nested(&[2, 2], &[1.0, 2.0, 3.0, 4.0], &|x| number(x, 6));
        assert_eq!(s, "[[1, 2], [3, 4]]");
    }
}
