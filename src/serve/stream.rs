//! One training, as a stream of server-sent events.
//!
//! Events (each `event: NAME` with one JSON `data:` line):
//! - `start`: `{id, loss, epochs, lr, optimizer, rows, batch_size, params}`;
//! - `epochs`: `{epochs: [[epoch, loss, accuracy or null], ...]}`, sent at
//!   most every 50 ms; past [`MAX_POINTS`] epochs only every `stride`-th is
//!   sent (the stride doubles), so the stream stays small however long the
//!   run;
//! - `params`: `{epoch, params}`, the params' values after that epoch, at
//!   most every 100 ms while such a snapshot is cheap (see [`snapshot`]);
//! - `done`: `{epochs_run, steps, interrupted, before, after, params,
//!   trained_spec}`; or `error`: `{diagnostics, stderr}` when training
//!   diverged.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde_json::{Value as Json, json};
use tokio::sync::mpsc;

use crate::plan::{Plan, Slot};
use crate::render;
use crate::tensor::Value;
use crate::train::{self, Epoch, Settings};

use super::answer::json_number;
use super::pipeline;

/// Epoch points sent before the stride doubles.
pub const MAX_POINTS: u64 = 2000;
/// How often epochs are flushed to the page.
const FLUSH: Duration = Duration::from_millis(50);
/// How often a params snapshot is taken, at most.
const SNAPSHOT_EVERY: Duration = Duration::from_millis(100);
/// The most a snapshot may cost (its estimated replay time).
const SNAPSHOT_BUDGET: Duration = Duration::from_millis(50);
/// Params with more elements than this (all together) get no snapshots.
const SNAPSHOT_ELEMENTS: usize = 4096;

/// One training's event stream.
pub struct Stream {
    id: u64,
    tx: mpsc::Sender<Bytes>,
    stop: Arc<AtomicBool>,
}

impl Stream {
    /// The stream of training `id`: events go to `tx`; `stop` ends it.
    pub fn new(id: u64, tx: mpsc::Sender<Bytes>, stop: Arc<AtomicBool>) -> Stream {
        Stream { id, tx, stop }
    }

