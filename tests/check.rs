//! `bpc check` end to end, in-process: every spec and exercise passes; a
//! wrong expected number fails and is named with both numbers; a missing
//! name is an invalid spec with its location; hidden answers stay hidden;
//! and the finite-difference check catches a wrong backward rule.

mod common;
use common::bpc;

use std::path::{Path, PathBuf};

use bpc::check::{self, GradcheckOptions, Status};
use bpc::op::{Map, Op};
use bpc::plan::Plan;
use bpc::tensor::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh folder under the system's temp folder, unique to this test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bpc-check-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `dir/name` and returns the path as a string.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// The summary lines of a report: `answers: ...` and `gradient check: ...`.
fn summary(stdout: &str) -> String {
    let lines: Vec<&str> = stdout.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.starts_with("answers: "))
        .unwrap_or(lines.len());
    lines[at..].join("\n")
}

/// Relative errors of finite differences are rounding noise (they may differ
/// in the last digit between platforms' libm); snapshots show them as `[err]`.
fn redact_errors(text: &str) -> String {
    let key = "relative error ";
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(key) {
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
            .unwrap_or(rest.len());
        out.push_str("[err]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_spec_and_key_passes() {
    let specs = root().join("specs");
    let keys = root().join("exercises/keys");
    let (status, out, err) = bpc(&["check", specs.to_str().unwrap(), keys.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}\n{err}");
    assert!(err.is_empty(), "{err}");
    let lines = summary(&out);
    assert!(lines.starts_with("answers: "), "{lines}");
    assert!(
        !lines.contains("wrong") && !lines.contains("unanswered"),
        "{lines}"
    );
    assert!(!lines.contains("failed"), "{lines}");
    assert!(!out.contains('✗'), "{out}");
    let exercises = keys.parent().unwrap();
    // A graded path of at least 10 exercises, numbered 01_...
    let mut names: Vec<String> = std::fs::read_dir(exercises)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() >= 10, "{names:?}");
    for (i, n) in names.iter().enumerate() {
        assert!(n.starts_with(&format!("{:02}_", i + 1)), "{n}");
    }
    // Every exercise states its task and has questions; every handout has its key.
    for n in &names {
        for file in [exercises.join(n), keys.join(n)] {
            let text = std::fs::read_to_string(&file).unwrap();
            // After the editor's schema line (tests/schema.rs checks it).
            let task = text.split_once('\n').map_or("", |(_, rest)| rest);
            assert!(task.starts_with("# Exercise"), "{}", file.display());
            assert!(text.contains("bpc check"), "{}", file.display());
            assert!(text.contains("\nexpect:"), "{}", file.display());
        }
    }
}

#[test]
fn a_handout_is_unanswered_not_invalid() {
    // The handouts: every answer blank, every gradient checks out, exit 1.
    let exercises = root().join("exercises");
    let (status, out, err) = bpc(&["check", exercises.to_str().unwrap()]);
    assert_eq!(status, 1, "{out}\n{err}");
    assert!(!out.contains('✗'), "{out}");
    let lines = summary(&out);
    let first = lines.lines().next().unwrap();
    let n: usize = first
        .strip_prefix("answers: 0 of ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{first}"));
    assert_eq!(first, format!("answers: 0 of {n} right ({n} unanswered)"));
    assert!(!lines.contains("failed"), "{lines}");
    // Blanks in every form: `~`, nothing, `?` (bare, quoted, in flow) and `___`.
    let dir = temp_dir("blanks");
    let path = write(
        &dir,
        "blanks.yaml",
        "inputs:\n  a: 2\nnodes:\n  y: square(a)\noutput: y\nexpect:\n  values:\n    y: ?   # to do\n  \
         grads: { a: ?, y: '___' }\n",
    );
    let (status, out, _) = bpc(&["check", "--no-gradcheck", &path]);
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("answers: 0 of 3 right (3 unanswered)"),
        "{out}"
    );
    assert!(out.contains("? d y / d a  unanswered"), "{out}");
    // A blank never shows the computed answer: d y / d a = 2a = 4.
    let body: String = out.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert!(!body.contains('4'), "{out}");
}

