//! Tensors as NumPy prints them: one line per row of the last axis, nested
//! brackets, and the middle of a long axis left out as `...` so that every
//! line fits a width (`[[0.1, 0.2, ..., 0.9], ...]`).

use crate::render::number;
use crate::tensor::Array;

/// How many rows of an axis are shown before and after the `...` when an
/// axis is summarised (NumPy's `edgeitems`).
pub const EDGE_ROWS: usize = 3;

/// The lines of `data` (row-major, of `shape`, at least one axis) with
/// numbers at `sig` significant digits, each line at most `width` columns
/// where that is possible: the columns of the last axis are summarised with
/// as many edge items as fit (at least one on each side), and an axis of more
/// than `2 * EDGE_ROWS` rows shows its first and last `EDGE_ROWS`.
pub fn lines(shape: &[usize], data: &[f64], sig: usize, width: usize) -> Vec<String> {
    let cols = shape.last().copied().unwrap_or(0);
    let depth = shape.len();
    // No line fits more than width / 3 numbers ("0, " is three columns), so
    // only that many of a row's elements are ever formatted.
    let most = (width / 3).max(2);
    let mut edge = if cols <= most { cols } else { most / 2 };
    // The widest shown number sets every column's width, as NumPy aligns them.
    let f = Format {
        data,
        sig,
        cell: 1,
        edge,
    };
    let cell = f
        .shown_elements(shape)
        .map(|i| number(data[i], sig).chars().count())
        .max()
        .unwrap_or(1);
    loop {
        let shown = if 2 * edge < cols { 2 * edge + 1 } else { cols };
        // Brackets on both sides, ", " between cells, the trailing comma.
        let line = 2 * depth + shown * cell + 2 * shown.saturating_sub(1) + 1;
        if line <= width || edge <= 1 {
            break;
        }
        edge = if edge > EDGE_ROWS {
            EDGE_ROWS
        } else {
            edge - 1
        };
    }
    let f = Format {
        data,
        sig,
        cell,
        edge,
    };
    let mut out = Vec::new();
    f.block(shape, 0, 0, &mut out);
    out
}

/// [`lines`] of an array, read in place when it is in standard layout.
pub fn array_lines(a: &Array, sig: usize, width: usize) -> Vec<String> {
    match a.as_slice() {
        Some(data) => lines(a.shape(), data, sig, width),
        None => lines(
            a.shape(),
            &a.iter().copied().collect::<Vec<_>>(),
            sig,
            width,
        ),
    }
}

/// The chosen layout of one tensor.
struct Format<'a> {
    /// The elements, row-major.
    data: &'a [f64],
    /// Significant digits.
    sig: usize,
    /// The width every number is padded to.
    cell: usize,
    /// Edge items shown of the last axis.
    edge: usize,
}

impl Format<'_> {
    /// The row-major indices of the elements shown.
    fn shown_elements(&self, shape: &[usize]) -> impl Iterator<Item = usize> {
        let mut starts = vec![0usize];
        for (axis, &n) in shape.iter().enumerate().take(shape.len().saturating_sub(1)) {
            let stride: usize = shape[axis + 1..].iter().product();
            starts = starts
                .iter()
                .flat_map(|&s| shown(n, EDGE_ROWS).flatten().map(move |i| s + i * stride))
                .collect();
        }
        let (cols, edge) = (shape.last().copied().unwrap_or(1), self.edge);
        starts
            .into_iter()
            .flat_map(move |s| shown(cols, edge).flatten().map(move |i| s + i))
    }

    fn text(&self, i: usize) -> String {
        self.data
            .get(i)
            .map(|&x| number(x, self.sig))
            .unwrap_or_default()
    }

    /// Appends the lines of the sub-array of `shape` starting at element
    /// `start`, at nesting `depth` (its first line opens `depth + 1` brackets;
    /// its last line closes them).
    fn block(&self, shape: &[usize], start: usize, depth: usize, out: &mut Vec<String>) {
        let indent = " ".repeat(depth);
        match shape {
            [] => out.push(self.text(start)),
            [n] => {
                let cells: Vec<String> = shown(*n, self.edge)
                    .map(|i| match i {
                        Some(i) => format!("{:>w$}", self.text(start + i), w = self.cell),
                        None => "...".to_string(),
                    })
                    .collect();
                out.push(format!("{indent}[{}]", cells.join(", ")));
            }
            [n, rest @ ..] => {
                let stride: usize = rest.iter().product();
                let first = out.len();
                let items: Vec<Option<usize>> = shown(*n, EDGE_ROWS).collect();
                for (k, item) in items.iter().enumerate() {
                    match item {
                        Some(i) => self.block(rest, start + i * stride, depth + 1, out),
                        None => out.push(format!("{indent} ...")),
                    }
                    if k + 1 < items.len() {
                        if let Some(last) = out.last_mut() {
                            last.push(',');
                        }
                        // NumPy separates the blocks of a 3-D or deeper array by a blank line.
                        if rest.len() > 1 {
                            out.push(String::new());
                        }
                    }
                }
                // The first sub-line opens this level's bracket; the last closes it.
                if let Some(line) = out.get_mut(first) {
                    let trimmed = line.trim_start().to_string();
                    *line = format!("{indent}[{trimmed}");
                }
                if let Some(last) = out.last_mut() {
                    last.push(']');
                }
            }
        }
    }
}

/// The indices of an axis of `n` shown with `edge` items on each side, `None`
/// for the `...` between them.
fn shown(n: usize, edge: usize) -> impl Iterator<Item = Option<usize>> {
    let summarised = 2 * edge < n;
    let head = if summarised { edge } else { n };
    let tail = if summarised { n - edge..n } else { n..n };
    (0..head)
        .map(Some)
        .chain(summarised.then_some(None))
        .chain(tail.map(Some))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64).collect()
    }

    #[test]
    fn a_small_matrix_is_printed_in_full_row_by_row() {
        assert_eq!(
            lines(&[2, 3], &seq(6), 6, 100),
            vec!["[[0, 1, 2],", " [3, 4, 5]]"]
        );
    }

    #[test]
    fn long_rows_and_long_axes_are_summarised_as_numpy_does() {
        let l = lines(&[10, 100], &seq(1000), 6, 40);
        assert_eq!(l.len(), 7);
        assert_eq!(l[0], "[[  0,   1,   2, ...,  97,  98,  99],");
        assert_eq!(l[3], " ...,");
        assert_eq!(l[6], " [900, 901, 902, ..., 997, 998, 999]]");
        assert!(l.iter().all(|x| x.chars().count() <= 40), "{l:?}");
    }

    #[test]
    fn a_narrow_width_keeps_at_least_one_item_on_each_side() {
        let l = lines(&[50], &seq(50), 6, 5);
        assert_eq!(l, vec!["[ 0, ..., 49]"]);
    }

    #[test]
    fn three_axes_nest_with_blank_lines_between_blocks() {
        let l = lines(&[2, 2, 2], &seq(8), 6, 100);
        assert_eq!(
            l,
            vec!["[[[0, 1],", "  [2, 3]],", "", " [[4, 5],", "  [6, 7]]]"]
        );
    }
}
