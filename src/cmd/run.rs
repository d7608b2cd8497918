//! `bpc run`: the value and gradient of every leaf and node, as a table or JSON.

use clap::ValueEnum;

use crate::eval;
use crate::explain::perturb;
use crate::render;
use crate::session::{self, EvalArgs, Failure, Io};
use crate::timings::Timings;

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
    let (plan, evaluation) = session::evaluate(&a.eval, io, &mut timings)?;
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
