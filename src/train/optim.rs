//! Optimizers: PyTorch's update rules, in PyTorch's order of operations, so
//! that a float64 run of `torch.optim` gives the same params to the last few
//! bits. State buffers are allocated once and updated in place.
//!
//! Each optimizer is one type here (how it is shown, the buffers it keeps
//! per param, its update) and one [`Entry`] in [`OPTIMIZERS`] (its name, its
//! default learning rate, how it reads its hyper-parameters from `train:`).

use std::fmt;

use crate::render::number;
use crate::tensor::Value;
pub use crate::train::hyper::Hyper;

/// An optimizer as specs and `--optimizer` name it.
pub struct Entry {
    /// Its name in specs and on the command line.
    pub name: &'static str,
    /// The learning rate when neither `train.lr` nor `--lr` gives one.
    pub default_lr: f64,
    /// Reads its hyper-parameters (each with its default) from `train:`.
    pub read: fn(&mut Hyper) -> Optimizer,
}

/// Every optimizer, in the order messages list them; the first is the default.
pub const OPTIMIZERS: &[Entry] = &[
    Entry {
        name: "sgd",
        default_lr: 0.01,
        read: |_| Optimizer(Which::Sgd(Sgd)),
    },
    Entry {
        name: "momentum",
        default_lr: 0.01,
        read: |h| {
            Optimizer(Which::Momentum(Momentum {
                mu: h.positive("momentum", |t| t.momentum.as_ref(), 0.9),
            }))
        },
    },
    Entry {
        name: "adam",
        // PyTorch's default.
        default_lr: 0.001,
        read: |h| {
            Optimizer(Which::Adam(Adam {
                beta1: h.fraction("beta1", |t| t.beta1.as_ref(), 0.9),
                beta2: h.fraction("beta2", |t| t.beta2.as_ref(), 0.999),
                eps: h.positive("eps", |t| t.eps.as_ref(), 1e-8),
            }))
        },
    },
];

/// The optimizer of that name.
pub fn find(name: &str) -> Option<&'static Entry> {
    OPTIMIZERS.iter().find(|e| e.name == name)
}

/// The optimizers' names, in order.
pub fn names() -> impl Iterator<Item = &'static str> {
    OPTIMIZERS.iter().map(|e| e.name)
}

/// An update rule with its hyper-parameters, made by an [`Entry`]'s `read`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Optimizer(Which);

/// Private, so that a variant no entry of [`OPTIMIZERS`] makes is never
/// constructed: a warning, and an error under clippy's `-D warnings`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Which {
    Sgd(Sgd),
    Momentum(Momentum),
    Adam(Adam),
}

impl Optimizer {
    fn rule(&self) -> &dyn Rule {
        match &self.0 {
            Which::Sgd(r) => r,
            Which::Momentum(r) => r,
            Which::Adam(r) => r,
        }
    }
}

/// `sgd`, `momentum 0.9`, `adam (betas 0.9, 0.999; eps 1e-08)`.
impl fmt::Display for Optimizer {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.rule().show(f)
    }
}

/// What every optimizer provides.
trait Rule {
    /// How it is shown in the training header.
    fn show(&self, f: &mut fmt::Formatter) -> fmt::Result;
    /// State buffers it keeps, each as long as the param.
    fn buffers(&self) -> usize;
    /// Updates `p` in place from its gradient `g` at step `t` (from 1).
    fn update(&self, lr: f64, t: u64, bufs: &mut [Vec<f64>], p: &mut Value, g: &Value);
}

/// `torch.optim.SGD(lr)`: p -= lr * g.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Sgd;

impl Rule for Sgd {
    fn show(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("sgd")
    }
    fn buffers(&self) -> usize {
        0
    }
    fn update(&self, lr: f64, _t: u64, _bufs: &mut [Vec<f64>], p: &mut Value, g: &Value) {
        // PyTorch: param.add_(grad, alpha=-lr).
        if let (Value::Tensor(pt), Value::Tensor(gt)) = (&mut *p, g)
            && pt.shape() == gt.shape()
            && let (Some(ps), Some(gs)) = (pt.as_slice_mut(), gt.as_slice())
        {
            // Big weights on threads (each element alone: the same bits).
            crate::par::chunks_mut(ps, 1 << 14, 8, &|start, chunk| {
                for (p, &g) in chunk.iter_mut().zip(&gs[start..]) {
                    *p += -lr * g;
                }
            });
            return;
        }
        each(p, g, |_, p, g| *p += -lr * g);
    }
}

