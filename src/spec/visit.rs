//! Hand-written serde visitors: a value that may be a number, a list or a
//! mapping keeps its span only when read this way (not through `untagged`).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::exercise::RawVary;
use super::{
    Arg, Attr, Call, Columns, DataDef, Entry, ExpectDef, NodeDef, QuestionDef, Spec, TestDef,
    TrainDef, ValueDef,
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
        let mut spec = Spec::empty(Source::new("", ""));
        while let Some(key) = map.next_key::<Sp<String>>()? {
            match key.value.as_str() {
                "name" => spec.name = Some(map.next_value::<Sp<String>>()?),
                "description" => spec.description = Some(map.next_value::<String>()?),
                "inputs" => spec.inputs = map.next_value::<Entries<ValueDef>>()?.0,
                "params" => spec.params = map.next_value::<Entries<ValueDef>>()?.0,
                "nodes" => spec.nodes = map.next_value::<Entries<NodeDef>>()?.0,
                "output" => spec.output = Some(map.next_value::<Sp<String>>()?),
                "expect" => spec.expect = Some(map.next_value::<RawExpect>()?.0),
                "train" => spec.train = Some(map.next_value::<Sp<TrainDef>>()?),
                "data" => spec.data = Some(map.next_value::<Sp<RawData>>()?.map(|d| d.0)),
                "vary" => spec.vary = Some(map.next_value::<Sp<RawVary>>()?.map(|v| v.0)),
                "variant" => spec.variant = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    spec.unknown_keys.push(key);
                }
            }
        }
        Ok(RawSpec(spec))
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
                while let Some(name) = map.next_key::<Sp<String>>()? {
                    let def = map.next_value::<Sp<T>>()?;
                    out.push(Entry { name, def });
                }
                Ok(Entries(out))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
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
                while let Some(key) = map.next_key::<Sp<String>>()? {
                    match key.value.as_str() {
                        "op" => op = Some(map.next_value::<Sp<String>>()?),
                        "args" => {
                            let list = map.next_value::<Vec<Sp<ArgValue>>>()?;
                            args = Some(list.into_iter().map(|a| a.map(|a| a.0)).collect());
                        }
                        _ => attrs.push((key, map.next_value::<Sp<AttrValue>>()?.map(|a| a.0))),
                    }
                }
                let op = op.ok_or_else(|| de::Error::missing_field("op"))?;
                Ok(NodeDef::Map(Box::new(Call {
                    op,
                    args: args.unwrap_or_default(),
                    attrs,
                })))
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
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<AttrValue, A::Error> {
                // A list of numbers (`shape: [2, 3]`); anything else is kept as text.
                let mut list = Vec::new();
                let mut numbers = true;
                while let Some(AttrValue(item)) = seq.next_element()? {
                    match item {
                        Attr::Number(x) if list.len() < super::MAX_ATTR_LIST => list.push(x),
                        _ => numbers = false,
                    }
                }
                Ok(AttrValue(if numbers {
                    Attr::List(list)
                } else {
                    Attr::Text("a list that is not a short list of numbers".into())
                }))
            }
        }
        d.deserialize_any(V)
    }
}

/// The questions of `expect.values` or `expect.grads`, each located.
fn questions(entries: Entries<QuestionDef>) -> Vec<Entry<QuestionDef>> {
    entries
        .0
        .into_iter()
        .map(|e| Entry {
            name: e.name,
            def: e.def.located(),
        })
        .collect()
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
                while let Some(key) = map.next_key::<Sp<String>>()? {
                    match key.value.as_str() {
                        "values" => e.values = questions(map.next_value()?),
                        "grads" => e.grads = questions(map.next_value()?),
                        "rtol" => e.rtol = Some(map.next_value::<Sp<f64>>()?),
                        "atol" => e.atol = Some(map.next_value::<Sp<f64>>()?),
                        "hidden" => e.hidden = Some(map.next_value::<Sp<bool>>()?),
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
                while let Some(key) = map.next_key::<Sp<String>>()? {
                    match key.value.as_str() {
                        "csv" => data.csv = Some(map.next_value::<Sp<String>>()?),
                        "columns" => data.columns = map.next_value::<Entries<Columns>>()?.0,
                        // A number or a file is the held-out set; rows (a
                        // list) are still an input named `test`.
                        "test" => match map.next_value::<Sp<RawTest>>()? {
                            Sp {
                                value: RawTest::Rows(def),
                                span,
                            } => data.inline.push(Entry {
                                name: key,
                                def: Sp::new(def, span),
                            }),
                            Sp {
                                value: RawTest::Test(t),
                                span,
                            } => data.test = Some(Sp::new(t, span)),
                        },
                        _ => {
                            let def = map.next_value::<Sp<ValueDef>>()?;
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
                while let Some(n) = seq.next_element::<Sp<String>>()? {
                    names.push(n);
                }
                Ok(Columns::Many(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// The value of `data.test`: a fraction or a file name, or rows of an input
/// that happens to be named `test` (as before the key existed).
enum RawTest {
    Test(TestDef),
    Rows(ValueDef),
}

impl<'de> Deserialize<'de> for RawTest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawTest;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a fraction of the rows like `0.2`, or a CSV file like `test.csv`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawTest, E> {
                Ok(RawTest::Test(TestDef::Fraction(v)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawTest, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawTest, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTest, E> {
                Ok(RawTest::Test(TestDef::Csv(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawTest, E> {
                Ok(RawTest::Test(TestDef::Bad(format!("the boolean `{v}`"))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawTest, E> {
                Ok(RawTest::Test(TestDef::Bad("nothing".into())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawTest, A::Error> {
                ValueDef::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(RawTest::Rows)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawTest, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(RawTest::Test(TestDef::Bad("a mapping".into())))
            }
        }
        d.deserialize_any(V)
    }
}
