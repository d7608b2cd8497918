//! Spec -> Graph: names resolved, ops and attributes checked, leaves given
//! their values, the graph proven acyclic and every shape inferred.
//!
//! One pass reports every problem it finds (see [`crate::diag::MAX_ERRORS`]).
//! petgraph holds the structure; it does not leak past [`crate::plan`].

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::sync::Arc;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use petgraph::Direction;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Sp, Span, did_you_mean};
use crate::init::{self, INIT_NAMES, Init};
use crate::op::{AttrKind, Op, SIGNATURES, signature};
use crate::spec::{self, Arg, Attr, Entry, Spec, TOP_LEVEL_KEYS, ValueDef};
use crate::tensor::{Array, Shape, Value, shape_text};

/// The most elements one literal, init or node value may hold (400 MB of f64).
pub const MAX_ELEMENTS: usize = 50_000_000;

/// The most elements the values of one graph may hold together (1.6 GB of
/// f64, and as much again for the gradients).
pub const MAX_TOTAL_ELEMENTS: usize = 4 * MAX_ELEMENTS;

/// What a vertex of the graph is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A leaf under `inputs` (or bound by `data`).
    Input,
    /// A leaf under `params`: what training changes.
    Param,
    /// A numeric literal written as an argument.
    Literal,
    /// An operation.
    Node(Op),
}

impl Kind {
    /// `input`, `param`, `literal`, or the op with its attributes.
    pub fn describe(&self) -> String {
        match self {
            Kind::Input => "input".into(),
            Kind::Param => "param".into(),
            Kind::Literal => "literal".into(),
            Kind::Node(op) => op.display(),
        }
    }
}

/// One vertex: a leaf, a literal or a node.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its name (a literal's name is its text).
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// Its shape, once inferred.
    pub shape: Shape,
    /// Where it is defined.
    pub span: Span,
    /// A leaf's or literal's value.
    pub value: Option<Value>,
}

/// A value bound to a leaf from outside the spec's own text.
#[derive(Clone, Debug)]
pub struct Binding {
    /// The leaf's name.
    pub name: String,
    /// The new value.
    pub value: Value,
    /// Where the binding came from (for `--set`: its own source and span).
    pub origin: Option<(Source, Span)>,
    /// How it binds.
    pub mode: BindMode,
}

/// How a [`Binding`] treats the leaf it names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindMode {
    /// `--set`: the leaf must exist and keep its shape.
    Replace,
    /// `data`: replaces an input's value whatever its shape, or creates the input.
    Data,
}

/// A validated graph: names resolved, acyclic, shapes known.
#[derive(Clone, Debug)]
pub struct Graph {
    /// The spec it was built from (later stages read `expect`, `train`, `data`).
    pub spec: Arc<Spec>,
    /// The spec's name (default: the file stem).
    pub name: String,
    /// Vertices and argument edges (edge weight: argument position).
    pub(crate) dag: DiGraph<Item, usize>,
    /// Vertices in evaluation order: leaves in file order, then nodes topologically.
    pub(crate) order: Vec<NodeIndex>,
    /// The output vertex.
    pub(crate) output: NodeIndex,
}

impl Graph {
    /// Every vertex in evaluation order.
    pub fn items(&self) -> impl Iterator<Item = &Item> {
        self.order.iter().map(|&i| &self.dag[i])
    }

    /// The output's name.
    pub fn output_name(&self) -> &str {
        &self.dag[self.output].name
    }
}

