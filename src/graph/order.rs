//! The evaluation order: a topological order that keeps the file's order
//! wherever the dependencies allow it.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use super::Item;

/// Kahn's algorithm, taking among the ready vertices the one added first
/// (file order), so the plan reads like the spec. `None` when there is a cycle.
pub(super) fn stable_toposort(dag: &DiGraph<Item, usize>) -> Option<Vec<NodeIndex>> {
    let mut pending: Vec<usize> = dag
        .node_indices()
        .map(|i| dag.edges_directed(i, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<NodeIndex>> = dag
        .node_indices()
        .filter(|i| pending[i.index()] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(dag.node_count());
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for e in dag.edges(i) {
            let t = e.target();
            pending[t.index()] -= 1;
            if pending[t.index()] == 0 {
                ready.push(Reverse(t));
            }
        }
    }
    (order.len() == dag.node_count()).then_some(order)
}
