//! The reports for machines: one JSON object for the class, CSV for a
//! gradebook, and Gradescope's autograder `results.json`.
//!
//! JSON numbers follow [`crate::render::json`]: the shortest text that reads
//! back as the same f64; NaN and infinities are the strings `"NaN"`, `"inf"`,
//! `"-inf"`. Strings are escaped so the output is safe on a terminal.

use serde_json::{Value as Json, json};

use crate::grade::{Answer, Class, QuestionResult, Status, Submission, SubmissionStatus};
use crate::render::json as rjson;
use crate::tensor::Value;

/// A JSON number by bpc's policy.
fn jnum(x: f64) -> Json {
    serde_json::from_str(&rjson::number(x)).unwrap_or(Json::Null)
}

/// A value as a JSON number or nested array.
fn jvalue(v: &Value) -> Json {
    serde_json::from_str(&rjson::value(v)).unwrap_or(Json::Null)
}

/// An answer as numbers (a blank element is `null`); `null` when missing.
fn janswer(a: Option<&Answer>) -> Json {
    let Some(a) = a else { return Json::Null };
    let elems: Vec<Json> = a
        .elements
        .iter()
        .map(|e| e.as_ref().map_or(Json::Null, |w| jnum(w.value)))
        .collect();
    nest(&a.shape, &elems)
}

fn nest(shape: &[usize], elems: &[Json]) -> Json {
    match shape {
        [] => elems.first().cloned().unwrap_or(Json::Null),
        [_, rest @ ..] => {
            let inner: usize = rest.iter().product();
            Json::Array(elems.chunks(inner.max(1)).map(|c| nest(rest, c)).collect())
        }
    }
}

fn question_json(q: &QuestionResult) -> Json {
    json!({
        "name": q.id,
        "status": q.status.as_str(),
        "answer": janswer(q.answer.as_ref()),
        "expected": jvalue(&q.expected),
        "points": jnum(q.points),
        "max_points": jnum(q.max_points),
        "reason": q.reason,
    })
}

fn submission_json(s: &Submission) -> Json {
    json!({
        "file": s.file,
        "student": s.student,
        "status": s.status.as_str(),
        "reason": s.reason,
        "score": jnum(s.score()),
        "max_score": jnum(s.max_score()),
        "questions": s.questions.iter().map(question_json).collect::<Vec<_>>(),
        "changed": s.changed,
        "notes": s.notes,
    })
}

/// The class as one JSON object: `{"key", "name", "submissions": [{"file",
/// "student", "status", "reason", "score", "max_score", "questions": [{"name",
/// "status", "answer", "expected", "points", "max_points", "reason"}],
/// "changed", "notes"}]}`.
pub fn json(class: &Class) -> String {
    let doc = json!({
        "key": class.key,
        "name": class.name,
        "max_score": jnum(class.max_score()),
        "submissions": class.submissions.iter().map(submission_json).collect::<Vec<_>>(),
    });
    format!("{}\n", crate::term::json_safe(doc.to_string()))
}

/// One CSV cell: control and invisible characters escaped (as on a
/// terminal), quoted when it holds a comma or quote; a cell that a
/// spreadsheet would read as a formula (`=`, `+`, `-`, `@`) starts with `'`.
fn cell(s: &str) -> String {
    let s = crate::term::escape(s);
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One row per submission, one column per question (the points earned), for
/// a gradebook: `file,student,status,score,max_score,QUESTION...`.
pub fn csv(class: &Class) -> String {
    let mut out = String::from("file,student,status,score,max_score");
    for q in &class.questions {
        out.push(',');
        out.push_str(&cell(&q.id));
    }
    out.push('\n');
    for s in &class.submissions {
        let mut row = vec![
            cell(&s.file),
            cell(&s.who()),
            s.status.as_str().to_string(),
            s.score().to_string(),
            s.max_score().to_string(),
        ];
        row.extend(s.questions.iter().map(|q| q.points.to_string()));
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// What the student reads for one question on Gradescope: their answer and
/// the verdict, never the key's number.
fn feedback(q: &QuestionResult) -> String {
    let yours = q
        .answer
        .as_ref()
        .filter(|a| !a.is_blank())
        .map(|a| format!("your answer {}: ", a.text()));
    let verdict = match (q.status, q.reason.as_deref()) {
        (Status::Correct, _) => "correct".to_string(),
        (Status::Unanswered, Some("blank") | None) => "unanswered".to_string(),
        (Status::Unanswered, Some(r)) => format!("unanswered ({r})"),
        (_, Some(r)) => r.to_string(),
        (status, None) => status.as_str().to_string(),
    };
    format!("{}{verdict}", yours.unwrap_or_default())
}

/// Gradescope's autograder `results.json` for one submission: `score`, an
/// `output` for the whole submission, and one test per question with `name`,
/// `score`, `max_score`, `status` (`passed` or `failed`) and `output`.
pub fn gradescope(s: &Submission) -> String {
    let tests: Vec<Json> = s
        .questions
        .iter()
        .map(|q| {
            json!({
                "name": q.id,
                "score": jnum(q.points),
                "max_score": jnum(q.max_points),
                "status": if q.status == Status::Correct { "passed" } else { "failed" },
                "output": feedback(q),
            })
        })
        .collect();
    let mut output = vec![format!(
        "{} of {} points",
        super::points(s.score()),
        super::points(s.max_score())
    )];
    if s.status == SubmissionStatus::Invalid {
        output.push(format!(
            "bpc could not read the file, so no answer was graded: {}",
            s.reason.as_deref().unwrap_or("not a spec")
        ));
    }
    if !s.changed.is_empty() {
        output.push(format!(
            "You changed the graph; answers are graded against the exercise's graph:\n{}",
            s.changed.join("\n")
        ));
    }
    let doc = json!({
        "score": jnum(s.score()),
        "output": output.join("\n\n"),
        "tests": tests,
    });
    format!("{}\n", crate::term::json_safe(doc.to_string()))
}
