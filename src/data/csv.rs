//! Numeric CSV files, streamed line by line into one flat buffer of f64 (the
//! file's text is never held whole: memory is the numbers' own size, plus
//! the reader's buffer, the header and one line).
//!
//! An error shows the one offending cell (clipped to [`MAX_CELL_CHARS`]) at
//! its line and column, never the lines around it: a data file's contents do
//! not leak into messages (or into `bpc check --format json`).

use std::io::BufRead;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Span};
use crate::files::{ReadError, size_text};
use crate::term;

use super::number;

/// The most characters of a bad cell shown in a message.
pub const MAX_CELL_CHARS: usize = 20;

/// The numbers of a CSV, read into the buffers its reader asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Column names from the first line.
    pub header: Vec<String>,
    /// How many rows.
    pub rows: usize,
    /// One buffer per group of columns asked for: row after row, the
    /// group's columns in the order asked.
    pub groups: Vec<Vec<f64>>,
}

/// Which columns go where, chosen once the header is known: one list of
/// column indices per buffer (a column may go to several).
pub type Groups = Vec<Vec<usize>>;

/// Limits of one parse.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The most numbers one buffer may hold.
    pub per_group: usize,
    /// The most numbers all buffers may hold together.
    pub total: usize,
    /// The size cap of the reader (for its message).
    pub bytes: u64,
    /// At most this many data rows, if known: the buffers are allocated
    /// once at their final size.
    pub rows_hint: Option<usize>,
}

impl Limits {
    /// No limits (text in memory, tests).
    pub const NONE: Limits = Limits {
        per_group: usize::MAX,
        total: usize::MAX,
        bytes: u64::MAX,
        rows_hint: None,
    };
}

/// Reads a numeric CSV with a header line from `reader`: every cell must be
/// a number. `choose` sees the header and says which columns to keep, and
/// where (or refuses with its own diagnostics); the numbers go straight into
/// those buffers, so memory is the size of the numbers kept. `name` is the
/// file's name in messages.
///
/// Lines are read where the reader buffered them (only a line that runs
/// past the end of its buffer is copied).
pub fn parse<R: BufRead>(
    name: &str,
    mut reader: R,
    choose: impl FnOnce(&[String]) -> Result<Groups, Diagnostics>,
    limits: Limits,
) -> Result<Table, Diagnostics> {
    let mut p = Parser {
        name,
        choose: Some(choose),
        limits,
        header: None,
        groups: Vec::new(),
        bufs: Vec::new(),
        row: Vec::new(),
        rows: 0,
        kept_per_row: 0,
        widest: 0,
        line_no: 0,
    };
    // A line that crosses the end of the reader's buffer, gathered here.
    let mut carry: Vec<u8> = Vec::new();
    loop {
        let buf = reader
            .fill_buf()
            .map_err(|e| read_error(name, e, limits.bytes))?;
        let len = buf.len();
        if len == 0 {
            if !carry.is_empty() {
                p.line(&carry)?;
            }
            break;
        }
        let mut start = 0;
        if !carry.is_empty() {
            let Some(end) = memchr::memchr(b'\n', buf) else {
                carry.extend_from_slice(buf);
                reader.consume(len);
                continue;
            };
            carry.extend_from_slice(&buf[..=end]);
            p.line(&carry)?;
            carry.clear();
            start = end + 1;
        }
        while let Some(i) = memchr::memchr(b'\n', &buf[start..]) {
            p.line(&buf[start..=start + i])?;
            start += i + 1;
        }
        carry.extend_from_slice(&buf[start..]);
        reader.consume(len);
    }
    p.finish()
}

/// The state of [`parse`] between lines.
struct Parser<'n, C> {
    name: &'n str,
    choose: Option<C>,
    limits: Limits,
    header: Option<Vec<String>>,
    groups: Groups,
    bufs: Vec<Vec<f64>>,
    row: Vec<f64>,
    rows: usize,
    kept_per_row: usize,
    widest: usize,
    line_no: usize,
}

