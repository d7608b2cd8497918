//! Spec -> Graph: names resolved, ops and attributes checked, leaves given
//! their values, the graph proven acyclic and every shape inferred.
//!
//! One pass reports every problem it finds (see [`crate::diag::MAX_ERRORS`]).
//! petgraph holds the structure; it does not leak past [`crate::plan`].

use std::collections::HashMap;
use std::collections::hash_map::Entry as MapEntry;
use std::sync::Arc;

use petgraph::graph::{DiGraph, NodeIndex};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Sp, Span, did_you_mean};
use crate::op::Op;
use crate::spec::{self, Spec};
use crate::tensor::{Shape, Value};

mod limits;
mod opcall;
mod order;
mod resolve;
mod shapes;
mod values;

use order::stable_toposort;

pub use limits::{MAX_ELEMENTS, MAX_NODES, MAX_TOTAL_ELEMENTS, check_size};
use values::declared_elements;
pub use values::{format_literal, value_of};

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
    check_size(&spec)?;
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
        pending: Vec::new(),
    };
    for key in &spec.unknown_keys {
        b.error(
            Diagnostic::new(
                ErrorKind::UnknownKey,
                format!("unknown top-level key `{}`", key.value),
            )
            .at(b.src, key.span, "not a spec key")
            .help(spec.unknown_key_help(key)),
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
                if !b.names.contains_key(e.name.value.as_str()) {
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
    // Every shape fits the limits: only now are the inits generated.
    for (i, init) in std::mem::take(&mut b.pending) {
        b.dag[i].value = Some(init.generate());
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
    names: HashMap<&'s str, NodeIndex>,
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
    /// Leaves whose init is generated once the graph fits its limits.
    pending: Vec<(NodeIndex, values::PendingInit)>,
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

    /// True when leaf `i` waits for its init.
    fn is_pending(&self, i: NodeIndex) -> bool {
        self.pending.iter().any(|(j, _)| *j == i)
    }

    fn unknown_name(&self, name: &str, span: Span, what: &str) -> Diagnostic {
        let help = did_you_mean(name, self.names.keys().copied())
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
    fn declare(&mut self, name: &'s Sp<String>, item: Item) -> Option<NodeIndex> {
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
        match self.names.entry(name.value.as_str()) {
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

    fn add_edges(&mut self, calls: Vec<ResolvedCall>) {
        for call in &calls {
            for (pos, (arg, _)) in call.args.iter().enumerate() {
                self.dag.add_edge(*arg, call.node, pos);
            }
        }
        self.calls = calls;
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
