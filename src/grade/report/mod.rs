//! The class's grades, rendered: text for the teacher ([`text`]), one JSON
//! object for tools ([`json`]), CSV for a gradebook ([`csv`]), and
//! Gradescope's `results.json` for one submission ([`gradescope`]). Nothing
//! here grades; everything reads a [`Class`].

mod machine;
mod text;

pub use machine::{csv, gradescope, json};
pub use text::text;

use super::{Class, Status};

/// How the class did on one question.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionSummary {
    /// `values.NAME` or `grads.NAME`.
    pub id: String,
    /// Submissions that got it right.
    pub correct: usize,
    /// Submissions that were close (a rounding slip).
    pub close: usize,
    /// Submissions that got it wrong.
    pub wrong: usize,
    /// Submissions that left it blank, or were invalid.
    pub unanswered: usize,
}

/// The class summary: how many, mean and median score, and each question.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Submissions graded (invalid ones included).
    pub submissions: usize,
    /// Submissions that could not be read.
    pub invalid: usize,
    /// Mean score (invalid submissions count as 0).
    pub mean: f64,
    /// Median score (invalid submissions count as 0).
    pub median: f64,
    /// Points available.
    pub max_score: f64,
    /// Each question, in the key's order.
    pub questions: Vec<QuestionSummary>,
}

/// Sums up the class.
pub fn summary(class: &Class) -> Summary {
    let mut scores: Vec<f64> = class.submissions.iter().map(|s| s.score()).collect();
    scores.sort_by(f64::total_cmp);
    let n = scores.len();
    let mean = if n == 0 {
        0.0
    } else {
        scores.iter().sum::<f64>() / n as f64
    };
    let median = match n {
        0 => 0.0,
        _ if n % 2 == 1 => scores[n / 2],
        _ => (scores[n / 2 - 1] + scores[n / 2]) / 2.0,
    };
    let questions = class
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let mut s = QuestionSummary {
                id: q.id.clone(),
                ..QuestionSummary::default()
            };
            for sub in &class.submissions {
                match sub.questions.get(i).map(|r| r.status) {
                    Some(Status::Correct) => s.correct += 1,
                    Some(Status::Close) => s.close += 1,
                    Some(Status::Wrong) => s.wrong += 1,
                    Some(Status::Unanswered) | None => s.unanswered += 1,
                }
            }
            s
        })
        .collect();
    Summary {
        submissions: n,
        invalid: class
            .submissions
            .iter()
            .filter(|s| s.status == super::SubmissionStatus::Invalid)
            .count(),
        mean,
        median,
        max_score: class.max_score(),
        questions,
    }
}

/// Points for people: `3`, `2.5`, `0.333333`.
pub fn points(x: f64) -> String {
    crate::render::number(x, 6)
}

#[cfg(test)]
mod tests;
