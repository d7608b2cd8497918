//! `bpc export SPEC --to numpy|pytorch|jax [-o FILE.py]`: a runnable Python
//! script that builds the same graph with the same values, computes the
//! output and every gradient, and prints the same JSON as
//! `bpc run --format json`.

use std::path::PathBuf;

use clap::ValueEnum;

use crate::export::{self, Target};
use crate::files::Outputs;
use crate::load;
use crate::session::{Failure, InputArgs, Io};
use crate::timings::Timings;

/// `bpc export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The spec file (YAML).
    pub spec: PathBuf,
    /// The framework the script uses.
    #[arg(long, value_enum, default_value_t = To::Numpy)]
    pub to: To,
    /// Write the script to FILE instead of stdout (never over the spec).
    #[arg(short = 'o', long = "output", value_name = "FILE.py")]
    pub output: Option<PathBuf>,
    /// Replace an input or param: NAME=VALUE, VALUE in YAML (`3`, `[1, 2]`).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    pub sets: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// The frameworks of `--to`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum To {
    /// NumPy, the backward pass written out by hand, one line per node.
    Numpy,
    /// PyTorch (float64), gradients by autograd.
    Pytorch,
    /// JAX (float64), gradients by jax.grad.
    Jax,
}

/// Runs `bpc export`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    // The output is checked before the work: never the spec or its data.
    let mut outputs = Outputs::default();
    let out = a
        .output
        .as_deref()
        .map(|p| outputs.add("-o", p))
        .transpose()?;
    outputs.not_input("the spec", &a.spec, None)?;
    let plan = load::load_with(
        &a.spec,
        &a.sets,
        Some(&a.input.policy()),
        &mut Timings::default(),
    )?;
    if let Some(csv) = crate::data::csv_path(&plan.spec, &a.spec) {
        outputs.not_input("the spec's data", &csv, None)?;
    }
    let target = match a.to {
        To::Numpy => Target::Numpy,
        To::Pytorch => Target::Pytorch,
        To::Jax => Target::Jax,
    };
    let command = std::iter::once(a.spec.display().to_string())
        .chain(a.sets.iter().map(|s| format!("--set {s}")))
        .collect::<Vec<_>>()
        .join(" ");
    let replaced: Vec<&str> = a
        .sets
        .iter()
        .filter_map(|s| s.split_once('=').map(|(name, _)| name.trim()))
        .collect();
    let script = export::export(&plan, target, &command, &replaced);
    match out {
        None => io.out.write_all(script.as_bytes())?,
        Some(out) => {
            outputs.write(out, script.as_bytes())?;
            writeln!(io.out, "wrote {}", outputs.get(out).path.display())?;
        }
    }
    Ok(())
}
