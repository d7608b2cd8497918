//! Keys and handouts: every shipped key (`exercises/keys/`) and the test key
//! make handouts that parse, hold none of the answers and are the files in
//! `exercises/`; a key's own filled copy scores full marks; `bpc key` fills
//! answers keeping comments and layout; each student gets their own numbers.

mod common;
use common::bpc;

use std::path::{Path, PathBuf};

use bpc::grade::key::Key;
use bpc::grade::write::handout;
use bpc::render::number;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh folder under the system's temp folder, unique to this test.
fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bpc-keys-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every key: the shipped ones and the test's.
fn keys() -> Vec<PathBuf> {
    let mut keys: Vec<PathBuf> = std::fs::read_dir(root().join("exercises/keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    keys.sort();
    assert!(keys.len() >= 10, "{keys:?}");
    keys.push(root().join("tests/grade/key.yaml"));
    keys
}

/// True when `needle` stands in `hay` as a number of its own (not inside a
/// longer number).
fn has_number(hay: &str, needle: &str) -> bool {
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let mut after = hay[i + needle.len()..].chars();
        let (next, then) = (after.next(), after.next());
        // A `.` ends a sentence unless a digit follows it.
        let inside_before = digit(before) || before == Some('.');
        let inside_after = digit(next) || (next == Some('.') && digit(then));
        !inside_before && !inside_after
    })
}

/// The comments and description of a spec's text: where an answer could leak.
fn prose(text: &str) -> String {
    text.lines()
        .filter_map(|l| {
            let t = l.trim_start();
            if let Some(d) = t.strip_prefix("description:") {
                return Some(d.to_string());
            }
            l.find('#').map(|i| l[i..].to_string())
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn handouts_parse_hold_no_answers_and_are_the_shipped_files() {
    for path in keys() {
        let key = Key::load(&path, &Default::default())
            .unwrap_or_else(|d| panic!("{}: {d:?}", path.display()));
        // Made for the folder the shipped handouts are in (one up from the keys).
        let shipped = root().join("exercises").join(path.file_name().unwrap());
        let text = handout(&key, None, Some(&shipped));
        // It parses and builds, and every question is blank.
        let dir = temp_dir("handout");
        let copy = dir.join(path.file_name().unwrap());
        std::fs::write(&copy, &text).unwrap();
        let (status, out, err) = bpc(&["check", "--no-gradcheck", copy.to_str().unwrap()]);
        assert_eq!(status, 1, "{out}\n{err}");
        let n = key.questions.len();
        assert!(
            out.contains(&format!("answers: 0 of {n} right ({n} unanswered)")),
            "{out}"
        );
        // No `# answer:` comment survives, and no comment states an answer.
        assert!(!text.to_lowercase().contains("# answer:"), "{text}");
        let inputs: Vec<f64> = key
            .plan
            .named()
            .filter(|(_, i)| matches!(i.kind, bpc::graph::Kind::Input | bpc::graph::Kind::Param))
            .flat_map(|(s, _)| key.plan.leaves[s.index()].to_vec())
            .collect();
        let prose = prose(&text);
        for (q, value) in key.questions.iter().zip(key.own_answers()) {
            for x in value.iter() {
                if inputs.contains(&x) {
                    continue; // the problem states it
                }
                for digits in 3..=8 {
                    let shown = number(x, digits);
                    let significant = shown.trim_start_matches(['-', '0', '.']).replace('.', "");
                    if significant.len() >= 3 {
                        assert!(
                            !has_number(&prose, &shown),
                            "{}: the handout shows the answer to {} ({shown}):\n{prose}",
                            path.display(),
                            q.id()
                        );
                    }
                }
            }
        }
        // The shipped handout is exactly what `bpc handout` makes of the key.
        if path.parent().unwrap().ends_with("exercises/keys") {
            let on_disk = std::fs::read_to_string(&shipped).unwrap();
            assert_eq!(
                on_disk,
                text,
                "{} is stale: run `bpc handout exercises/keys/ --out-dir exercises/`",
                shipped.display()
            );
        }
    }
}

#[test]
fn a_keys_own_filled_copy_scores_full_marks() {
    let dir = temp_dir("full");
    for path in keys() {
        let copy = dir.join(path.file_name().unwrap());
        std::fs::copy(&path, &copy).unwrap();
        let key = path.to_str().unwrap();
        let (status, out, err) = bpc(&["grade", key, copy.to_str().unwrap(), "--format", "json"]);
        assert_eq!(status, 0, "{out}\n{err}");
        assert!(err.is_empty(), "{err}");
        let class: serde_json::Value = serde_json::from_str(&out).unwrap();
        let s = &class["submissions"][0];
        assert_eq!(s["score"], s["max_score"], "{}: {s}", path.display());
        assert!(s["changed"].as_array().unwrap().is_empty(), "{s}");
    }
}

#[test]
fn bpc_key_fills_answers_and_keeps_everything_else() {
    let dir = temp_dir("fill");
    let blank = "# y = w x\ninputs:\n  x: 2   # x\nparams:\n  w: 0.5\nnodes:\n  y: mul(w, x)\noutput: y\n\
                 expect:\n  values:\n    y: ~        # answer: 0.5 x 2\n  grads: { w: ?, x: 3 }\n";
    let path = dir.join("k.yaml");
    std::fs::write(&path, blank).unwrap();
    let p = path.to_str().unwrap();
    // Without -o or --in-place: printed, the key untouched.
    let (status, out, _) = bpc(&["key", p]);
    assert_eq!(status, 0);
    let filled = "# y = w x\ninputs:\n  x: 2   # x\nparams:\n  w: 0.5\nnodes:\n  y: mul(w, x)\noutput: y\n\
                  expect:\n  values:\n    y: 1        # answer: 0.5 x 2\n  grads: { w: 2, x: 0.5 }\n";
    assert_eq!(out, filled);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), blank);
    // -o the key itself is refused; --in-place writes it and says what changed.
    let (status, _, err) = bpc(&["key", p, "-o", p]);
    assert_eq!(status, 2);
    assert!(err.contains("bpc does not overwrite it"), "{err}");
    let (status, out, _) = bpc(&["key", p, "--in-place"]);
    assert_eq!(status, 0);
    assert!(
        out.starts_with(
            "3 answers: 2 filled, 1 refreshed, 0 unchanged\n  refreshed grads.x (was 3)\n"
        ),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), filled);
    // Again: nothing to change.
    let (_, out, _) = bpc(&["key", p, "--in-place"]);
    assert!(
        out.starts_with("3 answers: 0 filled, 0 refreshed, 3 unchanged"),
        "{out}"
    );
}

