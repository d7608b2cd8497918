//! Drawing DOT text as a picture by running Graphviz's `dot` program, with a
//! timeout and a memory cap: Graphviz's layout of a big graph can run for
//! minutes and take gigabytes.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// The most vertices (leaves, literals and nodes) bpc asks Graphviz to draw
/// as a picture without `--force`: Graphviz's layout grows much faster than
/// the graph (a 5,000-node chain takes 7 s; a 20,000-node one took 7.9 GB
/// and crashed). DOT text has no such limit.
pub const MAX_DRAWN: usize = 2000;

/// How long Graphviz may run by default, in seconds (`--graphviz-timeout`).
pub const TIMEOUT_SECS: u64 = 60;

/// The address space Graphviz may use (it fails, rather than exhaust the
/// machine, past it).
pub const MAX_MEMORY: u64 = 4 << 30;

/// Runs `program -T<format>` on `dot_text`, stopped after `timeout` and
/// limited to [`MAX_MEMORY`]; returns the picture and Graphviz's warnings.
pub fn draw(
    program: &Path,
    format: &str,
    dot_text: &str,
    timeout: Duration,
) -> Result<(Vec<u8>, String), Graphviz> {
    let shown = program.display();
    let failed = |what: String| Graphviz::Failed(Box::new(Diagnostic::new(ErrorKind::Io, what)));
    let mut command = Command::new(program);
    command
        .arg(format!("-T{format}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    limit_memory(&mut command);
    let mut child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Graphviz::Missing,
        _ => failed(format!("cannot run Graphviz `{shown}`: {e}")),
    })?;
    // Feed stdin and drain stdout and stderr from other threads, so that no
    // full pipe blocks either process, while this one keeps the time. The
    // threads are not joined after a timeout: a program Graphviz started may
    // keep the pipes open.
    let (mut stdin, stdout, stderr) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let text = dot_text.to_string();
    std::thread::spawn(move || {
        if let Some(stdin) = stdin.as_mut() {
            // A write error shows up as Graphviz's own failure below.
            let _ = stdin.write_all(text.as_bytes());
        }
    });
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_end(&mut bytes);
            }
            let _ = tx.send(bytes);
        });
        rx
    };
    let out = drain(stdout.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let err = drain(stderr.map(|p| Box::new(p) as Box<dyn Read + Send>));
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Ok(status),
            Ok(None) if start.elapsed() >= timeout => {
                let _ = child.kill();
                let _ = child.wait();
                break Err(None);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => break Err(Some(e)),
        }
    };
    // Graphviz has exited: its output is complete once the pipes close.
    let collect = |rx: std::sync::mpsc::Receiver<Vec<u8>>| {
        rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default()
    };
    let (out, err) = if status.is_ok() {
        (collect(out), collect(err))
    } else {
        (Vec::new(), Vec::new())
    };
    let status = match status {
        Ok(s) => s,
        Err(None) => {
            return Err(failed(format!(
                "Graphviz `{shown} -T{format}` did not finish within {} s and was stopped",
                timeout.as_secs_f64()
            ))
            .map_help(
                "draw a smaller graph, raise --graphviz-timeout, or write the DOT text \
                 (`-o graph.dot`) and run Graphviz yourself",
            ));
        }
        Err(Some(e)) => return Err(failed(format!("cannot run Graphviz `{shown}`: {e}"))),
    };
    let stderr = String::from_utf8_lossy(&err).into_owned();
    if !status.success() {
        let d = Diagnostic::new(
            ErrorKind::Io,
            format!(
                "Graphviz `{shown} -T{format}` failed ({status}):\n{}",
                stderr.trim_end()
            ),
        )
        .help(
            "run `bpc dot SPEC -o graph.dot`, then `dot -Tsvg graph.dot` to see Graphviz's message",
        );
        return Err(Graphviz::Failed(Box::new(d)));
    }
    Ok((out, stderr))
}

impl Graphviz {
    /// The same failure with a suggestion.
    fn map_help(self, help: &str) -> Graphviz {
        match self {
            Graphviz::Failed(d) => Graphviz::Failed(Box::new(d.help(help))),
            other => other,
        }
    }
}

/// Caps the child's address space at [`MAX_MEMORY`].
fn limit_memory(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let limit = libc::rlimit {
        rlim_cur: MAX_MEMORY as libc::rlim_t,
        rlim_max: MAX_MEMORY as libc::rlim_t,
    };
    // SAFETY: setrlimit is async-signal-safe and only changes the child.
    unsafe {
        command.pre_exec(move || {
            // A limit that cannot be set leaves Graphviz unlimited, as before.
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
}