    /// Sends one event; a page that went away stops the training.
    fn send(&self, event: &str, data: &Json) {
        let text = format!("event: {event}\ndata: {data}\n\n");
        if self.tx.blocking_send(Bytes::from(text)).is_err() {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    /// Trains `plan` by `s` (with `pace` epochs a second at most), sending
    /// every event; returns when training ends.
    pub fn train(&self, plan: &Plan, data: &[Slot], s: &Settings, pace: Option<f64>) {
        let initial = params_json(
            plan,
            &plan
                .params()
                .map(|p| (p, plan.leaves[p.index()].clone()))
                .collect::<Vec<_>>(),
        );
        self.send(
            "start",
            &json!({
                "id": self.id,
                "loss": plan.info(s.loss).name,
                "epochs": s.epochs,
                "lr": s.lr,
                "optimizer": s.optimizer.to_string(),
                "rows": s.rows,
                "batch_size": s.batch_size,
                "params": initial,
            }),
        );
        let snapshots = plan
            .params()
            .map(|p| plan.leaves[p.index()].len())
            .sum::<usize>()
            <= SNAPSHOT_ELEMENTS;
        let mut log = Log::new(pace);
        let result = train::fit(plan, data, s, &self.stop, &mut |e: &Epoch| {
            log.computed();
            log.point(e);
            if log.last_flush.elapsed() >= FLUSH {
                self.send("epochs", &log.flush());
            }
            if snapshots && log.last_snapshot.elapsed() >= SNAPSHOT_EVERY {
                if let Some(params) = snapshot(plan, data, s, e.epoch, &log) {
                    self.send("params", &json!({"epoch": e.epoch, "params": params}));
                }
                log.last_snapshot = Instant::now();
            }
            log.wait(e.epoch, &self.stop);
            log.resume();
        });
        self.send("epochs", &log.flush());
        match result {
            Ok(fit) => {
                let before = train::score(plan, &[]);
                let after = train::score(plan, &fit.params);
                let trained: Vec<(String, Value)> = fit
                    .params
                    .iter()
                    .map(|(slot, v)| (plan.info(*slot).name.clone(), v.clone()))
                    .collect();
                let text = train::write::trained_text(
                    &plan.spec,
                    &trained,
                    &train::write::Moved::default(),
                    None,
                );
                self.send(
                    "done",
                    &json!({
                        "epochs_run": fit.epochs,
                        "steps": fit.steps,
                        "interrupted": fit.interrupted,
                        "before": score_json(before),
                        "after": score_json(after),
                        "params": params_json(plan, &fit.params),
                        "trained_spec": text,
                    }),
                );
            }
            Err(d) => {
                let diag = render::nonfinite::diagnostic(plan, &d.values, d.nonfinite);
                let message = format!(
                    "training stopped at epoch {} (step {}): {}",
                    d.epoch, d.step, diag.message
                );
                let diag = diag
                    .with_message(message)
                    .help("lower the learning rate (--lr), or check the data and the graph");
                self.send(
                    "error",
                    &pipeline::diagnostics_json(&diag.into(), &plan.source().text),
                );
            }
        }
    }
}

/// The params' values after `epoch` epochs, by training again from the
/// start for `epoch` epochs: [`train::fit`] shows only the loss as it goes,
/// and training is deterministic, so this gives exactly the values of the
/// running training. Skipped (`None`) when it would cost more than
/// [`SNAPSHOT_BUDGET`] at the measured speed.
fn snapshot(plan: &Plan, data: &[Slot], s: &Settings, epoch: u64, log: &Log) -> Option<Json> {
    let per_epoch = log.compute.as_secs_f64() / epoch.max(1) as f64;
    if per_epoch * epoch as f64 > SNAPSHOT_BUDGET.as_secs_f64() {
        return None;
    }
    let replay = Settings {
        epochs: epoch,
        ..s.clone()
    };
    let fit = train::fit(plan, data, &replay, &AtomicBool::new(false), &mut |_| {}).ok()?;
    Some(params_json(plan, &fit.params))
}

/// Epoch points waiting to be sent, pacing, and time spent training.
struct Log {
    points: Vec<Json>,
    stride: u64,
    sent: u64,
    last_flush: Instant,
    last_snapshot: Instant,
    started: Instant,
    pace: Option<f64>,
    /// Time inside `fit` (not in this callback).
    compute: Duration,
    resumed: Instant,
}

impl Log {
    fn new(pace: Option<f64>) -> Log {
        let now = Instant::now();
        Log {
            points: Vec::new(),
            stride: 1,
            sent: 0,
            last_flush: now,
            last_snapshot: now - SNAPSHOT_EVERY,
            started: now,
            pace,
            compute: Duration::ZERO,
            resumed: now,
        }
    }

    fn computed(&mut self) {
        self.compute += self.resumed.elapsed();
    }

    fn resume(&mut self) {
        self.resumed = Instant::now();
    }

    fn point(&mut self, e: &Epoch) {
        // After MAX_POINTS points at one stride, the next ones are half as dense.
        if self.sent >= MAX_POINTS {
            self.stride *= 2;
            self.sent = 0;
        }
        if e.epoch.is_multiple_of(self.stride) || e.epoch == 1 {
            self.sent += 1;
            let acc = e.accuracy.map(|a| a.fraction());
            self.points.push(json!([e.epoch, json_number(e.loss), acc]));
        }
    }

    fn flush(&mut self) -> Json {
        self.last_flush = Instant::now();
        json!({ "epochs": std::mem::take(&mut self.points) })
    }

    /// Slow motion: waits until epoch `epoch` is due, waking for `stop`.
    fn wait(&self, epoch: u64, stop: &AtomicBool) {
        let Some(pace) = self.pace else { return };
        let due = self.started + Duration::from_secs_f64(epoch as f64 / pace);
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= due {
                break;
            }
            std::thread::sleep((due - now).min(Duration::from_millis(20)));
        }
    }
}

fn params_json(plan: &Plan, params: &[(Slot, Value)]) -> Json {
    let mut m = serde_json::Map::new();
    for (slot, v) in params {
        let value = serde_json::from_str(&render::json::value(v)).unwrap_or(Json::Null);
        m.insert(plan.info(*slot).name.clone(), value);
    }
    Json::Object(m)
}

fn score_json(s: train::Score) -> Json {
    json!({"loss": json_number(s.loss), "accuracy": s.accuracy.map(|a| a.fraction())})
}
