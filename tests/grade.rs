//! `bpc grade` end to end, in-process, on the fixtures in `tests/grade/`: a
//! key (the fruit shop with a coupon and a log, varied per student) and one
//! submission per case, made with `bpc handout --student ID` and answered:
//!
//! | file | case |
//! |---|---|
//! | `ana` | every answer right (full precision or rounded), plus an answer to no question |
//! | `ben` | a sign error, and one answer deleted |
//! | `cara` | answers rounded to 4 digits (right), one to 1 digit (too few digits) |
//! | `dan` | a rounding slip in the last digit (close) |
//! | `eve` | the handout as given, one answer filled |
//! | `fay` | changed `coupon: 50` to `0` and answered for the changed graph |
//! | `gus` | deleted `expect` |
//! | `hal` | not YAML (an unclosed `[`) |
//! | `ida` | the handout without a variant, answered at the key's own numbers |

mod common;
use common::bpc;

use serde_json::Value as Json;

const KEY: &str = "tests/grade/key.yaml";
const SUBS: &str = "tests/grade/subs";

/// The class graded as JSON.
fn class_json() -> Json {
    let (status, out, err) = bpc(&["grade", KEY, SUBS, "--format", "json"]);
    assert_eq!(status, 0, "{out}\n{err}");
    serde_json::from_str(&out).unwrap()
}

/// One submission's questions as (name, status, points).
fn questions(sub: &Json) -> Vec<(String, String, f64)> {
    sub["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["name"].as_str().unwrap().to_string(),
                q["status"].as_str().unwrap().to_string(),
                q["points"].as_f64().unwrap(),
            )
        })
        .collect()
}

fn submission<'a>(class: &'a Json, stem: &str) -> &'a Json {
    class["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["file"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/{stem}.yaml"))
        })
        .unwrap_or_else(|| panic!("no submission {stem}"))
}

/// The status of each question of one submission, in the key's order:
/// after_coupon, total, score (2 points), d n, d coupon, d tax.
fn statuses(class: &Json, stem: &str) -> Vec<String> {
    questions(submission(class, stem))
        .into_iter()
        .map(|(_, s, _)| s)
        .collect()
}

#[test]
fn every_case_is_graded_as_described() {
    let class = class_json();
    assert_eq!(class["key"], KEY);
    let all = |s: &str| vec![s.to_string(); 6];
    let list = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    // Right, whatever the digits written (at least 3, rounded right).
    assert_eq!(statuses(&class, "ana"), all("correct"));
    let ana = submission(&class, "ana");
    assert_eq!(
        (ana["score"].as_f64(), ana["max_score"].as_f64()),
        (Some(7.0), Some(7.0))
    );
    assert_eq!(ana["student"], "ana");
    assert_eq!(ana["notes"][0], "answer to no question: values.subtotal");
    // Wrong (d score / d coupon = -tax / total, not +), and a deleted answer.
    assert_eq!(
        statuses(&class, "ben"),
        list(&[
            "correct",
            "correct",
            "correct",
            "correct",
            "wrong",
            "unanswered"
        ])
    );
    assert_eq!(
        submission(&class, "ben")["questions"][5]["reason"],
        "missing"
    );
    // Rounded: 6.2046 for 6.2045577... is right; 0.9 for 0.90909... is too few digits.
    let cara = submission(&class, "cara");
    assert_eq!(
        statuses(&class, "cara"),
        list(&[
            "correct", "correct", "correct", "correct", "correct", "wrong"
        ])
    );
    assert_eq!(
        cara["questions"][5]["reason"],
        "too few digits: 1 significant digit, write at least 3"
    );
    // Close: 0.1518 for 0.1518987... (rounds to 0.1519).
    let dan = submission(&class, "dan");
    assert_eq!(dan["questions"][3]["status"], "close");
    assert_eq!(dan["questions"][3]["reason"], "close: check your rounding");
    assert_eq!(dan["questions"][3]["points"].as_f64(), Some(0.0));
    assert_eq!(dan["score"].as_f64(), Some(6.0));
    // Blank: unanswered, 0 points.
    assert_eq!(
        statuses(&class, "eve"),
        list(&[
            "correct",
            "unanswered",
            "unanswered",
            "unanswered",
            "unanswered",
            "unanswered"
        ])
    );
    assert_eq!(submission(&class, "eve")["questions"][1]["reason"], "blank");
    // Answered for an edited graph: graded against the key's, the edit listed.
    // d score / d tax = after_coupon / total = 1 / 1.1 whatever the coupon: still right.
    let fay = submission(&class, "fay");
    assert_eq!(
        statuses(&class, "fay"),
        list(&["wrong", "wrong", "wrong", "wrong", "wrong", "correct"])
    );
    assert_eq!(
        fay["changed"],
        serde_json::json!(["changed input coupon: 50 -> 0"])
    );
    assert_eq!(fay["score"].as_f64(), Some(1.0));
    // No `expect`: all unanswered.
    assert_eq!(statuses(&class, "gus"), all("unanswered"));
    assert_eq!(
        submission(&class, "gus")["questions"][0]["reason"],
        "no `expect` section"
    );
    // Not YAML: graded 0 with the located error; grading went on to the next file.
    let hal = submission(&class, "hal");
    assert_eq!(hal["status"], "invalid");
    assert_eq!(hal["score"].as_f64(), Some(0.0));
    let reason = hal["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("tests/grade/subs/hal.yaml:21:"),
        "{reason}"
    );
    // No variant: the key's own numbers, and a note.
    let ida = submission(&class, "ida");
    assert_eq!(statuses(&class, "ida"), all("correct"));
    assert_eq!(
        ida["notes"][0],
        "no variant recorded: graded at the key's own numbers"
    );
    // Every student was graded at their own variant: ana's total is 715, not the key's 165.
    assert_eq!(
        ana["questions"][1]["expected"].as_f64(),
        Some(715.0000000000001)
    );
    assert_eq!(ida["questions"][1]["expected"].as_f64(), Some(165.0));
}

