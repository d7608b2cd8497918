use super::*;
use crate::grade::{Answer, QuestionInfo, QuestionResult, Submission, SubmissionStatus, Written};
use crate::tensor::Value;

fn answer(text: &str) -> Answer {
    Answer {
        shape: vec![],
        elements: vec![Some(Written {
            value: text.parse().unwrap(),
            text: Some(text.into()),
        })],
    }
}

fn q(
    id: &str,
    status: Status,
    reason: Option<&str>,
    given: Option<&str>,
    key: f64,
) -> QuestionResult {
    QuestionResult {
        id: id.into(),
        status,
        reason: reason.map(str::to_string),
        answer: given.map(answer),
        expected: Value::Scalar(key),
        points: if status == Status::Correct { 2.0 } else { 0.0 },
        max_points: 2.0,
    }
}

fn class() -> Class {
    let full = Submission {
        file: "subs/alice.yaml".into(),
        student: Some("alice".into()),
        status: SubmissionStatus::Graded,
        reason: None,
        questions: vec![
            q("values.y", Status::Correct, None, Some("220"), 220.0),
            q("grads.x", Status::Correct, None, Some("0.6044"), 0.604368),
        ],
        changed: vec![],
        notes: vec![],
    };
    let some = Submission {
        file: "subs/bob.yaml".into(),
        student: None,
        status: SubmissionStatus::Graded,
        reason: None,
        questions: vec![
            q("values.y", Status::Unanswered, Some("blank"), None, 220.0),
            q(
                "grads.x",
                Status::Close,
                Some("close: check your rounding"),
                Some("0.6043"),
                0.604368,
            ),
        ],
        changed: vec!["changed input coupon: 50 -> 0".into()],
        notes: vec![],
    };
    let bad = Submission {
        file: "subs/=evil,\u{1b}[2J.yaml".into(),
        student: None,
        status: SubmissionStatus::Invalid,
        reason: Some("subs/carol.yaml:3:7: unclosed call".into()),
        questions: vec![
            q(
                "values.y",
                Status::Unanswered,
                Some("invalid file"),
                None,
                220.0,
            ),
            q(
                "grads.x",
                Status::Unanswered,
                Some("invalid file"),
                None,
                0.604368,
            ),
        ],
        changed: vec![],
        notes: vec![],
    };
    Class {
        key: "keys/k.yaml".into(),
        name: "k".into(),
        questions: vec![
            QuestionInfo {
                id: "values.y".into(),
                points: 2.0,
            },
            QuestionInfo {
                id: "grads.x".into(),
                points: 2.0,
            },
        ],
        submissions: vec![full, some, bad],
    }
}

#[test]
fn the_summary_counts_every_question() {
    let s = summary(&class());
    assert_eq!((s.submissions, s.invalid), (3, 1));
    assert_eq!((s.mean, s.median, s.max_score), (4.0 / 3.0, 0.0, 4.0));
    assert_eq!(
        (
            s.questions[1].correct,
            s.questions[1].close,
            s.questions[1].unanswered
        ),
        (1, 1, 1)
    );
}

#[test]
fn text_has_a_line_per_student_and_the_class() {
    let t = text(&class());
    assert_eq!(
        t,
        "key `k` (keys/k.yaml): 2 questions, 4 points\n\n\
         subs/alice.yaml (alice)  4/4  all correct\n\
         subs/bob.yaml            0/4  1 unanswered: values.y; 1 wrong: grads.x (close: check your rounding); changed input coupon: 50 -> 0\n\
         subs/=evil,\\x1b[2J.yaml  0/4  invalid: subs/carol.yaml:3:7: unclosed call\n\
         \n\
         class: 3 submissions (1 invalid, counted as 0); mean 1.33333 / 4, median 0 / 4\n\
         \x20 question  correct  close  wrong  unanswered\n\
         \x20 values.y      1/3      0      0           2\n\
         \x20 grads.x       1/3      1      0           1\n\
         fewest correct: values.y (1 of 3)\n"
    );
}

#[test]
fn json_has_the_documented_fields() {
    let j: serde_json::Value = serde_json::from_str(&json(&class())).unwrap();
    assert_eq!(j["key"], "keys/k.yaml");
    let bob = &j["submissions"][1];
    assert_eq!(bob["status"], "graded");
    assert_eq!(bob["score"], 0.0);
    assert_eq!(bob["max_score"], 4.0);
    assert_eq!(bob["changed"][0], "changed input coupon: 50 -> 0");
    let x = &bob["questions"][1];
    assert_eq!(x["name"], "grads.x");
    assert_eq!(x["status"], "close");
    assert_eq!(x["answer"], 0.6043);
    assert_eq!(x["expected"], 0.604368);
    assert_eq!(x["points"], 0.0);
    assert!(bob["questions"][0]["answer"].is_null());
    assert_eq!(j["submissions"][2]["status"], "invalid");
}

#[test]
fn csv_is_one_row_per_submission_with_safe_cells() {
    let c = csv(&class());
    let lines: Vec<&str> = c.lines().collect();
    assert_eq!(
        lines[0],
        "file,student,status,score,max_score,values.y,grads.x"
    );
    assert_eq!(lines[1], "subs/alice.yaml,alice,graded,4,4,2,2");
    assert_eq!(lines[2], "subs/bob.yaml,bob,graded,0,4,0,0");
    // A formula is defused and a comma quoted.
    assert_eq!(
        lines[3],
        "\"subs/=evil,\\x1b[2J.yaml\",\"'=evil,\\x1b[2J\",invalid,0,4,0,0"
    );
    assert_eq!(lines.len(), 4);
}

#[test]
fn gradescope_results_never_show_the_key() {
    let g: serde_json::Value = serde_json::from_str(&gradescope(&class().submissions[1])).unwrap();
    assert_eq!(g["score"], 0.0);
    let tests = g["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 2);
    for t in tests {
        for field in ["name", "score", "max_score", "status", "output"] {
            assert!(!t[field].is_null(), "{field} in {t}");
        }
        assert_eq!(t["status"], "failed");
    }
    assert_eq!(
        tests[1]["output"],
        "your answer 0.6043: close: check your rounding"
    );
    assert!(!g.to_string().contains("0.604368"), "{g}");
    assert!(
        g["output"]
            .as_str()
            .unwrap()
            .contains("changed input coupon")
    );
}