/// Builds and validates the graph of `spec`, with `bindings` applied to its leaves.
pub fn build(spec: Arc<Spec>, bindings: &[Binding]) -> Result<Graph, Diagnostics> {
    let spec_arc = spec.clone();
    let spec: &Spec = &spec;
    let mut b = Builder {
        src: &spec.source,
        errors: Diagnostics::default(),
        dag: DiGraph::new(),
        names: HashMap::new(),
        leaves: Vec::new(),
        invalid: Vec::new(),
        elements: 0,
        declared: 0,
        leaves_too_big: spec
            .inputs
            .iter()
            .chain(&spec.params)
            .filter(|e| {
                !bindings
                    .iter()
                    .any(|b| b.name == e.name.value && b.mode == BindMode::Data)
            })
            .map(|e| declared_elements(&e.def.value).min(MAX_ELEMENTS + 1))
            .fold(0usize, usize::saturating_add)
            > MAX_TOTAL_ELEMENTS,
        calls: Vec::new(),
    };
    for key in &spec.unknown_keys {
        b.error(
            Diagnostic::new(
                ErrorKind::UnknownKey,
                format!("unknown top-level key `{}`", key.value),
            )
            .at(b.src, key.span, "not a spec key")
            .help(
                match did_you_mean(&key.value, TOP_LEVEL_KEYS.iter().copied()) {
                    Some(h) => h,
                    None => format!("the keys of a spec are {}", backticked(TOP_LEVEL_KEYS)),
                },
            ),
        );
    }
    if let Some(expect) = &spec.expect {
        for key in &expect.unknown_keys {
            b.error(
                Diagnostic::new(
                    ErrorKind::UnknownKey,
                    format!("unknown key `{}` in `expect`", key.value),
                )
                .at(b.src, key.span, "not an `expect` key")
                .maybe_help(did_you_mean(&key.value, spec::EXPECT_KEYS.iter().copied())),
            );
        }
    }

    // Leaves first, in file order, then literals and nodes as they come.
    b.add_leaves(&spec.inputs, Kind::Input, bindings);
    b.add_leaves(&spec.params, Kind::Param, bindings);
    b.apply_bindings(spec, bindings);
    let calls = b.add_nodes(&spec.nodes);
    b.add_edges(calls);

    let output = match &spec.output {
        None => {
            b.error(
                Diagnostic::new(ErrorKind::MissingKey, "the spec has no `output`")
                    .at(b.src, Span::new(0, 0), "")
                    .help("add `output: NAME` naming the node whose gradient bpc takes"),
            );
            None
        }
        Some(out) => match b.names.get(out.value.as_str()) {
            Some(&i) => Some(i),
            None => {
                b.error(b.unknown_name(
                    &out.value,
                    out.span,
                    "`output` names nothing in the graph",
                ));
                None
            }
        },
    };
    if let Some(expect) = &spec.expect {
        for (section, entries) in [("values", &expect.values), ("grads", &expect.grads)] {
            for e in entries {
                if !b.names.contains_key(&e.name.value) {
                    let what = format!("`expect.{section}` names nothing in the graph");
                    let d = b.unknown_name(&e.name.value, e.name.span, &what);
                    b.error(d);
                }
            }
        }
    }
    if !b.errors.is_empty() {
        return Err(b.errors);
    }
    let Some(output) = output else {
        return Err(b.errors);
    };

    let Some(topo) = stable_toposort(&b.dag) else {
        for cycle in b.cycles() {
            b.error(cycle);
        }
        return Err(b.errors);
    };
    b.infer_shapes(&topo);
    if !b.errors.is_empty() {
        return Err(b.errors);
    }
    // Evaluation order: leaves in file order, literals, then nodes topologically.
    let mut order = b.leaves.clone();
    order.extend(
        topo.iter()
            .copied()
            .filter(|&i| b.dag[i].kind == Kind::Literal),
    );
    order.extend(
        topo.iter()
            .copied()
            .filter(|&i| matches!(b.dag[i].kind, Kind::Node(_))),
    );
    let name = match &spec.name {
        Some(n) => n.value.clone(),
        None => file_stem(&spec.source.name),
    };
    Ok(Graph {
        spec: spec_arc,
        name,
        dag: b.dag,
        order,
        output,
    })
}

/// Kahn's algorithm, taking among the ready vertices the one added first
/// (file order), so the plan reads like the spec. `None` when there is a cycle.
fn stable_toposort(dag: &DiGraph<Item, usize>) -> Option<Vec<NodeIndex>> {
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

/// The file stem of a path: `specs/fruit.yaml` -> `fruit`.
pub fn file_stem(path: &str) -> String {
    std::path::Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "spec".into())
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

struct Builder<'s> {
    src: &'s Source,
    errors: Diagnostics,
    dag: DiGraph<Item, usize>,
    /// Name -> vertex. std's SipHash: a hostile file cannot flood it with collisions.
    names: HashMap<String, NodeIndex>,
    leaves: Vec<NodeIndex>,
    /// Names already reported as invalid (references to them are not reported again).
    invalid: Vec<String>,
    /// Elements held by the leaves and nodes so far (see [`MAX_TOTAL_ELEMENTS`]).
    elements: usize,
    /// Elements the leaves ask for so far, and whether all of them ask for too many.
    declared: usize,
    leaves_too_big: bool,
    /// Each resolved node's call, kept for shape inference.
    calls: Vec<ResolvedCall>,
}