#[test]
fn the_json_has_the_documented_fields() {
    let class = class_json();
    for s in class["submissions"].as_array().unwrap() {
        for field in [
            "file",
            "status",
            "score",
            "max_score",
            "questions",
            "changed",
        ] {
            assert!(s.get(field).is_some(), "{field} in {s}");
        }
        assert!(["graded", "invalid"].contains(&s["status"].as_str().unwrap()));
        for q in s["questions"].as_array().unwrap() {
            for field in ["name", "status", "answer", "expected", "points"] {
                assert!(q.get(field).is_some(), "{field} in {q}");
            }
            let status = q["status"].as_str().unwrap();
            assert!(["correct", "wrong", "close", "unanswered"].contains(&status));
        }
    }
    // Answers are numbers as written (nested lists for tensors), null when blank.
    let cara = submission(&class, "cara");
    assert_eq!(cara["questions"][2]["answer"].as_f64(), Some(6.2046));
    assert!(submission(&class, "eve")["questions"][1]["answer"].is_null());
}

#[test]
fn scores_are_the_same_on_every_run() {
    let run = || bpc(&["grade", KEY, SUBS, "--format", "json"]);
    let first = run();
    for _ in 0..3 {
        assert_eq!(run(), first);
    }
    // The files are graded in name order whatever order the folder lists them in.
    let files: Vec<String> = class_json()["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
}

#[test]
fn the_text_report_has_a_line_per_student_and_the_class() {
    let (status, out, err) = bpc(&["grade", KEY, SUBS]);
    assert_eq!(status, 0, "{err}");
    insta::assert_snapshot!("class", out);
}

#[test]
fn csv_has_a_row_per_submission_and_a_column_per_question() {
    let (status, out, _) = bpc(&["grade", KEY, SUBS, "--format", "csv"]);
    assert_eq!(status, 0);
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(
        rows[0],
        "file,student,status,score,max_score,values.after_coupon,values.total,values.score,grads.n,grads.coupon,grads.tax"
    );
    assert_eq!(rows.len(), 10, "{out}");
    assert_eq!(
        rows[1],
        "tests/grade/subs/ana.yaml,ana,graded,7,7,1,1,2,1,1,1"
    );
    assert_eq!(
        rows[8],
        "tests/grade/subs/hal.yaml,hal,invalid,0,7,0,0,0,0,0,0"
    );
}

#[test]
fn gradescope_results_have_their_documented_fields() {
    let dir = std::env::temp_dir().join(format!("bpc-grade-gs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.display().to_string();
    let (status, _, err) = bpc(&[
        "grade",
        KEY,
        "tests/grade/subs/dan.yaml",
        "--format",
        "gradescope",
        "--out-dir",
        &dir_s,
    ]);
    assert_eq!(status, 0, "{err}");
    let text = std::fs::read_to_string(dir.join("results.json")).unwrap();
    let r: Json = serde_json::from_str(&text).unwrap();
    // https://gradescope-autograders.readthedocs.io/en/latest/specs/: `score`,
    // and per test `name`, `score`, `max_score`, `status` (passed/failed), `output`.
    assert_eq!(r["score"].as_f64(), Some(6.0));
    let tests = r["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 6);
    let mut total = 0.0;
    for t in tests {
        assert!(t["name"].is_string(), "{t}");
        assert!(t["score"].is_number() && t["max_score"].is_number(), "{t}");
        assert!(t["output"].is_string(), "{t}");
        let status = t["status"].as_str().unwrap();
        assert!(["passed", "failed"].contains(&status), "{t}");
        assert_eq!(status == "passed", t["score"] == t["max_score"], "{t}");
        total += t["score"].as_f64().unwrap();
    }
    assert_eq!(total, 6.0);
    assert_eq!(tests[2]["max_score"].as_f64(), Some(2.0));
    assert_eq!(
        tests[3]["output"],
        "your answer 0.1518: close: check your rounding"
    );
    // The student never sees the key's numbers: d score / d n = 0.15189873...
    assert!(!text.contains("0.1518987"), "{text}");
    // Gradescope grades one submission at a time.
    let (status, _, err) = bpc(&["grade", KEY, SUBS, "--format", "gradescope"]);
    assert_eq!(status, 2);
    assert!(err.contains("grades one submission"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exit_status_is_2_only_for_the_key_or_the_command() {
    // Grading ran: 0, even with an invalid submission and low scores.
    let (status, _, _) = bpc(&["grade", KEY, "tests/grade/subs/hal.yaml"]);
    assert_eq!(status, 0);
    // An invalid key: 2, with its located error.
    let (status, _, err) = bpc(&["grade", "tests/grade/subs/hal.yaml", SUBS]);
    assert_eq!(status, 2);
    assert!(err.contains("hal.yaml:21:"), "{err}");
    // A key without questions: 2.
    let (status, _, err) = bpc(&["grade", "specs/fruit.yaml", SUBS]);
    assert_eq!(status, 2);
    assert!(err.contains("asks no question"), "{err}");
    // A path that does not exist: 2.
    let (status, _, err) = bpc(&["grade", KEY, "tests/grade/nothing_here"]);
    assert_eq!(status, 2);
    assert!(err.contains("no file or folder"), "{err}");
}

#[test]
fn a_student_flag_overrides_the_recorded_variant() {
    // ana's answers graded as ben's variant: wrong, and the note says so.
    let (status, out, _) = bpc(&[
        "grade",
        KEY,
        "tests/grade/subs/ana.yaml",
        "--student",
        "ben",
        "--format",
        "json",
    ]);
    assert_eq!(status, 0);
    let class: Json = serde_json::from_str(&out).unwrap();
    let s = &class["submissions"][0];
    assert_eq!(s["student"], "ben");
    assert_eq!(
        s["notes"][0],
        "the file says student `ana`; graded as `ben`"
    );
    assert!(s["score"].as_f64().unwrap() < 7.0, "{s}");
}

#[test]
fn the_folders_handout_writes_are_the_folders_grade_reads() {
    // `handout --out-dir DIR --student ID` writes DIR/ID/FILE; collected work
    // kept in that layout is graded by naming DIR, each student found.
    let dir = std::env::temp_dir().join(format!("bpc-grade-nested-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.display().to_string();
    let (status, _, err) = bpc(&[
        "handout",
        KEY,
        "--out-dir",
        &dir_s,
        "--student",
        "amy",
        "--student",
        "ben",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, out, err) = bpc(&["grade", KEY, &dir_s, "--format", "json"]);
    assert_eq!(status, 0, "{err}");
    let class: Json = serde_json::from_str(&out).unwrap();
    let subs = class["submissions"].as_array().unwrap();
    let files: Vec<&str> = subs.iter().map(|s| s["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 2, "{files:?}");
    assert!(
        files[0].contains("amy") && files[1].contains("ben"),
        "{files:?}"
    );
    for s in subs {
        // Blank handouts: graded, every question unanswered, 0 points.
        assert_eq!(s["status"], "graded", "{s}");
        assert_eq!(s["score"].as_f64(), Some(0.0), "{s}");
    }
    // `bpc check` of the same folder stays flat: nothing directly inside.
    let (status, _, err) = bpc(&["check", &dir_s]);
    assert_eq!(status, 2);
    assert!(err.contains("holds no *.yaml spec"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
