//! The `train` section and the command-line flags, checked and resolved into
//! [`Settings`]. Every invalid setting is a diagnostic at its span.

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Sp, Span, did_you_mean};
use crate::graph::Kind;
use crate::plan::{Plan, Slot};
use crate::spec::TrainDef;
use crate::train::optim::{self, Hyper, Optimizer};
use crate::train::threads::Threads;

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
    /// `--log-every N`.
    pub log_every: Option<u64>,
    /// `--threads N` (default: measured, see [`Threads`]).
    pub threads: Option<usize>,
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
    /// Threads of a step (the results do not depend on it).
    pub threads: Threads,
}

/// Default number of epochs.
pub const DEFAULT_EPOCHS: u64 = 100;

/// Checks the `train` section (with `overrides` taking precedence) against the
/// plan. `data` are the slots bound by the spec's `data`. Every invalid
/// setting is reported: the file's first, in file order, then the flags'.
pub fn resolve(plan: &Plan, data: &[Slot], overrides: &Overrides) -> Result<Settings, Diagnostics> {
    let mut c = Check {
        plan,
        train: plan.spec.train.as_ref().map(|t| &t.value),
        errors: Diagnostics::default(),
        flags: Vec::new(),
    };
    let loss = c.loss();
    let (optimizer, default_lr) = c.optimizer(overrides.optimizer.as_deref());
    let lr = c.lr(overrides.lr, default_lr);
    let epochs = overrides
        .epochs
        .or(c.value(|t| &t.epochs))
        .unwrap_or(DEFAULT_EPOCHS);
    let rows = c.rows(data);
    let batch_size = c.batch_size(data.is_empty(), rows);
    let shuffle = c.value(|t| &t.shuffle).unwrap_or(batch_size < rows);
    let seed = overrides.seed.or(c.value(|t| &t.seed)).unwrap_or(0);
    let log_every = c.log_every(overrides.log_every, epochs);
    let mut errors = c.errors;
    errors.0.extend(c.flags);
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
            threads: overrides
                .threads
                .map_or(Threads::Auto, |n| Threads::Fixed(n.max(1))),
        }),
        _ => Err(errors),
    }
}

/// The settings being checked, and what is wrong with them so far.
struct Check<'a> {
    plan: &'a Plan,
    train: Option<&'a TrainDef>,
    /// Bad settings in the spec, in file order.
    errors: Diagnostics,
    /// Bad command-line flags.
    flags: Vec<Diagnostic>,
}

