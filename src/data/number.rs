//! Reading a CSV cell as an `f64`, fast where it can be exact.
//!
//! Most cells of a data set are short plain decimals (`0.22265625`, `-3`,
//! `16`). For those, the digits without the point form an integer `m` below
//! 2^53 and the point sits `k` <= 22 places from the end, so `m` and `10^k`
//! are both exact `f64`s and one IEEE division `m / 10^k` is the correctly
//! rounded value (Clinger's fast path): the very bits `str::parse` gives.
//! Anything else (exponents, long mantissas, `inf`, stray characters) goes
//! to `str::parse`, which also decides what is an error.

/// Powers of ten that are exact `f64`s.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The number in `cell` (already trimmed), as `cell.parse::<f64>()` reads it.
#[inline]
pub fn parse_f64(cell: &str) -> Result<f64, std::num::ParseFloatError> {
    match plain_cell(cell.as_bytes()) {
        Some((x, len)) if len == cell.len() => Ok(x),
        _ => cell.parse::<f64>(),
    }
}

/// The plain decimal `[+-]digits[.digits]` (at least one digit) at the
/// start of `s`, ending at a `,` or at the end of `s`, when its digits fit
/// the fast path: the number and its length in bytes. `None` for anything
/// else (spaces, exponents, too many digits): then the caller cuts the cell
/// out and uses [`parse_f64`].
///
/// The first eight digits after the point are read at once when they are
/// eight digits (the bytes as one integer, checked and combined with a few
/// multiplications, as the fast_float library does), the rest one at a time.
#[inline]
pub fn plain_cell(s: &[u8]) -> Option<(f64, usize)> {
    let (negative, mut i) = match s.first()? {
        b'-' => (true, 1),
        b'+' => (false, 1),
        _ => (false, 0),
    };
    let (mut m, mut digits, mut frac, mut seen_point) = (0u64, 0usize, 0usize, false);
    let mut len = s.len();
    while let Some(&c) = s.get(i) {
        match c {
            b'0'..=b'9' => {
                if digits == 19 {
                    return None;
                }
                m = m * 10 + u64::from(c - b'0');
                digits += 1;
                frac += usize::from(seen_point);
            }
            b'.' if !seen_point => {
                seen_point = true;
                // The fraction's first eight digits at once, when they are.
                if digits + 8 <= 19
                    && let Some(chunk) = s.get(i + 1..i + 9)
                    && let Some(v) = eight_digits(u64::from_le_bytes(chunk.try_into().ok()?))
                {
                    m = m * 100_000_000 + v;
                    digits += 8;
                    frac += 8;
                    i += 8;
                }
            }
            b',' => {
                len = i;
                break;
            }
            _ => return None,
        }
        i += 1;
    }
    if digits == 0 || m >= 1 << 53 || frac >= POW10.len() {
        return None;
    }
    let x = m as f64 / POW10[frac];
    Some((if negative { -x } else { x }, len))
}

