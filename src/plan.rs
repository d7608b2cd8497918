//! Graph -> Plan: the graph flattened into topologically ordered steps over
//! dense slot indices. Nothing after this stage sees petgraph or hashes a name
//! in a loop.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use crate::diag::{Source, Span};
use crate::graph::{Graph, Item, Kind};
use crate::op::Op;
use crate::spec::Spec;
use crate::tape::{ScalarStep, ScratchCell, Tape};
use crate::tensor::{Shape, Value};

/// The index of a value (and of its gradient) in a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot(pub u32);

impl Slot {
    /// The slot as a vector index.
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What one slot holds, for renderers and messages.
#[derive(Clone, Debug)]
pub struct SlotInfo {
    /// Its name (a literal's name is its text).
    pub name: String,
    /// Input, param, literal or node.
    pub kind: Kind,
    /// Its shape (for data-bound inputs: the whole data set's).
    pub shape: Shape,
    /// Where it is defined in the spec.
    pub span: Span,
    /// A node's arguments, in order (empty for leaves).
    pub args: Vec<Slot>,
}

/// One node's evaluation: `out = op(args...)`.
///
/// Compact for the scalar fast path: the first three arguments are inline;
/// the ops that take more (`stack`, `concat`) keep all of theirs in a box.
#[derive(Clone, Debug)]
pub struct Step {
    /// The operation.
    pub op: Op,
    /// Where the result goes.
    pub out: Slot,
    /// The first three arguments (see [`Step::args`] for all of them).
    pub args: [Slot; 3],
    /// Which of the first three want a gradient (see [`Step::wants`]).
    pub wants: [bool; 3],
    /// All arguments and the result are scalars and the op is elementwise
    /// ([`Op::Map`]): the step takes the unboxed fast path.
    pub scalar: bool,
    /// How many arguments.
    arity: u32,
    /// Every argument and which want a gradient, when there are more than three.
    many: Option<Box<Many>>,
}

/// The arguments of a step with more than three.
#[derive(Clone, Debug)]
struct Many {
    args: Vec<Slot>,
    wants: Vec<bool>,
}

impl Step {
    /// A step computing `out = op(args)`; `wants[k]` says whether argument
    /// `k` wants a gradient.
    pub fn new(op: Op, out: Slot, args: &[Slot], wants: &[bool], scalar: bool) -> Step {
        let mut inline = [Slot(0); 3];
        let mut inline_wants = [false; 3];
        for k in 0..args.len().min(3) {
            inline[k] = args[k];
            inline_wants[k] = wants.get(k) == Some(&true);
        }
        let many = (args.len() > 3).then(|| {
            Box::new(Many {
                args: args.to_vec(),
                wants: (0..args.len())
                    .map(|k| wants.get(k) == Some(&true))
                    .collect(),
            })
        });
        Step {
            op,
            out,
            args: inline,
            wants: inline_wants,
            scalar,
            arity: args.len() as u32,
            many,
        }
    }

    /// The arguments.
    #[inline]
    pub fn args(&self) -> &[Slot] {
        match &self.many {
            Some(m) => &m.args,
            None => &self.args[..self.arity.min(3) as usize],
        }
    }

    /// How many arguments.
    #[inline]
    pub fn arity(&self) -> usize {
        self.arity as usize
    }

    /// Which arguments want a gradient, by position.
    #[inline]
    pub fn wants(&self) -> &[bool] {
        match &self.many {
            Some(m) => &m.wants,
            None => &self.wants[..self.arity.min(3) as usize],
        }
    }

    /// Which arguments want a gradient, to change (training prunes them).
    pub fn wants_mut(&mut self) -> &mut [bool] {
        match &mut self.many {
            Some(m) => &mut m.wants,
            None => &mut self.wants[..self.arity.min(3) as usize],
        }
    }
}

/// A compiled graph, ready to evaluate any number of times.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The spec's name.
    pub name: String,
    /// The spec it came from.
    pub spec: Arc<Spec>,
    /// Every slot in evaluation order: leaves, literals, then nodes.
    pub slots: Vec<SlotInfo>,
    /// One step per node, in topological order.
    pub steps: Vec<Step>,
    /// The slot whose gradient is taken.
    pub output: Slot,
    /// Initial values of the leaf and literal slots (`slots[..leaves.len()]`).
    pub leaves: Vec<Value>,
    /// Name -> slot, built on the first lookup (`bpc run` never needs it).
    index: OnceLock<HashMap<String, Slot>>,
    /// The steps as runs of the flat tape, built on the first evaluation.
    tape: OnceLock<Tape>,
    /// The tape's f64 arrays, kept between evaluations.
    scratch: ScratchCell,
}

impl Plan {
    /// The tape's f64 arrays, for `eval`.
    pub(crate) fn scratch(&self) -> &ScratchCell {
        &self.scratch
    }

