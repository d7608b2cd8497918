//! `bpc dot`: the graph as Graphviz DOT, on stdout or to a file; for `.svg`,
//! `.png` and `.pdf` files, bpc runs Graphviz's `dot` to draw the picture.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Args;

use crate::cli::{self, EvalArgs, Failure, Io};
use crate::diag::{Diagnostic, ErrorKind};
use crate::load::Timings;
use crate::render::dot::{self, DotOptions};

/// `bpc dot`.
#[derive(Debug, Args)]
pub struct DotArgs {
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

/// Picture formats that Graphviz draws, by file extension.
const DRAWN: [&str; 3] = ["svg", "png", "pdf"];

/// Runs `bpc dot`.
pub fn cmd(a: &DotArgs, io: &mut Io) -> Result<(), Failure> {
    let mut timings = Timings::default();
    let (plan, evaluation) = cli::evaluate(&a.eval, io, &mut timings)?;
    let opts = DotOptions {
        precision: a.precision as usize,
        grads: !a.no_grad,
        ..Default::default()
    };
    let text = timings.time("render", || dot::render(&plan, &evaluation, opts));
    match &a.output {
        None => io.out.write_all(text.as_bytes())?,
        Some(path) => match drawn_format(path) {
            None => write_atomically(path, text.as_bytes()).map_err(|e| cannot_write(path, e))?,
            Some(format) => {
                let picture = timings.time("graphviz", || graphviz(&a.graphviz, format, &text));
                match picture {
                    Ok((bytes, warnings)) => {
                        if !warnings.trim().is_empty() {
                            write!(io.err, "{}", indent("graphviz: ", &warnings))?;
                        }
                        write_atomically(path, &bytes).map_err(|e| cannot_write(path, e))?;
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

/// The Graphviz output format for `path`, if its extension asks for a picture.
fn drawn_format(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    DRAWN.into_iter().find(|&f| f == ext)
}

/// Why Graphviz gave no picture.
enum Graphviz {
    /// The program is not installed (not on PATH).
    Missing,
    /// It ran and failed, or could not be run.
    Failed(Box<Diagnostic>),
}

/// Runs `program -T<format>` on `dot_text`; returns the picture and Graphviz's warnings.
fn graphviz(program: &Path, format: &str, dot_text: &str) -> Result<(Vec<u8>, String), Graphviz> {
    let shown = program.display();
    let failed = |what: String| Graphviz::Failed(Box::new(Diagnostic::new(ErrorKind::Io, what)));
    let mut child = Command::new(program)
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Graphviz::Missing,
            _ => failed(format!("cannot run Graphviz `{shown}`: {e}")),
        })?;
    // Feed stdin from another thread so that a full stdout or stderr pipe
    // cannot block both processes.
    let mut stdin = child.stdin.take();
    let output = std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A write error shows up as Graphviz's own failure below.
                let _ = stdin.write_all(dot_text.as_bytes());
            }
        });
        child.wait_with_output()
    })
    .map_err(|e| failed(format!("cannot run Graphviz `{shown}`: {e}")))?;
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if !output.status.success() {
        let d = Diagnostic::new(
            ErrorKind::Io,
            format!(
                "Graphviz `{shown} -T{format}` failed ({}):\n{}",
                output.status,
                stderr.trim_end()
            ),
        )
        .help(
            "run `bpc dot SPEC -o graph.dot`, then `dot -Tsvg graph.dot` to see Graphviz's message",
        );
        return Err(Graphviz::Failed(Box::new(d)));
    }
    Ok((output.stdout, stderr))
}

/// Graphviz is not installed: says how to install it, and writes the DOT
/// next to the asked-for picture so nothing is lost.
fn missing(program: &Path, path: &Path, text: &str) -> Failure {
    let dot_path = path.with_extension("dot");
    let install = "install Graphviz: `apt-get install graphviz` (Debian, Ubuntu), \
                   `brew install graphviz` (macOS), or see https://graphviz.org/download/";
    let help = match write_atomically(&dot_path, text.as_bytes()) {
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

/// Writes `bytes` to a temporary file next to `path`, then renames it, so a
/// reader never sees a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&tmp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    renamed
}

/// The error for an output file that could not be written.
fn cannot_write(path: &Path, e: std::io::Error) -> Diagnostic {
    Diagnostic::new(
        ErrorKind::Io,
        format!("cannot write {}: {e}", path.display()),
    )
}

/// Prefixes every line of `text` with `prefix`.
fn indent(prefix: &str, text: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}
