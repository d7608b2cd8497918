//! Tensor literals: a number, a nested list or an init mapping, read by a
//! visitor so that every element keeps its span (a ragged row is pointed at).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{InitDef, ValueDef};
use crate::diag::{Sp, Span};

/// What a nested list may hold at its leaves: numbers for a value; numbers
/// and blanks for an answer (`expect`). Anything a leaf cannot be is the
/// visitor's usual "invalid type" error.
pub(super) trait Leaf: Sized {
    /// What the visitor says it expected.
    const EXPECTING: &'static str;
    /// A number.
    fn number(x: f64) -> Self;
    /// A null (`~`, nothing), if this kind of leaf may be one.
    fn null() -> Option<Self> {
        None
    }
    /// A string, if this kind of leaf may be one.
    fn text(_: &str) -> Option<Self> {
        None
    }
}

impl Leaf for f64 {
    const EXPECTING: &'static str = "a number or a list of numbers";
    fn number(x: f64) -> f64 {
        x
    }
}

/// One element of a nested list literal.
pub(super) enum Elem<T> {
    Leaf(T),
    List(Vec<Sp<Elem<T>>>),
}

impl<'de, T: Leaf> Deserialize<'de> for Elem<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Leaf> Visitor<'de> for V<T> {
            type Value = Elem<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Elem<T>, E> {
                Ok(Elem::Leaf(T::number(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Elem<T>, E> {
                Ok(Elem::Leaf(T::number(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Elem<T>, E> {
                Ok(Elem::Leaf(T::number(v as f64)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Elem<T>, E> {
                T::null()
                    .map(Elem::Leaf)
                    .ok_or_else(|| E::invalid_type(de::Unexpected::Unit, &self))
            }
            fn visit_none<E: de::Error>(self) -> Result<Elem<T>, E> {
                self.visit_unit()
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Elem<T>, E> {
                T::text(v)
                    .map(Elem::Leaf)
                    .ok_or_else(|| E::invalid_type(de::Unexpected::Str(v), &self))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elem<T>, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Sp<Elem<T>>>()? {
                    items.push(item);
                }
                Ok(Elem::List(items))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Flattens a nested list: each leaf, with its span, goes to `leaf` in
/// row-major order, and the shape is returned; or the message and place of
/// the first ragged row.
pub(super) fn flatten<T>(
    items: Vec<Sp<Elem<T>>>,
    mut leaf: impl FnMut(T, Span),
) -> Result<Vec<usize>, (String, Span)> {
    // The shape is read off the first element at each depth; every other
    // element is then checked against it, without recursion.
    let mut shape = vec![items.len()];
    {
        let mut first = items.first();
        while let Some(Sp {
            value: Elem::List(inner),
            ..
        }) = first
        {
            shape.push(inner.len());
            first = inner.first();
        }
    }
    // Stack of (depth, element) in reverse so elements come out in order.
    let mut stack: Vec<(usize, Sp<Elem<T>>)> = items.into_iter().rev().map(|e| (1, e)).collect();
    while let Some((depth, elem)) = stack.pop() {
        let span = elem.span;
        match elem.value {
            Elem::Leaf(x) if depth == shape.len() => leaf(x, span),
            Elem::Leaf(_) => {
                let message = format!(
                    "ragged tensor: found a number where a list of {} was expected \
                     (the first element has shape {})",
                    shape[depth],
                    crate::tensor::shape_text(&shape[depth - 1..])
                );
                return Err((message, span));
            }
            Elem::List(inner) if depth < shape.len() && inner.len() == shape[depth] => {
                stack.extend(inner.into_iter().rev().map(|e| (depth + 1, e)));
            }
            Elem::List(inner) => {
                let message = if depth >= shape.len() {
                    "ragged tensor: found a list where a number was expected".to_string()
                } else {
                    format!(
                        "ragged tensor: this list has {} elements but the first one at \
                         the same depth has {}",
                        inner.len(),
                        shape[depth]
                    )
                };
                return Err((message, span));
            }
        }
    }
    Ok(shape)
}

impl<'de> Deserialize<'de> for ValueDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ValueDef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a number, a list of numbers, or an init mapping like \
                     `{ shape: [2, 3], init: normal, std: 0.1, seed: 0 }`",
                )
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ValueDef, E> {
                Ok(ValueDef::Literal {
                    shape: vec![],
                    data: vec![v],
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ValueDef, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ValueDef, E> {
                self.visit_f64(v as f64)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ValueDef, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Sp<Elem<f64>>>()? {
                    items.push(item);
                }
                let mut data = Vec::new();
                Ok(match flatten(items, |x, _| data.push(x)) {
                    Ok(shape) => ValueDef::Literal { shape, data },
                    Err((message, span)) => ValueDef::Bad { message, span },
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueDef, A::Error> {
                let init = InitDef::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ValueDef::Init(Box::new(init)))
            }
        }
        d.deserialize_any(V)
    }
}
