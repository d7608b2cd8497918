//! The `data` section: inline rows or a CSV file, bound to inputs by name.
//! Rows run along axis 0 of every bound tensor.
//!
//! A CSV file is read through [`files::open_data`] (a regular file in the
//! spec's folder, under a size cap) and parsed by [`csv`] into one buffer.

pub mod csv;
pub mod number;
pub mod split;

use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Span, did_you_mean};
use crate::files::{self, ReadError, ReadPolicy};
use crate::graph::{BindMode, Binding, MAX_ELEMENTS, MAX_TOTAL_ELEMENTS, value_of};
use crate::spec::{self, Columns, DataDef, Spec, TestDef};
use crate::tensor::{Array, Value};

/// The path of the spec's CSV file, if it names one (relative to the spec).
pub fn csv_path(spec: &Spec, spec_path: &Path) -> Option<PathBuf> {
    let csv = spec.data.as_ref()?.value.csv.as_ref()?;
    Some(files::data_path(spec_path, &csv.value))
}

/// The path of the spec's test CSV (`data.test: FILE`), if it names one.
pub fn test_csv_path(spec: &Spec, spec_path: &Path) -> Option<PathBuf> {
    match &spec.data.as_ref()?.value.test.as_ref()?.value {
        TestDef::Csv(file) => Some(files::data_path(spec_path, file)),
        _ => None,
    }
}

/// Every data file the spec reads: its CSV and its test CSV.
pub fn files(spec: &Spec, spec_path: &Path) -> Vec<PathBuf> {
    csv_path(spec, spec_path)
        .into_iter()
        .chain(test_csv_path(spec, spec_path))
        .collect()
}

/// The held-out rows of `data.test: FILE.csv`, bound like the training CSV's
/// (`None` without a test CSV). A column of `columns` missing from the file
/// is reported at `test:`.
pub fn test_bindings(
    spec: &Spec,
    spec_path: &Path,
    policy: &ReadPolicy,
) -> Result<Option<Vec<Binding>>, Diagnostics> {
    let Some(data) = &spec.data else {
        return Ok(None);
    };
    let Some(test) = &data.value.test else {
        return Ok(None);
    };
    let TestDef::Csv(file) = &test.value else {
        return Ok(None);
    };
    load_csv(
        &spec.source,
        file,
        test.span,
        spec_path,
        &data.value,
        policy,
        true,
    )
    .map(Some)
}

