//! Plan + params + data ──fit──▶ trained params + loss history.
//!
//! [`fit`] compiles nothing: it takes a plan compiled once with the whole data
//! set bound, and per step copies the batch's rows into reusable buffers in
//! the data-bound input slots, runs [`eval::forward`] and [`eval::backward`]
//! (which zeroes the gradient buffers in place), and updates the params in
//! place with an [`optim::State`]. The command around it lives in [`mod@cmd`].

pub mod batches;
mod feed;
pub mod heldout;
pub mod history;
mod hyper;
pub mod metric;
pub mod optim;
pub mod plot;
pub mod settings;
pub mod threads;
pub mod write;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::eval::{self, NonFinite};
use crate::graph::Kind;
use crate::init::Rng;
use crate::plan::{Plan, Slot};
use crate::slots::{Grads, Values};
use crate::tensor::Value;

pub use metric::Metric;
pub use optim::Optimizer;
pub use settings::{Overrides, Settings};
pub use threads::Threads;

/// One epoch's summary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Epoch {
    /// 1-based epoch number.
    pub epoch: u64,
    /// The mean of the epoch's batch losses, weighted by rows (full batch:
    /// the loss before the epoch's step).
    pub loss: f64,
    /// Right / counted over the epoch's batches, for classifiers.
    pub accuracy: Option<Accuracy>,
    /// Loss and accuracy of the held-out rows at the end of the epoch.
    pub test: Option<Score>,
}

/// Right answers out of counted ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Accuracy {
    /// How many were right.
    pub right: usize,
    /// How many were counted.
    pub total: usize,
}

impl Accuracy {
    /// The fraction right (0 when nothing was counted).
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.right as f64 / self.total as f64
        }
    }
}

/// Loss and accuracy on the whole data set at fixed params.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score {
    /// The loss.
    pub loss: f64,
    /// The accuracy, for classifiers.
    pub accuracy: Option<Accuracy>,
}

/// The result of [`fit`].
#[derive(Clone, Debug)]
pub struct Fit {
    /// Every param slot with its trained value, in file order.
    pub params: Vec<(Slot, Value)>,
    /// How many epochs ran (each was shown to `on_epoch`, which keeps what
    /// it needs: `fit` keeps no history).
    pub epochs: u64,
    /// Steps (param updates) taken.
    pub steps: u64,
    /// True when `stop` was raised (Ctrl-C) before the last epoch.
    pub interrupted: bool,
    /// How long each of the first [`TIMED_EPOCHS`] epochs' steps took (not
    /// counting `on_epoch`).
    pub epoch_times: Vec<Duration>,
    /// How long the later epochs took together.
    pub later_time: Duration,
    /// The thread count in use at the end (see [`Threads`]).
    pub threads: usize,
}

/// Epochs timed one by one (the rest are timed together): memory does not
/// grow with the number of epochs.
pub const TIMED_EPOCHS: usize = 1000;

/// Training stopped because the loss or a param's gradient became NaN or infinite.
#[derive(Clone, Debug)]
pub struct Diverged {
    /// The epoch (1-based) of the failing step.
    pub epoch: u64,
    /// The step (1-based, counted over all epochs).
    pub step: u64,
    /// The first non-finite value or gradient.
    pub nonfinite: NonFinite,
    /// The values of that step, for the message.
    pub values: Values,
}

/// The plan that training runs: the gradient is that of `loss`, only the
/// steps the loss depends on are evaluated, and the reverse walk computes
/// only the gradients that lead to a param (none for the data, for example).
pub fn training_plan(plan: Plan, loss: Slot) -> Plan {
    let needed = plan.ancestors(loss);
    let mut p = plan;
    p.output = loss;
    p.steps.retain(|s| needed[s.out.index()]);
    // A slot leads to a param when it is one, or a node with such an argument
    // (steps are in topological order, so arguments are settled first).
    let mut leads: Vec<bool> = p
        .slots
        .iter()
        .map(|info| info.kind == Kind::Param)
        .collect();
    for step in &p.steps {
        leads[step.out.index()] = step.args().iter().any(|a| leads[a.index()]);
    }
    for step in &mut p.steps {
        let args = step.args().to_vec();
        for (want, a) in step.wants_mut().iter_mut().zip(args) {
            *want = *want && leads[a.index()];
        }
    }
    p.steps_changed();
    p
}