/// A node's resolved call: its vertex, its arguments' vertices and the call's span.
struct ResolvedCall {
    node: NodeIndex,
    /// Where the op's name is written (shape errors point there, and at each argument).
    op_span: Span,
    args: Vec<(NodeIndex, Span)>,
    span: Span,
}

impl<'s> Builder<'s> {
    fn error(&mut self, d: Diagnostic) {
        self.errors.push(d);
    }

    fn unknown_name(&self, name: &str, span: Span, what: &str) -> Diagnostic {
        let help = did_you_mean(name, self.names.keys().map(String::as_str))
            .unwrap_or_else(|| "define it under `inputs`, `params` or `nodes`".to_string());
        Diagnostic::new(
            ErrorKind::UnknownName,
            format!("unknown name `{name}`: {what}"),
        )
        .at(self.src, span, "not defined anywhere in this spec")
        .help(help)
    }

    /// Registers a name, reporting invalid and duplicate names. Returns false
    /// when the name cannot be used.
    fn declare(&mut self, name: &Sp<String>, item: Item) -> Option<NodeIndex> {
        if !spec::is_valid_name(&name.value) {
            self.error(
                Diagnostic::new(
                    ErrorKind::BadName,
                    format!("`{}` is not a valid name", name.value),
                )
                .at(self.src, name.span, "invalid name")
                .help("names are letters, digits and `_`, and do not start with a digit"),
            );
            self.invalid.push(name.value.clone());
            return None;
        }
        // One hash of the name, whether it is new or a duplicate.
        match self.names.entry(name.value.clone()) {
            MapEntry::Vacant(slot) => {
                let i = self.dag.add_node(item);
                slot.insert(i);
                Some(i)
            }
            MapEntry::Occupied(first) => {
                let first_span = self.dag[*first.get()].span;
                self.error(
                    Diagnostic::new(
                        ErrorKind::DuplicateName,
                        format!("`{}` is defined twice", name.value),
                    )
                    .at(self.src, name.span, "defined again here")
                    .also(first_span, "first defined here")
                    .help("names must be unique across `inputs`, `params` and `nodes`; rename one"),
                );
                None
            }
        }
    }

    fn add_leaves(&mut self, entries: &[Entry<ValueDef>], kind: Kind, bindings: &[Binding]) {
        for e in entries {
            // A leaf replaced by data need not have a valid value of its own.
            let rebound = bindings
                .iter()
                .any(|b| b.name == e.name.value && b.mode == BindMode::Data);
            // When the leaves together are too big, nothing is allocated: the
            // leaf that crosses the limit is reported, the others left empty.
            let n = if rebound {
                0
            } else {
                declared_elements(&e.def.value)
            };
            let before = self.declared;
            self.declared = self.declared.saturating_add(n.min(MAX_ELEMENTS + 1));
            let value = if self.leaves_too_big {
                if before <= MAX_TOTAL_ELEMENTS
                    && self.declared > MAX_TOTAL_ELEMENTS
                    && n <= MAX_ELEMENTS
                {
                    self.error(over_total(self.src, e.def.span, &e.name.value, n));
                }
                None
            } else {
                match value_of(self.src, &e.def) {
                    Ok(v) => Some(v),
                    Err(d) if !rebound => {
                        self.error(d);
                        None
                    }
                    Err(_) => None,
                }
            };
            self.elements = self
                .elements
                .saturating_add(value.as_ref().map_or(0, |v| v.len()));
            let shape = value
                .as_ref()
                .map(|v| v.shape().to_vec())
                .unwrap_or_default();
            let item = Item {
                name: e.name.value.clone(),
                kind,
                shape,
                span: e.name.span,
                value,
            };
            if let Some(i) = self.declare(&e.name, item) {
                self.leaves.push(i);
            }
        }
    }

