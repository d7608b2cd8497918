//! Shapes checked with the batch sizes, before training starts.

use crate::diag::Diagnostics;
use crate::graph::{BindMode, Binding};
use crate::load;
use crate::plan::{Plan, Slot};
use crate::tensor::Value;
use crate::timings::Timings;
use crate::train::Settings;

/// The plan was checked with the whole data set bound; a batch has fewer rows,
/// which can break shapes that the whole set satisfied (an input with one row
/// per data row that is not itself bound by `data`, say). Builds the graph
/// again with each batch size bound, so that such a spec fails here with the
/// graph's own message rather than with NaN in the middle of training.
pub fn check(plan: &Plan, data: &[Slot], s: &Settings, sets: &[String]) -> Result<(), Diagnostics> {
    let tail = if s.batch_size == 0 {
        0
    } else {
        s.rows % s.batch_size
    };
    for n in [s.batch_size, tail] {
        if n == 0 || n == s.rows {
            continue;
        }
        let mut bindings = Vec::new();
        for &slot in data {
            // The first n rows, copied from a view (not the whole set first).
            let rows = plan.leaves[slot.index()]
                .view()
                .slice_axis(ndarray::Axis(0), ndarray::Slice::from(..n))
                .to_owned();
            bindings.push(Binding {
                name: plan.info(slot).name.clone(),
                value: Value::from_array(rows),
                origin: None,
                mode: BindMode::Data,
            });
        }
        for set in sets {
            bindings.push(load::parse_set(set)?);
        }
        if let Err(mut d) =
            load::compile_spec(plan.spec.clone(), &bindings, &mut Timings::default())
        {
            for e in &mut d.0 {
                e.message = format!(
                    "with batches of {n} rows (batch_size {}): {}",
                    s.batch_size, e.message
                );
            }
            return Err(d);
        }
    }
    Ok(())
}
