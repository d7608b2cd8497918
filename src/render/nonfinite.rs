//! The first NaN or infinity of an evaluation, explained: which node, its op,
//! its arguments' values, and the likely cause.

use crate::diag::{Diagnostic, ErrorKind};
use crate::eval::{NonFinite, Pass};
use crate::graph::Kind;
use crate::plan::Plan;
use crate::render::{number, value_text};
use crate::slots::Values;

/// Explains the first non-finite value: which node, its op, its inputs, the likely cause.
pub fn diagnostic(plan: &Plan, values: &Values, nf: NonFinite) -> Diagnostic {
    let node = match nf.pass {
        Pass::Forward => nf.slot,
        Pass::Backward => nf.from.unwrap_or(nf.slot),
    };
    let info = plan.info(node);
    let what = match nf.pass {
        Pass::Forward => "value",
        Pass::Backward => "gradient",
    };
    let bad = number(nf.value, 6);
    let at = if plan.info(nf.slot).shape.is_empty() {
        String::new()
    } else {
        format!(" at element {}", nf.index)
    };
    let (message, cause) = match info.kind {
        Kind::Node(op) => {
            let args: Vec<String> = info
                .args
                .iter()
                .map(|&s| format!("`{}` = {}", plan.info(s).name, value_text(&values[s], 6, 4)))
                .collect();
            let target = match nf.pass {
                Pass::Forward => String::new(),
                Pass::Backward => format!(" to the gradient of `{}`", plan.info(nf.slot).name),
            };
            (
                format!(
                    "`{}` = {}({}) contributed {bad}{at}{target} ({what} is not finite)",
                    info.name,
                    op.name(),
                    args.join(", ")
                ),
                op.def().nan_cause,
            )
        }
        Kind::Input | Kind::Param | Kind::Literal => (
            format!("the {} `{}` is {bad}{at}", info.kind.describe(), info.name),
            "a non-finite number written in the spec or given with --set",
        ),
    };
    Diagnostic::new(
        ErrorKind::NonFinite,
        format!("{message}; likely cause: {cause}"),
    )
    .at(plan.source(), info.span, format!("first non-finite {what}"))
}