    fn apply_bindings(&mut self, spec: &Spec, bindings: &[Binding]) {
        let node_names: Vec<&str> = spec.nodes.iter().map(|e| e.name.value.as_str()).collect();
        for bind in bindings {
            let found = self.names.get(&bind.name).copied();
            match (found, bind.mode) {
                (Some(i), BindMode::Replace) => {
                    let item = &mut self.dag[i];
                    let old = item.value.as_ref().map(|v| v.shape().to_vec());
                    if old.as_deref().is_some_and(|s| s != bind.value.shape()) {
                        let old = old.unwrap_or_default();
                        let d = Diagnostic::new(
                            ErrorKind::Usage,
                            format!(
                                "--set `{}`: the new value has shape {} but `{}` has shape {}",
                                bind.name,
                                shape_text(bind.value.shape()),
                                bind.name,
                                shape_text(&old)
                            ),
                        )
                        .help(format!("give a value of shape {}", shape_text(&old)));
                        let d = match &bind.origin {
                            Some((s, span)) => d.at(s, *span, "wrong shape"),
                            None => d,
                        };
                        self.error(d);
                    } else {
                        item.shape = bind.value.shape().to_vec();
                        item.value = Some(bind.value.clone());
                    }
                }
                (Some(i), BindMode::Data) => {
                    let item = &mut self.dag[i];
                    item.shape = bind.value.shape().to_vec();
                    item.value = Some(bind.value.clone());
                }
                (None, BindMode::Data) if !node_names.contains(&bind.name.as_str()) => {
                    let item = Item {
                        name: bind.name.clone(),
                        kind: Kind::Input,
                        shape: bind.value.shape().to_vec(),
                        span: bind.origin.as_ref().map(|o| o.1).unwrap_or_default(),
                        value: Some(bind.value.clone()),
                    };
                    let i = self.dag.add_node(item);
                    self.names.insert(bind.name.clone(), i);
                    self.leaves.push(i);
                }
                (None, _) => {
                    let leaves = spec
                        .inputs
                        .iter()
                        .chain(&spec.params)
                        .map(|e| e.name.value.as_str());
                    let what = if bind.mode == BindMode::Data {
                        "data binds"
                    } else {
                        "--set"
                    };
                    let msg = if node_names.contains(&bind.name.as_str()) {
                        format!(
                            "{what} `{}`: that is a node, not an input or param",
                            bind.name
                        )
                    } else {
                        format!("{what} `{}`: no input or param has that name", bind.name)
                    };
                    let d = Diagnostic::new(ErrorKind::Usage, msg).help(
                        did_you_mean(&bind.name, leaves)
                            .unwrap_or_else(|| "only inputs and params can be set".into()),
                    );
                    let d = match &bind.origin {
                        Some((s, span)) => d.at(s, *span, "no such leaf"),
                        None => d,
                    };
                    self.error(d);
                }
            }
        }
    }

    fn add_nodes(&mut self, entries: &[Entry<spec::NodeDef>]) -> Vec<ResolvedCall> {
        // Declare every node first so references may point forward in the file.
        let mut declared = Vec::new();
        for e in entries {
            let call = match e.def.value.to_call(self.src, e.def.span) {
                Ok(c) => c,
                Err(d) => {
                    self.error(d);
                    // Still declare the name, so references to it are not reported too.
                    let item = placeholder(&e.name, Kind::Literal);
                    self.declare(&e.name, item);
                    continue;
                }
            };
            let op = self.check_op(&call, e.def.span);
            let kind = op.map(Kind::Node).unwrap_or(Kind::Literal);
            if let Some(i) = self.declare(&e.name, placeholder(&e.name, kind)) {
                self.dag[i].span = e.name.span;
                if op.is_some() {
                    declared.push((i, call, e.def.span));
                }
            }
        }
        let mut resolved = Vec::new();
        for (node, call, span) in declared {
            let mut args = Vec::new();
            let mut ok = true;
            for arg in &call.args {
                match &arg.value {
                    Arg::Name(name) => match self.names.get(name) {
                        Some(&i) => args.push((i, arg.span)),
                        None if self.invalid.contains(name) => ok = false,
                        None => {
                            ok = false;
                            let what = format!("argument of `{}`", self.dag[node].name);
                            let d = self.unknown_name(name, arg.span, &what);
                            self.error(d);
                        }
                    },
                    Arg::Number(x) => {
                        let item = Item {
                            name: format_literal(*x),
                            kind: Kind::Literal,
                            shape: vec![],
                            span: arg.span,
                            value: Some(Value::Scalar(*x)),
                        };
                        args.push((self.dag.add_node(item), arg.span));
                    }
                }
            }
            if ok {
                resolved.push(ResolvedCall {
                    node,
                    args,
                    span,
                    op_span: call.op.span,
                });
            }
        }
        resolved
    }

