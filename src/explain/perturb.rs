//! The lesson's experiment: change some inputs, and compare how far the
//! output actually moves with how far its gradient says it moves.
//!
//! The gradient is the slope at the old values, so it predicts the change
//! Σ (d out / d leaf) · Δleaf over the changed leaves (every element of a
//! tensor). For an output that is linear in the changed leaves (the fruit
//! total in the count alone) the prediction is exact; otherwise the
//! difference between the actual and the predicted change is the
//! higher-order part (for the fruit total with both count and tax changed,
//! price · Δcount · Δtax).

use std::path::Path;

use crate::data;
use crate::diag::Diagnostics;
use crate::eval::Evaluation;
use crate::files::ReadPolicy;
use crate::graph::Kind;
use crate::load;
use crate::plan::Plan;
use crate::render::{number, value_text};
use crate::tensor::Value;
use crate::timings::Timings;

/// One changed leaf.
#[derive(Clone, Debug)]
pub struct Change {
    /// Its name.
    pub name: String,
    /// Its value before.
    pub old: Value,
    /// Its value after.
    pub new: Value,
    /// d output / d leaf at the old values.
    pub grad: Value,
    /// The change the gradient predicts from this leaf: Σ grad · (new − old).
    pub predicted: f64,
}

impl Change {
    /// new − old, element by element.
    pub fn delta(&self) -> Value {
        let delta: Vec<f64> = self
            .new
            .iter()
            .zip(self.old.iter())
            .map(|(n, o)| n - o)
            .collect();
        match &self.new {
            Value::Scalar(_) => Value::Scalar(delta.first().copied().unwrap_or(f64::NAN)),
            Value::Tensor(a) => Value::from_array(
                crate::tensor::Array::from_shape_vec(a.raw_dim(), delta)
                    .unwrap_or_else(|_| crate::tensor::Array::zeros(a.raw_dim())),
            ),
        }
    }

    /// True when the leaf is a scalar (the prediction is one product).
    pub fn is_scalar(&self) -> bool {
        self.new.shape().is_empty()
    }
}

/// The output before and after a change of some leaves.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// The output's name.
    pub output: String,
    /// The output is not a scalar: the numbers are the sum of its elements
    /// (whose gradient bpc takes).
    pub summed: bool,
    /// The output (or its sum) before.
    pub old: f64,
    /// The output (or its sum) after.
    pub new: f64,
    /// The leaves that were given new values, in the order given.
    pub changes: Vec<Change>,
}

impl Comparison {
    /// new − old.
    pub fn actual(&self) -> f64 {
        self.new - self.old
    }

    /// What the gradient predicts: the sum of every change's prediction.
    pub fn predicted(&self) -> f64 {
        self.changes.iter().map(|c| c.predicted).sum()
    }

    /// actual − predicted: the higher-order part.
    pub fn difference(&self) -> f64 {
        self.actual() - self.predicted()
    }

    /// The difference is rounding error only: the prediction is exact.
    pub fn exact(&self) -> bool {
        let scale = self.old.abs().max(self.new.abs()).max(
            self.changes
                .iter()
                .map(|c| c.predicted.abs())
                .fold(0.0, f64::max),
        );
        self.difference().abs() <= 1e-9 * scale.max(f64::MIN_POSITIVE)
    }

    /// How the output is named in the comparison: `total_price`, or
    /// `sum(out)` for an output that is not a scalar.
    pub fn output_label(&self) -> String {
        if self.summed {
            format!("sum({})", self.output)
        } else {
            self.output.clone()
        }
    }

    /// The prediction as a sum of terms: `110 × 1 + 200 × 0.1` (a tensor's
    /// term is its total, `0.0123 from W`).
    pub fn prediction_terms(&self, sig: usize) -> String {
        let terms: Vec<String> = self
            .changes
            .iter()
            .map(|c| match (c.grad.as_scalar(), c.delta().as_scalar()) {
                (Some(g), Some(d)) => format!("{} × {}", number(g, sig), parenthesized(d, sig)),
                _ => format!("{} from {}", number(c.predicted, sig), c.name),
            })
            .collect();
        if terms.is_empty() {
            "0".into()
        } else {
            terms.join(" + ")
        }
    }