impl Check<'_> {
    /// A setting's value as written in `train:`, if it is.
    fn value<T: Copy>(&self, field: fn(&TrainDef) -> &Option<Sp<T>>) -> Option<T> {
        self.train.and_then(|t| field(t).as_ref()).map(|s| s.value)
    }

    /// Reports a bad setting in the spec at its span.
    fn bad(&mut self, msg: String, span: Span, label: &str, help: Option<String>) {
        self.errors.push(
            Diagnostic::new(ErrorKind::BadValue, msg)
                .at(self.plan.source(), span, label)
                .maybe_help(help),
        );
    }

    /// Reports a bad command-line flag.
    fn flag(&mut self, d: Diagnostic) {
        self.flags.push(d);
    }

    /// `train.loss` (default: `output`): a scalar node that depends on a param.
    fn loss(&mut self) -> Option<Slot> {
        let plan = self.plan;
        let (name, span) = match (self.train.and_then(|t| t.loss.as_ref()), &plan.spec.output) {
            (Some(l), _) => (l.value.as_str(), l.span),
            (None, Some(o)) => (o.value.as_str(), o.span),
            (None, None) => (plan.output_name(), Span::default()),
        };
        let Some(loss) = plan.slot(name) else {
            let names = plan.named().map(|(_, s)| s.name.as_str());
            self.bad(
                format!("the loss `{name}` is not a node of this spec"),
                span,
                "no such node",
                did_you_mean(name, names),
            );
            return None;
        };
        let shape = &plan.info(loss).shape;
        if !shape.is_empty() {
            self.bad(
                format!(
                    "the loss `{name}` has shape {}; training needs a scalar loss",
                    crate::tensor::shape_text(shape)
                ),
                span,
                "not a scalar",
                Some(
                    "reduce it with `mean` or `sum`, or name a scalar node in `train.loss`".into(),
                ),
            );
        } else if !plan
            .ancestors(loss)
            .iter()
            .enumerate()
            .any(|(i, &a)| a && plan.slots[i].kind == Kind::Param)
        {
            let help = if plan.params().next().is_none() {
                "list the weights to learn under `params` (inputs never change)"
            } else {
                "the loss must be computed from at least one param"
            };
            self.bad(
                format!("the loss `{name}` does not depend on any param: nothing to train"),
                span,
                "no params upstream",
                Some(help.into()),
            );
        }
        Some(loss)
    }

    /// `--optimizer` or `train.optimizer` (default: the first of
    /// [`optim::OPTIMIZERS`]), its hyper-parameters read by the optimizer
    /// itself; with its default learning rate.
    fn optimizer(&mut self, flag: Option<&str>) -> (Optimizer, f64) {
        let (name, span) = match (flag, self.train.and_then(|t| t.optimizer.as_ref())) {
            (Some(n), _) => (Some(n), None),
            (None, Some(n)) => (Some(n.value.as_str()), Some(n.span)),
            (None, None) => (None, None),
        };
        let default = &optim::OPTIMIZERS[0];
        let entry = match name {
            None => default,
            Some(name) => optim::find(name).unwrap_or_else(|| {
                let names: Vec<_> = optim::names().collect();
                let help = did_you_mean(name, names.iter().copied())
                    .unwrap_or_else(|| format!("the optimizers are {}", names.join(", ")));
                let msg = format!("unknown optimizer `{name}`");
                match span {
                    Some(span) => self.bad(msg, span, "not an optimizer", Some(help)),
                    None => self.flag(usage(format!("--optimizer: {msg}")).help(help)),
                }
                default
            }),
        };
        let optimizer = (entry.read)(&mut self.hyper());
        (optimizer, entry.default_lr)
    }

    /// `--lr` or `train.lr` (default: the optimizer's).
    fn lr(&mut self, flag: Option<f64>, default: f64) -> f64 {
        match flag {
            Some(x) if !(x > 0.0 && x.is_finite()) => {
                self.flag(usage(format!("--lr must be a number > 0, found {x}")));
                default
            }
            Some(x) => x,
            None => self.hyper().positive("lr", |t| t.lr.as_ref(), default),
        }
    }

    fn hyper(&mut self) -> Hyper<'_> {
        Hyper::new(self.plan.source(), self.train, &mut self.errors)
    }

    /// Rows bound by `data` (0 without data); an empty data set is an error.
    fn rows(&mut self, data: &[Slot]) -> usize {
        let Some(first) = data.first() else {
            return 0;
        };
        let leaf = &self.plan.leaves[first.index()];
        let rows = leaf.shape().first().copied().unwrap_or(0);
        if rows == 0 {
            let span = self.plan.spec.data.as_ref().map(|d| d.span);
            self.bad(
                "the data set has no rows: nothing to train on".into(),
                span.unwrap_or_default(),
                "no rows",
                None,
            );
        }
        rows
    }

    /// `train.batch_size` (default: all `rows`); it needs data.
    fn batch_size(&mut self, no_data: bool, rows: usize) -> usize {
        let Some(b) = self.train.and_then(|t| t.batch_size.as_ref()) else {
            return rows;
        };
        if b.value == 0 {
            let msg = "`batch_size` must be at least 1".into();
            self.bad(msg, b.span, "zero rows per step", None);
            rows
        } else if no_data {
            self.bad(
                "`batch_size` needs a `data` section: without data every step uses the spec's \
                 own inputs"
                    .into(),
                b.span,
                "no data to split",
                Some("add `data:` with rows for the inputs, or remove `batch_size`".into()),
            );
            0
        } else {
            usize::try_from(b.value).unwrap_or(usize::MAX).min(rows)
        }
    }

    /// `--log-every` or `train.log_every` (default: a tenth of the epochs,
    /// at least 1).
    fn log_every(&mut self, flag: Option<u64>, epochs: u64) -> u64 {
        match flag {
            Some(0) => {
                let msg = "--log-every must be at least 1 (1 prints every epoch)".into();
                self.flag(usage(msg));
                return 1;
            }
            Some(n) => return n,
            None => {}
        }
        match self.train.and_then(|t| t.log_every.as_ref()) {
            Some(l) if l.value == 0 => {
                let msg = "`log_every` must be at least 1".into();
                self.bad(msg, l.span, "zero", None);
                1
            }
            Some(l) => l.value,
            None => epochs.div_ceil(10).max(1),
        }
    }
}

/// A command-line error.
fn usage(msg: String) -> Diagnostic {
    Diagnostic::new(ErrorKind::Usage, msg)
}
