//! Drawing DOT text as a picture by running Graphviz's `dot` program.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::diag::{Diagnostic, ErrorKind};

/// Picture formats that Graphviz draws, by file extension.
pub const DRAWN: [&str; 3] = ["svg", "png", "pdf"];

/// The Graphviz output format for `path`, if its extension asks for a picture.
pub fn drawn_format(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    DRAWN.into_iter().find(|&f| f == ext)
}

/// Why Graphviz gave no picture.
pub enum Graphviz {
    /// The program is not installed (not on PATH).
    Missing,
    /// It ran and failed, or could not be run.
    Failed(Box<Diagnostic>),
}

/// Runs `program -T<format>` on `dot_text`; returns the picture and Graphviz's warnings.
pub fn draw(program: &Path, format: &str, dot_text: &str) -> Result<(Vec<u8>, String), Graphviz> {
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