    /// Checks the op name, arity and attributes; the op when all is well.
    fn check_op(&mut self, call: &spec::Call, span: Span) -> Option<Op> {
        let Some(sig) = signature(&call.op.value) else {
            self.error(
                Diagnostic::new(
                    ErrorKind::UnknownOp,
                    format!("unknown op `{}`", call.op.value),
                )
                .at(self.src, call.op.span, "not an op")
                .help(
                    did_you_mean(&call.op.value, SIGNATURES.iter().map(|s| s.name))
                        .unwrap_or_else(|| "see the list of ops in the README".into()),
                ),
            );
            return None;
        };
        let mut ok = true;
        if call.args.len() != sig.args.len() {
            ok = false;
            let n = sig.args.len();
            self.error(
                Diagnostic::new(
                    ErrorKind::Arity,
                    format!(
                        "`{}` takes {n} argument{}, found {}",
                        sig.name,
                        if n == 1 { "" } else { "s" },
                        call.args.len()
                    ),
                )
                .at(self.src, span, "wrong number of arguments")
                .help(format!("write it as `{}`", sig.usage())),
            );
        }
        let mut numbers: Vec<(&str, f64)> = Vec::new();
        for (key, val) in &call.attrs {
            let Some((name, kind, _)) = sig.attrs.iter().find(|(n, _, _)| *n == key.value) else {
                ok = false;
                let help = match did_you_mean(&key.value, sig.attrs.iter().map(|a| a.0)) {
                    Some(h) => h,
                    None if sig.attrs.is_empty() => format!("`{}` takes no attributes", sig.name),
                    None => format!("usage: `{}`", sig.usage()),
                };
                self.error(
                    Diagnostic::new(
                        ErrorKind::UnknownAttribute,
                        format!("`{}` has no attribute `{}`", sig.name, key.value),
                    )
                    .at(self.src, key.span, "unknown attribute")
                    .help(help),
                );
                continue;
            };
            let number = match (&val.value, kind) {
                (Attr::Number(x), AttrKind::Axis) if x.fract() == 0.0 && x.abs() < 64.0 => Some(*x),
                (Attr::Number(x), AttrKind::Number) if x.is_finite() => Some(*x),
                _ => None,
            };
            match number {
                Some(x) => numbers.push((name, x)),
                None => {
                    ok = false;
                    let (want, example) = match kind {
                        AttrKind::Axis => ("an integer axis", "axis=1 or axis=-1"),
                        AttrKind::Number => ("a number", "alpha=0.2"),
                    };
                    let found = match &val.value {
                        Attr::Number(x) => format_literal(*x),
                        Attr::Text(t) => t.clone(),
                    };
                    self.error(
                        Diagnostic::new(
                            ErrorKind::BadValue,
                            format!(
                                "attribute `{name}` of `{}` must be {want}, found `{found}`",
                                sig.name
                            ),
                        )
                        .at(self.src, val.span, format!("expected {want}"))
                        .help(format!("for example `{example}`")),
                    );
                }
            }
        }
        if !ok {
            return None;
        }
        Op::from_parts(sig.name, |k| {
            numbers.iter().find(|(n, _)| *n == k).map(|(_, x)| *x)
        })
    }

    fn add_edges(&mut self, calls: Vec<ResolvedCall>) {
        for call in &calls {
            for (pos, (arg, _)) in call.args.iter().enumerate() {
                self.dag.add_edge(*arg, call.node, pos);
            }
        }
        self.calls = calls;
    }

    /// One diagnostic per cycle, naming every node on it in order.
    fn cycles(&self) -> Vec<Diagnostic> {
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

    fn infer_shapes(&mut self, topo: &[NodeIndex]) {
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
                    let name = &self.dag[i].name;
                    let limit = if n > MAX_ELEMENTS {
                        Some(too_big(self.src, *span, n).help(format!(
                            "`{name}` has shape {}: check the shapes of its arguments",
                            shape_text(&shape)
                        )))
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
                    self.error(d.help(shape_help(op)));
                }
            }
        }
    }
}

fn shape_help(op: Op) -> String {
    let sig = op.signature();
    if op.is_elementwise() {
        format!(
            "`{}` broadcasts like NumPy: trailing axes must be equal or 1 (usage: `{}`)",
            sig.name,
            sig.usage()
        )
    } else {
        format!("usage: `{}`", sig.usage())
    }
}

fn placeholder(name: &Sp<String>, kind: Kind) -> Item {
    Item {
        name: name.value.clone(),
        kind,
        shape: vec![],
        span: name.span,
        value: None,
    }
}

