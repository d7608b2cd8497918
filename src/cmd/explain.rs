//! `bpc explain`: the chain rule, step by step, with the numbers plugged in;
//! `--perturb` runs the lesson's experiment of changing an input.

use std::io::IsTerminal;

use clap::ValueEnum;

use crate::diag::{Diagnostic, Diagnostics};
use crate::eval::{self, Evaluation};
use crate::explain::{self, Options, markdown, perturb, text};
use crate::load;
use crate::plan::Plan;
use crate::session::{self, EvalArgs, Failure, Io};
use crate::timings::Timings;

/// `bpc explain`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Follow only what leads from the output down to NAME: every path, the
    /// local derivative at each step, their product, and the sum over paths.
    #[arg(long, value_name = "NAME")]
    pub wrt: Vec<String>,
    /// List only NAME in the forward and backward passes; with --wrt, each
    /// path's chain is also grouped at the NAMEs.
    #[arg(long = "node", value_name = "NAME")]
    pub nodes: Vec<String>,
    /// Change an input or param to VALUE and compare the output's actual
    /// change with the change its gradient predicts (the gradient times the change).
    #[arg(long, value_name = "NAME=VALUE")]
    pub perturb: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Significant digits of every number (JSON numbers are always exact).
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: u8,
}

/// Output formats of `bpc explain`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Text for a terminal.
    Text,
    /// Markdown with LaTeX math, for course notes.
    Markdown,
    /// One JSON object for tools: one entry per backward step.
    Json,
}

/// Runs `bpc explain`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let mut timings = Timings::default();
    let (plan, evaluation) = session::evaluate(&a.eval, io, &mut timings)?;
    let mut errors = Diagnostics::default();
    let wrt = explain::paths::named(&plan, "--wrt", &a.wrt, &mut errors);
    let nodes = explain::paths::named(&plan, "--node", &a.nodes, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let changed = if a.perturb.is_empty() {
        None
    } else {
        let (moved, moved_eval) = perturbed(a, &plan, &mut timings)?;
        let names = perturb::names(&a.perturb);
        Some(perturb::compare(
            &names,
            (&plan, &evaluation),
            (&moved, &moved_eval),
        ))
    };
    let options = Options {
        wrt,
        nodes,
        precision: a.precision as usize,
        ..Options::default()
    };
    let mut ex = explain::explain(&plan, &evaluation, options, changed);
    if !a.eval.sets.is_empty() {
        // Say what --set changed instead of the file's description.
        let policy = a.eval.input.policy();
        let file = perturb::file_plan(&plan, &a.eval.spec, &policy, &mut timings)?;
        let file_eval = eval::evaluate_timed(&file, &mut timings);
        let names = perturb::names(&a.eval.sets);
        let c = perturb::compare(&names, (&file, &file_eval), (&plan, &evaluation));
        ex.title = c.title(&plan.name, ex.options.precision, ex.options.max_elems);
    }
    let out = timings.time("render", || match a.format {
        Format::Text => text::render(
            &ex,
            text::TextOptions {
                // Colour only when stdout, too, is a terminal.
                color: io.color && std::io::stdout().is_terminal(),
                ..Default::default()
            },
        ),
        Format::Markdown => markdown::render(&ex),
        Format::Json => explain::json::render(&ex),
    });
    io.out.write_all(out.as_bytes())?;
    if a.eval.timings {
        write!(io.err, "{}", timings.render())?;
    }
    Ok(())
}

/// The plan with the `--perturb` values on top of `--set`, evaluated. Its
/// errors (an unknown name, a wrong shape) name `--perturb`.
fn perturbed(a: &Args, plan: &Plan, timings: &mut Timings) -> Result<(Plan, Evaluation), Failure> {
    // Errors of the --perturb values (--set's were found before) name --perturb.
    let rename = |mut d: Diagnostic| {
        if let Some(rest) = d.message.strip_prefix("--set") {
            d.message = format!("--perturb{rest}");
        }
        if let Some(src) = d.source.as_mut()
            && let Some(rest) = src.name.strip_prefix("--set")
        {
            src.name = format!("--perturb{rest}");
        }
        d
    };
    let mut bindings = crate::data::bindings(&plan.spec, &a.eval.spec, &a.eval.input.policy())?;
    let mut errors = Diagnostics::default();
    for arg in a.eval.sets.iter().chain(&a.perturb) {
        match load::parse_set(arg) {
            Ok(b) => bindings.push(b),
            Err(d) => errors.push(rename(d)),
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let moved = load::compile_spec(plan.spec.clone(), &bindings, timings)
        .map_err(|d| Diagnostics(d.0.into_iter().map(rename).collect()))?;
    let moved_eval = eval::evaluate_timed(&moved, timings);
    Ok((moved, moved_eval))
}