#[test]
fn a_wrong_expected_gradient_fails_with_both_numbers() {
    let dir = temp_dir("wrong");
    let text = std::fs::read_to_string(root().join("exercises/keys/02_tax_gradient.yaml")).unwrap();
    let edited = text.replace("grads: { b_TAX: 200,", "grads: { b_TAX: 210,");
    assert_ne!(edited, text);
    let path = write(&dir, "02_tax_gradient.yaml", &edited);
    let (status, out, err) = bpc(&["check", &path]);
    assert_eq!(status, 1, "{out}\n{err}");
    // d total / d b_TAX = fruit_price = 200, not 210.
    let line = out.lines().find(|l| l.contains('✗')).unwrap();
    assert!(line.contains("d total_price / d b_TAX"), "{line}");
    assert!(line.contains("expected 210, computed 200"), "{line}");
    assert_eq!(out.matches('✗').count(), 1, "{out}");
    // 5 answers (1 wrong) and 5 gradient checks, counted apart.
    assert_eq!(
        summary(&out),
        "answers: 4 of 5 right (1 wrong)\ngradient check: 5 passed"
    );
}

#[test]
fn a_missing_name_is_an_invalid_spec_with_its_place() {
    let dir = temp_dir("missing");
    let good = write(
        &dir,
        "a_good.yaml",
        "inputs:\n  a: 2\nnodes:\n  y: square(a)\noutput: y\nexpect:\n  grads: { a: 4 }\n",
    );
    let bad = write(
        &dir,
        "b_bad.yaml",
        "inputs:\n  a: 2\nnodes:\n  y: square(a)\noutput: y\nexpect:\n  grads: { a: 4, yy: 1 }\n",
    );
    let (status, out, err) = bpc(&["check", &good, &bad]);
    assert_eq!(status, 2, "{out}\n{err}");
    // `yy` is on line 7, column 18 of b_bad.yaml.
    assert!(err.contains(&format!("{bad}:7:18")), "{err}");
    assert!(err.contains("`yy`"), "{err}");
    assert!(err.contains("did you mean `y`?"), "{err}");
    assert!(out.contains("invalid spec: "), "{out}");
    // The other spec is still checked: d y / d a = 2a = 4.
    assert!(out.contains("✓ d y / d a  expected 4, computed 4"), "{out}");
}

#[test]
fn folders_patterns_and_paths_that_match_nothing_are_errors() {
    let dir = temp_dir("paths");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let (status, _, err) = bpc(&["check", empty.to_str().unwrap()]);
    assert_eq!(status, 2);
    assert!(err.contains("holds no *.yaml spec"), "{err}");
    let pattern = dir.join("*.yaml");
    let (status, _, err) = bpc(&["check", pattern.to_str().unwrap()]);
    assert_eq!(status, 2);
    assert!(err.contains("matches no file"), "{err}");
    // An unexpanded pattern (as a quoted shell argument) is expanded, sorted.
    let pattern = root().join("exercises/keys/0?_*.yaml");
    let (status, out, _) = bpc(&["check", "--no-gradcheck", pattern.to_str().unwrap()]);
    assert_eq!(status, 0, "{out}");
    let headers: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("exercises/keys/0"))
        .collect();
    assert_eq!(headers.len(), 9, "{out}");
    assert!(headers[0].contains("01_fruit_total.yaml"), "{out}");
}

#[test]
fn hidden_answers_are_not_printed() {
    let dir = temp_dir("hidden");
    // d total / d tax = 200; the learner wrote 210.
    let spec = "inputs:\n  n: 2\n  price: 100\n  tax: 1.1\nnodes:\n  fruit: mul(price, n)\n  total: mul(fruit, tax)\n\
                output: total\nexpect:\n  grads: { tax: 210, price: 2.2 }\n  hidden: true\n";
    let path = write(&dir, "hidden.yaml", spec);
    let (status, out, _) = bpc(&["check", &path]);
    assert_eq!(status, 1, "{out}");
    assert!(out.contains("✗ d total / d tax"), "{out}");
    assert!(out.contains("expected 210: not right"), "{out}");
    assert!(
        out.contains("✓ d total / d price  expected 2.2: right"),
        "{out}"
    );
    // The header names the file (whose temp path may hold any digits); the rest must not leak.
    let body: String = out.lines().skip(1).collect::<Vec<_>>().join("\n");
    assert!(!body.contains("200"), "the computed answer leaked: {out}");
    let (_, json, _) = bpc(&["check", "--format", "json", &path]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let spec = &json["specs"][0];
    assert_eq!(spec["hidden"], true);
    for e in spec["expect"].as_array().unwrap() {
        assert!(e["computed"].is_null(), "{e}");
    }
    for g in spec["gradcheck"].as_array().unwrap() {
        assert!(g["worst"]["analytic"].is_null(), "{g}");
    }
    // --reveal shows it.
    let (status, out, _) = bpc(&["check", "--reveal", &path]);
    assert_eq!(status, 1);
    assert!(out.contains("expected 210, computed 200"), "{out}");
    // --hide-answers hides the answers of any spec.
    let (status, out, _) = bpc(&[
        "check",
        "--hide-answers",
        "exercises/keys/02_tax_gradient.yaml",
    ]);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains("✓ d total_price / d b_TAX        expected 200: right"),
        "{out}"
    );
    assert!(!out.contains("computed"), "{out}");
}

