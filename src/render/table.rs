//! The table for people: one row per leaf and node in evaluation order.

use crate::eval::Evaluation;
use crate::plan::{Plan, Slot};
use crate::render::{matrix, value_text};
use crate::tensor::Value;
use crate::term;

/// The table's width when it is not printed to a terminal.
pub const PIPED_WIDTH: usize = 100;

/// Options of the table.
#[derive(Clone, Copy, Debug)]
pub struct TableOptions {
    /// Significant digits.
    pub precision: usize,
    /// Tensors with more elements than this are printed by rows (NumPy's way).
    pub max_elems: usize,
    /// The most columns a line may take (`None`: no limit, `--wide`). Long
    /// tensors are summarised, with `...` in the middle, to fit.
    pub width: Option<usize>,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            precision: 6,
            max_elems: 12,
            width: Some(PIPED_WIDTH),
        }
    }
}

/// Columns a text takes on a terminal: a CJK character takes two.
fn cols(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// The narrowest a value column is made to fit the width.
const MIN_COLUMN: usize = 24;

/// A value as the lines of one cell at most `budget` columns wide where
/// possible: a small tensor that fits on one line as nested lists, a larger
/// one by rows with the middle left out.
fn cell(v: &Value, opts: &TableOptions, budget: usize) -> Vec<String> {
    let one = value_text(v, opts.precision, opts.max_elems);
    let small = v.len() <= opts.max_elems;
    match v {
        Value::Scalar(_) => vec![one],
        Value::Tensor(_) if small && one.chars().count() <= budget => vec![one],
        Value::Tensor(a) => matrix::array_lines(a, opts.precision, budget),
    }
}

/// Renders the values and gradients of every named slot, under the title
/// `spec `NAME`: DESCRIPTION`.
pub fn render(plan: &Plan, eval: &Evaluation, opts: TableOptions) -> String {
    let mut title = format!("spec `{}`", term::escape(&plan.name));
    if let Some(d) = &plan.spec.description {
        title.push_str(&format!(": {}", d.trim()));
    }
    render_titled(plan, eval, opts, &title, &[])
}

/// [`render`] with another first line, and `notes` (one a line) after the
/// output's value: `bpc run --set` says what it changed there instead of
/// repeating the file's description.
pub fn render_titled(
    plan: &Plan,
    eval: &Evaluation,
    opts: TableOptions,
    title: &str,
    notes: &[String],
) -> String {
    let out = plan.output_name();
    let width = opts.width.unwrap_or(usize::MAX);
    // The title and notes hold text from the spec: escaped for the terminal.
    let mut text = format!("{}\n", term::escape_text(title));
    let prefix = format!("output `{out}` = ");
    let out_lines = cell(
        &eval.values[plan.output],
        &opts,
        width.saturating_sub(cols(&prefix)),
    );
    match out_lines.as_slice() {
        [one] => text.push_str(&format!("{prefix}{one}\n")),
        lines => {
            text.push_str(prefix.trim_end());
            text.push('\n');
            lines
                .iter()
                .for_each(|l| text.push_str(&format!("  {l}\n")));
        }
    }
    if !plan.output_is_scalar() {
        text.push_str(&format!(
            "note: `{out}` is not a scalar; gradients are those of sum({out}) (the seed is all ones)\n"
        ));
    }
    for note in notes {
        text.push_str(&term::escape_text(note));
        text.push('\n');
    }
    text.push('\n');
    let header = [
        "name".to_string(),
        "kind".into(),
        "shape".into(),
        "value".into(),
        format!("d {out} / d ·"),
    ];
    let named: Vec<_> = plan.named().collect();
    // The name, kind and shape columns are never cut; the value and gradient
    // columns share what is left of the width.
    let mut fixed = [0usize; 3];
    for (k, h) in header.iter().take(3).enumerate() {
        fixed[k] = cols(h);
    }
    for (slot, info) in &named {
        let cells = [
            cols(&info.name),
            cols(&info.kind.describe()),
            crate::tensor::shape_text(eval.values[*slot].shape()).len(),
        ];
        for (f, c) in fixed.iter_mut().zip(cells) {
            *f = (*f).max(c);
        }
    }
    let left = width.saturating_sub(fixed.iter().sum::<usize>() + 8);
    // A column's natural width: its widest cell given all the room there is.
    let one_line = |v: &Value| {
        let lines = cell(v, &opts, left);
        lines.iter().map(|l| l.chars().count()).max().unwrap_or(0)
    };
    let widest = |f: &dyn Fn(Slot) -> usize| named.iter().map(|(s, _)| f(*s)).max().unwrap_or(0);
    let vw = widest(&|s| one_line(&eval.values[s]));
    let gw = widest(&|s| one_line(&eval.grads[s]));
    // Each column keeps its one-line width when that fits; otherwise the
    // narrower one keeps it and the other takes the rest.
    let (vb, gb) = if vw + gw <= left {
        (vw, gw)
    } else if vw <= left / 2 {
        (vw, left - vw)
    } else if gw <= left / 2 {
        (left - gw, gw)
    } else {
        (left / 2, left - left / 2)
    };
    let (vb, gb) = (vb.max(MIN_COLUMN), gb.max(MIN_COLUMN));
    let mut rows: Vec<[Vec<String>; 5]> = vec![header.map(|h| vec![h])];
    for (slot, info) in &named {
        rows.push([
            vec![info.name.clone()],
            vec![info.kind.describe()],
            vec![crate::tensor::shape_text(eval.values[*slot].shape())],
            cell(&eval.values[*slot], &opts, vb),
            cell(&eval.grads[*slot], &opts, gb),
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            for line in cell {
                *w = (*w).max(cols(line));
            }
        }
    }
    for row in &rows {
        let height = row.iter().map(Vec::len).max().unwrap_or(1);
        for i in 0..height {
            let mut line = String::new();
            for (k, (cell, w)) in row.iter().zip(widths).enumerate() {
                let part = cell.get(i).map_or("", String::as_str);
                line.push_str(part);
                if k + 1 < row.len() {
                    line.push_str(&" ".repeat(w - cols(part) + 2));
                }
            }
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }
    text
}
