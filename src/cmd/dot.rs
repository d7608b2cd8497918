//! `bpc dot`: the graph as Graphviz DOT, on stdout or to a file; for `.svg`,
//! `.png` and `.pdf` files, bpc runs Graphviz's `dot` to draw the picture.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, ErrorKind};
use crate::files::{cannot_write, write_atomic};
use crate::graphviz::{self, Graphviz, drawn_format};
use crate::render::dot::{self, DotOptions};
use crate::session::{self, EvalArgs, Failure, Io};
use crate::timings::Timings;

/// `bpc dot`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Write to FILE instead of stdout; a `.svg`, `.png` or `.pdf` FILE is drawn with Graphviz.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Forward values only: hide the gradients.
    #[arg(long)]
    pub no_grad: bool,
    /// Significant digits of every number.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u8).range(1..=17))]
    pub precision: u8,
    /// The Graphviz program that draws `.svg`, `.png` and `.pdf` files.
    #[arg(long, value_name = "PROGRAM", default_value = "dot")]
    pub graphviz: PathBuf,
}

/// Runs `bpc dot`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let mut timings = Timings::default();
    let (plan, evaluation) = session::evaluate(&a.eval, io, &mut timings)?;
    let opts = DotOptions {
        precision: a.precision as usize,
        grads: !a.no_grad,
        ..Default::default()
    };
    let text = timings.time("render", || dot::render(&plan, &evaluation, opts));
    match &a.output {
        None => io.out.write_all(text.as_bytes())?,
        Some(path) => match drawn_format(path) {
            None => write_atomic(path, text.as_bytes()).map_err(|e| cannot_write(path, &e))?,
            Some(format) => {
                let picture =
                    timings.time("graphviz", || graphviz::draw(&a.graphviz, format, &text));
                match picture {
                    Ok((bytes, warnings)) => {
                        if !warnings.trim().is_empty() {
                            let warnings = crate::term::escape_text(&warnings);
                            write!(io.err, "{}", indent("graphviz: ", &warnings))?;
                        }
                        write_atomic(path, &bytes).map_err(|e| cannot_write(path, &e))?;
                    }
                    Err(Graphviz::Missing) => return Err(missing(&a.graphviz, path, &text)),
                    Err(Graphviz::Failed(d)) => return Err((*d).into()),
                }
            }
        },
    }
    if a.eval.timings {
        write!(io.err, "{}", timings.render())?;
    }
    Ok(())
}

/// Graphviz is not installed: says how to install it, and writes the DOT
/// next to the asked-for picture so nothing is lost.
fn missing(program: &Path, path: &Path, text: &str) -> Failure {
    let dot_path = path.with_extension("dot");
    let install = "install Graphviz: `apt-get install graphviz` (Debian, Ubuntu), \
                   `brew install graphviz` (macOS), or see https://graphviz.org/download/";
    let help = match write_atomic(&dot_path, text.as_bytes()) {
        Ok(()) => format!(
            "{install}\nthe DOT was written to {dp}; draw it later with `dot -T{fmt} {dp} -o {p}`",
            dp = dot_path.display(),
            fmt = drawn_format(path).unwrap_or("svg"),
            p = path.display()
        ),
        Err(e) => format!(
            "{install}\n(the DOT could not be saved to {} either: {e})",
            dot_path.display()
        ),
    };
    let d = Diagnostic::new(
        ErrorKind::Io,
        format!(
            "cannot draw the picture: the Graphviz program `{}` is not installed",
            program.display()
        ),
    )
    .help(help);
    d.into()
}

/// Prefixes every line of `text` with `prefix`.
fn indent(prefix: &str, text: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}
