//! Plan -> Python: `bpc export` writes a readable, runnable script that
//! builds the same graph with the same values, computes the output and every
//! gradient, and prints the same JSON as `bpc run --format json`.
//!
//! - NumPy ([`numpy`]): the backward pass written out by hand, one line per
//!   node in reverse order, the way the lesson writes `backward`.
//! - PyTorch and JAX ([`autograd`]): the forward pass; the framework's
//!   autograd computes the gradients.
//!
//! How each op reads in Python is calculus, so it lives with the ops
//! (`crate::op::export`); this module assembles the script: names ([`names`]),
//! values, helper functions, the JSON report.

mod autograd;
mod names;
mod numpy;
mod python;

use crate::graph::Kind;
use crate::op::export::{Py, python as op_python};
use crate::plan::{Plan, Slot};
use crate::spec::ValueDef;

pub use crate::op::export::Target;
use names::Names;
use python::Library;

/// Functions every script may use (JSON report, bpc's inits).
const COMMON: &str = include_str!("common.py");

/// Writes the script for `plan` in `target`'s Python (every op is written
/// in every target). `origin` is how the script says where it came from (the
/// spec's path as given, and any `--set`); the leaves named in `replaced`
/// take their value from the plan (as `--set` gave it), not from the spec's
/// init.
pub fn export(plan: &Plan, target: Target, origin: &str, replaced: &[&str]) -> String {
    let ops = plan
        .steps
        .iter()
        .map(|step| op_python(&step.op, target))
        .collect();
    let mut script = Script::new(plan, target, ops, replaced);
    match target {
        Target::Numpy => numpy::write(&mut script, origin),
        Target::Pytorch | Target::Jax => autograd::write(&mut script, origin),
    }
}

/// What every target's script needs: the plan, a Python name (or literal)
/// for every slot, each step's op in Python, and the helper libraries.
struct Script<'p> {
    plan: &'p Plan,
    target: Target,
    /// Per slot: a variable name, or a literal's number.
    py: Vec<String>,
    /// Per step: its op's Python.
    ops: Vec<Py>,
    /// Names still to hand out (gradients), and the record of changed ones.
    names: Names,
    /// Leaves whose value `--set` replaced.
    replaced: &'p [&'p str],
    common: Library,
    helpers: Library,
}

