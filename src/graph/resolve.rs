//! Resolving a spec's definitions: leaves and their values, bindings from
//! `--set` and `data`, nodes with their ops, attributes and arguments.

use petgraph::graph::NodeIndex;

use super::limits::over_total;
use super::values::{Leaf, declared_elements, format_literal, leaf_of};
use super::{
    BindMode, Binding, Builder, Item, Kind, MAX_ELEMENTS, MAX_TOTAL_ELEMENTS, ResolvedCall,
    placeholder,
};
use crate::diag::{Diagnostic, ErrorKind, did_you_mean};
use crate::spec::{self, Arg, Entry, Spec, ValueDef};
use crate::tensor::{Value, shape_text};

impl<'s> Builder<'s> {
    pub(super) fn add_leaves(
        &mut self,
        entries: &'s [Entry<ValueDef>],
        kind: Kind,
        bindings: &[Binding],
    ) {
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
            let leaf = if self.leaves_too_big {
                if before <= MAX_TOTAL_ELEMENTS
                    && self.declared > MAX_TOTAL_ELEMENTS
                    && n <= MAX_ELEMENTS
                {
                    self.error(over_total(self.src, e.def.span, &e.name.value, n));
                }
                None
            } else {
                match leaf_of(self.src, &e.def) {
                    Ok(l) => Some(l),
                    Err(d) if !rebound => {
                        self.error(d);
                        None
                    }
                    Err(_) => None,
                }
            };
            let shape = leaf
                .as_ref()
                .map(|l| l.shape().to_vec())
                .unwrap_or_default();
            if leaf.is_some() && !rebound {
                self.elements = self.elements.saturating_add(shape.iter().product());
            }
            let (value, pending) = match leaf {
                Some(Leaf::Ready(v)) => (Some(v), None),
                Some(Leaf::Pending(p)) => (None, Some(p)),
                None => (None, None),
            };
            let item = Item {
                name: e.name.value.clone(),
                kind,
                shape,
                span: e.name.span,
                value,
            };
            if let Some(i) = self.declare(&e.name, item) {
                self.leaves.push(i);
                if let Some(p) = pending {
                    self.pending.push((i, p));
                }
            }
        }
    }

    pub(super) fn apply_bindings(&mut self, spec: &Spec, bindings: &'s [Binding]) {
        let node_names: Vec<&str> = spec.nodes.iter().map(|e| e.name.value.as_str()).collect();
        for bind in bindings {
            let found = self.names.get(bind.name.as_str()).copied();
            match (found, bind.mode) {
                (Some(i), BindMode::Replace) => {
                    // A leaf's shape is known once it has a value or an init.
                    let known = self.dag[i].value.is_some() || self.is_pending(i);
                    let item = &mut self.dag[i];
                    let old = known.then(|| item.shape.clone());
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
                        // The init it replaces is never generated.
                        self.pending.retain(|(j, _)| *j != i);
                    }
                }
                (Some(i), BindMode::Data) => {
                    let item = &mut self.dag[i];
                    item.shape = bind.value.shape().to_vec();
                    item.value = Some(bind.value.clone());
                    self.elements = self.elements.saturating_add(bind.value.len());
                    self.pending.retain(|(j, _)| *j != i);
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
                    self.names.insert(bind.name.as_str(), i);
                    self.leaves.push(i);
                    self.elements = self.elements.saturating_add(bind.value.len());
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

    pub(super) fn add_nodes(&mut self, entries: &'s [Entry<spec::NodeDef>]) -> Vec<ResolvedCall> {
        // First every name, so references may point forward in the file.
        let vertices: Vec<Option<NodeIndex>> = entries
            .iter()
            .map(|e| self.declare(&e.name, placeholder(&e.name, Kind::Literal)))
            .collect();
        // Then each call, in file order: parsed, its op checked, its arguments
        // resolved. Nothing is kept per node but the resolved call.
        let mut resolved = Vec::with_capacity(entries.len());
        for (e, vertex) in entries.iter().zip(vertices) {
            let call = match e.def.value.to_call(self.src, e.def.span) {
                Ok(c) => c,
                Err(d) => {
                    self.error(d);
                    continue;
                }
            };
            let checked = self.check_op(&call, e.def.span);
            let (Some(node), Some((op, arity))) = (vertex, checked) else {
                continue;
            };
            self.dag[node].kind = Kind::Node(op);
            let mut args = Vec::with_capacity(arity);
            let mut ok = true;
            // Past the arguments come attributes given by position.
            for arg in &call.args[..arity] {
                match &arg.value {
                    Arg::Name(name) => match self.names.get(*name) {
                        Some(&i) => args.push((i, arg.span)),
                        None if self.invalid.iter().any(|i| i == name) => ok = false,
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
                    span: e.def.span,
                    op_span: call.op.span,
                });
            }
        }
        resolved
    }
}
