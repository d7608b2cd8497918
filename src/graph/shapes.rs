//! The graph's structural checks: cycles (named in full) and shape inference.

use std::collections::HashMap;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::limits::{over_total, too_big};
use super::{Builder, Kind, MAX_ELEMENTS, MAX_TOTAL_ELEMENTS, ResolvedCall};
use crate::diag::{Diagnostic, ErrorKind};
use crate::op::{Largest, Op};
use crate::tensor::shape_text;

impl Builder<'_> {
    /// One diagnostic per cycle, naming every node on it in order.
    pub(super) fn cycles(&self) -> Vec<Diagnostic> {
        // Kosaraju's algorithm in petgraph is iterative; its Tarjan recurses
        // once per vertex and overflows the stack on a long cycle.
        let mut out = Vec::new();
        let mut in_scc = vec![false; self.dag.node_count()];
        for scc in kosaraju_scc(&self.dag) {
            let is_cycle = scc.len() > 1 || self.dag.edges(scc[0]).any(|e| e.target() == scc[0]);
            if !is_cycle {
                continue;
            }
            scc.iter().for_each(|i| in_scc[i.index()] = true);
            let path = self.cycle_path(&scc, &in_scc);
            scc.iter().for_each(|i| in_scc[i.index()] = false);
            let name = |i: NodeIndex| self.dag[i].name.as_str();
            // A long cycle is shown by its ends: the message stays one line.
            const SHOWN: usize = 12;
            let mut names: Vec<&str> = path.iter().take(SHOWN).map(|&i| name(i)).collect();
            let more = format!("... ({} more)", path.len().saturating_sub(SHOWN + 1));
            if path.len() > SHOWN + 1 {
                names.push(&more);
                names.extend(path.last().map(|&i| name(i)));
            } else if path.len() == SHOWN + 1 {
                names.extend(path.last().map(|&i| name(i)));
            }
            let first = path[0];
            let mut d = Diagnostic::new(
                ErrorKind::Cycle,
                format!(
                    "the graph has a cycle: {} -> {}",
                    names.join(" -> "),
                    names[0]
                ),
            )
            .at(
                self.src,
                self.dag[first].span,
                format!("`{}` depends on itself", names[0]),
            );
            for &i in path.iter().skip(1).take(SHOWN) {
                d = d.also(self.dag[i].span, "on the cycle");
            }
            out.push(d.help(
                "a node cannot use its own value; break the cycle by using a different input",
            ));
        }
        out
    }

    /// A cycle through the strongly connected component `scc` (its members
    /// marked in `in_scc`), as a vertex path.
    fn cycle_path(&self, scc: &[NodeIndex], in_scc: &[bool]) -> Vec<NodeIndex> {
        // Start at the vertex defined first in the file, then follow edges that
        // stay in the component until a vertex repeats (iteratively).
        let start = *scc
            .iter()
            .min_by_key(|&&i| self.dag[i].span.start)
            .unwrap_or(&scc[0]);
        let mut path = vec![start];
        let mut seen = HashMap::from([(start, 0usize)]);
        let mut at = start;
        loop {
            // Follow argument order: the consumers of `at` inside the component.
            let next = self
                .dag
                .edges(at)
                .map(|e| e.target())
                .filter(|t| in_scc[t.index()])
                .min_by_key(|&t| self.dag[t].span.start);
            let Some(next) = next else { return path };
            if let Some(&pos) = seen.get(&next) {
                return path.split_off(pos);
            }
            seen.insert(next, path.len());
            path.push(next);
            at = next;
        }
    }

    pub(super) fn infer_shapes(&mut self, topo: &[NodeIndex]) {
        // Each node's call, indexed by vertex (no hashing: vertices are dense).
        let mut calls: Vec<Option<ResolvedCall>> = Vec::new();
        calls.resize_with(self.dag.node_count(), || None);
        for call in std::mem::take(&mut self.calls) {
            let i = call.node.index();
            calls[i] = Some(call);
        }
        let mut poisoned = vec![false; self.dag.node_count()];
        for &i in topo {
            let Kind::Node(op) = self.dag[i].kind else {
                continue;
            };
            let Some(ResolvedCall {
                span,
                args,
                op_span,
                ..
            }) = &calls[i.index()]
            else {
                continue;
            };
            if args.iter().any(|(a, _)| poisoned[a.index()]) {
                poisoned[i.index()] = true;
                continue;
            }
            let shapes: Vec<&[usize]> = args
                .iter()
                .map(|(a, _)| self.dag[*a].shape.as_slice())
                .collect();
            match op.infer_shape(&shapes) {
                Ok(shape) => {
                    // Broadcasting multiplies lengths: [n, 1] with [1, n] has n² elements.
                    let n = shape
                        .iter()
                        .try_fold(1usize, |a, &d| a.checked_mul(d))
                        .unwrap_or(usize::MAX);
                    // What the op builds inside (a loss compares its
                    // arguments broadcast together), from the op table.
                    let inner = op.def().largest.elements(&shapes, &shape);
                    let name = &self.dag[i].name;
                    let limit = if n > MAX_ELEMENTS {
                        Some(too_big(self.src, *span, n).help(format!(
                            "`{name}` has shape {}: check the shapes of its arguments",
                            shape_text(&shape)
                        )))
                    } else if inner > MAX_ELEMENTS {
                        Some(inner_too_big(self.src, *span, name, op, &shapes, inner))
                    } else if self.elements.saturating_add(n) > MAX_TOTAL_ELEMENTS {
                        Some(over_total(self.src, *span, name, n))
                    } else {
                        None
                    };
                    if let Some(d) = limit {
                        poisoned[i.index()] = true;
                        self.error(d);
                    } else {
                        self.elements += n;
                        self.dag[i].shape = shape;
                    }
                }
                Err(why) => {
                    poisoned[i.index()] = true;
                    let described: Vec<String> = args
                        .iter()
                        .map(|(a, _)| {
                            format!(
                                "`{}` is {}",
                                self.dag[*a].name,
                                shape_text(&self.dag[*a].shape)
                            )
                        })
                        .collect();
                    let mut d = Diagnostic::new(
                        ErrorKind::Shape,
                        format!("shape mismatch in `{}`: {why}", self.dag[i].name),
                    )
                    .at(self.src, *op_span, described.join(", "));
                    for (a, s) in args {
                        d = d.also(*s, shape_text(&self.dag[*a].shape));
                    }
                    self.error(d.help(op.shape_help()));
                }
            }
        }
    }
}

/// An op whose result fits, but whose kernels would build a tensor of
/// `inner` elements (more than [`MAX_ELEMENTS`]).
fn inner_too_big(
    src: &crate::diag::Source,
    span: crate::diag::Span,
    name: &str,
    op: Op,
    shapes: &[&[usize]],
    inner: usize,
) -> Diagnostic {
    let args: Vec<String> = shapes.iter().map(|s| shape_text(s)).collect();
    let how = match op.def().largest {
        Largest::Broadcast => format!("broadcasts {} together", args.join(" and ")),
        Largest::ResultOrArg => format!("works on {}", args.join(", ")),
    };
    Diagnostic::new(
        ErrorKind::Limit,
        format!(
            "`{name}` = {}(...) {how}: {inner} elements inside the op; bpc allows at most {MAX_ELEMENTS}",
            op.name()
        ),
    )
    .at(src, span, "too large inside")
    .help(
        "check the shapes of its arguments: a column [n, 1] against a row [n] broadcasts \
         to [n, n]; make both [n, 1] or both [n]",
    )
}
