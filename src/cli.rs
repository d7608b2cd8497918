//! The command line. [`run`] is the only place that prints errors and picks
//! exit codes; it writes to the given streams, so tests call it directly.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind};
use crate::eval::{self, Evaluation, NonFinite, Pass};
use crate::graph::Kind;
use crate::load::{self, Timings};
use crate::plan::Plan;
use crate::render;

/// bpc, the backprop compiler: a YAML computation graph in, every value and gradient out.
#[derive(Debug, Parser)]
#[command(name = "bpc", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the value and gradient of every leaf and node.
    Run(RunArgs),
    /// Draw the graph (Graphviz DOT, or SVG/PNG/PDF) with every value and gradient on it.
    Dot(crate::dot::DotArgs),
    /// Grade specs: check `expect` and compare every gradient with finite differences.
    Check(crate::check::CheckArgs),
    /// Train the params by gradient descent on the loss; write the trained spec with -o.
    Train(crate::train::TrainArgs),
}

/// Options shared by commands that evaluate one spec.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The spec file (YAML).
    pub spec: PathBuf,
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

/// `bpc run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Significant digits in the table.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: u8,
}

/// Output formats of `bpc run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object for machines (every f64 round-trips).
    Json,
}

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

/// A command's failure: what to print, and the exit status.
#[derive(Debug)]
pub enum Failure {
    /// The spec or the command line is invalid (exit 2).
    Invalid(Diagnostics),
    /// A check failed; the report was already printed (exit 1).
    Failed(Option<Diagnostics>),
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

/// Parses `args` (program name first) and runs the command. Returns the exit
/// status: 0 success, 1 a check failed, 2 invalid spec or command line.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>, io: &mut Io) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let text = if io.color {
                e.render().ansi().to_string()
            } else {
                e.render().to_string()
            };
            let (stream, code) = if e.use_stderr() {
                (&mut *io.err, 2)
            } else {
                (&mut *io.out, 0)
            };
            let _ = write!(stream, "{text}");
            return code;
        }
    };
    let result = match &cli.command {
        Command::Run(a) => cmd_run(a, io),
        Command::Dot(a) => crate::dot::cmd(a, io),
        Command::Check(a) => crate::check::cmd(a, io),
        Command::Train(a) => crate::train::cmd(a, io),
    };
    match result {
        Ok(()) => 0,
        Err(Failure::Invalid(d)) => {
            let _ = write!(io.err, "{}", d.render(io.color));
            2
        }
        Err(Failure::Failed(d)) => {
            if let Some(d) = d {
                let _ = write!(io.err, "{}", d.render(io.color));
            }
            1
        }
    }
}

/// Loads and evaluates one spec, reporting non-finite values unless allowed.
pub fn evaluate(
    a: &EvalArgs,
    io: &mut Io,
    timings: &mut Timings,
) -> Result<(Plan, Evaluation), Failure> {
    let plan = load::load(&a.spec, &a.sets, true, timings)?;
    let mut values = eval::initial_values(&plan);
    let first = timings.time("forward", || eval::forward(&plan, &mut values));
    let mut grads = Vec::new();
    let back = timings.time("backward", || eval::backward(&plan, &values, &mut grads));
    let evaluation = Evaluation {
        values,
        grads,
        nonfinite: first.or(back),
    };
    if let Some(nf) = evaluation.nonfinite {
        let d = nonfinite_diagnostic(&plan, &evaluation.values, nf);
        if a.allow_nonfinite {
            let _ = write!(io.err, "{}", d.render(io.color).replacen("×", "⚠", 1));
        } else {
            return Err(Failure::Failed(Some(d.help(
                "fix the inputs or the graph, or pass --allow-nonfinite to see every value anyway",
            ).into())));
        }
    }
    Ok((plan, evaluation))
}

/// Explains the first non-finite value: which node, its op, its inputs, the likely cause.
pub fn nonfinite_diagnostic(
    plan: &Plan,
    values: &[crate::tensor::Value],
    nf: NonFinite,
) -> Diagnostic {
    let node = match nf.pass {
        Pass::Forward => nf.slot,
        Pass::Backward => nf.from.unwrap_or(nf.slot),
    };
    let info = plan.info(node);
    let what = match nf.pass {
        Pass::Forward => "value",
        Pass::Backward => "gradient",
    };
    let bad = render::number(nf.value, 6);
    let at = if plan.info(nf.slot).shape.is_empty() {
        String::new()
    } else {
        format!(" at element {}", nf.index)
    };
    let (message, cause) = match info.kind {
        Kind::Node(op) => {
            let args: Vec<String> = info
                .args
                .iter()
                .map(|&s| {
                    format!(
                        "`{}` = {}",
                        plan.info(s).name,
                        render::value_text(&values[s.index()], 6, 4)
                    )
                })
                .collect();
            let target = match nf.pass {
                Pass::Forward => String::new(),
                Pass::Backward => format!(" to the gradient of `{}`", plan.info(nf.slot).name),
            };
            (
                format!(
                    "`{}` = {}({}) contributed {bad}{at}{target} ({what} is not finite)",
                    info.name,
                    op.name(),
                    args.join(", ")
                ),
                eval::likely_cause(op),
            )
        }
        Kind::Input | Kind::Param | Kind::Literal => (
            format!("the {} `{}` is {bad}{at}", info.kind.describe(), info.name),
            "a non-finite number written in the spec or given with --set",
        ),
    };
    Diagnostic::new(
        ErrorKind::NonFinite,
        format!("{message}; likely cause: {cause}"),
    )
    .at(plan.source(), info.span, format!("first non-finite {what}"))
}

fn cmd_run(a: &RunArgs, io: &mut Io) -> Result<(), Failure> {
    let mut timings = Timings::default();
    let (plan, evaluation) = evaluate(&a.eval, io, &mut timings)?;
    let text = timings.time("render", || match a.format {
        Format::Table => render::table::render(
            &plan,
            &evaluation,
            render::table::TableOptions {
                precision: a.precision as usize,
                ..Default::default()
            },
        ),
        Format::Json => render::json::render(&plan, &evaluation),
    });
    io.out.write_all(text.as_bytes())?;
    if a.eval.timings {
        write!(io.err, "{}", timings.render())?;
    }
    Ok(())
}
