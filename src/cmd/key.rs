//! `bpc key`: fills or refreshes a key's answers with the values its graph
//! computes, keeping comments and layout; prints the filled key, or writes it
//! with `-o` (never over the key) or `--in-place`.

use std::path::PathBuf;

use crate::files::Outputs;
use crate::grade::key::Key;
use crate::grade::write::{Fill, filled};
use crate::session::{Failure, InputArgs, Io, output_target};
use crate::term;

/// `bpc key`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key: an exercise spec whose `expect` lists the questions (answers may be blank).
    pub key: PathBuf,
    /// Write the filled key here (comments and layout kept) instead of printing it.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write the answers into KEY itself.
    #[arg(long)]
    pub in_place: bool,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs `bpc key`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let target = output_target(
        &a.key,
        a.output.as_deref(),
        a.in_place,
        ("filled", "write the answers into the key itself"),
    )?;
    // The output is checked before the work: never the key's data, and the
    // key itself only with --in-place.
    let mut outputs = Outputs::default();
    let flag = if a.in_place { "--in-place" } else { "-o" };
    let out = target
        .as_deref()
        .map(|p| outputs.add(flag, p))
        .transpose()?;
    outputs.not_input("the key", &a.key, out.filter(|_| a.in_place))?;
    let key = Key::load(&a.key, &a.input.policy())?;
    if let Some(csv) = crate::data::csv_path(&key.plan.spec, &a.key) {
        outputs.not_input("the key's data", &csv, None)?;
    }
    let (text, fills) = filled(&key, target.as_deref());
    let (Some(path), Some(out)) = (target, out) else {
        io.out.write_all(text.as_bytes())?;
        return Ok(());
    };
    outputs.write(out, text.as_bytes())?;
    let count = |f: fn(&Fill) -> bool| fills.iter().filter(|(_, x)| f(x)).count();
    writeln!(
        io.out,
        "{} answers: {} filled, {} refreshed, {} unchanged",
        fills.len(),
        count(|f| *f == Fill::Filled),
        count(|f| matches!(f, Fill::Refreshed(_))),
        count(|f| *f == Fill::Unchanged),
    )?;
    for (id, fill) in &fills {
        if let Fill::Refreshed(old) = fill {
            writeln!(io.out, "  refreshed {id} (was {})", term::shown(old, 200))?;
        }
    }
    writeln!(
        io.out,
        "wrote {}",
        term::escape(&path.display().to_string())
    )?;
    Ok(())
}