    /// `spec `fruit` with n_X = 3 instead of 2`: the first line of output
    /// after `--set`, instead of the file's description.
    pub fn title(&self, spec: &str, sig: usize, max_elems: usize) -> String {
        let text = |v| value_text(v, sig, max_elems);
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| format!("{} = {} instead of {}", c.name, text(&c.new), text(&c.old)))
            .collect();
        format!("spec `{spec}` with {}", changes.join(", "))
    }

    /// The one-line comparison:
    /// `total_price 220 -> 330: +110 (gradient predicts 110 × 1 = +110)`,
    /// with the higher-order part when it is not negligible.
    pub fn line(&self, sig: usize) -> String {
        let mut line = format!(
            "{} {} -> {}: {} (gradient predicts {} = {})",
            self.output_label(),
            number(self.old, sig),
            number(self.new, sig),
            signed(self.actual(), sig),
            self.prediction_terms(sig),
            signed(self.predicted(), sig)
        );
        if !self.exact() {
            line.push_str(&format!(
                "; the other {} is the higher-order part",
                signed(self.difference(), sig)
            ));
        }
        line
    }
}

/// `+110`, `-20`, `+0`: a change, with its sign.
pub fn signed(x: f64, sig: usize) -> String {
    let text = number(x, sig);
    if text.starts_with('-') || text == "NaN" {
        text
    } else {
        format!("+{text}")
    }
}

/// A number as a factor: negative ones in parentheses, `(-0.5)`.
pub fn parenthesized(x: f64, sig: usize) -> String {
    let text = number(x, sig);
    if text.starts_with('-') {
        format!("({text})")
    } else {
        text
    }
}

/// The output's value for the comparison: itself, or the sum of its elements.
fn output_total(v: &Value) -> f64 {
    v.iter().sum()
}

/// Compares the output of `old` with that of `new` (the same spec with the
/// leaves named in `names` given other values). The gradients are `old`'s.
/// Names that are not leaves of both plans are skipped; a name given twice
/// counts once.
pub fn compare(
    names: &[String],
    (old_plan, old): (&Plan, &Evaluation),
    (new_plan, new): (&Plan, &Evaluation),
) -> Comparison {
    let mut changes: Vec<Change> = Vec::new();
    for name in names {
        if changes.iter().any(|c| &c.name == name) {
            continue;
        }
        let (Some(a), Some(b)) = (old_plan.slot(name), new_plan.slot(name)) else {
            continue;
        };
        if !matches!(old_plan.info(a).kind, Kind::Input | Kind::Param) {
            continue;
        }
        let (old_v, new_v) = (&old.values[a], &new.values[b]);
        let grad = old.grads[a].clone();
        let predicted = grad
            .iter()
            .zip(new_v.iter().zip(old_v.iter()))
            .map(|(g, (n, o))| g * (n - o))
            .sum();
        changes.push(Change {
            name: name.clone(),
            old: old_v.clone(),
            new: new_v.clone(),
            grad,
            predicted,
        });
    }
    Comparison {
        output: old_plan.output_name().to_string(),
        summed: !old_plan.output_is_scalar(),
        old: output_total(&old.values[old_plan.output]),
        new: output_total(&new.values[new_plan.output]),
        changes,
    }
}

/// The plan of `plan`'s spec as its file gives it (its `data` bound, no
/// `--set`): what `bpc run --set` compares against.
pub fn file_plan(
    plan: &Plan,
    spec_path: &Path,
    policy: &ReadPolicy,
    timings: &mut Timings,
) -> Result<Plan, Diagnostics> {
    let data = timings.time("load data", || {
        data::bindings(&plan.spec, spec_path, policy)
    })?;
    load::compile_spec(plan.spec.clone(), &data, timings)
}

