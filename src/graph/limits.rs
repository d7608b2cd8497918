//! The limits that keep a spec from exhausting the machine: elements per
//! tensor (inside an op too, see [`crate::op::Largest`]), elements of all
//! values together, and vertices. All are checked before the values they
//! limit are allocated: [`check_size`] right after parsing, before any data
//! is read; the elements while shapes are inferred, before inits are
//! generated.

use crate::diag::{Diagnostic, ErrorKind, Source, Span};
use crate::spec::Spec;

/// The most elements one literal, init or node value may hold (400 MB of f64),
/// and the most one op may build inside (the broadcast of a loss's arguments).
pub const MAX_ELEMENTS: usize = 50_000_000;

/// The most elements the values of one graph may hold together, data
/// included (1.6 GB of f64, and as much again for the gradients).
pub const MAX_TOTAL_ELEMENTS: usize = 4 * MAX_ELEMENTS;

/// The most leaves and nodes a spec may define (a chain of that many nodes
/// takes about 1.3 GB to build and evaluate).
pub const MAX_NODES: usize = 2_000_000;

/// Refuses a spec that defines more than [`MAX_NODES`] leaves and nodes,
/// before its data is read or anything is built.
pub fn check_size(spec: &Spec) -> Result<(), Diagnostic> {
    check_size_at(spec, MAX_NODES)
}

fn check_size_at(spec: &Spec, max: usize) -> Result<(), Diagnostic> {
    let data = spec
        .data
        .as_ref()
        .map_or(0, |d| d.value.inline.len() + d.value.columns.len());
    let n = spec.inputs.len() + spec.params.len() + spec.nodes.len() + data;
    if n <= max {
        return Ok(());
    }
    let span = spec.nodes.first().map(|e| e.name.span).unwrap_or_default();
    Err(Diagnostic::new(
        ErrorKind::Limit,
        format!("the spec defines {n} leaves and nodes; bpc allows at most {max}"),
    )
    .at(&spec.source, span, "the nodes start here")
    .help("split the computation into smaller specs"))
}

/// A value that brings the graph over [`MAX_TOTAL_ELEMENTS`].
pub fn over_total(src: &Source, span: Span, name: &str, n: usize) -> Diagnostic {
    Diagnostic::new(
        ErrorKind::Limit,
        format!(
            "`{name}` ({n} elements) brings the graph's values over {MAX_TOTAL_ELEMENTS} elements \
             in all, the most bpc allows"
        ),
    )
    .at(src, span, "over the limit from here")
    .help("use smaller shapes")
}

/// A value over [`MAX_ELEMENTS`].
pub fn too_big(src: &Source, span: Span, n: usize) -> Diagnostic {
    Diagnostic::new(
        ErrorKind::Limit,
        format!("this tensor would have {n} elements; bpc allows at most {MAX_ELEMENTS}"),
    )
    .at(src, span, "too large")
    .help("use a smaller shape")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_nodes_are_refused_before_anything_is_built() {
        let text = "inputs:\n  x: 1\nnodes:\n  a: sin(x)\n  b: sin(a)\n  c: sin(b)\noutput: c\n";
        let spec = crate::spec::parse(&Source::new("s.yaml", text)).unwrap();
        assert!(check_size_at(&spec, 4).is_ok());
        let e = check_size_at(&spec, 3).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Limit);
        assert!(
            e.message.contains("defines 4 leaves and nodes"),
            "{}",
            e.message
        );
        assert_eq!(e.location().unwrap(), "s.yaml:4:3");
        assert!(check_size(&spec).is_ok());
    }
}