impl<'p> Script<'p> {
    fn new(plan: &'p Plan, target: Target, ops: Vec<Py>, replaced: &'p [&'p str]) -> Script<'p> {
        let common = Library::new(COMMON);
        let helpers = Library::new(crate::op::export::helpers(target));
        let own = autograd::OWN_NAMES.iter().copied();
        let modules = ["np", "json", "math", "torch", "F", "jax", "jnp"];
        let mut names = Names::new(
            modules
                .into_iter()
                .chain(own)
                .chain(common.names())
                .chain(helpers.names()),
        );
        let py = plan
            .slots
            .iter()
            .enumerate()
            .map(|(i, info)| match info.kind {
                Kind::Literal => literal(target, &plan.leaves[i]),
                _ => names.value(&info.name),
            })
            .collect();
        Script {
            plan,
            target,
            py,
            ops,
            names,
            replaced,
            common,
            helpers,
        }
    }

    /// The Python of slot `s`.
    fn py(&self, s: Slot) -> &str {
        &self.py[s.index()]
    }

    /// The step's op template with its arguments, result and gradient
    /// filled in; `<x...>` (a variadic op's repeated argument) takes all the
    /// arguments from there on, comma-separated.
    fn fill(&self, template: &str, step: usize, grad: &str) -> String {
        let st = &self.plan.steps[step];
        let names = st.op.def().args;
        let args: Vec<&str> = st.args().iter().map(|&a| self.py(a)).collect();
        let mut out = template.to_string();
        for (k, arg) in names.iter().enumerate() {
            if arg.repeats {
                let rest = args.get(k..).unwrap_or_default().join(", ");
                out = out.replace(&format!("<{}...>", arg.name), &rest);
            } else if let Some(value) = args.get(k) {
                out = out.replace(&format!("<{}>", arg.name), value);
            }
        }
        out.replace("<out>", self.py(st.out)).replace("<g>", grad)
    }

    /// The helper functions the script's ops use, and bpc's init when a
    /// leaf needs it.
    fn helper_texts(&self, init: bool) -> Vec<&'static str> {
        let mut texts = if init {
            self.common.pick(["bpc_init"])
        } else {
            Vec::new()
        };
        texts.extend(
            self.helpers
                .pick(self.ops.iter().flat_map(|p| p.needs.iter().copied())),
        );
        texts
    }

    /// The end of every script: the JSON printer, then the call that prints
    /// the rows (`report(...)`).
    fn json_report(&self, rows: String) -> String {
        format!(
            "\n\n# The same JSON as `bpc run --format json`\n{}\n\n\n{rows}\n",
            self.common.pick(["report"]).join("\n\n\n")
        )
    }

    /// The header: where the script comes from and what it prints.
    fn header(&self, origin: &str, how: &str) -> String {
        let spec = &self.plan.spec;
        let mut lines = vec![
            "#!/usr/bin/env python3".to_string(),
            python::comment(&format!(
                "{} — exported by bpc from {origin}",
                self.plan.name
            )),
        ];
        if let Some(d) = &spec.description {
            lines.push(python::comment(d.trim()));
        }
        lines.push("#".into());
        lines.push(python::comment(&python::wrap(how, 77)));
        lines.push(python::comment(&format!(
            "It prints the same JSON as `bpc run {origin} --format json`."
        )));
        if !self.names.changed.is_empty() {
            lines.push("#".into());
            lines.push(
                "# Names changed to be Python identifiers (spec name -> Python name):".into(),
            );
            for (from, to) in &self.names.changed {
                lines.push(python::comment(&format!("  {from} -> {to}")));
            }
        }
        lines.join("\n")
    }

    /// The leaves' definitions, `name = value` (NumPy arrays), one per line,
    /// with what the value is when it is not written in the spec; and
    /// whether one of them uses `bpc_init`.
    fn leaf_lines(&self) -> (Vec<String>, bool) {
        let lines: Vec<String> = self
            .plan
            .named()
            .filter(|(_, info)| matches!(info.kind, Kind::Input | Kind::Param))
            .map(|(slot, info)| {
                let name = self.py(slot);
                let value = &self.plan.leaves[slot.index()];
                let (expr, note) = if self.replaced.contains(&info.name.as_str()) {
                    (
                        python::array(value, ""),
                        Some("as --set gave it".to_string()),
                    )
                } else {
                    leaf_value(self.plan, &info.name, value)
                };
                match note {
                    Some(n) => format!("{name} = {expr}  # {n}"),
                    None => format!("{name} = {expr}"),
                }
            })
            .collect();
        let init = lines.iter().any(|l| l.contains("= bpc_init("));
        (lines, init)
    }

    /// The report rows `(name, value, gradient)` in bpc's order, given how to
    /// write a slot's value and gradient.
    fn report(&self, value: impl Fn(Slot) -> String, grad: impl Fn(Slot) -> String) -> String {
        let rows: Vec<String> = self
            .plan
            .named()
            .map(|(slot, info)| {
                format!(
                    "    ({}, {}, {}),",
                    python::string(&info.name),
                    value(slot),
                    grad(slot)
                )
            })
            .collect();
        format!(
            "report({}, {}, [\n{}\n])",
            python::string(&self.plan.name),
            python::string(self.plan.output_name()),
            rows.join("\n")
        )
    }
}

/// A literal argument in the target's Python.
fn literal(target: Target, v: &crate::tensor::Value) -> String {
    let x = python::number(v.as_scalar().unwrap_or(f64::NAN));
    match target {
        Target::Pytorch => format!("const({x})"),
        Target::Numpy | Target::Jax => x,
    }
}

/// A leaf's value as a NumPy expression: bpc's seeded init when the spec
/// gives one (and data does not replace it), else the numbers themselves.
fn leaf_value(plan: &Plan, name: &str, value: &crate::tensor::Value) -> (String, Option<String>) {
    let spec = &plan.spec;
    let data = spec.data.as_ref().map(|d| &d.value);
    let from_data = data.is_some_and(|d| {
        d.inline.iter().any(|e| e.name.value == name)
            || d.columns.iter().any(|e| e.name.value == name)
    });
    if from_data {
        let note = match data.and_then(|d| d.csv.as_ref()) {
            Some(csv) => format!("from data: columns of {}", csv.value),
            None => "from data".to_string(),
        };
        return (python::array(value, ""), Some(python::clean(&note)));
    }
    let def = spec
        .inputs
        .iter()
        .chain(&spec.params)
        .find(|e| e.name.value == name);
    if let Some(ValueDef::Init(init)) = def.map(|e| &e.def.value) {
        let shape = value.shape();
        let kind = init.init.value.as_str();
        let expr = match kind {
            "zeros" => format!("np.zeros({})", python::tuple(shape)),
            "ones" => format!("np.ones({})", python::tuple(shape)),
            _ => {
                let mut args = vec![python::string(kind), format!("{shape:?}")];
                let opt = [
                    ("mean", init.mean.as_ref()),
                    ("std", init.std.as_ref()),
                    ("low", init.low.as_ref()),
                    ("high", init.high.as_ref()),
                ];
                if let Some(seed) = &init.seed {
                    args.push(format!("seed={}", seed.value));
                }
                for (k, v) in opt {
                    if let Some(v) = v {
                        args.push(format!("{k}={}", python::number(v.value)));
                    }
                }
                format!("bpc_init({})", args.join(", "))
            }
        };
        return (expr, Some(format!("{kind} init, as bpc draws it")));
    }
    (python::array(value, ""), None)
}
