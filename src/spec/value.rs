//! Tensor literals: a number, a nested list or an init mapping, read by a
//! visitor so that every element keeps its span (a ragged row is pointed at).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{InitDef, ValueDef};
use crate::diag::Sp;

/// One element of a nested list literal.
enum Elem {
    Num(f64),
    List(Vec<Sp<Elem>>),
}

impl<'de> Deserialize<'de> for Elem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Elem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a list of numbers")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Elem, E> {
                Ok(Elem::Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Elem, E> {
                Ok(Elem::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Elem, E> {
                Ok(Elem::Num(v as f64))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Elem, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Sp<Elem>>()? {
                    items.push(item);
                }
                Ok(Elem::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// Flattens a nested list into (shape, row-major data), or says where it is ragged.
fn flatten(items: Vec<Sp<Elem>>) -> ValueDef {
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
    let mut data = Vec::with_capacity(shape.iter().product());
    // Stack of (depth, element) in reverse so elements come out in order.
    let mut stack: Vec<(usize, Sp<Elem>)> = items.into_iter().rev().map(|e| (1, e)).collect();
    while let Some((depth, elem)) = stack.pop() {
        let span = elem.span;
        match elem.value {
            Elem::Num(x) if depth == shape.len() => data.push(x),
            Elem::Num(_) => {
                return ValueDef::Bad {
                    message: format!(
                        "ragged tensor: found a number where a list of {} was expected \
                         (the first element has shape {})",
                        shape[depth],
                        crate::tensor::shape_text(&shape[depth - 1..])
                    ),
                    span,
                };
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
                return ValueDef::Bad { message, span };
            }
        }
    }
    ValueDef::Literal { shape, data }
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
                while let Some(item) = seq.next_element::<Sp<Elem>>()? {
                    items.push(item);
                }
                Ok(flatten(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ValueDef, A::Error> {
                let init = InitDef::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(ValueDef::Init(Box::new(init)))
            }
        }
        d.deserialize_any(V)
    }
}