/// The bindings of a spec's `data` (none without `data`). `spec_path` locates
/// a CSV file named relative to the spec; `policy` says how it may be read.
pub fn bindings(
    spec: &Spec,
    spec_path: &Path,
    policy: &ReadPolicy,
) -> Result<Vec<Binding>, Diagnostics> {
    let Some(data) = &spec.data else {
        return Ok(Vec::new());
    };
    let src = &spec.source;
    let mut errors = Diagnostics::default();
    let mut out = Vec::new();
    // Data creates inputs: their names must be names (they reach tables).
    let names = data
        .value
        .inline
        .iter()
        .map(|e| &e.name)
        .chain(data.value.columns.iter().map(|e| &e.name));
    for name in names {
        if !spec::is_valid_name(&name.value) {
            errors.push(
                Diagnostic::new(
                    ErrorKind::BadName,
                    format!("`{}` is not a valid name", name.value),
                )
                .at(src, name.span, "invalid name")
                .help("names are letters, digits and `_`, and do not start with a digit"),
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match &data.value.csv {
        Some(csv) => {
            for e in &data.value.inline {
                errors.push(
                    Diagnostic::new(
                        ErrorKind::Data,
                        format!("`data` reads a CSV file, so `{}` cannot be given inline too", e.name.value),
                    )
                    .at(src, e.name.span, "inline data beside `csv`")
                    .help("list CSV columns under `columns`, or drop `csv` and give every input inline"),
                );
            }
            match load_csv(
                src,
                &csv.value,
                csv.span,
                spec_path,
                &data.value,
                policy,
                false,
            ) {
                Ok(b) => out.extend(b),
                Err(d) => errors.0.extend(d.0),
            }
        }
        None => {
            if let Some(c) = data.value.columns.first() {
                errors.push(
                    Diagnostic::new(ErrorKind::Data, "`columns` needs `csv: FILE` beside it")
                        .at(src, c.name.span, "columns of which file?")
                        .help("add `csv: data.csv` to `data`"),
                );
            }
            let mut rows = None;
            for e in &data.value.inline {
                match value_of(src, &e.def) {
                    Ok(v) => {
                        let n = v.shape().first().copied();
                        if n.is_none() {
                            errors.push(
                                Diagnostic::new(
                                    ErrorKind::Data,
                                    format!(
                                        "data `{}` is a scalar; data needs rows (a list)",
                                        e.name.value
                                    ),
                                )
                                .at(
                                    src,
                                    e.def.span,
                                    "not a list of rows",
                                ),
                            );
                            continue;
                        }
                        match rows {
                            None => rows = Some((n, e)),
                            Some((m, first)) if m != n => errors.push(
                                Diagnostic::new(
                                    ErrorKind::Data,
                                    format!(
                                        "data `{}` has {} rows but `{}` has {}",
                                        e.name.value,
                                        n.unwrap_or(0),
                                        first.name.value,
                                        m.unwrap_or(0)
                                    ),
                                )
                                .at(src, e.def.span, "different number of rows")
                                .also(first.def.span, "first data set")
                                .help("every input bound by `data` needs the same number of rows"),
                            ),
                            Some(_) => {}
                        }
                        out.push(Binding {
                            name: e.name.value.clone(),
                            value: v,
                            origin: Some((src.clone(), e.name.span)),
                            mode: BindMode::Data,
                        });
                    }
                    Err(d) => errors.push(d),
                }
            }
        }
    }
    if let (Some(test), true) = (&data.value.test, errors.is_empty()) {
        let rows = out
            .first()
            .and_then(|b| b.value.shape().first().copied())
            .unwrap_or(0);
        errors
            .0
            .extend(split::check(src, test, rows, data.value.csv.is_some()));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads the CSV file and binds its columns; `held_out`: the file is the
/// test CSV at `span`, where its missing columns are reported.
fn load_csv(
    src: &Source,
    file: &str,
    span: Span,
    spec_path: &Path,
    data: &DataDef,
    policy: &ReadPolicy,
    held_out: bool,
) -> Result<Vec<Binding>, Diagnostics> {
    if data.columns.is_empty() {
        return Err(
            Diagnostic::new(ErrorKind::Data, "`data` with `csv` needs `columns`")
                .at(src, span, "which columns bind which inputs?")
                .help("for example `columns: { x: [a, b], y: c }`")
                .into(),
        );
    }
    let shown = files::data_path(spec_path, file).display().to_string();
    let (reader, _) = files::open_data(spec_path, file, policy).map_err(|e| {
        let (kind, help) = match &e {
            ReadError::Outside { .. } => (
                ErrorKind::Data,
                "pass --allow-outside-data to read it anyway, or copy the file beside the spec \
                 (a spec reads data from its own folder and the folders below it)",
            ),
            ReadError::TooBig(_) => (
                ErrorKind::Limit,
                "pass --max-data-size SIZE (like 1G) to read larger data files",
            ),
            ReadError::NotRegular(_) => (ErrorKind::Data, "data must be a regular file"),
            ReadError::Io(_) => (ErrorKind::Data, "the path is relative to the spec file"),
        };
        Diagnostic::new(kind, format!("cannot read CSV `{shown}`: {e}"))
            .at(src, span, "this file")
            .help(help)
    })?;
    // One fast pass counts the rows, so each bound tensor is allocated once
    // at its size; then the numbers are parsed straight into them.
    let mut reader = reader;
    let rows_hint =
        csv::count_rows(files::read::Capped::new(&mut reader, policy.max_data_bytes)).ok();
    reader
        .seek(SeekFrom::Start(0))
        .map_err(|e| Diagnostic::new(ErrorKind::Data, format!("cannot read CSV `{shown}`: {e}")))?;
    let capped = files::read::Capped::new(reader, policy.max_data_bytes);
    let limits = csv::Limits {
        per_group: MAX_ELEMENTS,
        total: MAX_TOTAL_ELEMENTS,
        bytes: policy.max_data_bytes,
        rows_hint,
    };
    let test_at = held_out.then_some(span);
    let choose = |header: &[String]| choose_columns(src, &shown, header, data, test_at);
    let table = csv::parse(
        &shown,
        BufReader::with_capacity(1 << 20, capped),
        choose,
        limits,
    )?;
    let rows = table.rows;
    let mut out = Vec::with_capacity(data.columns.len());
    for (e, v) in data.columns.iter().zip(table.groups) {
        let shape = match &e.def.value {
            Columns::One(_) => vec![rows],
            Columns::Many(cs) => vec![rows, cs.len()],
        };
        if let Ok(a) = Array::from_shape_vec(ndarray::IxDyn(&shape), v) {
            out.push(Binding {
                name: e.name.value.clone(),
                value: Value::from_array(a),
                origin: Some((src.clone(), e.name.span)),
                mode: BindMode::Data,
            });
        }
    }
    Ok(out)
}

/// The columns each `columns` entry binds, in order; every name missing from
/// the header is reported (at `test_at` for the test CSV, else at the name).
fn choose_columns(
    src: &Source,
    csv_name: &str,
    header: &[String],
    data: &DataDef,
    test_at: Option<Span>,
) -> Result<csv::Groups, Diagnostics> {
    let mut errors = Diagnostics::default();
    // Only names that could be bpc names are suggested: the header is the
    // file's first line, and a data file's contents stay out of messages.
    let names: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| h.len() <= 64 && spec::is_valid_name(h))
        .collect();
    let mut col = |name: &str, at: Span| -> usize {
        match header.iter().position(|h| h == name) {
            Some(i) => i,
            None => {
                let (what, at, label) = match test_at {
                    Some(t) => ("test CSV", t, "this file lacks a column of `columns`"),
                    None => ("CSV", at, "no such column"),
                };
                errors.push(
                    Diagnostic::new(
                        ErrorKind::Data,
                        format!("{what} `{csv_name}` has no column `{name}`"),
                    )
                    .at(src, at, label)
                    .help(
                        did_you_mean(name, names.iter().copied()).unwrap_or_else(|| {
                            format!(
                                "its first line names {} columns; check the spelling",
                                header.len()
                            )
                        }),
                    ),
                );
                0
            }
        }
    };
    let groups: csv::Groups = data
        .columns
        .iter()
        .map(|e| match &e.def.value {
            Columns::One(c) => vec![col(c, e.def.span)],
            Columns::Many(cs) => cs.iter().map(|c| col(&c.value, c.span)).collect(),
        })
        .collect();
    if errors.is_empty() {
        Ok(groups)
    } else {
        Err(errors)
    }
}
