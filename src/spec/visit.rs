//! Hand-written serde visitors: a value that may be a number, a list or a
//! mapping keeps its span only when read this way (not through `untagged`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::{
    Arg, Attr, Call, Columns, DataDef, Entry, ExpectDef, InitDef, NodeDef, Spec, TrainDef,
    ValueDef, sp, span_of,
};
use crate::diag::{Source, Sp};

pub(super) struct RawSpec(pub(super) Spec);

impl<'de> Deserialize<'de> for RawSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(SpecVisitor)
    }
}

struct SpecVisitor;

impl<'de> Visitor<'de> for SpecVisitor {
    type Value = RawSpec;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a spec: a mapping with keys such as `inputs`, `nodes` and `output`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSpec, A::Error> {
        let mut spec = Spec {
            source: Source::new("", ""),
            name: None,
            description: None,
            inputs: Vec::new(),
            params: Vec::new(),
            nodes: Vec::new(),
            output: None,
            expect: None,
            train: None,
            data: None,
            unknown_keys: Vec::new(),
        };
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let key = sp(key);
            match key.value.as_str() {
                "name" => spec.name = Some(sp(map.next_value::<Spanned<String>>()?)),
                "description" => spec.description = Some(map.next_value::<String>()?),
                "inputs" => spec.inputs = map.next_value::<Entries<ValueDef>>()?.0,
                "params" => spec.params = map.next_value::<Entries<ValueDef>>()?.0,
                "nodes" => spec.nodes = map.next_value::<Entries<NodeDef>>()?.0,
                "output" => spec.output = Some(sp(map.next_value::<Spanned<String>>()?)),
                "expect" => spec.expect = Some(map.next_value::<RawExpect>()?.0),
                "train" => spec.train = Some(sp(map.next_value::<Spanned<TrainDef>>()?)),
                "data" => spec.data = Some(sp(map.next_value::<Spanned<RawData>>()?).map(|d| d.0)),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    spec.unknown_keys.push(key);
                }
            }
        }
        Ok(RawSpec(spec))
    }
}

impl<T> Sp<T> {
    /// Maps the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp::new(f(self.value), self.span)
    }
}

/// A mapping read in file order, keys and values spanned; empty for `null`.
struct Entries<T>(Vec<Entry<T>>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to definitions")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries(Vec::new()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = map.next_key::<Spanned<String>>()? {
                    let def = map.next_value::<Spanned<T>>()?;
                    out.push(Entry {
                        name: sp(name),
                        def: sp(def),
                    });
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One element of a nested list literal.
enum Elem {
    Num(f64),
    List(Vec<Spanned<Elem>>),
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
                while let Some(item) = seq.next_element::<Spanned<Elem>>()? {
                    items.push(item);
                }
                Ok(Elem::List(items))
            }
        }
        d.deserialize_any(V)
    }
}

/// Flattens a nested list into (shape, row-major data), or says where it is ragged.
fn flatten(items: Vec<Spanned<Elem>>) -> ValueDef {
    // The shape is read off the first element at each depth; every other
    // element is then checked against it, without recursion.
    let mut shape = vec![items.len()];
    {
        let mut first = items.first();
        while let Some(Spanned {
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
    let mut stack: Vec<(usize, Spanned<Elem>)> = items.into_iter().rev().map(|e| (1, e)).collect();
    while let Some((depth, elem)) = stack.pop() {
        let span = span_of(&elem.referenced);
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
                while let Some(item) = seq.next_element::<Spanned<Elem>>()? {
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

impl<'de> Deserialize<'de> for NodeDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeDef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a call like `mul(a, b)` or a mapping like `{ op: mul, args: [a, b] }`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NodeDef, E> {
                Ok(NodeDef::Text(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NodeDef, A::Error> {
                let mut op = None;
                let mut args = None;
                let mut attrs = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let key = sp(key);
                    match key.value.as_str() {
                        "op" => op = Some(sp(map.next_value::<Spanned<String>>()?)),
                        "args" => {
                            let list = map.next_value::<Vec<Spanned<ArgValue>>>()?;
                            args = Some(list.into_iter().map(|a| sp(a).map(|a| a.0)).collect());
                        }
                        _ => attrs.push((
                            key,
                            sp(map.next_value::<Spanned<AttrValue>>()?).map(|a| a.0),
                        )),
                    }
                }
                let op = op.ok_or_else(|| de::Error::missing_field("op"))?;
                Ok(NodeDef::Map(Call {
                    op,
                    args: args.unwrap_or_default(),
                    attrs,
                }))
            }
        }
        d.deserialize_any(V)
    }
}

struct ArgValue(Arg);

impl<'de> Deserialize<'de> for ArgValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ArgValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ArgValue, E> {
                Ok(ArgValue(Arg::Name(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ArgValue, E> {
                Ok(ArgValue(Arg::Number(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ArgValue, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ArgValue, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

struct AttrValue(Attr);

impl<'de> Deserialize<'de> for AttrValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AttrValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AttrValue, E> {
                Ok(AttrValue(Attr::Text(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttrValue, E> {
                Ok(AttrValue(Attr::Text(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AttrValue, E> {
                Ok(AttrValue(Attr::Number(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttrValue, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttrValue, E> {
                self.visit_f64(v as f64)
            }
        }
        d.deserialize_any(V)
    }
}

struct RawExpect(ExpectDef);

impl<'de> Deserialize<'de> for RawExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping with `values`, `grads`, `rtol`, `atol`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawExpect, A::Error> {
                let mut e = ExpectDef::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let key = sp(key);
                    match key.value.as_str() {
                        "values" => e.values = map.next_value::<Entries<ValueDef>>()?.0,
                        "grads" => e.grads = map.next_value::<Entries<ValueDef>>()?.0,
                        "rtol" => e.rtol = Some(sp(map.next_value::<Spanned<f64>>()?)),
                        "atol" => e.atol = Some(sp(map.next_value::<Spanned<f64>>()?)),
                        "hidden" => e.hidden = Some(sp(map.next_value::<Spanned<bool>>()?)),
                        _ => {
                            map.next_value::<de::IgnoredAny>()?;
                            e.unknown_keys.push(key);
                        }
                    }
                }
                Ok(RawExpect(e))
            }
        }
        d.deserialize_map(V)
    }
}

struct RawData(DataDef);

impl<'de> Deserialize<'de> for RawData {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawData;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of input names to rows, or `{ csv: FILE, columns: {...} }`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawData, A::Error> {
                let mut data = DataDef::default();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    let key = sp(key);
                    match key.value.as_str() {
                        "csv" => data.csv = Some(sp(map.next_value::<Spanned<String>>()?)),
                        "columns" => data.columns = map.next_value::<Entries<Columns>>()?.0,
                        _ => {
                            let def = sp(map.next_value::<Spanned<ValueDef>>()?);
                            data.inline.push(Entry { name: key, def });
                        }
                    }
                }
                Ok(RawData(data))
            }
        }
        d.deserialize_map(V)
    }
}

impl<'de> Deserialize<'de> for Columns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Columns;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a column name or a list of column names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Columns, E> {
                Ok(Columns::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Columns, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<Spanned<String>>()? {
                    names.push(sp(n));
                }
                Ok(Columns::Many(names))
            }
        }
        d.deserialize_any(V)
    }
}
