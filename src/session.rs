//! What every command shares, below the commands: the streams it writes to
//! ([`Io`]), how it fails ([`Failure`], and so its exit status), and loading
//! and evaluating one spec ([`evaluate`]) with the non-finite check.
//!
//! Nothing here parses a command line or prints a report; `cmd` does.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind};
use crate::eval::{self, Evaluation};
use crate::files::{self, ReadPolicy};
use crate::load;
use crate::plan::Plan;
use crate::render::nonfinite;
use crate::timings::Timings;

/// Where a command writes, and how.
pub struct Io<'a> {
    /// Standard output.
    pub out: &'a mut dyn Write,
    /// Standard error.
    pub err: &'a mut dyn Write,
    /// Colour in diagnostics.
    pub color: bool,
    /// Standard error is a terminal (progress bars).
    pub tty: bool,
}

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: a check failed, or a value went NaN or infinite.
pub const EXIT_FAILED: u8 = 1;
/// Exit status: the spec or the command line is invalid.
pub const EXIT_INVALID: u8 = 2;

/// A command's failure: what to print, and the exit status.
#[derive(Debug)]
pub enum Failure {
    /// The spec or the command line is invalid (exit 2).
    Invalid(Diagnostics),
    /// A check failed; the report was already printed (exit 1).
    Failed(Option<Diagnostics>),
}

impl Failure {
    /// The exit status for this failure.
    pub fn status(&self) -> u8 {
        match self {
            Failure::Invalid(_) => EXIT_INVALID,
            Failure::Failed(_) => EXIT_FAILED,
        }
    }

    /// The diagnostics to print, if any.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            Failure::Invalid(d) => Some(d),
            Failure::Failed(d) => d.as_ref(),
        }
    }
}

impl From<Diagnostics> for Failure {
    fn from(d: Diagnostics) -> Failure {
        Failure::Invalid(d)
    }
}

impl From<Diagnostic> for Failure {
    fn from(d: Diagnostic) -> Failure {
        Failure::Invalid(d.into())
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Failure {
        Failure::Invalid(Diagnostic::new(ErrorKind::Io, format!("cannot write output: {e}")).into())
    }
}

/// How a command may read a spec's data files.
#[derive(Clone, Debug, Args)]
pub struct InputArgs {
    /// Read data files (CSV) from outside the spec's folder (after resolving symlinks).
    #[arg(long)]
    pub allow_outside_data: bool,
    /// Largest data file read: bytes, or a number with K, M or G.
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = files::parse_size)]
    pub max_data_size: u64,
}

impl InputArgs {
    /// The read policy these flags ask for.
    pub fn policy(&self) -> ReadPolicy {
        ReadPolicy {
            max_data_bytes: self.max_data_size,
            allow_outside_data: self.allow_outside_data,
        }
    }
}

/// Options shared by commands that evaluate one spec.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The spec file (YAML).
    pub spec: PathBuf,
    #[command(flatten)]
    pub input: InputArgs,
    /// Replace an input or param: NAME=VALUE, VALUE in YAML (`3`, `[1, 2]`).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    /// Keep going when a value or gradient is NaN or infinite.
    #[arg(long)]
    pub allow_nonfinite: bool,
    /// Print how long each phase took, to stderr.
    #[arg(long)]
    pub timings: bool,
}

/// Loads and evaluates one spec, timing each phase. A non-finite value is a
/// failure (exit 1) naming the first node that produced it, unless
/// `--allow-nonfinite`, which prints it as a warning and goes on.
pub fn evaluate(
    a: &EvalArgs,
    io: &mut Io,
    timings: &mut Timings,
) -> Result<(Plan, Evaluation), Failure> {
    let plan = load::load_with(&a.spec, &a.sets, Some(&a.input.policy()), timings)?;
    let evaluation = eval::evaluate_timed(&plan, timings);
    if let Some(nf) = evaluation.nonfinite {
        let d = nonfinite::diagnostic(&plan, &evaluation.values, nf);
        if a.allow_nonfinite {
            let _ = write!(io.err, "{}", d.warning().render(io.color));
        } else {
            return Err(Failure::Failed(Some(
                d.help(
                    "fix the inputs or the graph, or pass --allow-nonfinite to see every value anyway",
                )
                .into(),
            )));
        }
    }
    Ok((plan, evaluation))
}

/// Where a command that rewrites a spec writes it: `-o`, or the input itself
/// with `--in-place`; never the input otherwise. `what` is (the adjective of
/// the written spec, what `--in-place` does), for the messages: ("trained",
/// "replace the params in the spec itself").
pub fn output_target(
    input: &Path,
    output: Option<&Path>,
    in_place: bool,
    what: (&str, &str),
) -> Result<Option<PathBuf>, Failure> {
    let (adjective, in_place_does) = what;
    let same = |p: &Path| match (std::fs::canonicalize(p), std::fs::canonicalize(input)) {
        (Ok(x), Ok(y)) => x == y,
        _ => p == input,
    };
    match (output, in_place) {
        (Some(o), false) if same(o) => Err(Diagnostic::new(
            ErrorKind::Usage,
            format!(
                "-o `{}` is the spec being {adjective}; bpc does not overwrite it",
                o.display()
            ),
        )
        .help(format!(
            "write the {adjective} spec elsewhere, or pass --in-place to {in_place_does}"
        ))
        .into()),
        (Some(o), true) if !same(o) => Err(Diagnostic::new(
            ErrorKind::Usage,
            format!(
                "--in-place writes `{}` itself; -o `{}` names another file",
                input.display(),
                o.display()
            ),
        )
        .help("give one of -o and --in-place")
        .into()),
        (Some(o), false) => Ok(Some(o.to_path_buf())),
        (_, true) => Ok(Some(input.to_path_buf())),
        (None, false) => Ok(None),
    }
}
