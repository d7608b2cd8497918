//! Held-out data (`data.test`): the spec loaded for training with its test
//! rows apart, compiled into a plan of their own, and scored with the
//! params as they are at the end of every epoch.

use std::path::Path;

use crate::data::{self, split};
use crate::diag::Diagnostics;
use crate::eval;
use crate::files::ReadPolicy;
use crate::graph::{self, Binding};
use crate::load;
use crate::plan::{Plan, Slot};
use crate::slots::Values;
use crate::spec::TestDef;
use crate::timings::Timings;
use crate::train::{Accuracy, Metric, Score};

/// The held-out rows, compiled.
#[derive(Clone, Debug)]
pub struct Held {
    /// The spec's graph with the test rows bound to its data inputs.
    pub plan: Plan,
    /// How many test rows.
    pub rows: usize,
    /// True when they come from a test CSV, false for a fraction of the data.
    pub from_file: bool,
}

/// Loads the spec at `path` for training, as [`load::load_with`] does, but
/// with the rows of `data.test` apart: the plan of the training rows, and the
/// held-out rows' own plan (none without `data.test`). `sets` bind in both.
pub fn load(
    path: &Path,
    sets: &[String],
    policy: &ReadPolicy,
    timings: &mut Timings,
) -> Result<(Plan, Option<Held>), Diagnostics> {
    let spec = load::parse_file(path, timings)?;
    graph::check_size(&spec)?;
    let rows = timings.time("load data", || data::bindings(&spec, path, policy))?;
    let mut replaced = Vec::new();
    let mut errors = Diagnostics::default();
    for s in sets {
        match load::parse_set(s) {
            Ok(b) => replaced.push(b),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let test = spec.data.as_ref().and_then(|d| d.value.test.as_ref());
    let (train, test): (Vec<Binding>, Option<(Vec<Binding>, bool)>) = match test.map(|t| &t.value) {
        Some(TestDef::Fraction(f)) => {
            let n = rows
                .first()
                .and_then(|b| b.value.shape().first().copied())
                .unwrap_or(0);
            let held = split::test_rows(n, split::held_out_count(n, *f), split::seed(&spec));
            let (train, test) = split::split(&rows, &held);
            (train, Some((test, false)))
        }
        Some(TestDef::Csv(_)) => {
            let test = timings.time("load test data", || {
                data::test_bindings(&spec, path, policy)
            })?;
            (rows, test.map(|t| (t, true)))
        }
        Some(TestDef::Bad(_)) | None => (rows, None),
    };
    let with_sets = |mut b: Vec<Binding>| {
        b.extend(replaced.iter().cloned());
        b
    };
    let plan = load::compile_spec(spec.clone(), &with_sets(train), timings)?;
    let Some((test, from_file)) = test else {
        return Ok((plan, None));
    };
    let n = test
        .first()
        .and_then(|b| b.value.shape().first().copied())
        .unwrap_or(0);
    let held = load::compile_spec(spec, &with_sets(test), timings).map_err(|mut d| {
        for e in &mut d.0 {
            e.message = format!("with the {n} held-out rows: {}", e.message);
        }
        d
    })?;
    Ok((
        plan,
        Some(Held {
            plan: held,
            rows: n,
            from_file,
        }),
    ))
}

/// Scores the held-out rows with the params of a training run.
pub struct Tester<'a> {
    plan: &'a Plan,
    loss: Slot,
    metric: Option<Metric>,
    /// The held-out plan's slot of each training param (the same name).
    params: Vec<Option<Slot>>,
    values: Values,
}

impl<'a> Tester<'a> {
    /// A tester of `held` (a plan from [`crate::train::training_plan`] for
    /// the loss) for the params `params` of the training plan `train`.
    pub fn new(held: &'a Plan, train: &Plan, params: &[Slot]) -> Tester<'a> {
        let params = params
            .iter()
            .map(|&p| held.slot(&train.info(p).name))
            .collect();
        Tester {
            plan: held,
            loss: held.output,
            metric: Metric::detect(held, held.output),
            params,
            values: eval::initial_values(held),
        }
    }

    /// Loss and accuracy of the held-out rows with the params' values in
    /// `values` (the training plan's slots `params`, as given to [`new`](Self::new)).
    pub fn score(&mut self, values: &Values, params: &[Slot]) -> Score {
        for (&p, mine) in params.iter().zip(&self.params) {
            if let Some(mine) = *mine {
                self.values[mine].clone_from(&values[p]);
            }
        }
        eval::forward(self.plan, &mut self.values);
        let accuracy = self.metric.map(|m| {
            let (right, total) = m.count(&self.values);
            Accuracy { right, total }
        });
        Score {
            loss: self.values[self.loss].iter().next().unwrap_or(f64::NAN),
            accuracy,
        }
    }
}

/// Loss and accuracy of the held-out rows with the training plan's `params`
/// (slot, value) in place (none: the initial params).
pub fn score(held: &Plan, train: &Plan, params: &[(Slot, crate::tensor::Value)]) -> Score {
    let mut values = eval::initial_values(train);
    let slots: Vec<Slot> = params.iter().map(|(p, _)| *p).collect();
    for (p, v) in params {
        values[*p] = v.clone();
    }
    Tester::new(held, train, &slots).score(&values, &slots)
}
