//! How long each phase took, for `--timings`.

use std::borrow::Cow;
use std::time::{Duration, Instant};

/// One line of a timings report.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// What ran (`parse`, `epoch 3`, `epoch median`).
    pub name: Cow<'static, str>,
    /// How long it took.
    pub time: Duration,
    /// Part of the total (a summary line such as a median is not).
    pub counted: bool,
}

/// How long each phase took, in the order they ran.
#[derive(Clone, Debug, Default)]
pub struct Timings(pub Vec<Phase>);

impl Timings {
    /// Runs `f`, recording its time under `phase`.
    pub fn time<T>(&mut self, phase: impl Into<Cow<'static, str>>, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.record(phase, start.elapsed());
        out
    }

    /// Records that `phase` took `time`.
    pub fn record(&mut self, phase: impl Into<Cow<'static, str>>, time: Duration) {
        self.0.push(Phase {
            name: phase.into(),
            time,
            counted: true,
        });
    }

    /// Adds a summary line (not part of the total).
    pub fn summary(&mut self, name: impl Into<Cow<'static, str>>, time: Duration) {
        self.0.push(Phase {
            name: name.into(),
            time,
            counted: false,
        });
    }

    /// The time of the first phase called `name`.
    pub fn get(&self, name: &str) -> Option<Duration> {
        self.0.iter().find(|p| p.name == name).map(|p| p.time)
    }

    /// One line per phase, and the total of the counted ones.
    pub fn render(&self) -> String {
        let mut s = String::from("timings:\n");
        let mut total = Duration::ZERO;
        for p in &self.0 {
            if p.counted {
                total += p.time;
            }
            s.push_str(&format!(
                "  {:<14} {:>10.3} ms\n",
                p.name,
                p.time.as_secs_f64() * 1e3
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

/// The median of `times` (the mean of the middle two for an even count);
/// zero for none.
pub fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort_unstable();
    match t.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => t[n / 2],
        n => (t[n / 2 - 1] + t[n / 2]) / 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_are_shown_but_not_added_up() {
        let ms = Duration::from_millis;
        let mut t = Timings::default();
        t.record("epoch 1", ms(3));
        t.record(format!("epoch {}", 2), ms(5));
        t.summary("epoch median", median(&[ms(3), ms(5)]));
        let text = t.render();
        assert!(text.contains("  epoch median        4.000 ms\n"), "{text}");
        assert!(text.ends_with("  total               8.000 ms\n"), "{text}");
        assert_eq!(t.get("epoch 2"), Some(ms(5)));
        assert_eq!(median(&[ms(1), ms(9), ms(2)]), ms(2));
    }
}