#[test]
fn each_student_gets_their_own_numbers_and_is_graded_at_them() {
    let dir = temp_dir("variants");
    let key = "tests/grade/key.yaml";
    let out_dir = dir.display().to_string();
    let students = ["s01", "s02", "s03", "s04", "s05", "s06"];
    let mut args = vec!["handout", key, "--out-dir", &out_dir];
    for s in &students {
        args.extend(["--student", s]);
    }
    let (status, _, err) = bpc(&args);
    assert_eq!(status, 0, "{err}");
    let mut seen = std::collections::BTreeSet::new();
    for s in &students {
        let path = dir.join(s).join("key.yaml");
        let text = std::fs::read_to_string(&path).unwrap();
        // The variant is recorded where `vary` was, and the numbers are drawn again the same.
        assert!(
            text.contains(&format!("variant: {{ student: {s}, seed: 12 }}\n")),
            "{text}"
        );
        assert!(!text.contains("vary:"), "{text}");
        let (_, again, _) = bpc(&["handout", key, "--student", s]);
        assert_eq!(again, text);
        seen.insert(
            text.lines()
                .find(|l| l.starts_with("  n:"))
                .unwrap()
                .to_string(),
        );
        // Filled with that student's right answers (`bpc key` on the handout), it scores full marks.
        let p = path.to_str().unwrap();
        let (status, _, _) = bpc(&["key", p, "--in-place"]);
        assert_eq!(status, 0);
        let (_, out, _) = bpc(&["grade", key, p, "--format", "csv"]);
        let row = out.lines().nth(1).unwrap();
        assert!(row.contains(&format!(",{s},graded,7,7,")), "{row}");
    }
    assert!(
        seen.len() > 1,
        "every student got the same numbers: {seen:?}"
    );
    // Bad IDs and a handout over its key are refused.
    let (status, _, err) = bpc(&["handout", key, "--student", "../x", "--out-dir", &out_dir]);
    assert_eq!(status, 2);
    assert!(err.contains("is not a student ID"), "{err}");
    let (status, _, err) = bpc(&["handout", key, "-o", key]);
    assert_eq!(status, 2);
    assert!(err.contains("is a key"), "{err}");
    // Several handouts need a folder.
    let (status, _, err) = bpc(&["handout", key, "--student", "a", "--student", "b"]);
    assert_eq!(status, 2);
    assert!(err.contains("--out-dir"), "{err}");
}
