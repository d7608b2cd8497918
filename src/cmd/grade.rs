//! `bpc grade`: grades submissions against a key, one line per student and a
//! class summary, or JSON, CSV, or Gradescope's `results.json`. Exit status 0
//! when grading ran, whatever the scores; 2 only when the key or the command
//! line is invalid.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::check::paths;
use crate::diag::{Diagnostic, Diagnostics, ErrorKind};
use crate::files::{Outputs, cannot_write};
use crate::grade::key::{AnswerCache, Key};
use crate::grade::variant::check_id;
use crate::grade::{Class, Status, judge, report, submission};
use crate::session::{Failure, InputArgs, Io};
use crate::term;

/// `bpc grade`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key (an exercise spec whose `expect` lists the questions).
    pub key: PathBuf,
    /// Submissions: files, folders (every *.yaml inside and in their subfolders, sorted), or glob patterns.
    #[arg(required = true, value_name = "SUBMISSION")]
    pub submissions: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = GradeFormat::Text)]
    pub format: GradeFormat,
    /// Write the report into DIR (grades.txt, grades.json, grades.csv, or results.json).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Grade the one submission as this student's variant, whatever the file records.
    #[arg(long, value_name = "ID")]
    pub student: Option<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Report formats of `bpc grade`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GradeFormat {
    /// One line per submission and a class summary, for the teacher.
    Text,
    /// One JSON object with every submission and question.
    Json,
    /// One row per submission, one column per question, for a gradebook.
    Csv,
    /// Gradescope's autograder results.json, for one submission.
    Gradescope,
}

impl GradeFormat {
    fn file_name(self) -> &'static str {
        match self {
            GradeFormat::Text => "grades.txt",
            GradeFormat::Json => "grades.json",
            GradeFormat::Csv => "grades.csv",
            GradeFormat::Gradescope => "results.json",
        }
    }
}

/// Runs `bpc grade`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let key = Key::load(&a.key, &a.input.policy())?;
    let mut errors = Diagnostics::default();
    for p in &a.submissions {
        let pattern = p.to_string_lossy().contains(['*', '?']);
        if !p.exists() && !pattern {
            errors.push(
                Diagnostic::new(
                    ErrorKind::Io,
                    format!("no file or folder `{}`", p.display()),
                )
                .help("name submission files or the folder that holds them"),
            );
        }
    }
    let mut files = paths::spec_files(&a.submissions, paths::Folders::Nested, &mut errors);
    if let Some(id) = &a.student
        && let Err(message) = check_id(id)
    {
        errors.push(Diagnostic::new(ErrorKind::Usage, message));
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // A key in the submissions' folder is not a submission.
    let key_path = std::fs::canonicalize(&a.key).ok();
    files.retain(|f| std::fs::canonicalize(f).ok() != key_path);
    let one = |what: &str| {
        Failure::from(
            Diagnostic::new(
                ErrorKind::Usage,
                format!("{what} grades one submission; {} were given", files.len()),
            )
            .help("run bpc grade once per submission"),
        )
    };
    if a.format == GradeFormat::Gradescope && files.len() != 1 {
        return Err(one("--format gradescope"));
    }
    if a.student.is_some() && files.len() != 1 {
        return Err(one("--student"));
    }
    // The report's file is checked before grading: never the key or a submission.
    let mut outputs = Outputs::default();
    let report_out = match &a.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(|e| cannot_write(dir, &e))?;
            Some(outputs.add("--out-dir", &dir.join(a.format.file_name()))?)
        }
        None => None,
    };
    outputs.not_input("the key", &a.key, None)?;
    for f in &files {
        outputs.not_input("a submission", f, None)?;
    }
    warn_stale(&key, io)?;

    let mut cache = AnswerCache::default();
    let mut key_errors = Diagnostics::default();
    let mut class = Class {
        key: key.path.clone(),
        name: key.plan.name.clone(),
        questions: key.infos(),
        submissions: Vec::with_capacity(files.len()),
    };
    for f in &files {
        let (s, problem) = submission::grade(&key, f, a.student.as_deref(), &mut cache);
        key_errors.0.extend(problem.into_iter().flat_map(|d| d.0));
        class.submissions.push(s);
    }
    let text = match a.format {
        GradeFormat::Text => report::text(&class),
        GradeFormat::Json => report::json(&class),
        GradeFormat::Csv => report::csv(&class),
        GradeFormat::Gradescope => report::gradescope(&class.submissions[0]),
    };
    match report_out {
        None => io.out.write_all(text.as_bytes())?,
        Some(i) => {
            outputs.write(i, text.as_bytes())?;
            let path = outputs.get(i).path.display().to_string();
            writeln!(io.err, "wrote {}", term::escape(&path))?;
        }
    }
    if key_errors.is_empty() {
        Ok(())
    } else {
        // The key is invalid at some student's numbers.
        Err(Failure::Invalid(key_errors))
    }
}

/// Warns when the key's written answers are not what its graph computes
/// (grading uses the graph; `bpc key --in-place` refreshes the text).
fn warn_stale(key: &Key, io: &mut Io) -> Result<(), Failure> {
    for (q, value) in key.questions.iter().zip(key.own_answers()) {
        if q.answer.is_blank() {
            continue;
        }
        if judge::judge_answer(value, &q.answer, q.rule).status != Status::Correct {
            let d = Diagnostic::new(
                ErrorKind::BadValue,
                format!(
                    "the key's answer to {} is {}, but its graph computes {}; grading uses the graph",
                    q.id(),
                    term::shown(&q.answer.text(), 120),
                    crate::render::value_text(value, 6, 12)
                ),
            )
            .help("refresh the key's answers with `bpc key --in-place KEY`")
            .warning();
            write!(io.err, "{}", d.render(io.color))?;
        }
    }
    Ok(())
}
