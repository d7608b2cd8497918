//! From a request's YAML text to a plan and its evaluation, by the same
//! stages and limits as `bpc run` (parse, node budget, data, `--set`, build,
//! compile, forward, backward; data files read by the CLI's default
//! [`ReadPolicy`]: regular files in the spec's own folder, size-capped), with
//! two differences: a spec with a CSV file must name its served file (a text
//! alone has no folder), and between stages the work stops when the page has
//! asked for something newer ([`Stale`]).

use std::path::Path;
use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Severity, Source};
use crate::eval::{self, Evaluation};
use crate::explain::perturb::{self, Comparison};
use crate::files::ReadPolicy;
use crate::graph;
use crate::load;
use crate::plan::Plan;
use crate::slots::Grads;
use crate::spec::{self, Spec};
use crate::term;
use crate::timings::Timings;

use super::roots::{Resolved, Roots};

/// The name of a spec sent without a file.
pub const UNTITLED: &str = "untitled.yaml";

/// Asks whether a newer request from the same page has arrived.
pub type Stale<'a> = &'a dyn Fn() -> bool;

/// Why no evaluation came out.
#[derive(Debug)]
pub enum Stopped {
    /// The spec (or a `set` value) is invalid: the CLI's exit status 2.
    Invalid(Diagnostics),
    /// A newer request from the same page made this one pointless.
    Superseded,
}

impl From<Diagnostics> for Stopped {
    fn from(d: Diagnostics) -> Stopped {
        Stopped::Invalid(d)
    }
}

impl From<Diagnostic> for Stopped {
    fn from(d: Diagnostic) -> Stopped {
        Stopped::Invalid(d.into())
    }
}

/// What to evaluate: the text, the served file it belongs to (for its
/// name in messages and its folder for data paths), and `--set` arguments.
pub struct Input<'a> {
    /// The YAML text.
    pub text: &'a str,
    /// The file, if the page named one.
    pub file: Option<&'a Resolved>,
    /// `NAME=VALUE` strings, as `--set` takes them.
    pub sets: &'a [String],
}

/// Parses, binds data and `--set` values, builds and compiles.
pub fn compile(roots: &Roots, input: &Input, stale: Stale) -> Result<Plan, Stopped> {
    let name = input.file.map_or(UNTITLED, |f| f.name.as_str());
    let source = Source::new(name, input.text.to_string());
    let spec = Arc::new(spec::parse(&source)?);
    // The node budget holds before any data is read.
    graph::check_size(&spec)?;
    if stale() {
        return Err(Stopped::Superseded);
    }
    let mut bindings = Vec::new();
    if spec.data.is_some() {
        check_data(roots, &spec, input.file)?;
        let path = input.file.map_or(Path::new(UNTITLED), |f| f.path.as_path());
        bindings.extend(crate::data::bindings(&spec, path, &ReadPolicy::default())?);
    }
    let mut errors = Diagnostics::default();
    for s in input.sets {
        match load::parse_set(s) {
            Ok(b) => bindings.push(b),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    if stale() {
        return Err(Stopped::Superseded);
    }
    Ok(load::compile_spec(
        spec,
        &bindings,
        &mut Timings::default(),
    )?)
}

/// Compiles and evaluates (both passes), checking for staleness between.
pub fn evaluate(roots: &Roots, input: &Input, stale: Stale) -> Result<(Plan, Evaluation), Stopped> {
    let plan = compile(roots, input, stale)?;
    let mut values = eval::initial_values(&plan);
    let first = eval::forward(&plan, &mut values);
    if stale() {
        return Err(Stopped::Superseded);
    }
    let mut grads = Grads::default();
    let back = eval::backward(&plan, &mut values, &mut grads);
    Ok((
        plan,
        Evaluation {
            values,
            grads,
            nonfinite: first.or(back),
        },
    ))
}

/// With `set` values, the output against the text's own values and the
/// change the gradient predicts, as `bpc run --set` shows it (`None`
/// without `set`, or when the text's own values do not evaluate).
pub fn compare(plan: &Plan, ev: &Evaluation, input: &Input) -> Option<Comparison> {
    if input.sets.is_empty() {
        return None;
    }
    let path = input.file.map_or(Path::new(UNTITLED), |f| f.path.as_path());
    let own =
        perturb::file_plan(plan, path, &ReadPolicy::default(), &mut Timings::default()).ok()?;
    let own_ev = eval::evaluate(&own);
    let names = perturb::names(input.sets);
    Some(perturb::compare(&names, (&own, &own_ev), (plan, ev)))
}

/// A spec's CSV path is relative to the spec's folder, so a text with one
/// must name its served file; and the file must resolve (symlinks included)
/// inside the served folders. (The CLI's own rules then apply as well: a
/// regular file in the spec's own folder, at most the size cap.)
pub fn check_data(roots: &Roots, spec: &Spec, file: Option<&Resolved>) -> Result<(), Diagnostic> {
    let Some(csv) = spec.data.as_ref().and_then(|d| d.value.csv.as_ref()) else {
        return Ok(());
    };
    let src = &spec.source;
    let Some(file) = file else {
        return Err(Diagnostic::new(
            ErrorKind::Data,
            format!(
                "cannot read CSV `{}`: the spec has no file, and CSV paths are relative to the spec's folder",
                term::escape(&csv.value)
            ),
        )
        .at(src, csv.span, "relative to which folder?")
        .help("open the spec from the list, or save it first"));
    };
    let dir = file.canonical.parent().unwrap_or(Path::new("/"));
    let outside = match std::fs::canonicalize(dir.join(&csv.value)) {
        Ok(c) => !roots.holds_data(&c),
        // Whether a file outside exists is not the page's business.
        Err(_) => Path::new(&csv.value).is_absolute() || csv.value.contains(".."),
    };
    if outside {
        return Err(Diagnostic::new(
            ErrorKind::Data,
            format!(
                "CSV `{}` is outside the folders bpc serve was given",
                term::escape(&csv.value)
            ),
        )
        .at(src, csv.span, "not served")
        .help("bpc serve reads data only inside the folders it serves"));
    }
    // Anything else (a missing file, a FIFO, one too big) is for the CLI's
    // own reading to say.
    Ok(())
}

/// One diagnostic for the page: the CLI's rendering without colour, and
/// where it points (1-based line and column, in characters, of the start
/// and end of its span) when it points into a source.
pub fn diagnostic_json(d: &Diagnostic, spec_text: &str) -> Json {
    let mut j = json!({
        "kind": d.kind.code(),
        "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": d.message,
        "help": d.help,
        "rendered": d.render(false),
    });
    if let (Some(src), Some(span)) = (&d.source, d.span) {
        let (line, column) = src.line_col(span.start);
        let (end_line, end_column) = src.line_col(span.end);
        j["file"] = json!(src.name);
        j["in_spec"] = json!(&*src.text == spec_text);
        j["line"] = json!(line);
        j["column"] = json!(column);
        j["end_line"] = json!(end_line);
        j["end_column"] = json!(end_column);
    }
    j
}

/// Every diagnostic of a failure for the page, and what the CLI would print
/// on stderr.
pub fn diagnostics_json(ds: &Diagnostics, spec_text: &str) -> Json {
    json!({
        "diagnostics": ds.0.iter().map(|d| diagnostic_json(d, spec_text)).collect::<Vec<_>>(),
        "stderr": ds.render(false),
    })
}