/// The names of the leaves `NAME=VALUE` arguments bind (their text before
/// `=`), for [`compare`].
pub fn names(args: &[String]) -> Vec<String> {
    args.iter()
        .filter_map(|a| a.split_once('=').map(|(n, _)| n.trim().to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval;
    use crate::graph::{BindMode, Binding};
    use crate::spec;

    fn plan(text: &str, sets: &[(&str, f64)]) -> (Plan, Evaluation) {
        let src = crate::diag::Source::new("t.yaml", text);
        let spec = std::sync::Arc::new(spec::parse(&src).expect("spec parses"));
        let bindings: Vec<Binding> = sets
            .iter()
            .map(|(n, v)| Binding {
                name: n.to_string(),
                value: Value::Scalar(*v),
                origin: None,
                mode: BindMode::Replace,
            })
            .collect();
        let plan = load::compile_spec(spec, &bindings, &mut Timings::default()).expect("valid");
        let e = eval::evaluate(&plan);
        (plan, e)
    }

    const FRUIT: &str = "inputs: { n_X: 2, price_Y: 100, b_TAX: 1.1 }\n\
        nodes: { fruit_price: 'mul(price_Y, n_X)', total_price: 'mul(fruit_price, b_TAX)' }\n\
        output: total_price\n";

    fn fruit(sets: &[(&str, f64)]) -> Comparison {
        let (p0, e0) = plan(FRUIT, &[]);
        let (p1, e1) = plan(FRUIT, sets);
        let names: Vec<String> = sets.iter().map(|(n, _)| n.to_string()).collect();
        compare(&names, (&p0, &e0), (&p1, &e1))
    }

    #[test]
    fn one_more_fruit_is_predicted_exactly() {
        // 3 × 100 × 1.1 − 2 × 100 × 1.1 = 110 = d total / d n_X × 1
        let c = fruit(&[("n_X", 3.0)]);
        assert!((c.actual() - 110.0).abs() < 1e-9, "{}", c.actual());
        assert!((c.predicted() - 110.0).abs() < 1e-9, "{}", c.predicted());
        assert!(c.exact());
        assert_eq!(
            c.line(6),
            "total_price 220 -> 330: +110 (gradient predicts 110 × 1 = +110)"
        );
    }

    #[test]
    fn a_higher_tax_is_predicted_exactly() {
        // 2 × 100 × 0.1 = 20 = d total / d b_TAX × 0.1
        let c = fruit(&[("b_TAX", 1.2)]);
        assert_eq!(
            c.line(6),
            "total_price 220 -> 240: +20 (gradient predicts 200 × 0.1 = +20)"
        );
    }

    #[test]
    fn two_changes_together_have_a_higher_order_part() {
        // 3 × 100 × 1.2 − 220 = 140; predicted 110 + 20 = 130; the cross
        // term price × Δn × Δtax = 100 × 1 × 0.1 = 10 is the rest.
        let c = fruit(&[("n_X", 3.0), ("b_TAX", 1.2)]);
        assert!(!c.exact());
        assert!((c.difference() - 10.0).abs() < 1e-9, "{}", c.difference());
        assert_eq!(
            c.line(6),
            "total_price 220 -> 360: +140 (gradient predicts 110 × 1 + 200 × 0.1 = +130); \
             the other +10 is the higher-order part"
        );
    }

    #[test]
    fn negative_changes_are_parenthesized() {
        let c = fruit(&[("n_X", 1.0)]);
        assert_eq!(
            c.line(6),
            "total_price 220 -> 110: -110 (gradient predicts 110 × (-1) = -110)"
        );
    }

    #[test]
    fn names_are_the_text_before_the_equals_sign() {
        let args = vec!["n_X=3".to_string(), "w = [1, 2]".into(), "bad".into()];
        assert_eq!(names(&args), vec!["n_X".to_string(), "w".into()]);
    }
}