/// Trains the params of `plan` by `settings`. `plan` should come from
/// [`training_plan`] for `s.loss` (otherwise a pruned copy is made). `data`
/// are the input slots bound to the data set (rows along axis 0; empty
/// without data). `stop` is polled after every step (Ctrl-C); `on_epoch` sees
/// every epoch's summary.
pub fn fit(
    plan: &Plan,
    data: &[Slot],
    s: &Settings,
    stop: &AtomicBool,
    on_epoch: &mut dyn FnMut(&Epoch),
) -> Result<Fit, Diverged> {
    fit_tested(plan, data, s, None, stop, on_epoch)
}

/// [`fit`], scoring the held-out rows of `test` (a plan from
/// [`training_plan`]) at the end of every epoch.
pub fn fit_tested(
    plan: &Plan,
    data: &[Slot],
    s: &Settings,
    test: Option<&Plan>,
    stop: &AtomicBool,
    on_epoch: &mut dyn FnMut(&Epoch),
) -> Result<Fit, Diverged> {
    let owned;
    let plan = if plan.output == s.loss {
        plan
    } else {
        owned = training_plan(plan.clone(), s.loss);
        &owned
    };
    let metric = Metric::detect(plan, s.loss);
    let params: Vec<Slot> = plan.params().collect();
    let mut values = eval::initial_values(plan);
    let sizes: Vec<usize> = params.iter().map(|&p| values[p].len()).collect();
    let mut state = optim::State::new(s.optimizer, s.lr, &sizes);
    let mut grads = Grads::default();
    let mut tester = test.map(|t| heldout::Tester::new(t, plan, &params));

    // Full batches in file order need no copying: the data stays bound.
    let batch = if data.is_empty() {
        0
    } else {
        s.batch_size.clamp(1, s.rows.max(1))
    };
    let copying = !data.is_empty() && (s.shuffle || batch < s.rows);
    let mut feeds: Vec<feed::Feed> = if copying {
        data.iter()
            .map(|&d| feed::Feed::new(&mut values, d, batch, s.rows))
            .collect()
    } else {
        Vec::new()
    };
    let mut order: Vec<usize> = (0..s.rows).collect();
    let mut rng = Rng::new(s.seed);
    let whole = [0usize];
    let mut epochs = 0;
    let mut epoch_times = Vec::with_capacity((s.epochs as usize).min(TIMED_EPOCHS));
    let mut later_time = Duration::ZERO;
    let mut steps = 0;
    let mut interrupted = false;
    let _restore = threads::Restore::new();
    let mut tuner = threads::Tuner::new(s.threads);
    let chunk = if data.is_empty() { 1 } else { batch.max(1) };

    for epoch in 1..=s.epochs {
        let started = Instant::now();
        if s.shuffle {
            rng.shuffle(&mut order);
        }
        let (mut loss_sum, mut rows_seen) = (0.0, 0usize);
        let mut acc = metric.map(|_| Accuracy::default());
        let all = if data.is_empty() {
            &whole[..]
        } else {
            &order[..]
        };
        for rows in all.chunks(chunk) {
            tuner.begin();
            for f in &mut feeds {
                f.fill(&mut values, rows);
            }
            steps += 1;
            eval::forward_with(plan, &mut values, false);
            let loss = values[s.loss].iter().next().unwrap_or(f64::NAN);
            if !loss.is_finite() {
                // The same pass again, looking for the first non-finite slot.
                let first = eval::forward(plan, &mut values);
                let nonfinite = first.unwrap_or(NonFinite {
                    pass: eval::Pass::Forward,
                    slot: s.loss,
                    from: None,
                    index: 0,
                    value: loss,
                });
                return Err(Diverged {
                    epoch,
                    step: steps,
                    nonfinite,
                    values,
                });
            }
            let n = if data.is_empty() { 1 } else { rows.len() };
            loss_sum += loss * n as f64;
            rows_seen += n;
            if let (Some(m), Some(a)) = (metric, acc.as_mut()) {
                let (right, total) = m.count(&values);
                a.right += right;
                a.total += total;
            }
            // Only the params' gradients decide anything: the walk scans
            // nothing, then they are checked; when one is not finite the walk
            // runs again with the scan, to name the first non-finite slot.
            let walk = eval::Walk {
                scan: false,
                again: true,
            };
            eval::backward_with(plan, &mut values, &mut grads, walk);
            if params.iter().any(|&p| !finite(&grads[p]))
                && let Some(nf) = eval::backward_with(
                    plan,
                    &mut values,
                    &mut grads,
                    eval::Walk { scan: true, ..walk },
                )
            {
                return Err(Diverged {
                    epoch,
                    step: steps,
                    nonfinite: nf,
                    values,
                });
            }
            state.begin_step();
            for (k, &p) in params.iter().enumerate() {
                state.update(k, &mut values[p], &grads[p]);
            }
            tuner.end();
            if stop.load(Ordering::Relaxed) {
                interrupted = true;
                break;
            }
        }
        let e = Epoch {
            epoch,
            loss: loss_sum / rows_seen.max(1) as f64,
            accuracy: acc,
            test: tester.as_mut().map(|t| t.score(&values, &params)),
        };
        if epoch_times.len() < TIMED_EPOCHS {
            epoch_times.push(started.elapsed());
        } else {
            later_time += started.elapsed();
        }
        epochs = epoch;
        on_epoch(&e);
        if interrupted {
            break;
        }
    }

    let trained: Vec<(Slot, Value)> = params.iter().map(|&p| (p, values[p].clone())).collect();
    Ok(Fit {
        params: trained,
        epochs,
        steps,
        interrupted,
        epoch_times,
        later_time,
        threads: tuner.threads(),
    })
}

