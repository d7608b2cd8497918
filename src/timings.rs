//! How long each phase took, for `--timings`.

use std::time::{Duration, Instant};

/// How long each phase took, in the order they ran.
#[derive(Clone, Debug, Default)]
pub struct Timings(pub Vec<(&'static str, Duration)>);

impl Timings {
    /// Runs `f`, recording its time under `phase`.
    pub fn time<T>(&mut self, phase: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0.push((phase, start.elapsed()));
        out
    }

    /// One line per phase, and the total.
    pub fn render(&self) -> String {
        let mut s = String::from("timings:\n");
        let mut total = Duration::ZERO;
        for (phase, d) in &self.0 {
            total += *d;
            s.push_str(&format!(
                "  {phase:<14} {:>10.3} ms\n",
                d.as_secs_f64() * 1e3
            ));
        }
        s.push_str(&format!(
            "  {:<14} {:>10.3} ms\n",
            "total",
            total.as_secs_f64() * 1e3
        ));
        s
    }
}
