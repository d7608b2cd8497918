//! Leaf values: literals checked and converted, inits checked (and generated
//! once the graph fits its limits).

use super::limits::too_big;
use super::{MAX_ELEMENTS, backticked};
use crate::diag::{Diagnostic, ErrorKind, Source, Sp, Span, did_you_mean};
use crate::init::{self, INIT_NAMES, Init};
use crate::spec::{self, ValueDef};
use crate::tensor::{Array, Value};

/// A literal's name: its shortest round-trip text (`0.5`, `2`).
pub fn format_literal(x: f64) -> String {
    format!("{x}")
}

/// The value of a leaf definition, or why it has none.
pub fn value_of(src: &Source, def: &Sp<ValueDef>) -> Result<Value, Diagnostic> {
    Ok(match leaf_of(src, def)? {
        Leaf::Ready(v) => v,
        Leaf::Pending(p) => p.generate(),
    })
}

/// A leaf's value, or the init that makes it: inits are generated only once
/// the whole graph is known to fit its limits.
pub(super) enum Leaf {
    /// A literal, already in memory.
    Ready(Value),
    /// An init, checked but not generated.
    Pending(PendingInit),
}

/// A checked init, not generated yet.
pub(super) struct PendingInit {
    init: Init,
    /// Its shape.
    pub shape: Vec<usize>,
    seed: u64,
}

impl PendingInit {
    /// The init's values.
    pub fn generate(self) -> Value {
        let data = init::generate(self.init, &self.shape, self.seed);
        match Array::from_shape_vec(ndarray::IxDyn(&self.shape), data) {
            Ok(a) => Value::from_array(a),
            Err(_) => Value::Scalar(f64::NAN),
        }
    }
}

impl Leaf {
    /// The leaf's shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            Leaf::Ready(v) => v.shape(),
            Leaf::Pending(p) => &p.shape,
        }
    }
}

/// The leaf a definition gives, or why it gives none; nothing is generated.
pub(super) fn leaf_of(src: &Source, def: &Sp<ValueDef>) -> Result<Leaf, Diagnostic> {
    match &def.value {
        ValueDef::Literal { shape, data } => {
            if data.len() > MAX_ELEMENTS {
                return Err(too_big(src, def.span, data.len()));
            }
            let arr = Array::from_shape_vec(ndarray::IxDyn(shape), data.clone()).map_err(|e| {
                Diagnostic::new(ErrorKind::BadTensor, e.to_string()).at(src, def.span, "")
            })?;
            Ok(Leaf::Ready(Value::from_array(arr)))
        }
        ValueDef::Bad { message, span } => {
            Err(Diagnostic::new(ErrorKind::BadTensor, message.clone())
                .at(
                    src,
                    if *span == Span::default() {
                        def.span
                    } else {
                        *span
                    },
                    "here",
                )
                .help("a tensor is a rectangular nested list of numbers, like `[[1, 2], [3, 4]]`"))
        }
        ValueDef::Init(init) => init_leaf(src, init).map(Leaf::Pending),
    }
}

/// Elements a leaf definition asks for, known before anything is allocated.
pub(super) fn declared_elements(def: &ValueDef) -> usize {
    match def {
        ValueDef::Literal { data, .. } => data.len(),
        ValueDef::Init(init) => init
            .shape
            .value
            .iter()
            .try_fold(1usize, |a, &d| {
                a.checked_mul(usize::try_from(d).unwrap_or(0))
            })
            .unwrap_or(usize::MAX),
        ValueDef::Bad { .. } => 0,
    }
}

fn init_leaf(src: &Source, def: &spec::InitDef) -> Result<PendingInit, Diagnostic> {
    let shape_span = def.shape.span;
    let mut shape = Vec::new();
    let mut total: usize = 1;
    for &d in &def.shape.value {
        if d < 0 {
            return Err(Diagnostic::new(
                ErrorKind::BadValue,
                format!("a shape cannot have a negative length, found {d}"),
            )
            .at(src, shape_span, "negative length")
            .help("write each axis length as a whole number >= 0, like `shape: [2, 3]`"));
        }
        let d = d as usize;
        total = total.saturating_mul(d);
        shape.push(d);
    }
    if total > MAX_ELEMENTS {
        return Err(too_big(src, shape_span, total));
    }
    let name = def.init.value.as_str();
    let num = |o: &Option<Sp<f64>>, d: f64| o.as_ref().map_or(d, |s| s.value);
    let init = match name {
        "zeros" => Init::Zeros,
        "ones" => Init::Ones,
        "normal" => Init::Normal {
            mean: num(&def.mean, 0.0),
            std: num(&def.std, 1.0),
        },
        "uniform" => Init::Uniform {
            low: num(&def.low, 0.0),
            high: num(&def.high, 1.0),
        },
        "xavier" => Init::Xavier,
        "he" => Init::He,
        _ => {
            return Err(
                Diagnostic::new(ErrorKind::BadValue, format!("unknown init `{name}`"))
                    .at(src, def.init.span, "not an init")
                    .help(
                        did_you_mean(name, INIT_NAMES.iter().copied())
                            .unwrap_or_else(|| format!("the inits are {}", backticked(INIT_NAMES))),
                    ),
            );
        }
    };
    let seed = def.seed.as_ref().map(|s| s.value).unwrap_or(0);
    Ok(PendingInit { init, shape, seed })
}
