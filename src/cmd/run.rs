//! `bpc run`: the value and gradient of every leaf and node, as a table or JSON.

use clap::ValueEnum;

use std::time::Instant;

use crate::eval::{self, Evaluation};
use crate::explain::perturb;
use crate::plan::Plan;
use crate::render;
use crate::session::{self, EvalArgs, Failure, Io};
use crate::timings::{Timings, median};

/// `bpc run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Significant digits in the table.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: u8,
    /// Print tensors in full, however wide the table gets (by default it fits
    /// the terminal, or 100 columns when piped).
    #[arg(long)]
    pub wide: bool,
    /// With --timings: evaluate N more times on the same buffers (as training
    /// does) and print the median forward and backward pass of those warm
    /// repetitions.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "timings",
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub repeat: u32,
}

/// Output formats of `bpc run`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object for machines (every f64 round-trips).
    Json,
}

/// Runs `bpc run`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let mut timings = Timings::default();
    let (plan, mut evaluation) = session::evaluate(&a.eval, io, &mut timings)?;
    repeat(&plan, &mut evaluation, a.repeat, &mut timings);
    let opts = render::table::TableOptions {
        precision: a.precision as usize,
        width: table_width(a.wide),
        ..Default::default()
    };
    // With --set, the table says what changed and how far the output moved,
    // against the file's own values, instead of the file's description.
    let comparison = if a.eval.sets.is_empty() || a.format == Format::Json {
        None
    } else {
        let policy = a.eval.input.policy();
        let file = perturb::file_plan(&plan, &a.eval.spec, &policy, &mut timings)?;
        let file_eval = eval::evaluate_timed(&file, &mut timings);
        let names = perturb::names(&a.eval.sets);
        Some(perturb::compare(
            &names,
            (&file, &file_eval),
            (&plan, &evaluation),
        ))
    };
    let text = timings.time("render", || match (a.format, &comparison) {
        (Format::Table, None) => render::table::render(&plan, &evaluation, opts),
        (Format::Table, Some(c)) => render::table::render_titled(
            &plan,
            &evaluation,
            opts,
            &c.title(&plan.name, opts.precision, opts.max_elems),
            &[c.line(opts.precision)],
        ),
        (Format::Json, _) => render::json::render(&plan, &evaluation),
    });
    io.out.write_all(text.as_bytes())?;
    if a.eval.timings {
        write!(io.err, "{}", timings.render())?;
    }
    Ok(())
}

/// Evaluates `plan` `n` more times into `evaluation`'s own buffers (the
/// same bits each time) and records the median of each pass.
fn repeat(plan: &Plan, evaluation: &mut Evaluation, n: u32, timings: &mut Timings) {
    if n == 0 {
        return;
    }
    let (mut forward, mut backward) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let start = Instant::now();
        eval::forward(plan, &mut evaluation.values);
        let middle = Instant::now();
        eval::backward(plan, &mut evaluation.values, &mut evaluation.grads);
        forward.push(middle - start);
        backward.push(middle.elapsed());
    }
    timings.summary("forward median", median(&forward));
    timings.summary("backward median", median(&backward));
}

/// The table's width: the terminal's when standard output is one, 100
/// columns when it is piped, no limit with `--wide`.
fn table_width(wide: bool) -> Option<usize> {
    use std::io::IsTerminal;
    if wide {
        return None;
    }
    let terminal = std::io::stdout()
        .is_terminal()
        .then(terminal_size::terminal_size)
        .flatten()
        .map(|(w, _)| w.0 as usize);
    Some(terminal.unwrap_or(render::table::PIPED_WIDTH))
}
