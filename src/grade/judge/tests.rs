use super::*;

fn hand(key: f64, text: &str) -> Verdict {
    judge(key, text.parse().unwrap(), Some(text), Rule::Hand)
}

#[test]
fn digits_as_written() {
    let d = |t| digits(t).map(|d| (d.significant, d.last_place));
    assert_eq!(d("0.6044"), Some((4, -4)));
    assert_eq!(d("-0.0045"), Some((2, -4)));
    assert_eq!(d("220"), Some((3, 0)));
    assert_eq!(d("1.20"), Some((3, -2)));
    assert_eq!(d("1.23e3"), Some((3, 1)));
    assert_eq!(d("+5E-2"), Some((1, -2)));
    assert_eq!(d("0"), Some((0, 0)));
    assert_eq!(d(".5"), Some((1, -1)));
    assert_eq!(d("3."), Some((1, 0)));
    for bad in [".inf", "0x1F", "1_000", "", ".", "e3", "1e", "--1"] {
        assert_eq!(digits(bad), None, "{bad}");
    }
}

#[test]
fn the_issue_examples() {
    let k = 0.604368;
    assert_eq!(hand(k, "0.6044"), Verdict::Right);
    assert_eq!(hand(k, "0.604"), Verdict::Right);
    assert_eq!(hand(k, "0.60437"), Verdict::Right);
    assert_eq!(hand(k, "0.6"), Verdict::TooFewDigits);
    assert_eq!(hand(k, "0.60"), Verdict::TooFewDigits);
    assert_eq!(hand(k, "0.6043"), Verdict::Close);
    assert_eq!(hand(k, "0.605"), Verdict::Close);
    assert_eq!(hand(k, "0.61"), Verdict::Wrong);
    assert_eq!(hand(k, "0.6144"), Verdict::Wrong);
    assert_eq!(hand(k, "-0.6044"), Verdict::Wrong);
    // Floating-point noise: the same number.
    assert_eq!(hand(1.2 * 3.0, "3.6"), Verdict::Right); // 3.5999999999999996
    assert_eq!(hand(0.1 + 0.2, "0.3"), Verdict::Right); // 0.30000000000000004
    assert_eq!(hand(220.00000000000003, "220"), Verdict::Right);
    assert_eq!(hand(2.2, "2.2"), Verdict::Right);
    assert_eq!(hand(5.551115123125783e-17, "0"), Verdict::Right);
}

#[test]
fn rounding_at_the_last_written_digit() {
    // 110.5 rounds to 111 (or, half-way, to 110).
    assert_eq!(hand(110.5, "111"), Verdict::Right);
    assert_eq!(hand(110.5, "110"), Verdict::Right);
    assert_eq!(hand(110.5, "112"), Verdict::Close);
    assert_eq!(hand(110.5, "113"), Verdict::Wrong);
    assert_eq!(hand(1234.0, "1.23e3"), Verdict::Right);
    assert_eq!(hand(1234.0, "1.2e3"), Verdict::TooFewDigits);
    assert_eq!(hand(1234.0, "1230"), Verdict::Close);
    assert_eq!(hand(1234.0, "1000"), Verdict::Wrong);
    // Small numbers count their significant digits from the first non-zero one.
    assert_eq!(hand(0.000123456, "0.000123"), Verdict::Right);
    assert_eq!(hand(0.000123456, "0.00012"), Verdict::TooFewDigits);
    // Zero written for a non-zero key is too few digits when the key rounds to it.
    assert_eq!(hand(0.0004, "0.000"), Verdict::TooFewDigits);
    // Unknown digits (an alias, `.inf`): only the tolerance counts.
    assert_eq!(judge(0.604368, 0.6044, None, Rule::Hand), Verdict::Wrong);
    assert_eq!(
        judge(1.0, f64::INFINITY, Some(".inf"), Rule::Hand),
        Verdict::Wrong
    );
}

#[test]
fn a_tolerance_replaces_the_hand_rule() {
    let tol = Rule::Tolerance {
        rtol: 1e-3,
        atol: 0.0,
    };
    assert_eq!(judge(0.604368, 0.6044, Some("0.6044"), tol), Verdict::Right);
    assert_eq!(judge(0.604368, 0.6, Some("0.6"), tol), Verdict::Wrong);
    let strict = Rule::Tolerance {
        rtol: 1e-9,
        atol: 0.0,
    };
    assert_eq!(
        judge(0.604368, 0.6044, Some("0.6044"), strict),
        Verdict::Wrong
    );
}

fn answer(shape: &[usize], texts: &[Option<&str>]) -> Answer {
    Answer {
        shape: shape.to_vec(),
        elements: texts
            .iter()
            .map(|t| {
                t.map(|t| Written {
                    value: t.parse().unwrap(),
                    text: Some(t.to_string()),
                })
            })
            .collect(),
    }
}

fn vector(xs: &[f64]) -> Value {
    Value::from_array(
        crate::tensor::Array::from_shape_vec(ndarray::IxDyn(&[xs.len()]), xs.to_vec()).unwrap(),
    )
}

#[test]
fn tensors_are_judged_element_by_element() {
    let key = vector(&[0.593270, -0.0380982]);
    let j = |texts: &[Option<&str>]| judge_answer(&key, &answer(&[2], texts), Rule::Hand);
    assert_eq!(j(&[Some("0.593"), Some("-0.0381")]).status, Status::Correct);
    let close = j(&[Some("0.5932"), Some("-0.0381")]);
    assert_eq!(close.status, Status::Close);
    assert_eq!(
        close.reason.as_deref(),
        Some("close at [0]: check your rounding")
    );
    let wrong = j(&[Some("0.5932"), Some("0.0381")]);
    assert_eq!(wrong.status, Status::Wrong);
    assert_eq!(wrong.reason.as_deref(), Some("wrong at [1]"));
    let few = j(&[Some("0.59"), Some("-0.0381")]);
    assert_eq!(
        few.reason.as_deref(),
        Some("too few digits at [0]: 2 significant digits, write at least 3")
    );
    let part = j(&[Some("0.593"), None]);
    assert_eq!(part.status, Status::Unanswered);
    assert_eq!(part.reason.as_deref(), Some("1 of 2 elements blank"));
    assert_eq!(j(&[None, None]).status, Status::Unanswered);
    let scalar = judge_answer(&key, &answer(&[], &[Some("0.593")]), Rule::Hand);
    assert_eq!(scalar.status, Status::Wrong);
    assert_eq!(
        scalar.reason.as_deref(),
        Some("the answer has shape [], the question [2]")
    );
    // A single blank stands for the whole tensor.
    let blank = judge_answer(&key, &answer(&[], &[None]), Rule::Hand);
    assert_eq!(blank.status, Status::Unanswered);
    assert_eq!(answer(&[2], &[Some("0.5"), None]).text(), "[0.5, ~]");
}
