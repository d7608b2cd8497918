//! A key's `vary:` resolved against its graph: every rule names an input or
//! param written in the spec, says `range` or `choice` (not both), and draws
//! values of the leaf's shape. Every problem is reported at once, at its line.

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Span, did_you_mean};
use crate::graph::{self, Kind};
use crate::plan::Plan;
use crate::spec::{Entry, VaryRuleDef};
use crate::tensor::shape_text;

use super::variant::{Draw, Rule};

/// The most values one range may hold (a range is a list of numbers to pick
/// from, not a continuum).
pub const MAX_RANGE: f64 = 1e9;

/// A key's variants: the seed and the rules, in the key's order.
#[derive(Clone, Debug, PartialEq)]
pub struct Vary {
    /// `vary.seed` (default 0).
    pub seed: u64,
    /// One rule per varied input or param.
    pub rules: Vec<Rule>,
}

/// The plan's `vary`, checked; `None` when the spec has none.
pub fn rules(plan: &Plan) -> Result<Option<Vary>, Diagnostics> {
    let Some(vary) = &plan.spec.vary else {
        return Ok(None);
    };
    let src = plan.source();
    let mut errors = Diagnostics::default();
    let mut rules: Vec<Rule> = Vec::new();
    let written = |name: &str| {
        let spec = &plan.spec;
        spec.inputs
            .iter()
            .chain(&spec.params)
            .any(|e| e.name.value == name)
    };
    for e in &vary.value.rules {
        let name = &e.name.value;
        let slot = plan
            .slot(name)
            .filter(|s| matches!(plan.info(*s).kind, Kind::Input | Kind::Param));
        let Some(slot) = slot.filter(|_| written(name)) else {
            let leaves = plan
                .named()
                .filter(|(_, i)| matches!(i.kind, Kind::Input | Kind::Param))
                .map(|(_, i)| i.name.as_str());
            let why = if plan.slot(name).is_some() {
                "a node or a data column; only inputs and params written in the spec vary"
            } else {
                "not an input or param of the graph"
            };
            errors.push(
                Diagnostic::new(
                    ErrorKind::UnknownName,
                    format!("`vary` names `{name}`, which cannot vary"),
                )
                .at(src, e.name.span, why)
                .maybe_help(did_you_mean(name, leaves)),
            );
            continue;
        };
        if rules.iter().any(|r| r.name == *name) {
            errors.push(
                Diagnostic::new(
                    ErrorKind::DuplicateName,
                    format!("`vary` names `{name}` twice"),
                )
                .at(src, e.name.span, "again here"),
            );
            continue;
        }
        let shape = plan.info(slot).shape.clone();
        match draw(src, e, &shape) {
            Ok(draw) => rules.push(Rule {
                name: name.clone(),
                shape,
                draw,
            }),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(Vary {
        seed: vary.value.seed.as_ref().map_or(0, |s| s.value),
        rules,
    }))
}

/// One rule, checked.
fn draw(src: &Source, e: &Entry<VaryRuleDef>, shape: &[usize]) -> Result<Draw, Diagnostic> {
    let r = &e.def.value;
    let bad = |span: Span, message: String, label: &str| {
        Diagnostic::new(ErrorKind::BadValue, message)
            .at(src, span, label)
            .help("write `NAME: { range: [1, 9] }` (with `step: 0.5` if not whole numbers) or `NAME: { choice: [80, 100, 120] }`")
    };
    let name = &e.name.value;
    match (&r.range, &r.choice) {
        (Some(_), Some(c)) => Err(bad(
            c.span,
            format!("`vary.{name}` has both `range` and `choice`"),
            "one or the other",
        )),
        (None, None) => Err(bad(
            e.def.span,
            format!("`vary.{name}` needs `range` or `choice`"),
            "no rule",
        )),
        (None, Some(c)) => {
            if let Some(step) = &r.step {
                return Err(bad(
                    step.span,
                    format!("`vary.{name}`: `step` goes with `range`"),
                    "not for a choice",
                ));
            }
            if c.value.is_empty() {
                return Err(bad(
                    c.span,
                    format!("`vary.{name}.choice` is empty"),
                    "nothing to choose",
                ));
            }
            let mut values = Vec::with_capacity(c.value.len());
            for v in &c.value {
                let value = graph::value_of(src, v)?;
                if value.shape() != shape {
                    return Err(bad(
                        v.span,
                        format!(
                            "`vary.{name}`: a choice of shape {}, but `{name}` has shape {}",
                            shape_text(value.shape()),
                            shape_text(shape)
                        ),
                        "wrong shape",
                    ));
                }
                values.push(value);
            }
            Ok(Draw::Choice(values))
        }
        (Some(range), None) => {
            let (low, high) = match range.value[..] {
                [low, high] if low.is_finite() && high.is_finite() && low <= high => (low, high),
                _ => {
                    return Err(bad(
                        range.span,
                        format!("`vary.{name}.range` must be `[LOW, HIGH]` with LOW <= HIGH"),
                        "not a range",
                    ));
                }
            };
            let step = r.step.as_ref().map_or(1.0, |s| s.value);
            let span = r.step.as_ref().map_or(range.span, |s| s.span);
            if !(step.is_finite() && step > 0.0) {
                return Err(bad(
                    span,
                    format!("`vary.{name}.step` must be a number > 0"),
                    "not a step",
                ));
            }
            if Draw::range_len(low, high, step) > MAX_RANGE {
                return Err(bad(
                    span,
                    format!("`vary.{name}` holds more than {MAX_RANGE:e} values"),
                    "too many values",
                ));
            }
            Ok(Draw::Range { low, high, step })
        }
    }
}
