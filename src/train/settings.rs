//! The `train` section and the command-line flags, checked and resolved into
//! [`Settings`]. Every invalid setting is a diagnostic at its span.

use serde_saphyr::Spanned;

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Span, did_you_mean};
use crate::graph::Kind;
use crate::plan::{Plan, Slot};
use crate::train::optim::{self, Optimizer};

/// Flags of `bpc train` that override the spec's `train` section.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--epochs N`.
    pub epochs: Option<u64>,
    /// `--lr X`.
    pub lr: Option<f64>,
    /// `--optimizer NAME`.
    pub optimizer: Option<String>,
    /// `--seed N`.
    pub seed: Option<u64>,
}

/// Resolved training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// The scalar node whose gradient drives the updates.
    pub loss: Slot,
    /// The update rule.
    pub optimizer: Optimizer,
    /// The learning rate.
    pub lr: f64,
    /// Passes over the data (without data: steps).
    pub epochs: u64,
    /// Rows per step (without data: 0).
    pub batch_size: usize,
    /// Rows bound by `data` (0 without data).
    pub rows: usize,
    /// Shuffle the rows every epoch.
    pub shuffle: bool,
    /// Seed of the shuffle.
    pub seed: u64,
    /// Print every this many epochs.
    pub log_every: u64,
}

/// Default learning rates: 0.01 for SGD (with or without momentum), PyTorch's
/// 0.001 for Adam.
pub const DEFAULT_LR_SGD: f64 = 0.01;
/// See [`DEFAULT_LR_SGD`].
pub const DEFAULT_LR_ADAM: f64 = 0.001;
/// Default number of epochs.
pub const DEFAULT_EPOCHS: u64 = 100;

/// The span of a serde-saphyr location.
pub(crate) fn span_of<T>(s: &Spanned<T>) -> Span {
    let sp = s.referenced.span();
    match sp.byte_offset() {
        Some(b) if s.referenced.line() != 0 => {
            let b = b as usize;
            Span::new(b, b + sp.byte_len().unwrap_or(0) as usize)
        }
        _ => Span::default(),
    }
}

