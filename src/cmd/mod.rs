//! The command line: one file per command, each the same shape, an `Args`
//! struct (clap) and `run(&Args, &mut Io) -> Result<(), Failure>`. A command
//! handles its arguments and prints; the work is done by the library modules
//! below it. [`run`] parses the command line, dispatches, and is the only
//! place that prints a failure and picks the exit status.

pub mod check;
pub mod completions;
pub mod dot;
pub mod explain;
pub mod export;
pub mod grade;
pub mod handout;
pub mod key;
pub mod man;
pub mod run;
pub mod schema;
pub mod serve;
pub mod train;
mod usage;

use std::ffi::OsString;

use clap::{Parser, Subcommand};

use crate::session::{EXIT_INVALID, EXIT_OK, Io};

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
    Run(run::Args),
    /// Draw the graph (Graphviz DOT, or SVG/PNG/PDF) with every value and gradient on it.
    Dot(dot::Args),
    /// Check specs: judge the answers under `expect`, compare every gradient with finite differences.
    Check(check::Args),
    /// Explain every gradient: the chain rule step by step, with the numbers plugged in.
    Explain(explain::Args),
    /// Train the params by gradient descent on the loss; write the trained spec with -o.
    Train(train::Args),
    /// Write a Python script (NumPy, PyTorch or JAX) that computes the same values and gradients.
    Export(export::Args),
    /// Print the JSON Schema of the spec format, for editors.
    Schema(schema::Args),
    /// Fill or refresh a key's answers with the values its graph computes.
    Key(key::Args),
    /// Make the students' copies of keys: answers blank, each student's own numbers.
    Handout(handout::Args),
    /// Grade submissions against a key: a line per student and a class summary, JSON, CSV or Gradescope.
    Grade(grade::Args),
    /// Open the graph in the browser: edit the spec, drag inputs, watch values and gradients move.
    Serve(serve::Args),
    /// Print a completion script for bash, zsh, fish or PowerShell.
    Completions(completions::Args),
    /// Print bpc's manual page (roff): `bpc man > ~/.local/share/man/man1/bpc.1`.
    Man(man::Args),
}

/// Parses `args` (program name first) and runs the command. Returns the exit
/// status: 0 success, 1 a check failed, 2 invalid spec or command line.
pub fn run(args: impl IntoIterator<Item = impl Into<OsString> + Clone>, io: &mut Io) -> u8 {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(d) = usage::hint(&args, &e) {
                let _ = write!(
                    io.err,
                    "{}",
                    crate::diag::Diagnostics::from(d).render(io.color)
                );
                return EXIT_INVALID;
            }
            // clap quotes the arguments it rejects: escaped for the terminal
            // (colour only when there was nothing to escape).
            let plain = e.render().to_string();
            let text = match crate::term::escape_text(&plain) {
                std::borrow::Cow::Borrowed(_) if io.color => e.render().ansi().to_string(),
                escaped => escaped.into_owned(),
            };
            let (stream, code) = if e.use_stderr() {
                (&mut *io.err, EXIT_INVALID)
            } else {
                (&mut *io.out, EXIT_OK)
            };
            let _ = write!(stream, "{text}");
            return code;
        }
    };
    let result = match &cli.command {
        Command::Run(a) => run::run(a, io),
        Command::Dot(a) => dot::run(a, io),
        Command::Check(a) => check::run(a, io),
        Command::Train(a) => train::run(a, io),
        Command::Export(a) => export::run(a, io),
        Command::Schema(a) => schema::run(a, io),
        Command::Key(a) => key::run(a, io),
        Command::Handout(a) => handout::run(a, io),
        Command::Grade(a) => grade::run(a, io),
        Command::Serve(a) => serve::run(a, io),
        Command::Completions(a) => completions::run(a, io),
        Command::Man(a) => man::run(a, io),
        Command::Explain(a) => explain::run(a, io),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(failure) => {
            if let Some(d) = failure.diagnostics() {
                let _ = write!(io.err, "{}", d.render(io.color));
            }
            failure.status()
        }
    }
}
