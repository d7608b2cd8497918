//! JSON for machines: `{"name", "output", "values", "grads"}`, every f64 in
//! the shortest form that reads back as the same number.

use std::fmt::Write;

use crate::eval::Evaluation;
use crate::plan::Plan;
use crate::render::{exact, nested};
use crate::tensor::Value;

/// One JSON number; NaN and infinities, which JSON lacks, become the strings
/// `"NaN"`, `"inf"` and `"-inf"`.
pub fn number(x: f64) -> String {
    if x.is_nan() {
        "\"NaN\"".into()
    } else if x.is_infinite() {
        if x > 0.0 {
            "\"inf\"".into()
        } else {
            "\"-inf\"".into()
        }
    } else {
        exact(x)
    }
}

/// A value as a JSON number or nested array.
pub fn value(v: &Value) -> String {
    nested(v.shape(), &v.to_vec(), &number)
}

/// A JSON string literal; control, bidi and invisible characters are
/// `\uXXXX` escapes, so the JSON is safe to print on a terminal.
pub fn string(s: &str) -> String {
    crate::term::json_safe(serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()))
}

/// Renders the whole evaluation as one JSON object (keys in evaluation order).
pub fn render(plan: &Plan, eval: &Evaluation) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{{\"name\": {}, \"output\": {}",
        string(&plan.name),
        string(plan.output_name())
    );
    for (key, vals) in [("values", &*eval.values), ("grads", &*eval.grads)] {
        let _ = write!(out, ", \"{key}\": {{");
        for (k, (slot, info)) in plan.named().enumerate() {
            let sep = if k == 0 { "" } else { ", " };
            let _ = write!(
                out,
                "{sep}{}: {}",
                string(&info.name),
                value(&vals[slot.index()])
            );
        }
        out.push('}');
    }
    out.push_str("}\n");
    out
}
