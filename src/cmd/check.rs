//! `bpc check`: judges every spec's answers (`expect`) and checks every
//! gradient with finite differences, and reports the two apart. Exit status:
//! 0 all right, 1 an answer is not right (wrong, close or blank) or a
//! gradient check failed, 2 a spec (or a path) is invalid.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::check::{GradcheckOptions, check_file, paths, report};
use crate::diag::Diagnostics;
use crate::grade::judge::{self, Rule};
use crate::session::{Failure, InputArgs, Io};

/// `bpc check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Spec files, folders (every *.yaml inside, sorted) or glob patterns.
    #[arg(required = true, value_name = "SPEC")]
    pub specs: Vec<PathBuf>,
    /// Finite-difference step, scaled by max(1, |x|) for each element x.
    #[arg(long, default_value_t = 1e-6, value_parser = positive)]
    pub eps: f64,
    /// Relative tolerance of the gradient check (answers: --answer-rtol).
    #[arg(long, default_value_t = 1e-5, value_parser = non_negative)]
    pub rtol: f64,
    /// Absolute tolerance of the gradient check (answers: --answer-atol).
    #[arg(long, default_value_t = 1e-7, value_parser = non_negative)]
    pub atol: f64,
    /// Judge every answer by |answer - computed| <= atol + rtol·|computed| with this rtol,
    /// instead of the spec's own tolerance or the hand-answer rule (atol default 1e-9).
    #[arg(long, value_name = "X", value_parser = non_negative)]
    pub answer_rtol: Option<f64>,
    /// Judge every answer with this atol (rtol default 1e-6; see --answer-rtol).
    #[arg(long, value_name = "X", value_parser = non_negative)]
    pub answer_atol: Option<f64>,
    /// Check at most this many elements of each name (evenly spaced).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_elements: u32,
    /// Only judge the answers; skip the finite-difference check.
    #[arg(long)]
    pub no_gradcheck: bool,
    /// Say right or wrong without printing computed values (as `expect: {hidden: true}`).
    #[arg(long)]
    pub hide_answers: bool,
    /// Print computed values even where answers are hidden.
    #[arg(long, conflicts_with = "hide_answers")]
    pub reveal: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Output formats of `bpc check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One line per expectation and per gradient, for people.
    Text,
    /// One JSON object with per-spec results, for tools.
    Json,
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("expected a positive number, got `{s}`")),
    }
}

fn non_negative(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
        _ => Err(format!("expected a number >= 0, got `{s}`")),
    }
}

/// Runs `bpc check`: grades every spec, prints the report, and fails with
/// exit 2 if a spec or path was invalid, 1 if a check failed.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let opts = GradcheckOptions {
        eps: a.eps,
        rtol: a.rtol,
        atol: a.atol,
        max_elements: a.max_elements as usize,
    };
    let rule = match (a.answer_rtol, a.answer_atol) {
        (None, None) => None,
        (r, t) => Some(Rule::Tolerance {
            rtol: r.unwrap_or(judge::DEFAULT_RTOL),
            atol: t.unwrap_or(judge::DEFAULT_ATOL),
        }),
    };
    let mut invalid = Diagnostics::default();
    let mut failures = Diagnostics::default();
    let files = paths::spec_files(&a.specs, paths::Folders::Flat, &mut invalid);
    let policy = a.input.policy();
    let mut reports = Vec::with_capacity(files.len());
    for path in &files {
        let hide = |spec_hidden: bool| !a.reveal && (a.hide_answers || spec_hidden);
        let gc = (!a.no_gradcheck).then_some(&opts);
        let (report, diags) = check_file(path, gc, hide, &policy, rule);
        match &report.problem {
            Some(p) if p.invalid => invalid.0.extend(diags.0),
            _ => failures.0.extend(diags.0),
        }
        reports.push(report);
    }
    let text = match a.format {
        ReportFormat::Text => report::text(&reports, (!a.no_gradcheck).then_some(&opts)),
        ReportFormat::Json => report::json(&reports, (!a.no_gradcheck).then_some(&opts)),
    };
    io.out.write_all(text.as_bytes())?;
    let failed = reports.iter().any(|r| r.counts().failed_any());
    if !invalid.is_empty() {
        invalid.0.extend(failures.0);
        Err(Failure::Invalid(invalid))
    } else if failed {
        Err(Failure::Failed((!failures.is_empty()).then_some(failures)))
    } else {
        Ok(())
    }
}
