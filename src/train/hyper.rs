//! Reading an optimizer's hyper-parameters (and the learning rate) from the
//! spec's `train:` section, each range-checked at its span.

use crate::diag::{Diagnostic, Diagnostics, ErrorKind, Source, Sp};
use crate::spec::TrainDef;

/// Reads hyper-parameters from the spec's `train:` section. One out of range
/// is reported at its span (and its default used, so that checking goes on).
pub struct Hyper<'a> {
    src: &'a Source,
    train: Option<&'a TrainDef>,
    errors: &'a mut Diagnostics,
}

impl<'a> Hyper<'a> {
    /// A reader of `train` (from `src`) that reports into `errors`.
    pub fn new(src: &'a Source, train: Option<&'a TrainDef>, errors: &'a mut Diagnostics) -> Self {
        Hyper { src, train, errors }
    }

    /// `key` (read by `field`): a finite number > 0, or `default` when absent.
    pub fn positive(&mut self, key: &str, field: Field, default: f64) -> f64 {
        self.within(key, field, default, None)
    }

    /// `key` (read by `field`): a number in (0, 1), or `default` when absent.
    pub fn fraction(&mut self, key: &str, field: Field, default: f64) -> f64 {
        self.within(key, field, default, Some(1.0))
    }

    fn within(&mut self, key: &str, field: Field, default: f64, upper: Option<f64>) -> f64 {
        let Some(v) = self.train.and_then(field) else {
            return default;
        };
        let x = v.value;
        if x > 0.0 && x.is_finite() && upper.is_none_or(|u| x < u) {
            return x;
        }
        let range = match upper {
            Some(u) => format!("in (0, {u})"),
            None => "> 0".into(),
        };
        self.errors.push(
            Diagnostic::new(
                ErrorKind::BadValue,
                format!("`{key}` must be {range}, found {x}"),
            )
            .at(self.src, v.span, "out of range"),
        );
        default
    }
}

/// Where a hyper-parameter is written in `train:`.
pub type Field = fn(&TrainDef) -> Option<&Sp<f64>>;
