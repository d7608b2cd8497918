//! The `data` section: inline rows or a CSV file, bound to inputs by name.
//! Rows run along axis 0 of every bound tensor.

use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Span, did_you_mean};
use crate::graph::{BindMode, Binding, value_of};
use crate::spec::{Columns, DataDef, Spec};
use crate::tensor::{Array, Value};

/// The bindings of a spec's `data` (none without `data`). `spec_path` locates
/// a CSV file named relative to the spec.
pub fn bindings(spec: &Spec, spec_path: &Path) -> Result<Vec<Binding>, Diagnostics> {
    let Some(data) = &spec.data else {
        return Ok(Vec::new());
    };
    let src = &spec.source;
    let mut errors = Diagnostics::default();
    let mut out = Vec::new();
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
            let dir = spec_path.parent().unwrap_or(Path::new("."));
            match load_csv(src, &csv.value, csv.span, dir, &data.value) {
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
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Reads the CSV file and binds its columns.
fn load_csv(
    src: &Source,
    file: &str,
    span: Span,
    dir: &Path,
    data: &DataDef,
) -> Result<Vec<Binding>, Diagnostics> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Diagnostic::new(
            ErrorKind::Data,
            format!("cannot read CSV `{}`: {e}", path.display()),
        )
        .at(src, span, "this file")
        .help("the path is relative to the spec file")
    })?;
    let csv_src = Source::new(path.display().to_string(), text.clone());
    let table = parse_csv(&csv_src)?;
    if data.columns.is_empty() {
        return Err(
            Diagnostic::new(ErrorKind::Data, "`data` with `csv` needs `columns`")
                .at(src, span, "which columns bind which inputs?")
                .help("for example `columns: { x: [a, b], y: c }`")
                .into(),
        );
    }
    let mut errors = Diagnostics::default();
    let mut out = Vec::new();
    let mut col = |name: &str, at: Span| -> Option<usize> {
        let i = table.header.iter().position(|h| h == name);
        if i.is_none() {
            errors.push(
                Diagnostic::new(
                    ErrorKind::Data,
                    format!("CSV `{}` has no column `{name}`", csv_src.name),
                )
                .at(src, at, "no such column")
                .help(
                    did_you_mean(name, table.header.iter().map(String::as_str))
                        .unwrap_or_else(|| format!("its columns are {}", table.header.join(", "))),
                ),
            );
        }
        i
    };
    for e in &data.columns {
        let value = match &e.def.value {
            Columns::One(c) => col(c, e.def.span).map(|i| {
                let v: Vec<f64> = table.rows.iter().map(|r| r[i]).collect();
                Array::from_shape_vec(ndarray::IxDyn(&[v.len()]), v)
            }),
            Columns::Many(cs) => {
                let idx: Vec<Option<usize>> = cs.iter().map(|c| col(&c.value, c.span)).collect();
                idx.into_iter().collect::<Option<Vec<usize>>>().map(|idx| {
                    let v: Vec<f64> = table
                        .rows
                        .iter()
                        .flat_map(|r| idx.iter().map(|&i| r[i]))
                        .collect();
                    Array::from_shape_vec(ndarray::IxDyn(&[table.rows.len(), idx.len()]), v)
                })
            }
        };
        if let Some(Ok(a)) = value {
            out.push(Binding {
                name: e.name.value.clone(),
                value: Value::from_array(a),
                origin: Some((src.clone(), e.name.span)),
                mode: BindMode::Data,
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A parsed numeric CSV: header names and rows of numbers.
#[derive(Clone, Debug)]
pub struct Table {
    /// Column names from the first line.
    pub header: Vec<String>,
    /// Rows, each as long as the header.
    pub rows: Vec<Vec<f64>>,
}

/// Parses a numeric CSV with a header line. Every cell must be a number;
/// errors point at the cell, with the CSV's own line and column.
pub fn parse_csv(src: &Source) -> Result<Table, Diagnostic> {
    let text: &str = &src.text;
    // A byte-order mark (spreadsheets write one) is not part of the first name.
    let mut offset = if text.starts_with('\u{feff}') {
        '\u{feff}'.len_utf8()
    } else {
        0
    };
    let text = &text[offset..];
    let mut header: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            continue;
        }
        let cells: Vec<(usize, &str)> = body
            .split(',')
            .scan(start, |at, c| {
                let here = *at;
                *at += c.len() + 1;
                Some((here, c))
            })
            .collect();
        let Some(h) = &header else {
            header = Some(
                cells
                    .iter()
                    .map(|(_, c)| c.trim().trim_matches('"').to_string())
                    .collect(),
            );
            continue;
        };
        if cells.len() != h.len() {
            return Err(Diagnostic::new(
                ErrorKind::Data,
                format!(
                    "ragged CSV row: {} cells where the header has {}",
                    cells.len(),
                    h.len()
                ),
            )
            .at(src, Span::new(start, start + body.len()), "this row")
            .help("every row needs one cell per header column"));
        }
        let mut row = Vec::with_capacity(cells.len());
        for (at, c) in cells {
            match c.trim().parse::<f64>() {
                Ok(x) => row.push(x),
                Err(_) => {
                    return Err(Diagnostic::new(
                        ErrorKind::Data,
                        format!("non-numeric CSV cell `{}`", c.trim()),
                    )
                    .at(src, Span::new(at, at + c.len()), "not a number")
                    .help("bpc reads numbers only; encode classes as indices 0, 1, 2, ..."));
                }
            }
        }
        rows.push(row);
    }
    match header {
        Some(header) => Ok(Table { header, rows }),
        None => Err(
            Diagnostic::new(ErrorKind::Data, format!("CSV `{}` is empty", src.name))
                .help("the first line must name the columns"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_reads_numbers_and_points_at_bad_cells() {
        let t = parse_csv(&Source::new("d.csv", "a,b\n1,2\n3.5,-4\n")).unwrap();
        assert_eq!(t.header, vec!["a", "b"]);
        assert_eq!(t.rows, vec![vec![1.0, 2.0], vec![3.5, -4.0]]);
        let src = Source::new("d.csv", "a,b\n1,2\n3,x\n");
        let e = parse_csv(&src).unwrap_err();
        assert_eq!(e.location().unwrap(), "d.csv:3:3");
        let e = parse_csv(&Source::new("d.csv", "a,b\n1\n")).unwrap_err();
        assert!(e.message.contains("ragged"), "{}", e.message);
        // A byte-order mark is skipped, and positions still count it.
        let t = parse_csv(&Source::new("d.csv", "\u{feff}a,b\r\n1,2\r\n")).unwrap();
        assert_eq!(t.header, vec!["a", "b"]);
        let e = parse_csv(&Source::new("d.csv", "\u{feff}a,b\n1,?\n")).unwrap_err();
        assert_eq!(e.location().unwrap(), "d.csv:2:3");
    }
}