#[test]
fn reports_of_exercises() {
    let dir = temp_dir("snap");
    let text =
        std::fs::read_to_string(root().join("exercises/keys/08_squared_error.yaml")).unwrap();
    // d E / d out = out - target = [-0.25, 0.25]; the edit flips the sign of the second element.
    let edited = text.replace("out: [-0.25, 0.25]", "out: [-0.25, -0.25]");
    assert_ne!(edited, text);
    write(&dir, "08_wrong.yaml", &edited);
    let wrong = dir.join("08_wrong.yaml");
    let args = [
        "check",
        "exercises/keys/02_tax_gradient.yaml",
        "exercises/keys/11_softmax_cross_entropy.yaml",
        "exercises/keys/12_relu_kink.yaml",
        wrong.to_str().unwrap(),
    ];
    let (status, out, err) = bpc(&args);
    assert_eq!(status, 1, "{err}");
    let out = redact_errors(&out).replace(&dir.display().to_string(), "[tmp]");
    insta::assert_snapshot!("report", out);
    let (_, json, _) = bpc(&[
        "check",
        "--format",
        "json",
        "--no-gradcheck",
        "exercises/keys/05_sigmoid_neuron.yaml",
    ]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_json_snapshot!("report_json", json);
}

#[test]
fn large_tensors_are_sampled_and_say_so() {
    let dir = temp_dir("large");
    // d sum(w²) / d w = 2w for 2,000 elements: 1,000 of them are checked.
    let spec = "params:\n  w: { shape: [2000], init: uniform, low: -1, high: 1, seed: 3 }\nnodes:\n  \
                sq: square(w)\n  loss: sum(sq)\noutput: loss\n";
    let path = write(&dir, "large.yaml", spec);
    let (status, out, _) = bpc(&["check", &path]);
    assert_eq!(status, 0, "{out}");
    assert!(
        out.contains("(checked 1000 of 2000 elements, evenly spaced)"),
        "{out}"
    );
    let (_, out, _) = bpc(&["check", "--max-elements", "10", &path]);
    assert!(
        out.contains("(checked 10 of 2000 elements, evenly spaced)"),
        "{out}"
    );
}

/// y = (2 sin x)² at x = 0.7, all scalars.
const SIN_SPEC: &str =
    "inputs:\n  x: 0.7\n  w: 2\nnodes:\n  s: sin(x)\n  p: mul(s, w)\n  y: square(p)\noutput: y\n";

fn load(dir: &Path, text: &str) -> Plan {
    let path = dir.join("spec.yaml");
    std::fs::write(&path, text).unwrap();
    bpc::load::load(&path, &[], true, &mut Default::default()).unwrap()
}

/// A reverse walk over a scalar plan that uses the wrong rule d/dx sin x = sin x
/// (the right one is cos x), every other rule from the op calculus.
fn backward_with_wrong_sin(plan: &Plan, values: &[Value]) -> Vec<f64> {
    let v: Vec<f64> = values.iter().map(|v| v.as_scalar().unwrap()).collect();
    let mut g = vec![0.0; v.len()];
    g[plan.output.index()] = 1.0;
    for step in plan.steps.iter().rev() {
        let (a, b) = (
            v[step.args[0].index()],
            if step.arity() > 1 {
                v[step.args[1].index()]
            } else {
                0.0
            },
        );
        let up = g[step.out.index()];
        let Op::Map(m) = step.op else {
            panic!("a scalar plan has only elementwise ops")
        };
        let (ga, gb) = match m {
            Map::Sin => (up * a.sin(), 0.0), // wrong on purpose
            m => m.backward_scalar(a, b, v[step.out.index()], up),
        };
        for (k, d) in [ga, gb].into_iter().enumerate().take(step.arity()) {
            g[step.args[k].index()] += d;
        }
    }
    g
}

#[test]
fn finite_differences_catch_a_wrong_backward_rule() {
    let dir = temp_dir("wrong_rule");
    let plan = load(&dir, SIN_SPEC);
    let right = bpc::eval::evaluate(&plan);
    let opts = GradcheckOptions::default();
    let verdict = |grads: &bpc::slots::Grads| -> Vec<(String, Status)> {
        check::gradcheck::check(&plan, &right.values, grads, &opts)
            .into_iter()
            .map(|c| (c.name, c.status))
            .collect()
    };
    // The engine's own gradients pass everywhere.
    assert!(
        verdict(&right.grads)
            .iter()
            .all(|(_, s)| *s == Status::Passed),
        "{:?}",
        verdict(&right.grads)
    );
    // With the wrong rule, d y / d x = 2p·w·sin x instead of 2p·w·cos x: only x fails.
    let wrong = bpc::slots::Grads::new(
        backward_with_wrong_sin(&plan, &right.values)
            .into_iter()
            .map(Value::Scalar)
            .collect(),
    );
    let checks = check::gradcheck::check(&plan, &right.values, &wrong, &opts);
    for c in &checks {
        let want = if c.name == "x" {
            Status::Failed
        } else {
            Status::Passed
        };
        assert_eq!(c.status, want, "{c:?}");
    }
    let x = checks.iter().find(|c| c.name == "x").unwrap();
    let f = x.first_failure.unwrap();
    // p = 2 sin 0.7; d y / d x = 2p · 2 · cos 0.7 = 8 sin 0.7 cos 0.7 = 4 sin 1.4.
    assert!((f.numeric - 4.0 * 1.4f64.sin()).abs() < 1e-6, "{f:?}");
    // The wrong rule gives 8 sin² 0.7.
    assert!(
        (f.analytic - 8.0 * 0.7f64.sin().powi(2)).abs() < 1e-12,
        "{f:?}"
    );
    let report = check::SpecReport {
        path: "sin.yaml".into(),
        name: Some(plan.name.clone()),
        output: Some("y".into()),
        problem: None,
        rule: bpc::grade::judge::Rule::Hand,
        hidden: false,
        expect: Vec::new(),
        gradcheck: Some(checks),
    };
    let text = check::report::text(&[report], Some(&opts));
    insta::assert_snapshot!("wrong_sin_rule", redact_errors(&text));
}

#[test]
fn a_kink_is_skipped_not_failed() {
    let dir = temp_dir("kink");
    // h = relu(x - 1) at x = 1: the argument sits on the kink, so x and d are skipped.
    let plan = load(
        &dir,
        "inputs:\n  x: 1\nnodes:\n  d: sub(x, 1)\n  h: relu(d)\noutput: h\n",
    );
    let e = bpc::eval::evaluate(&plan);
    let checks = check::gradcheck::check(&plan, &e.values, &e.grads, &GradcheckOptions::default());
    let status: Vec<(&str, Status)> = checks.iter().map(|c| (c.name.as_str(), c.status)).collect();
    assert_eq!(
        status,
        [
            ("x", Status::Skipped),
            ("d", Status::Skipped),
            ("h", Status::Passed)
        ]
    );
    assert_eq!(
        checks[0].skip_reason.as_deref(),
        Some("within eps of the kink of `h` = relu(d) at 0")
    );
}

#[test]
fn hand_answers_are_right_when_rounded_right() {
    let dir = temp_dir("hand");
    // s = sin 0.7 = 0.644218, y = 2 s = 1.288435, d y / d x = 2 cos 0.7 = 1.529684.
    let spec = "inputs:\n  x: 0.7\nnodes:\n  s: sin(x)\n  y: mul(s, 2)\noutput: y\n\
                expect:\n  values: { s: 0.6442, y: 1.3 }\n  grads: { x: 1.529 }\n";
    let path = write(&dir, "hand.yaml", spec);
    let (status, out, _) = bpc(&["check", "--no-gradcheck", &path]);
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("✓ s          expected 0.6442, computed 0.644218"),
        "{out}"
    );
    assert!(
        out.contains(
            "✗ y          expected 1.3, computed 1.28844: too few digits: 2 significant digits, write at least 3"
        ),
        "{out}"
    );
    assert!(
        out.contains("✗ d y / d x  expected 1.529, computed 1.52968: close: check your rounding"),
        "{out}"
    );
    assert!(
        out.contains("answers: 1 of 3 right (1 close, 1 wrong)"),
        "{out}"
    );
    // --answer-rtol judges every answer by a tolerance instead (and says so).
    let (status, out, _) = bpc(&["check", "--no-gradcheck", "--answer-rtol", "0.01", &path]);
    assert_eq!(status, 0, "{out}");
    assert!(out.contains("answers (rtol 0.01, atol 1e-9)"), "{out}");
    assert!(out.contains("answers: 3 of 3 right"), "{out}");
    // A key's own rtol for one question replaces the rule for that question.
    let spec = spec.replace("y: 1.3 }", "y: { answer: 1.3, rtol: 0.01 } }");
    let path = write(&dir, "hand_tol.yaml", &spec);
    let (_, out, _) = bpc(&["check", "--no-gradcheck", &path]);
    assert!(
        out.contains("✓ y          expected 1.3, computed 1.28844 (rtol 0.01, atol 1e-9)"),
        "{out}"
    );
}