/// `torch.optim.SGD(lr, momentum=mu)`: buf = mu * buf + g (the first step:
/// buf = g); p -= lr * buf.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Momentum {
    /// The momentum factor mu (`train.momentum`, default 0.9).
    mu: f64,
}

impl Rule for Momentum {
    fn show(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "momentum {}", number(self.mu, 6))
    }
    fn buffers(&self) -> usize {
        1
    }
    fn update(&self, lr: f64, t: u64, bufs: &mut [Vec<f64>], p: &mut Value, g: &Value) {
        let [buf] = bufs else {
            return;
        };
        let (mu, first) = (self.mu, t == 1);
        each(p, g, |i, p, g| {
            // PyTorch: buf = clone(grad) on the first step, then
            // buf.mul_(mu).add_(grad); param.add_(buf, alpha=-lr).
            buf[i] = if first { g } else { buf[i] * mu + g };
            *p += -lr * buf[i];
        });
    }
}

/// `torch.optim.Adam(lr, betas=(beta1, beta2), eps)`: m = b1 m + (1 - b1) g;
/// v = b2 v + (1 - b2) g²; p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Adam {
    /// Decay of the first moment (`train.beta1`, default 0.9).
    beta1: f64,
    /// Decay of the second moment (`train.beta2`, default 0.999).
    beta2: f64,
    /// Added to the denominator (`train.eps`, default 1e-8).
    eps: f64,
}

impl Rule for Adam {
    fn show(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(
            f,
            "adam (betas {}, {}; eps {})",
            number(self.beta1, 6),
            number(self.beta2, 6),
            number(self.eps, 3)
        )
    }
    fn buffers(&self) -> usize {
        2
    }
    fn update(&self, lr: f64, t: u64, bufs: &mut [Vec<f64>], p: &mut Value, g: &Value) {
        let [m, v] = bufs else {
            return;
        };
        let Adam { beta1, beta2, eps } = *self;
        // PyTorch's _single_tensor_adam: bias corrections as Python
        // floats (`beta ** step` is C's pow), then
        //   m.lerp_(g, 1 - b1)            m += (1 - b1) (g - m)
        //   v.mul_(b2).addcmul_(g, g, 1 - b2)
        //   denom = sqrt(v) / sqrt(bc2) + eps
        //   p.addcdiv_(m, denom, value=-lr / bc1)
        let t = t as f64;
        let bc1 = 1.0 - beta1.powf(t);
        let bc2 = 1.0 - beta2.powf(t);
        let step_size = lr / bc1;
        let bc2_sqrt = bc2.sqrt();
        let (w1, w2) = (1.0 - beta1, 1.0 - beta2);
        each(p, g, |i, p, g| {
            m[i] += w1 * (g - m[i]);
            v[i] = v[i] * beta2 + w2 * g * g;
            let denom = v[i].sqrt() / bc2_sqrt + eps;
            *p += -step_size * (m[i] / denom);
        });
    }
}

/// An optimizer with its state: the buffers its rule keeps for each param
/// (momentum's buf, Adam's m and v), each as long as the param, in row-major order.
#[derive(Clone, Debug)]
pub struct State {
    /// The update rule.
    pub optimizer: Optimizer,
    /// The learning rate.
    pub lr: f64,
    /// Steps taken so far (Adam's t after [`State::begin_step`]).
    pub t: u64,
    buffers: Vec<Vec<Vec<f64>>>,
}

impl State {
    /// Fresh state for params of the given element counts.
    pub fn new(optimizer: Optimizer, lr: f64, sizes: &[usize]) -> State {
        let n = optimizer.rule().buffers();
        let buffers = sizes.iter().map(|&size| vec![vec![0.0; size]; n]).collect();
        State {
            optimizer,
            lr,
            t: 0,
            buffers,
        }
    }

