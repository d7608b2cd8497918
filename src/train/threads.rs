//! How many threads a training step uses: `--threads N`, or (the default) the
//! faster of one thread and all of them, measured on the run's own steps.
//!
//! The count changes only the speed, never a bit of the result (see
//! [`crate::par`] and [`crate::matmul`]), so measuring while training is
//! harmless: the first step warms the buffers up, the next [`TRIAL`] run on
//! one thread and [`TRIAL`] on all, and the faster setting (by median step
//! time; all threads must win by 3%) is kept, then measured again every
//! [`RETUNE`] steps in case the machine got busier or quieter.

use std::time::{Duration, Instant};

use crate::par;

/// `--threads`: a fixed count, or chosen by measurement.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Threads {
    /// The faster of 1 and all available threads, measured.
    #[default]
    Auto,
    /// This many (at least 1).
    Fixed(usize),
}

/// Steps timed per setting in a trial.
pub const TRIAL: u64 = 5;

/// Steps between trials.
pub const RETUNE: u64 = 400;

/// Picks the thread count of every step.
pub(super) struct Tuner {
    mode: Threads,
    /// All available threads (the trial's challenger).
    all: usize,
    /// The count in use outside trials.
    chosen: usize,
    /// Steps begun.
    step: u64,
    /// Where the current trial started (its first step).
    trial_start: u64,
    one: Vec<Duration>,
    many: Vec<Duration>,
    started: Option<Instant>,
}

impl Tuner {
    pub(super) fn new(mode: Threads) -> Tuner {
        let all = par::available();
        Tuner {
            mode,
            all,
            chosen: match mode {
                Threads::Fixed(n) => n.max(1),
                Threads::Auto => 1,
            },
            step: 0,
            trial_start: 2,
            one: Vec::with_capacity(TRIAL as usize),
            many: Vec::with_capacity(TRIAL as usize),
            started: None,
        }
    }

    /// The thread count in use (the last one chosen, outside a trial).
    pub(super) fn threads(&self) -> usize {
        self.chosen
    }

    /// Call before a step: sets the step's thread count.
    pub(super) fn begin(&mut self) {
        self.step += 1;
        let n = match (self.mode, self.phase()) {
            (Threads::Fixed(_), _) | (Threads::Auto, None) => self.chosen,
            (Threads::Auto, Some(false)) => 1,
            (Threads::Auto, Some(true)) => self.all,
        };
        par::set_threads(n);
        self.started = Some(Instant::now());
    }

    /// Call after a step (a failed step need not call it).
    pub(super) fn end(&mut self) {
        let Some(t0) = self.started.take() else {
            return;
        };
        let took = t0.elapsed();
        match self.phase() {
            Some(false) => self.one.push(took),
            Some(true) => {
                self.many.push(took);
                if self.many.len() as u64 == TRIAL {
                    let (one, many) = (median(&mut self.one), median(&mut self.many));
                    self.chosen = if many.as_secs_f64() < 0.97 * one.as_secs_f64() {
                        self.all
                    } else {
                        1
                    };
                    self.one.clear();
                    self.many.clear();
                    self.trial_start += 2 * TRIAL + RETUNE;
                }
            }
            None => {}
        }
    }

    /// In a trial: `Some(false)` for its one-thread half, `Some(true)` for
    /// its all-threads half; `None` outside (or when there is nothing to try).
    fn phase(&self) -> Option<bool> {
        if self.mode != Threads::Auto || self.all < 2 || self.step < self.trial_start {
            return None;
        }
        match self.step - self.trial_start {
            i if i < TRIAL => Some(false),
            i if i < 2 * TRIAL => Some(true),
            _ => None,
        }
    }
}

/// Puts the process's thread count back as it was when dropped.
pub(super) struct Restore(usize);

impl Restore {
    pub(super) fn new() -> Restore {
        Restore(par::threads())
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        par::set_threads(self.0);
    }
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort_unstable();
    times.get(times.len() / 2).copied().unwrap_or_default()
}
