//! Grading exercises at class scale: a key (an exercise spec whose `expect`
//! lists the questions), the students' handouts, and their submissions graded
//! against the key's graph.
//!
//! - [`judge`]: is one answer right (the hand-answer rule, or a tolerance);
//! - [`variant`]: each student's numbers, drawn from the key's `vary` rules;
//! - [`changes`]: what a student changed in the graph (listed, never graded);
//! - [`report`]: the class's grades as text, JSON, CSV or Gradescope's
//!   `results.json`.
//!
//! The results are data ([`Class`], [`Submission`], [`QuestionResult`]); the
//! commands (`cmd::grade`, `cmd::key`, `cmd::handout`) print and write them.

pub mod changes;
pub mod comments;
pub mod judge;
pub mod key;
pub mod questions;
pub mod report;
pub mod submission;
pub mod variant;
pub mod vary;
pub mod write;

use crate::tensor::Value;
pub use judge::{Answer, Status, Written};

/// One question of a key: `values.NAME` or `grads.NAME`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionInfo {
    /// `values.NAME` or `grads.NAME`.
    pub id: String,
    /// What a right answer earns.
    pub points: f64,
}

/// One question of one submission, graded.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionResult {
    /// `values.NAME` or `grads.NAME`.
    pub id: String,
    /// Correct, close, wrong or unanswered.
    pub status: Status,
    /// Why it is not correct (`close: check your rounding`), if it is not.
    pub reason: Option<String>,
    /// The answer as written; `None` when there is none.
    pub answer: Option<Answer>,
    /// The key's value at the submission's variant.
    pub expected: Value,
    /// Points earned.
    pub points: f64,
    /// Points a right answer earns.
    pub max_points: f64,
}

/// Whether a submission could be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubmissionStatus {
    /// Read and graded.
    Graded,
    /// Not a spec (or not readable): graded 0, with the reason.
    Invalid,
}

impl SubmissionStatus {
    /// `graded` or `invalid`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Graded => "graded",
            SubmissionStatus::Invalid => "invalid",
        }
    }
}

/// One submission, graded.
#[derive(Clone, Debug, PartialEq)]
pub struct Submission {
    /// The path as given or found in a folder.
    pub file: String,
    /// The student's ID from the file's `variant`, or the `--student` flag.
    pub student: Option<String>,
    /// Graded or invalid.
    pub status: SubmissionStatus,
    /// Why it is invalid (the located error), if it is.
    pub reason: Option<String>,
    /// Every question of the key, in the key's order.
    pub questions: Vec<QuestionResult>,
    /// What the student changed in the graph (`changed input coupon: 50 -> 0`).
    pub changed: Vec<String>,
    /// Anything else the teacher should know (answers to no question, a
    /// variant that does not match the key).
    pub notes: Vec<String>,
}

impl Submission {
    /// Points earned.
    pub fn score(&self) -> f64 {
        self.questions.iter().map(|q| q.points).sum()
    }

    /// Points available.
    pub fn max_score(&self) -> f64 {
        self.questions.iter().map(|q| q.max_points).sum()
    }

    /// The name shown for the student: their ID, else the file's stem.
    pub fn who(&self) -> String {
        self.student.clone().unwrap_or_else(|| {
            std::path::Path::new(&self.file)
                .file_stem()
                .map_or_else(|| self.file.clone(), |s| s.to_string_lossy().into_owned())
        })
    }
}

/// A class's submissions against one key.
#[derive(Clone, Debug, PartialEq)]
pub struct Class {
    /// The key's path as given.
    pub key: String,
    /// The key's spec name.
    pub name: String,
    /// The key's questions, in order.
    pub questions: Vec<QuestionInfo>,
    /// Every submission, in the order graded.
    pub submissions: Vec<Submission>,
}

impl Class {
    /// Points available.
    pub fn max_score(&self) -> f64 {
        self.questions.iter().map(|q| q.points).sum()
    }
}