impl<C: FnOnce(&[String]) -> Result<Groups, Diagnostics>> Parser<'_, C> {
    /// One line, with its line break if it has one.
    fn line(&mut self, line: &[u8]) -> Result<(), Diagnostics> {
        let name = self.name;
        self.line_no += 1;
        let line_no = self.line_no;
        let Ok(text) = std::str::from_utf8(line) else {
            return Err(Diagnostic::new(
                ErrorKind::Data,
                format!("line {line_no} of CSV `{name}` is not UTF-8 text"),
            )
            .at(
                &Source::piece(name, "", line_no, 1),
                Span::new(0, 0),
                "this line",
            )
            .help("save the file as UTF-8")
            .into());
        };
        // A byte-order mark (spreadsheets write one) is not part of the first
        // name, but it counts as a column.
        let (text, bom) = match text.strip_prefix('\u{feff}') {
            Some(rest) if line_no == 1 => (rest, 1),
            _ => (text, 0),
        };
        let body = text.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            return Ok(());
        }
        let Some(h) = &self.header else {
            let names: Vec<String> = body
                .split(',')
                .map(|c| c.trim().trim_matches('"').to_string())
                .collect();
            if let Some(choose) = self.choose.take() {
                self.groups = choose(&names)?;
            }
            self.kept_per_row = self.groups.iter().map(Vec::len).sum();
            self.widest = self.groups.iter().map(Vec::len).max().unwrap_or(0);
            // Allocated at their final size when the rows are counted and
            // fit the limits (more rows than that are refused below anyway).
            let rows_hint = self.limits.rows_hint.unwrap_or(0);
            let fits = rows_hint.saturating_mul(self.widest) <= self.limits.per_group
                && rows_hint.saturating_mul(self.kept_per_row) <= self.limits.total;
            let reserve = if fits { rows_hint } else { 0 };
            self.bufs = self
                .groups
                .iter()
                .map(|g| Vec::with_capacity(reserve * g.len()))
                .collect();
            self.header = Some(names);
            return Ok(());
        };
        let width = h.len();
        let row = &mut self.row;
        row.clear();
        // The cells between commas, as `body.split(',')` cuts them; a plain
        // decimal is read as it is scanned, anything else cut out and parsed.
        let bytes = body.as_bytes();
        let mut at = 0usize;
        let mut count = 0usize;
        loop {
            count += 1;
            let (value, end) = match number::plain_cell(&bytes[at..]) {
                Some((x, len)) => (Some(x), at + len),
                None => {
                    let len = memchr_comma(&bytes[at..]);
                    let c = &body[at..at + len];
                    (number::parse_f64(c.trim()).ok(), at + len)
                }
            };
            if count <= width {
                match value {
                    Some(x) => row.push(x),
                    None => {
                        return Err(bad_cell(
                            name,
                            &body[at..end],
                            line_no,
                            bom + body[..at].chars().count() + 1,
                        ));
                    }
                }
            }
            if end >= bytes.len() {
                break;
            }
            at = end + 1;
        }
        if count != width {
            return Err(Diagnostic::new(
                ErrorKind::Data,
                format!("ragged CSV row: {count} cells where the header has {width}"),
            )
            .at(
                &Source::piece(name, "", line_no, 1),
                Span::new(0, 0),
                "this row",
            )
            .help("every row needs one cell per header column")
            .into());
        }
        self.rows += 1;
        let (rows, limits) = (self.rows, self.limits);
        if rows.saturating_mul(self.widest) > limits.per_group
            || rows.saturating_mul(self.kept_per_row) > limits.total
        {
            return Err(Diagnostic::new(
                ErrorKind::Limit,
                format!(
                    "CSV `{name}` has more rows than bpc allows: {rows} rows of the columns bound \
                     would pass {} elements",
                    if rows.saturating_mul(self.widest) > limits.per_group {
                        limits.per_group
                    } else {
                        limits.total
                    }
                ),
            )
            .help("use a smaller data set")
            .into());
        }
        for (g, buf) in self.groups.iter().zip(&mut self.bufs) {
            buf.extend(g.iter().map(|&i| self.row[i]));
        }
        Ok(())
    }

    fn finish(self) -> Result<Table, Diagnostics> {
        match self.header {
            Some(header) => Ok(Table {
                header,
                rows: self.rows,
                groups: self.bufs,
            }),
            None => Err(
                Diagnostic::new(ErrorKind::Data, format!("CSV `{}` is empty", self.name))
                    .help("the first line must name the columns")
                    .into(),
            ),
        }
    }
}

/// Where the first `,` of `s` is (its length when it has none).
fn memchr_comma(s: &[u8]) -> usize {
    s.iter().position(|&b| b == b',').unwrap_or(s.len())
}

/// A cell that is not a number: the cell alone (clipped), at its place.
fn bad_cell(name: &str, cell: &str, line: usize, column: usize) -> Diagnostics {
    let shown = term::clip(cell, MAX_CELL_CHARS);
    Diagnostic::new(
        ErrorKind::Data,
        format!(
            "non-numeric CSV cell `{}`",
            term::clip(cell.trim(), MAX_CELL_CHARS)
        ),
    )
    .at(
        &Source::piece(name, shown.as_ref(), line, column),
        Span::new(0, shown.len()),
        "not a number",
    )
    .help("bpc reads numbers only; encode classes as indices 0, 1, 2, ...")
    .into()
}

fn read_error(name: &str, e: std::io::Error, max: u64) -> Diagnostics {
    match ReadError::from_io(e, max) {
        ReadError::TooBig(max) => Diagnostic::new(
            ErrorKind::Limit,
            format!(
                "CSV `{name}` is larger than {}, the most bpc reads",
                size_text(max)
            ),
        )
        .help("pass --max-data-size SIZE (like 1G) to read larger data files"),
        other => Diagnostic::new(
            ErrorKind::Data,
            format!("cannot read CSV `{name}`: {other}"),
        ),
    }
    .into()
}

/// At most how many data rows `reader` holds: its line breaks (plus one for
/// a last line without one), less the header. One fast pass (large reads,
/// a SIMD search for each line break), so that [`parse`] allocates its
/// buffers once.
pub fn count_rows<R: std::io::Read>(mut reader: R) -> std::io::Result<usize> {
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut last) = (0usize, b'\n');
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        lines += memchr::memchr_iter(b'\n', &buf[..n]).count();
        last = buf[n - 1];
    }
    Ok((lines + usize::from(last != b'\n')).saturating_sub(1))
}

/// Parses CSV text held in memory, every column in one buffer (tests).
pub fn parse_text(name: &str, text: &str) -> Result<Table, Diagnostics> {
    parse(
        name,
        text.as_bytes(),
        |h| Ok(vec![(0..h.len()).collect()]),
        Limits::NONE,
    )
}

#[cfg(test)]
mod tests;
