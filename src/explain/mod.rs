//! `bpc explain`: the chain rule, step by step, with the numbers plugged in.
//!
//! [`explain`] reads a plan and its evaluation and gathers, computing no
//! gradient of its own that the reverse walk does not also compute:
//!
//! - the forward pass: each node as its formula, with the numbers plugged in;
//! - the backward pass, one [`BackStep`] per node from the output down: the
//!   gradient arriving from above ([`Gathered`]: the sum of the node's uses),
//!   and for each argument ([`Term`]) its local derivative as the op table's
//!   formula and as a number, and its contribution, upstream × local (the
//!   op's own vector-Jacobian product, so the contributions of a slot add up
//!   to the gradient `bpc run` prints);
//! - the leaves' gradients, as the sum of their contributions (a value used
//!   several times gets each use's share: `b = a + a` gives 1 + 1 = 2);
//! - with `--wrt`, every path from the output down to a name ([`paths`]), the
//!   factors along it, their product, and the sum over paths;
//! - with `--perturb`, the lesson's experiment ([`perturb`]).
//!
//! The renderers ([`text`], [`markdown`], [`json`]) write these out, the
//! formulas through one [`notation::Notation`] for text or LaTeX.

mod equations;
pub mod json;
pub mod markdown;
pub mod notation;
pub mod paths;
pub mod perturb;
mod plug;
pub mod text;
pub mod wrap;

mod build;

pub use build::explain;

use crate::eval::Evaluation;
use crate::op::Op;
use crate::plan::{Plan, Slot};
use crate::tensor::Value;

/// What to explain, and how to print numbers.
#[derive(Clone, Debug)]
pub struct Options {
    /// Names to follow from the output down (`--wrt`); empty for all.
    pub wrt: Vec<Slot>,
    /// Nodes (and leaves) to list (`--node`); empty for all.
    pub nodes: Vec<Slot>,
    /// Significant digits for people.
    pub precision: usize,
    /// Tensors with more elements than this are summarised (the table's rule).
    pub max_elems: usize,
    /// Paths listed per `--wrt` name; the rest are counted.
    pub max_paths: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            wrt: Vec::new(),
            nodes: Vec::new(),
            precision: 6,
            max_elems: 12,
            max_paths: 16,
        }
    }
}

/// Everything `bpc explain` prints, over one plan and its evaluation.
#[derive(Debug)]
pub struct Explanation<'p> {
    /// The plan explained.
    pub plan: &'p Plan,
    /// Its values and gradients.
    pub eval: &'p Evaluation,
    /// The options it was made with.
    pub options: Options,
    /// The first line: `spec `fruit`: DESCRIPTION`, or what `--set` changed.
    pub title: String,
    /// The nodes whose forward line is listed, in evaluation order.
    pub forward: Vec<Slot>,
    /// The backward steps listed, from the output down.
    pub backward: Vec<BackStep>,
    /// The leaves (inputs and params) listed, each gradient as the sum of its uses.
    pub leaves: Vec<Gathered>,
    /// Named slots that do not feed the output (their gradient is 0).
    pub unused: Vec<Slot>,
    /// For each `--wrt` name, the paths from the output down to it.
    pub paths: Vec<paths::WrtPaths>,
    /// The lesson's experiment, with `--perturb`.
    pub perturb: Option<perturb::Comparison>,
}

/// One node's backward step: the gradient from above, then one term per
/// argument that takes a gradient (literals take none).
#[derive(Clone, Debug)]
pub struct BackStep {
    /// The node.
    pub node: Slot,
    /// Its op.
    pub op: Op,
    /// d output / d node: the seed for the output, otherwise the sum of its uses.
    pub upstream: Gathered,
    /// One term per argument listed, in argument order.
    pub terms: Vec<Term>,
}

/// A gradient gathered from every use of a slot.
#[derive(Clone, Debug)]
pub struct Gathered {
    /// The slot.
    pub slot: Slot,
    /// The slot is the output: its gradient starts as the seed (ones).
    pub seed: bool,
    /// Its uses' contributions, in the order the reverse walk adds them.
    pub uses: Vec<Use>,
    /// The gradient the reverse walk computed.
    pub total: Value,
}

/// One use of a slot as an argument of a node, and what it contributes.
#[derive(Clone, Debug)]
pub struct Use {
    /// The node that uses the slot.
    pub node: Slot,
    /// As which argument (0-based).
    pub position: usize,
    /// The gradient it contributes.
    pub contribution: Value,
}

/// One argument's share of a backward step: upstream × local derivative.
#[derive(Clone, Debug)]
pub struct Term {
    /// The argument.
    pub arg: Slot,
    /// Its position in the call (0-based).
    pub position: usize,
    /// Its derivative, from the op table.
    pub grad: crate::op::Grad,
    /// For elementwise ops: the local derivative d node / d arg, element by
    /// element (at the broadcast shape); `None` for tensor ops, whose formula
    /// is the whole vector-Jacobian product.
    pub local: Option<Value>,
    /// What this term adds to d output / d arg (the op's own backward).
    pub contribution: Value,
    /// The axes the gradient was summed over because the argument was
    /// broadcast to the node's shape (empty when it was not).
    pub summed_axes: Vec<usize>,
    /// The argument has other uses: this term is one part of its gradient.
    pub partial: bool,
    /// The same slot is another argument of this node too (`mul(x, x)`).
    pub repeated: bool,
}

impl Explanation<'_> {
    /// A slot's name.
    pub fn name(&self, slot: Slot) -> &str {
        &self.plan.info(slot).name
    }

    /// A slot's value.
    pub fn value(&self, slot: Slot) -> &Value {
        &self.eval.values[slot]
    }

    /// The output's name.
    pub fn output(&self) -> &str {
        self.plan.output_name()
    }

    /// The `k`th slot of a path (0: the output), with the argument it is
    /// when its node takes it more than once: `x (as b)`.
    pub fn path_label(&self, path: &paths::Path, k: usize) -> String {
        let Some(e) = k.checked_sub(1).and_then(|i| path.edges.get(i)) else {
            return self.output().to_string();
        };
        let name = self.name(e.arg);
        let args = &self.plan.info(e.node).args;
        if args.iter().filter(|&&a| a == e.arg).count() < 2 {
            return name.to_string();
        }
        let which = self
            .op_of(e.node)
            .and_then(|op| op.def().args.get(e.position))
            .map_or("?", |a| a.name);
        format!("{name} (as {which})")
    }

    /// The op of a node's step.
    pub fn op_of(&self, node: Slot) -> Option<Op> {
        match self.plan.info(node).kind {
            crate::graph::Kind::Node(op) => Some(op),
            _ => None,
        }
    }
}
