//! The table for people: one row per leaf and node in evaluation order.

use crate::eval::Evaluation;
use crate::plan::Plan;
use crate::render::value_text;
use crate::term;

/// Options of the table.
#[derive(Clone, Copy, Debug)]
pub struct TableOptions {
    /// Significant digits.
    pub precision: usize,
    /// Tensors with more elements than this are summarised.
    pub max_elems: usize,
}

impl Default for TableOptions {
    fn default() -> Self {
        TableOptions {
            precision: 6,
            max_elems: 12,
        }
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
    // The title and notes hold text from the spec: escaped for the terminal.
    let mut text = format!("{}\n", term::escape_text(title));
    let out_value = value_text(&eval.values[plan.output], opts.precision, opts.max_elems);
    text.push_str(&format!("output `{out}` = {out_value}\n"));
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
    let mut rows = vec![header];
    for (slot, info) in plan.named() {
        rows.push([
            info.name.clone(),
            info.kind.describe(),
            crate::tensor::shape_text(eval.values[slot].shape()),
            value_text(&eval.values[slot], opts.precision, opts.max_elems),
            value_text(&eval.grads[slot], opts.precision, opts.max_elems),
        ]);
    }
    let mut widths = [0usize; 5];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in &rows {
        let mut line = String::new();
        for (k, (cell, w)) in row.iter().zip(widths).enumerate() {
            if k + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&" ".repeat(w - cell.chars().count() + 2));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}