    /// The steps in the flat tape's form (built once, on first use).
    pub fn tape(&self) -> &Tape {
        self.tape.get_or_init(|| {
            Tape::new(self.steps.iter().map(|s| match (s.scalar, s.op) {
                (true, Op::Map(m)) => Some(ScalarStep {
                    op: m,
                    out: s.out.0,
                    a: s.args[0].0,
                    b: (s.arity > 1).then_some(s.args[1].0),
                    wants: [s.wants[0], s.wants[1]],
                }),
                _ => None,
            }))
        })
    }

    /// Call after changing `steps` (or their `wants`): the tape is rebuilt.
    pub fn steps_changed(&mut self) {
        self.tape = OnceLock::new();
    }

    /// The source the spec was read from.
    pub fn source(&self) -> &Source {
        &self.spec.source
    }

    /// The slot named `name`, if any (literals are not named).
    pub fn slot(&self, name: &str) -> Option<Slot> {
        let index = self.index.get_or_init(|| {
            self.named()
                .map(|(slot, info)| (info.name.clone(), slot))
                .collect()
        });
        index.get(name).copied()
    }

    /// Information on a slot.
    pub fn info(&self, slot: Slot) -> &SlotInfo {
        &self.slots[slot.index()]
    }

    /// The named slots (leaves and nodes, not literals), in evaluation order.
    pub fn named(&self) -> impl Iterator<Item = (Slot, &SlotInfo)> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind != Kind::Literal)
            .map(|(i, s)| (Slot(i as u32), s))
    }

    /// The output's name.
    pub fn output_name(&self) -> &str {
        &self.info(self.output).name
    }

    /// True when the output is a scalar (otherwise its gradient seed is all ones).
    pub fn output_is_scalar(&self) -> bool {
        self.info(self.output).shape.is_empty()
    }

    /// For each slot, whether `of` depends on it (`of` itself included): the
    /// slots that feed `of`, by any path. Training evaluates only these for
    /// the loss; the gradient check re-runs only these for the output.
    pub fn ancestors(&self, of: Slot) -> Vec<bool> {
        let mut seen = vec![false; self.slots.len()];
        let mut stack = vec![of];
        while let Some(s) = stack.pop() {
            if !std::mem::replace(&mut seen[s.index()], true) {
                stack.extend(self.info(s).args.iter().copied());
            }
        }
        seen
    }

    /// The param slots, in file order.
    pub fn params(&self) -> impl Iterator<Item = Slot> + '_ {
        self.named()
            .filter(|(_, s)| s.kind == Kind::Param)
            .map(|(i, _)| i)
    }
}

/// Compiles a validated graph into a plan.
pub fn compile(graph: Graph) -> Plan {
    let Graph {
        spec,
        name,
        dag,
        order,
        output,
    } = graph;
    let mut slot_of = vec![Slot(u32::MAX); dag.node_count()];
    for (i, &v) in order.iter().enumerate() {
        slot_of[v.index()] = Slot(i as u32);
    }
    let (nodes, edges) = dag.into_nodes_edges();
    // Each vertex's arguments in position order (an edge's weight is its position).
    let mut args_of: Vec<Vec<Slot>> = vec![Vec::new(); nodes.len()];
    for e in &edges {
        let args = &mut args_of[e.target().index()];
        if args.len() <= e.weight {
            args.resize(e.weight + 1, Slot(u32::MAX));
        }
        args[e.weight] = slot_of[e.source().index()];
    }
    // Items are moved into slots, not copied: names and leaf values (data sets
    // included) are allocated once.
    let mut items: Vec<Option<Item>> = nodes.into_iter().map(|n| Some(n.weight)).collect();
    let mut slots: Vec<SlotInfo> = Vec::with_capacity(order.len());
    let mut steps = Vec::new();
    let mut leaves = Vec::new();
    for &v in &order {
        let Some(item) = items[v.index()].take() else {
            continue;
        };
        let args = std::mem::take(&mut args_of[v.index()]);
        match item.kind {
            Kind::Node(op) => {
                // Arguments come earlier in the order, so their slots exist already.
                let wants: Vec<bool> = args
                    .iter()
                    .map(|a| slots[a.index()].kind != Kind::Literal)
                    .collect();
                let scalar = matches!(op, Op::Map(_))
                    && item.shape.is_empty()
                    && args.iter().all(|a| slots[a.index()].shape.is_empty());
                steps.push(Step::new(op, slot_of[v.index()], &args, &wants, scalar));
            }
            Kind::Input | Kind::Param | Kind::Literal => {
                leaves.push(item.value.unwrap_or(Value::Scalar(f64::NAN)));
            }
        }
        slots.push(SlotInfo {
            name: item.name,
            kind: item.kind,
            shape: item.shape,
            span: item.span,
            args,
        });
    }
    Plan {
        name,
        spec,
        slots,
        steps,
        output: slot_of[output.index()],
        leaves,
        index: OnceLock::new(),
        tape: OnceLock::new(),
        scratch: ScratchCell::default(),
    }
}
