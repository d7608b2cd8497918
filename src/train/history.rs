//! What training keeps of its epochs, in memory that does not grow with
//! their number: the `--history` CSV is streamed to its file row by row, and
//! the loss curve for `--plot` keeps at most [`Curve::CAP`] epochs, evenly
//! spaced, and the last. Without `--history` or `--plot`, nothing is kept.

use crate::render::exact;
use crate::train::Epoch;

/// The columns of the history CSV: `epoch,loss`, then `accuracy` for a
/// classifier, then `test_loss` (and `test_accuracy`) with held-out rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Columns {
    /// The training accuracy.
    pub accuracy: bool,
    /// The held-out loss.
    pub test: bool,
    /// The held-out accuracy.
    pub test_accuracy: bool,
}

impl Columns {
    /// The first line of the history CSV.
    pub fn header(&self) -> String {
        let mut h = String::from("epoch,loss");
        for (on, name) in [
            (self.accuracy, ",accuracy"),
            (self.test, ",test_loss"),
            (self.test_accuracy, ",test_accuracy"),
        ] {
            if on {
                h.push_str(name);
            }
        }
        h.push('\n');
        h
    }

    /// One epoch as a row, with exact numbers (a figure the epoch lacks is
    /// an empty cell).
    pub fn row(&self, e: &Epoch) -> String {
        let mut r = format!("{},{}", e.epoch, exact(e.loss));
        let cell = |x: Option<f64>| x.map(exact).unwrap_or_default();
        let test = e.test.as_ref();
        for (on, x) in [
            (self.accuracy, e.accuracy.map(|a| a.fraction())),
            (self.test, test.map(|t| t.loss)),
            (
                self.test_accuracy,
                test.and_then(|t| t.accuracy).map(|a| a.fraction()),
            ),
        ] {
            if on {
                r.push(',');
                r.push_str(&cell(x));
            }
        }
        r.push('\n');
        r
    }
}

/// The loss curve, downsampled as it grows: every `stride`-th epoch (epochs
/// 1, 1 + stride, 1 + 2·stride, ...), the stride doubling whenever more than
/// [`Curve::CAP`] are kept; and always the last epoch.
#[derive(Clone, Debug, Default)]
pub struct Curve {
    kept: Vec<Epoch>,
    stride: u64,
    last: Option<Epoch>,
}

impl Curve {
    /// The most epochs kept (twice the points a plot draws).
    pub const CAP: usize = 2 * super::plot::MAX_POINTS;

    /// An empty curve.
    pub fn new() -> Curve {
        Curve {
            kept: Vec::new(),
            stride: 1,
            last: None,
        }
    }

    /// Records one epoch (epochs come in order, from 1).
    pub fn push(&mut self, e: Epoch) {
        self.last = Some(e);
        if !e.epoch.saturating_sub(1).is_multiple_of(self.stride) {
            return;
        }
        self.kept.push(e);
        if self.kept.len() > Curve::CAP {
            self.stride *= 2;
            let stride = self.stride;
            self.kept.retain(|k| (k.epoch - 1).is_multiple_of(stride));
        }
    }

    /// The kept epochs in order, the last one included.
    pub fn points(&self) -> Vec<Epoch> {
        let mut p = self.kept.clone();
        if let Some(last) = self.last
            && p.last().is_none_or(|k| k.epoch != last.epoch)
        {
            p.push(last);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(n: u64) -> Epoch {
        Epoch {
            epoch: n,
            loss: 1.0 / n as f64,
            accuracy: None,
            test: None,
        }
    }

    #[test]
    fn the_curve_stays_small_and_evenly_spaced() {
        let mut c = Curve::new();
        for n in 1..=1_000_003 {
            c.push(epoch(n));
        }
        let p = c.points();
        assert!(p.len() <= Curve::CAP + 1, "{}", p.len());
        assert!(p.len() > Curve::CAP / 2, "{}", p.len());
        assert_eq!(p[0].epoch, 1);
        assert_eq!(p.last().unwrap().epoch, 1_000_003);
        let gaps: Vec<u64> = p.windows(2).map(|w| w[1].epoch - w[0].epoch).collect();
        assert!(
            gaps[..gaps.len() - 1].iter().all(|&g| g == gaps[0]),
            "{gaps:?}"
        );
        // Few epochs: every one is kept.
        let mut c = Curve::new();
        (1..=5).for_each(|n| c.push(epoch(n)));
        assert_eq!(c.points().len(), 5);
    }

    #[test]
    fn rows_are_exact() {
        let plain = Columns::default();
        assert_eq!(plain.row(&epoch(3)), "3,0.3333333333333333\n");
        assert_eq!(plain.header(), "epoch,loss\n");
        let all = Columns {
            accuracy: true,
            test: true,
            test_accuracy: true,
        };
        assert_eq!(
            all.header(),
            "epoch,loss,accuracy,test_loss,test_accuracy\n"
        );
        let mut e = epoch(2);
        e.accuracy = Some(crate::train::Accuracy { right: 1, total: 4 });
        e.test = Some(crate::train::Score {
            loss: 0.1,
            accuracy: Some(crate::train::Accuracy { right: 2, total: 3 }),
        });
        assert_eq!(all.row(&e), "2,0.5,0.25,0.1,0.6666666666666666\n");
        // A figure the epoch lacks is an empty cell.
        assert_eq!(all.row(&epoch(1)), "1,1.0,,,\n");
    }
}
