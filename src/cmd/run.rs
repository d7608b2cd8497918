//! `bpc run`: the value and gradient of every leaf and node, as a table or JSON.

use clap::ValueEnum;

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
