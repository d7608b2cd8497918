//! The teacher's view: one line per submission (file, score / max, what is
//! unanswered, what is wrong and why, what the student changed), then the
//! class: how many, mean, median, and how many got each question right.

use super::{Summary, points, summary};
use crate::grade::{Class, Status, Submission, SubmissionStatus};
use crate::term;

/// Longest reason or change shown, in characters (a hostile file could hold
/// a megabyte of name).
const MAX_PIECE: usize = 200;

/// The report for people.
pub fn text(class: &Class) -> String {
    let questions = class.questions.len();
    let mut out = format!(
        "key `{}` ({}): {questions} question{}, {} point{}\n\n",
        term::shown(&class.name, MAX_PIECE),
        term::shown(&class.key, MAX_PIECE),
        plural(questions),
        points(class.max_score()),
        plural_f(class.max_score()),
    );
    let files: Vec<String> = class.submissions.iter().map(file_label).collect();
    let width = files.iter().map(|f| f.chars().count()).max().unwrap_or(0);
    let scores: Vec<String> = class
        .submissions
        .iter()
        .map(|s| format!("{}/{}", points(s.score()), points(s.max_score())))
        .collect();
    let score_width = scores.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    for ((s, file), score) in class.submissions.iter().zip(&files).zip(&scores) {
        let pad = " ".repeat(width - file.chars().count());
        let detail = details(s).join("; ");
        let line = format!("{file}{pad}  {score:>score_width$}  {detail}");
        out.push_str(line.trim_end());
        out.push('\n');
    }
    if !class.submissions.is_empty() {
        out.push('\n');
    }
    class_text(&mut out, &summary(class));
    out
}

/// `path (student)` when the file records a student, else the path.
fn file_label(s: &Submission) -> String {
    let file = term::shown(&s.file, MAX_PIECE);
    match &s.student {
        Some(id) => format!("{file} ({})", term::shown(id, MAX_PIECE)),
        None => file,
    }
}

/// What to say about one submission, in order.
fn details(s: &Submission) -> Vec<String> {
    let shown = |t: &str| term::shown(t, MAX_PIECE);
    if s.status == SubmissionStatus::Invalid {
        let reason = s.reason.as_deref().unwrap_or("not a spec");
        return vec![format!("invalid: {}", shown(reason))];
    }
    let mut out = Vec::new();
    let of = |status: Status| s.questions.iter().filter(move |q| q.status == status);
    if s.questions.iter().all(|q| q.status == Status::Correct) {
        out.push("all correct".to_string());
    }
    let unanswered: Vec<&str> = of(Status::Unanswered).map(|q| q.id.as_str()).collect();
    if !unanswered.is_empty() {
        out.push(format!(
            "{} unanswered: {}",
            unanswered.len(),
            unanswered.join(", ")
        ));
    }
    let wrong: Vec<String> = s
        .questions
        .iter()
        .filter(|q| matches!(q.status, Status::Wrong | Status::Close))
        .map(|q| match q.reason.as_deref() {
            Some(r) if r != "wrong" => format!("{} ({})", q.id, shown(r)),
            _ => q.id.clone(),
        })
        .collect();
    if !wrong.is_empty() {
        out.push(format!("{} wrong: {}", wrong.len(), wrong.join(", ")));
    }
    out.extend(s.changed.iter().map(|c| shown(c)));
    out.extend(s.notes.iter().map(|n| shown(n)));
    out
}

/// The class summary and the per-question table.
fn class_text(out: &mut String, s: &Summary) {
    let invalid = match s.invalid {
        0 => String::new(),
        n => format!(" ({n} invalid, counted as 0)"),
    };
    out.push_str(&format!(
        "class: {} submission{}{invalid}; mean {} / {}, median {} / {}\n",
        s.submissions,
        plural(s.submissions),
        points(s.mean),
        points(s.max_score),
        points(s.median),
        points(s.max_score),
    ));
    if s.questions.is_empty() {
        return;
    }
    let width = s
        .questions
        .iter()
        .map(|q| q.id.chars().count())
        .chain(["question".len()])
        .max()
        .unwrap_or(0);
    out.push_str(&format!(
        "  {:<width$}  {:>7}  {:>5}  {:>5}  {:>10}\n",
        "question", "correct", "close", "wrong", "unanswered"
    ));
    for q in &s.questions {
        out.push_str(&format!(
            "  {:<width$}  {:>7}  {:>5}  {:>5}  {:>10}\n",
            q.id,
            format!("{}/{}", q.correct, s.submissions),
            q.close,
            q.wrong,
            q.unanswered
        ));
    }
    // The question fewest got right: where the class needs another lesson.
    let hardest = s
        .questions
        .iter()
        .min_by_key(|q| q.correct)
        .filter(|q| s.submissions > 0 && q.correct < s.submissions);
    if let Some(q) = hardest {
        out.push_str(&format!(
            "fewest correct: {} ({} of {})\n",
            q.id, q.correct, s.submissions
        ));
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn plural_f(x: f64) -> &'static str {
    if x == 1.0 { "" } else { "s" }
}