/// Eight ASCII digits (the first in the lowest byte) as their number.
#[inline]
fn eight_digits(x: u64) -> Option<u64> {
    let v = x.wrapping_sub(0x3030_3030_3030_3030);
    // A byte below '0' wraps in `v`; one above '9' overflows 0x7f in the sum.
    if (x.wrapping_add(0x4646_4646_4646_4646) | v) & 0x8080_8080_8080_8080 != 0 {
        return None;
    }
    // Pairs, then fours, then all eight: each step one multiplication.
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let mask = 0x0000_00ff_0000_00ff;
    let v = ((v & mask).wrapping_mul(100 + (1_000_000 << 32)))
        .wrapping_add(((v >> 16) & mask).wrapping_mul(1 + (10_000 << 32)))
        >> 32;
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_ends_at_its_comma() {
        assert_eq!(plain_cell(b"0.25,1"), Some((0.25, 4)));
        assert_eq!(plain_cell(b"-3,"), Some((-3.0, 2)));
        assert_eq!(plain_cell(b"7"), Some((7.0, 1)));
        assert_eq!(plain_cell(b",1"), None);
        assert_eq!(plain_cell(b" 1,2"), None);
        assert_eq!(plain_cell(b"1e3,2"), None);
        assert_eq!(plain_cell(b""), None);
    }

    #[test]
    fn runs_of_digits_read_at_once_are_the_digits() {
        for n in [0u64, 1, 9, 10, 12345678, 99999999, 10000000, 90817263] {
            let text = format!("{n:08}");
            assert_eq!(
                eight_digits(u64::from_le_bytes(text.as_bytes().try_into().unwrap())),
                Some(n)
            );
        }
        // Any byte that is not a digit, anywhere in the run.
        for bad in [b'/', b':', b'.', b',', b' ', b'a', 0x80, 0xff, 0] {
            for at in 0..8 {
                let mut run = *b"12345678";
                run[at] = bad;
                assert_eq!(eight_digits(u64::from_le_bytes(run)), None, "{run:?}");
            }
        }
        // A cell followed by more of its line ends at its comma, whatever
        // the bytes after it, and reads as the cell alone.
        for cell in [
            "0.22265625",
            "12345678901234567",
            "0.7734375",
            "-1234.5678",
            "5",
            "1234567890123456789",
        ] {
            for rest in ["", ",1", ",12345678", ",x", ",,"] {
                let line = format!("{cell}{rest}");
                assert_eq!(
                    plain_cell(line.as_bytes()),
                    plain_cell(cell.as_bytes()).map(|(x, _)| (x, cell.len())),
                    "{line}"
                );
            }
        }
        assert_eq!(plain_cell(b"12345678901234567890"), None);
        assert_eq!(plain_cell(b"1234567.8901234567890,1"), None);
        assert_eq!(plain_cell(b"12345678a,1"), None);
    }

    /// Bit for bit what `str::parse` gives, on the cells the fast path
    /// takes, the ones it leaves, and the errors.
    #[test]
    fn the_same_bits_as_str_parse() {
        let fixed = [
            "0",
            "-0",
            "+0",
            "0.0",
            "-0.0",
            "1",
            "16",
            "0.22265625",
            "-3.5",
            "+2.25",
            ".5",
            "5.",
            "-.5",
            "0.1",
            "0.2",
            "0.3",
            "123456789.123456789",
            "9007199254740991",
            "9007199254740992",
            "9007199254740993",
            "1234567890123456789",
            "12345678901234567890",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "1e5",
            "1E-3",
            "inf",
            "-inf",
            "NaN",
            "nan",
            "",
            "-",
            "+",
            ".",
            "1.2.3",
            "1,5",
            "0x10",
            "1_000",
            " 1",
            "١",
        ];
        for cell in fixed {
            let want = cell.parse::<f64>();
            let got = parse_f64(cell);
            match (&want, &got) {
                (Ok(a), Ok(b)) => assert!(
                    a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan(),
                    "{cell}: {a} vs {b}"
                ),
                (Err(_), Err(_)) => {}
                _ => panic!("{cell}: {want:?} vs {got:?}"),
            }
        }
        // Random decimals of every length the fast path takes and a little
        // past it (SplitMix64, so the same cells on every run).
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        for _ in 0..200_000 {
            let r = next();
            let len = 1 + (r % 24) as usize;
            let point = (r >> 8) as usize % (len + 2);
            let mut cell = String::new();
            if r >> 20 & 1 == 1 {
                cell.push('-');
            }
            for i in 0..len {
                if i == point {
                    cell.push('.');
                }
                cell.push(char::from(b'0' + (next() % 10) as u8));
            }
            let (want, got) = (cell.parse::<f64>().unwrap(), parse_f64(&cell).unwrap());
            assert_eq!(want.to_bits(), got.to_bits(), "{cell}");
        }
    }
}