/// Loss (the plan's output) and accuracy on the whole data set with
/// `params` (slot, value) in place of the plan's own (none: the initial params).
pub fn score(plan: &Plan, params: &[(Slot, Value)]) -> Score {
    let loss = plan.output;
    let mut values = eval::initial_values(plan);
    for (p, v) in params {
        values[*p] = v.clone();
    }
    eval::forward(plan, &mut values);
    let accuracy = Metric::detect(plan, loss).map(|m| {
        let (right, total) = m.count(&values);
        Accuracy { right, total }
    });
    Score {
        loss: values[loss].iter().next().unwrap_or(f64::NAN),
        accuracy,
    }
}

/// The slots bound by the spec's `data` section, in file order.
pub fn data_slots(plan: &Plan) -> Vec<Slot> {
    let Some(data) = &plan.spec.data else {
        return Vec::new();
    };
    let names = data
        .value
        .inline
        .iter()
        .map(|e| &e.name.value)
        .chain(data.value.columns.iter().map(|e| &e.name.value));
    names
        .filter_map(|n| plan.slot(n))
        .filter(|&s| plan.info(s).kind == Kind::Input && !plan.info(s).shape.is_empty())
        .collect()
}

/// True when every element of `v` is finite (big tensors on threads).
fn finite(v: &Value) -> bool {
    match v {
        Value::Tensor(a) if a.len() >= 1 << 15 => match a.as_slice() {
            Some(s) => !crate::par::any(s.len(), 1 << 14, &|r| {
                crate::tensor::first_nonfinite(&s[r]).is_some()
            }),
            None => v.first_nonfinite().is_none(),
        },
        _ => v.first_nonfinite().is_none(),
    }
}