/// A literal's name: its shortest round-trip text (`0.5`, `2`).
pub fn format_literal(x: f64) -> String {
    format!("{x}")
}

/// The value of a leaf definition, or why it has none.
pub fn value_of(src: &Source, def: &Sp<ValueDef>) -> Result<Value, Diagnostic> {
    match &def.value {
        ValueDef::Literal { shape, data } => {
            if data.len() > MAX_ELEMENTS {
                return Err(too_big(src, def.span, data.len()));
            }
            let arr = Array::from_shape_vec(ndarray::IxDyn(shape), data.clone()).map_err(|e| {
                Diagnostic::new(ErrorKind::BadTensor, e.to_string()).at(src, def.span, "")
            })?;
            Ok(Value::from_array(arr))
        }
        ValueDef::Bad { message, span } => {
            Err(Diagnostic::new(ErrorKind::BadTensor, message.clone())
                .at(
                    src,
                    if *span == Span::default() {
                        def.span
                    } else {
                        *span
                    },
                    "here",
                )
                .help("a tensor is a rectangular nested list of numbers, like `[[1, 2], [3, 4]]`"))
        }
        ValueDef::Init(init) => init_value(src, init),
    }
}

/// Elements a leaf definition asks for, known before anything is allocated.
fn declared_elements(def: &ValueDef) -> usize {
    match def {
        ValueDef::Literal { data, .. } => data.len(),
        ValueDef::Init(init) => init
            .shape
            .value
            .iter()
            .try_fold(1usize, |a, &d| {
                a.checked_mul(usize::try_from(d).unwrap_or(0))
            })
            .unwrap_or(usize::MAX),
        ValueDef::Bad { .. } => 0,
    }
}

fn over_total(src: &Source, span: Span, name: &str, n: usize) -> Diagnostic {
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

fn too_big(src: &Source, span: Span, n: usize) -> Diagnostic {
    Diagnostic::new(
        ErrorKind::Limit,
        format!("this tensor would have {n} elements; bpc allows at most {MAX_ELEMENTS}"),
    )
    .at(src, span, "too large")
    .help("use a smaller shape")
}

fn init_value(src: &Source, def: &spec::InitDef) -> Result<Value, Diagnostic> {
    let sp_of = |loc: &serde_saphyr::Location| {
        let s = loc.span();
        let start = s.byte_offset().unwrap_or(0) as usize;
        Span::new(start, start + s.byte_len().unwrap_or(0) as usize)
    };
    let shape_span = sp_of(&def.shape.referenced);
    let mut shape = Vec::new();
    let mut total: usize = 1;
    for &d in &def.shape.value {
        if d < 0 {
            return Err(Diagnostic::new(
                ErrorKind::BadValue,
                format!("a shape cannot have a negative length, found {d}"),
            )
            .at(src, shape_span, "negative length")
            .help("write each axis length as a whole number >= 0, like `shape: [2, 3]`"));
        }
        let d = d as usize;
        total = total.saturating_mul(d);
        shape.push(d);
    }
    if total > MAX_ELEMENTS {
        return Err(too_big(src, shape_span, total));
    }
    let name = def.init.value.as_str();
    let num =
        |o: &Option<serde_saphyr::Spanned<f64>>, d: f64| o.as_ref().map(|s| s.value).unwrap_or(d);
    let init = match name {
        "zeros" => Init::Zeros,
        "ones" => Init::Ones,
        "normal" => Init::Normal {
            mean: num(&def.mean, 0.0),
            std: num(&def.std, 1.0),
        },
        "uniform" => Init::Uniform {
            low: num(&def.low, 0.0),
            high: num(&def.high, 1.0),
        },
        "xavier" => Init::Xavier,
        "he" => Init::He,
        _ => {
            return Err(
                Diagnostic::new(ErrorKind::BadValue, format!("unknown init `{name}`"))
                    .at(src, sp_of(&def.init.referenced), "not an init")
                    .help(
                        did_you_mean(name, INIT_NAMES.iter().copied())
                            .unwrap_or_else(|| format!("the inits are {}", backticked(INIT_NAMES))),
                    ),
            );
        }
    };
    let seed = def.seed.as_ref().map(|s| s.value).unwrap_or(0);
    let data = init::generate(init, &shape, seed);
    let arr = Array::from_shape_vec(ndarray::IxDyn(&shape), data)
        .map_err(|e| Diagnostic::new(ErrorKind::BadValue, e.to_string()))?;
    Ok(Value::from_array(arr))
}