    /// Starts a step: call once before updating the params of that step.
    pub fn begin_step(&mut self) {
        self.t += 1;
    }

    /// Updates param number `k` (`p`) in place from its gradient `g`.
    pub fn update(&mut self, k: usize, p: &mut Value, g: &Value) {
        let rule = self.optimizer.rule();
        rule.update(self.lr, self.t, &mut self.buffers[k], p, g);
    }
}

/// Calls `f(i, &mut p[i], g[i])` for every element, in row-major order.
fn each(p: &mut Value, g: &Value, mut f: impl FnMut(usize, &mut f64, f64)) {
    match (p, g) {
        (Value::Scalar(p), g) => f(0, p, g.iter().next().unwrap_or(0.0)),
        (Value::Tensor(p), Value::Tensor(g))
            if p.is_standard_layout() && g.is_standard_layout() =>
        {
            // The common case: both contiguous, a plain loop over slices.
            let (Some(ps), Some(gs)) = (p.as_slice_mut(), g.as_slice()) else {
                return;
            };
            for (i, (p, &g)) in ps.iter_mut().zip(gs).enumerate() {
                f(i, p, g);
            }
        }
        (Value::Tensor(p), g) => {
            for (i, (p, g)) in p.iter_mut().zip(g.iter()).enumerate() {
                f(i, p, g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Diagnostics, Source};

    fn run(opt: Optimizer, lr: f64, grads: &[f64]) -> Vec<f64> {
        let mut s = State::new(opt, lr, &[1]);
        let mut p = Value::Scalar(1.0);
        let mut out = Vec::new();
        for &g in grads {
            s.begin_step();
            s.update(0, &mut p, &Value::Scalar(g));
            out.push(p.as_scalar().unwrap_or(f64::NAN));
        }
        out
    }

    #[test]
    fn sgd_and_momentum_follow_torch() {
        // p = 1, lr = 0.5, g = 0.2 then 0.4.
        // sgd: 1 - 0.5 * 0.2 = 0.9; 0.9 - 0.5 * 0.4 = 0.7.
        let p = run(Optimizer(Which::Sgd(Sgd)), 0.5, &[0.2, 0.4]);
        assert!(
            (p[0] - 0.9).abs() < 1e-15 && (p[1] - 0.7).abs() < 1e-15,
            "{p:?}"
        );
        // momentum 0.9: buf = 0.2, p = 0.9; buf = 0.9 * 0.2 + 0.4 = 0.58, p = 0.9 - 0.29 = 0.61.
        let p = run(
            Optimizer(Which::Momentum(Momentum { mu: 0.9 })),
            0.5,
            &[0.2, 0.4],
        );
        assert!(
            (p[0] - 0.9).abs() < 1e-15 && (p[1] - 0.61).abs() < 1e-15,
            "{p:?}"
        );
    }

    #[test]
    fn adam_first_step_is_lr_times_the_sign() {
        // m̂ = g, v̂ = g², so the step is lr g / (|g| + eps) = lr (1 - eps / |g|) sign g.
        let p = run(
            Optimizer(Which::Adam(Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            })),
            0.1,
            &[0.5],
        );
        let want = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8);
        assert!((p[0] - want).abs() < 1e-15, "{} vs {want}", p[0]);
    }

    #[test]
    fn every_entry_reads_its_defaults_and_shows_its_name() {
        let src = Source::new("t.yaml", "");
        let mut shown = Vec::new();
        for entry in OPTIMIZERS {
            let mut errors = Diagnostics::default();
            let opt = (entry.read)(&mut Hyper::new(&src, None, &mut errors));
            assert!(errors.is_empty());
            assert!(opt.to_string().starts_with(entry.name), "{opt}");
            assert_eq!(find(entry.name).map(|e| e.name), Some(entry.name));
            shown.push(opt.to_string());
        }
        assert_eq!(
            shown,
            ["sgd", "momentum 0.9", "adam (betas 0.9, 0.999; eps 1e-08)"]
        );
    }
}
