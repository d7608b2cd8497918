//! Reading a spec file through every stage up to a [`Plan`], timing each.

use std::path::Path;
use std::sync::Arc;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Span};
use crate::files::{self, ReadError, ReadPolicy};
use crate::graph::{self, BindMode, Binding};
use crate::plan::{self, Plan};
use crate::spec::{self, Spec};
use crate::timings::Timings;

/// Reads a spec file as a [`Source`]: a regular file (not a FIFO, device or
/// folder) of at most [`files::MAX_SPEC_BYTES`], opened once; anything else,
/// and text that is not UTF-8, is a diagnostic.
pub fn read_source(path: &Path) -> Result<Source, Diagnostic> {
    let name = path.display().to_string();
    let bytes = files::read_capped(path, files::MAX_SPEC_BYTES).map_err(|e| match e {
        ReadError::Io(e) => io_error(&name, &e),
        ReadError::NotRegular(what) => Diagnostic::new(
            ErrorKind::Io,
            format!("`{name}` is {what}, not a spec file"),
        )
        .help("bpc reads specs from regular files"),
        ReadError::TooBig(max) => Diagnostic::new(
            ErrorKind::Limit,
            format!(
                "`{name}` is larger than {}; bpc reads specs of at most {max} bytes",
                files::size_text(max)
            ),
        ),
        other => Diagnostic::new(ErrorKind::Io, format!("cannot read `{name}`: {other}")),
    })?;
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source::new(name, text)),
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let valid = String::from_utf8_lossy(&bytes[..at]).into_owned();
            let src = Source::new(name.clone(), valid);
            let (line, col) = src.line_col(at);
            Err(Diagnostic::new(
                ErrorKind::Io,
                format!("`{name}` is not UTF-8 text: invalid byte 0x{:02x} at line {line}, column {col}", bytes[at]),
            )
            .at(&src, Span::new(at, at), "the text is valid up to here")
            .help("save the file as UTF-8"))
        }
    }
}

fn io_error(name: &str, e: &std::io::Error) -> Diagnostic {
    let help = match e.kind() {
        std::io::ErrorKind::NotFound => "check the path; specs live in `specs/`",
        std::io::ErrorKind::PermissionDenied => "check the file's permissions",
        _ => "check that the path names a readable file",
    };
    Diagnostic::new(ErrorKind::Io, format!("cannot read `{name}`: {e}")).help(help)
}

/// Parses `NAME=VALUE` of `--set` into a binding (VALUE is YAML).
pub fn parse_set(arg: &str) -> Result<Binding, Diagnostic> {
    let src = Source::new("--set", arg.to_string());
    let Some(eq) = arg.find('=') else {
        return Err(Diagnostic::new(
            ErrorKind::Usage,
            format!("--set `{arg}`: expected NAME=VALUE"),
        )
        .at(&src, Span::new(0, arg.len()), "no `=`")
        .help("for example `--set n_X=3` or `--set w=[[1, 2], [3, 4]]`"));
    };
    let name = arg[..eq].trim().to_string();
    if !spec::is_valid_name(&name) {
        return Err(Diagnostic::new(
            ErrorKind::Usage,
            format!("--set: `{name}` is not a valid name"),
        )
        .at(&src, Span::new(0, eq), "invalid name"));
    }
    // Parse VALUE in a source of its own, so its errors point inside it.
    let value_src = Source::new(format!("--set {name}"), arg[eq + 1..].to_string());
    let def = spec::parse_value(&value_src).map_err(|d| {
        let message = format!("--set `{name}`: {}", d.message);
        d.with_message(message).help(
            "VALUE is YAML: a number like `3` or a list like `[1, 2]`; \
             quote the whole argument in the shell: --set 'w=[1, 2]'",
        )
    })?;
    let value = graph::value_of(&value_src, &def)?;
    Ok(Binding {
        name,
        value,
        origin: Some((src, Span::new(0, arg.len()))),
        mode: BindMode::Replace,
    })
}

/// Reads and parses a spec file.
pub fn parse_file(path: &Path, timings: &mut Timings) -> Result<Arc<Spec>, Diagnostics> {
    let source = timings.time("read", || read_source(path))?;
    let spec = timings.time("parse", || spec::parse(&source))?;
    Ok(Arc::new(spec))
}

/// Builds and compiles a parsed spec with bindings.
pub fn compile_spec(
    spec: Arc<Spec>,
    bindings: &[Binding],
    timings: &mut Timings,
) -> Result<Plan, Diagnostics> {
    let graph = timings.time("build graph", || graph::build(spec, bindings))?;
    Ok(timings.time("compile plan", || {
        let plan = plan::compile(graph);
        plan.tape();
        plan
    }))
}

/// The whole way from a file to a plan: `--set` values and, when `with_data`,
/// the spec's `data` bound to its inputs (read by the default [`ReadPolicy`]).
pub fn load(
    path: &Path,
    sets: &[String],
    with_data: bool,
    timings: &mut Timings,
) -> Result<Plan, Diagnostics> {
    let policy = ReadPolicy::default();
    load_with(path, sets, with_data.then_some(&policy), timings)
}

/// [`load`], with the data (if `data` is given) read by that policy.
pub fn load_with(
    path: &Path,
    sets: &[String],
    data: Option<&ReadPolicy>,
    timings: &mut Timings,
) -> Result<Plan, Diagnostics> {
    let spec = parse_file(path, timings)?;
    // The node budget holds before any data is read.
    graph::check_size(&spec)?;
    let mut bindings = Vec::new();
    if let Some(policy) = data {
        bindings.extend(timings.time("load data", || crate::data::bindings(&spec, path, policy))?);
    }
    let mut errors = Diagnostics::default();
    for s in sets {
        match parse_set(s) {
            Ok(b) => bindings.push(b),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    compile_spec(spec, &bindings, timings)
}