/// Checks the `train` section (with `overrides` taking precedence) against the
/// plan. `data` are the slots bound by the spec's `data`.
pub fn resolve(plan: &Plan, data: &[Slot], overrides: &Overrides) -> Result<Settings, Diagnostics> {
    let spec = &plan.spec;
    let src = plan.source();
    let def = spec.train.as_ref().map(|t| &t.value);
    let errors = std::cell::RefCell::new(Diagnostics::default());
    let bad = |msg: String, span: Span, label: &str, help: Option<String>| {
        errors.borrow_mut().push(
            Diagnostic::new(ErrorKind::BadValue, msg)
                .at(src, span, label)
                .maybe_help(help),
        );
    };
    let flag = |msg: String| Diagnostic::new(ErrorKind::Usage, msg);
    let mut flag_errors = Vec::new();

    // loss: a scalar node (or leaf) that depends on a param.
    let (loss_name, loss_span) = match def.and_then(|d| d.loss.as_ref()) {
        Some(l) => (l.value.clone(), span_of(l)),
        None => match &spec.output {
            Some(o) => (o.value.clone(), o.span),
            None => (plan.output_name().to_string(), Span::default()),
        },
    };
    let loss = plan.slot(&loss_name);
    match loss {
        None => bad(
            format!("the loss `{loss_name}` is not a node of this spec"),
            loss_span,
            "no such node",
            did_you_mean(&loss_name, plan.named().map(|(_, s)| s.name.as_str())),
        ),
        Some(l) if !plan.info(l).shape.is_empty() => bad(
            format!(
                "the loss `{loss_name}` has shape {}; training needs a scalar loss",
                crate::tensor::shape_text(&plan.info(l).shape)
            ),
            loss_span,
            "not a scalar",
            Some("reduce it with `mean` or `sum`, or name a scalar node in `train.loss`".into()),
        ),
        Some(l)
            if !plan
                .ancestors(l)
                .iter()
                .enumerate()
                .any(|(i, &a)| a && plan.slots[i].kind == Kind::Param) =>
        {
            let help = if plan.params().next().is_none() {
                "list the weights to learn under `params` (inputs never change)"
            } else {
                "the loss must be computed from at least one param"
            };
            bad(
                format!("the loss `{loss_name}` does not depend on any param: nothing to train"),
                loss_span,
                "no params upstream",
                Some(help.into()),
            );
        }
        Some(_) => {}
    }

    // optimizer and its hyper-parameters.
    let f = |o: Option<&Spanned<f64>>| o.map(|s| (s.value, span_of(s)));
    let name = match (&overrides.optimizer, def.and_then(|d| d.optimizer.as_ref())) {
        (Some(n), _) => Some((n.clone(), None)),
        (None, Some(n)) => Some((n.value.clone(), Some(span_of(n)))),
        (None, None) => None,
    };
    let positive = |what: &str, v: Option<(f64, Span)>, default: f64, upper: Option<f64>| -> f64 {
        match v {
            Some((x, span)) if !(x > 0.0 && x.is_finite() && upper.is_none_or(|u| x < u)) => {
                let range = match upper {
                    Some(u) => format!("in (0, {u})"),
                    None => "> 0".into(),
                };
                bad(
                    format!("`{what}` must be {range}, found {x}"),
                    span,
                    "out of range",
                    None,
                );
                default
            }
            Some((x, _)) => x,
            None => default,
        }
    };
    let optimizer = match name.as_ref().map(|(n, s)| (n.as_str(), *s)) {
        None | Some(("sgd", _)) => Optimizer::Sgd,
        Some(("momentum", _)) => {
            let mu = f(def.and_then(|d| d.momentum.as_ref()));
            Optimizer::Momentum {
                mu: positive("momentum", mu, 0.9, None),
            }
        }
        Some(("adam", _)) => Optimizer::Adam {
            beta1: positive(
                "beta1",
                f(def.and_then(|d| d.beta1.as_ref())),
                0.9,
                Some(1.0),
            ),
            beta2: positive(
                "beta2",
                f(def.and_then(|d| d.beta2.as_ref())),
                0.999,
                Some(1.0),
            ),
            eps: positive("eps", f(def.and_then(|d| d.eps.as_ref())), 1e-8, None),
        },
        Some((other, span)) => {
            let help = did_you_mean(other, optim::NAMES.iter().copied())
                .unwrap_or_else(|| format!("the optimizers are {}", optim::NAMES.join(", ")));
            let msg = format!("unknown optimizer `{other}`");
            match span {
                Some(span) => bad(msg, span, "not an optimizer", Some(help)),
                None => flag_errors.push(flag(format!("--optimizer: {msg}")).help(help)),
            }
            Optimizer::Sgd
        }
    };
    let default_lr = if matches!(optimizer, Optimizer::Adam { .. }) {
        DEFAULT_LR_ADAM
    } else {
        DEFAULT_LR_SGD
    };
    let lr = match overrides.lr {
        Some(x) if !(x > 0.0 && x.is_finite()) => {
            flag_errors.push(flag(format!("--lr must be a number > 0, found {x}")));
            default_lr
        }
        Some(x) => x,
        None => positive("lr", f(def.and_then(|d| d.lr.as_ref())), default_lr, None),
    };

    // epochs, batches, shuffle, logging.
    let epochs = overrides
        .epochs
        .or(def.and_then(|d| d.epochs.as_ref()).map(|e| e.value))
        .unwrap_or(DEFAULT_EPOCHS);
    let rows = data
        .first()
        .map(|s| plan.leaves[s.index()].shape().first().copied().unwrap_or(0))
        .unwrap_or(0);
    if !data.is_empty() && rows == 0 {
        let span = spec.data.as_ref().map(|d| d.span).unwrap_or_default();
        bad(
            "the data set has no rows: nothing to train on".into(),
            span,
            "no rows",
            None,
        );
    }
    let batch_size = match def.and_then(|d| d.batch_size.as_ref()) {
        Some(b) if b.value == 0 => {
            bad(
                "`batch_size` must be at least 1".into(),
                span_of(b),
                "zero rows per step",
                None,
            );
            rows
        }
        Some(b) if data.is_empty() => {
            bad(
                "`batch_size` needs a `data` section: without data every step uses the spec's own inputs".into(),
                span_of(b),
                "no data to split",
                Some("add `data:` with rows for the inputs, or remove `batch_size`".into()),
            );
            0
        }
        Some(b) => usize::try_from(b.value).unwrap_or(usize::MAX).min(rows),
        None => rows,
    };
    let shuffle = def
        .and_then(|d| d.shuffle.as_ref())
        .map(|s| s.value)
        .unwrap_or(batch_size < rows);
    let seed = overrides
        .seed
        .or(def.and_then(|d| d.seed.as_ref()).map(|s| s.value))
        .unwrap_or(0);
    let log_every = match def.and_then(|d| d.log_every.as_ref()) {
        Some(l) if l.value == 0 => {
            bad(
                "`log_every` must be at least 1".into(),
                span_of(l),
                "zero",
                None,
            );
            1
        }
        Some(l) => l.value,
        None => epochs.div_ceil(10).max(1),
    };
    let mut errors = errors.into_inner();
    errors.0.extend(flag_errors);
    match loss {
        Some(loss) if errors.is_empty() => Ok(Settings {
            loss,
            optimizer,
            lr,
            epochs,
            batch_size,
            rows,
            shuffle,
            seed,
            log_every,
        }),
        _ => Err(errors),
    }
}
