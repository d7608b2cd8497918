//! `bpc dot`: the graph as Graphviz DOT, on stdout or to a file; for `.svg`,
//! `.png` and `.pdf` files, bpc runs Graphviz's `dot` to draw the picture.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, ErrorKind};
use crate::files::Outputs;
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
    /// Stop Graphviz after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = graphviz::TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub graphviz_timeout: u64,
    /// Draw a picture of a graph over 2000 vertices anyway (Graphviz may take very long).
    #[arg(long)]
    pub force: bool,
}

/// Runs `bpc dot`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let mut timings = Timings::default();
    // The output is checked before the work: never the spec or its data.
    let mut outputs = Outputs::default();
    let out = a
        .output
        .as_deref()
        .map(|p| outputs.add("-o", p))
        .transpose()?;
    outputs.not_input("the spec", &a.eval.spec, None)?;
    if let Some(path) = &a.output {
        check_extension(path)?;
    }
    let (plan, evaluation) = session::evaluate(&a.eval, io, &mut timings)?;
    let inputs: Vec<PathBuf> = std::iter::once(a.eval.spec.clone())
        .chain(crate::data::csv_path(&plan.spec, &a.eval.spec))
        .collect();
    if let Some(csv) = inputs.get(1) {
        outputs.not_input("the spec's data", csv, None)?;
    }
    let opts = DotOptions {
        precision: a.precision as usize,
        grads: !a.no_grad,
        ..Default::default()
    };
    let text = timings.time("render", || dot::render(&plan, &evaluation, opts));
    match (&a.output, out) {
        (Some(path), Some(out)) => match drawn_format(path) {
            None => outputs.write(out, text.as_bytes())?,
            Some(format) => {
                let vertices = plan.slots.len();
                if vertices > graphviz::MAX_DRAWN && !a.force {
                    return Err(too_big_to_draw(vertices, path));
                }
                let timeout = std::time::Duration::from_secs(a.graphviz_timeout);
                let picture = timings.time("graphviz", || {
                    graphviz::draw(&a.graphviz, format, &text, timeout)
                });
                match picture {
                    Ok((bytes, warnings)) => {
                        if !warnings.trim().is_empty() {
                            let warnings = crate::term::escape_text(&warnings);
                            write!(io.err, "{}", indent("graphviz: ", &warnings))?;
                        }
                        outputs.write(out, &bytes)?;
                    }
                    Err(Graphviz::Missing) => {
                        return Err(missing(&a.graphviz, path, &text, &inputs));
                    }
                    Err(Graphviz::Failed(d)) => return Err((*d).into()),
                }
            }
        },
        _ => io.out.write_all(text.as_bytes())?,
    }
    if a.eval.timings {
        write!(io.err, "{}", timings.render())?;
    }
    Ok(())
}

/// Extensions of the DOT text itself (a file without one gets DOT too).
const DOT_TEXT: [&str; 2] = ["dot", "gv"];

/// `-o FILE` must name something bpc writes: DOT text (`.dot`, `.gv`, or no
/// extension) or a picture Graphviz draws (`.svg`, `.png`, `.pdf`); `.jpg`
/// would otherwise get DOT text under a picture's name.
fn check_extension(path: &Path) -> Result<(), Failure> {
    let Some(ext) = path.extension() else {
        return Ok(());
    };
    let lower = ext.to_string_lossy().to_ascii_lowercase();
    if DOT_TEXT.contains(&lower.as_str()) || drawn_format(path).is_some() {
        return Ok(());
    }
    let list = |exts: &[&str]| {
        exts.iter()
            .map(|e| format!("`.{e}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err(Diagnostic::new(
        ErrorKind::Usage,
        format!(
            "-o `{}`: bpc cannot write `.{}` files",
            crate::term::escape(&path.display().to_string()),
            crate::term::escape(&ext.to_string_lossy())
        ),
    )
    .help(format!(
        "bpc writes DOT text ({}, or a name without an extension) and pictures drawn by \
         Graphviz ({}); for example `-o {}`",
        list(&DOT_TEXT),
        list(&graphviz::DRAWN),
        crate::term::escape(&path.with_extension("png").display().to_string())
    ))
    .into())
}

/// A graph too big for Graphviz to lay out in reasonable time and memory.
fn too_big_to_draw(vertices: usize, path: &Path) -> Failure {
    Diagnostic::new(
        ErrorKind::Limit,
        format!(
            "the graph has {vertices} vertices; bpc draws pictures of at most {} \
             (Graphviz's layout of a big graph can take minutes and gigabytes)",
            graphviz::MAX_DRAWN
        ),
    )
    .help(format!(
        "pass --force to draw it anyway, or write the DOT text with `-o {}`",
        path.with_extension("dot").display()
    ))
    .into()
}

/// Graphviz is not installed: says how to install it, and writes the DOT
/// next to the asked-for picture so nothing is lost (unless that file is one
/// of the `inputs`).
fn missing(program: &Path, path: &Path, text: &str, inputs: &[PathBuf]) -> Failure {
    let dot_path = path.with_extension("dot");
    let install = "install Graphviz: `apt-get install graphviz` (Debian, Ubuntu), \
                   `brew install graphviz` (macOS), or see https://graphviz.org/download/";
    let saved = (|| {
        let mut outputs = Outputs::default();
        let i = outputs.add("the DOT file", &dot_path)?;
        for input in inputs {
            outputs
                .not_input("an input", input, None)
                .map_err(|mut d| d.0.remove(0))?;
        }
        outputs.write(i, text.as_bytes())
    })();
    let help = match saved {
        Ok(()) => format!(
            "{install}\nthe DOT was written to {dp}; draw it later with `dot -T{fmt} {dp} -o {p}`",
            dp = dot_path.display(),
            fmt = drawn_format(path).unwrap_or("svg"),
            p = path.display()
        ),
        Err(e) => format!(
            "{install}\n(the DOT could not be saved to {} either: {})",
            dot_path.display(),
            e.message
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
