//! Optimizers: PyTorch's update rules, in PyTorch's order of operations, so
//! that a float64 run of `torch.optim` gives the same params to the last few
//! bits. State buffers are allocated once and updated in place.

use crate::tensor::Value;

/// Which update rule, with its hyper-parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Optimizer {
    /// `torch.optim.SGD(lr)`: p -= lr * g.
    Sgd,
    /// `torch.optim.SGD(lr, momentum=mu)`: buf = mu * buf + g (the first step:
    /// buf = g); p -= lr * buf.
    Momentum {
        /// The momentum factor mu.
        mu: f64,
    },
    /// `torch.optim.Adam(lr, betas=(beta1, beta2), eps)`: m = b1 m + (1 - b1) g;
    /// v = b2 v + (1 - b2) g²; p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
    Adam {
        /// Decay of the first moment (default 0.9).
        beta1: f64,
        /// Decay of the second moment (default 0.999).
        beta2: f64,
        /// Added to the denominator (default 1e-8).
        eps: f64,
    },
}

/// The optimizer names specs and `--optimizer` accept.
pub const NAMES: &[&str] = &["sgd", "momentum", "adam"];

impl Optimizer {
    /// Its name in specs.
    pub fn name(&self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Adam { .. } => "adam",
        }
    }
}

/// An optimizer with its state: one buffer (momentum, Adam's m) and one more
/// (Adam's v) per param, each as long as the param, in row-major order.
#[derive(Clone, Debug)]
pub struct State {
    /// The update rule.
    pub optimizer: Optimizer,
    /// The learning rate.
    pub lr: f64,
    /// Steps taken so far (Adam's t after [`State::begin_step`]).
    pub t: u64,
    first: Vec<Vec<f64>>,
    second: Vec<Vec<f64>>,
}

impl State {
    /// Fresh state for params of the given element counts.
    pub fn new(optimizer: Optimizer, lr: f64, sizes: &[usize]) -> State {
        let bufs = |on: bool| {
            sizes
                .iter()
                .map(|&n| if on { vec![0.0; n] } else { Vec::new() })
                .collect()
        };
        let (first, second) = match optimizer {
            Optimizer::Sgd => (bufs(false), bufs(false)),
            Optimizer::Momentum { .. } => (bufs(true), bufs(false)),
            Optimizer::Adam { .. } => (bufs(true), bufs(true)),
        };
        State {
            optimizer,
            lr,
            t: 0,
            first,
            second,
        }
    }

    /// Starts a step: call once before updating the params of that step.
    pub fn begin_step(&mut self) {
        self.t += 1;
    }

    /// Updates param number `k` (`p`) in place from its gradient `g`.
    pub fn update(&mut self, k: usize, p: &mut Value, g: &Value) {
        let lr = self.lr;
        match self.optimizer {
            // PyTorch: param.add_(grad, alpha=-lr).
            Optimizer::Sgd => each(p, g, |_, p, g| *p += -lr * g),
            Optimizer::Momentum { mu } => {
                let buf = &mut self.first[k];
                let first = self.t == 1;
                each(p, g, |i, p, g| {
                    // PyTorch: buf = clone(grad) on the first step, then
                    // buf.mul_(mu).add_(grad); param.add_(buf, alpha=-lr).
                    buf[i] = if first { g } else { buf[i] * mu + g };
                    *p += -lr * buf[i];
                });
            }
            Optimizer::Adam { beta1, beta2, eps } => {
                let (m, v) = (&mut self.first[k], &mut self.second[k]);
                // PyTorch's _single_tensor_adam: bias corrections as Python
                // floats (`beta ** step` is C's pow), then
                //   m.lerp_(g, 1 - b1)            m += (1 - b1) (g - m)
                //   v.mul_(b2).addcmul_(g, g, 1 - b2)
                //   denom = sqrt(v) / sqrt(bc2) + eps
                //   p.addcdiv_(m, denom, value=-lr / bc1)
                let t = self.t as f64;
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
        let p = run(Optimizer::Sgd, 0.5, &[0.2, 0.4]);
        assert!(
            (p[0] - 0.9).abs() < 1e-15 && (p[1] - 0.7).abs() < 1e-15,
            "{p:?}"
        );
        // momentum 0.9: buf = 0.2, p = 0.9; buf = 0.9 * 0.2 + 0.4 = 0.58, p = 0.9 - 0.29 = 0.61.
        let p = run(Optimizer::Momentum { mu: 0.9 }, 0.5, &[0.2, 0.4]);
        assert!(
            (p[0] - 0.9).abs() < 1e-15 && (p[1] - 0.61).abs() < 1e-15,
            "{p:?}"
        );
    }

    #[test]
    fn adam_first_step_is_lr_times_the_sign() {
        // m̂ = g, v̂ = g², so the step is lr g / (|g| + eps) = lr (1 - eps / |g|) sign g.
        let p = run(
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            0.1,
            &[0.5],
        );
        let want = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8);
        assert!((p[0] - want).abs() < 1e-15, "{} vs {want}", p[0]);
    }
}
