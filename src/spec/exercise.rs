//! The teaching extensions of a spec, read with their spans: questions under
//! `expect` (an answer, or a mapping with `answer`, `points`, `rtol`,
//! `atol`), blank answers (`~`, nothing, `?`, `___`), and a key's `vary` and
//! a handout's `variant`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::value::{Elem, Leaf, flatten};
use super::{Entry, ValueDef};
use crate::diag::{Sp, Span};

/// One question of `expect`: `NAME: ANSWER`, or
/// `NAME: { answer: ANSWER, points: 2, rtol: 1e-3, atol: 0 }`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionDef {
    /// The answer as written.
    pub answer: Sp<AnswerDef>,
    /// In the mapping form, where the `answer` key is (`None`: plain form).
    pub answer_key: Option<Span>,
    /// Points for a right answer (default 1).
    pub points: Option<Sp<f64>>,
    /// This question's relative tolerance (replaces the hand-answer rule).
    pub rtol: Option<Sp<f64>>,
    /// This question's absolute tolerance (replaces the hand-answer rule).
    pub atol: Option<Sp<f64>>,
    /// Keys of the mapping bpc does not know.
    pub unknown_keys: Vec<Sp<String>>,
}

/// The keys a question written as a mapping knows.
pub const QUESTION_KEYS: &[&str] = &["answer", "points", "rtol", "atol"];

impl QuestionDef {
    /// Where the answer is written, as (the key before it, its value): the
    /// entry's own name and value in the plain form (`entry`), the `answer`
    /// key and its value in the mapping form.
    pub fn place(&self, entry: &Entry<QuestionDef>) -> (Span, Span) {
        match self.answer_key {
            Some(key) => (key, self.answer.span),
            None => (entry.name.span, entry.def.span),
        }
    }
}

/// An answer as written.
#[derive(Clone, Debug, PartialEq)]
pub enum AnswerDef {
    /// Numbers and blanks in row-major order, each with its span (a number's
    /// span covers its text); a single number or blank has shape `[]`.
    Given {
        /// The shape written.
        shape: Vec<usize>,
        /// The elements; `None` for a blank.
        elements: Vec<Sp<Option<f64>>>,
    },
    /// Not an answer (a word, a ragged list, a mapping); the message says why.
    Bad {
        /// What is wrong.
        message: String,
        /// Where.
        span: Span,
    },
}

impl AnswerDef {
    /// True when every element is blank.
    pub fn is_blank(&self) -> bool {
        matches!(self, AnswerDef::Given { elements, .. } if elements.iter().all(|e| e.value.is_none()))
    }
}

/// True for a string that stands for a blank answer: empty, or only `?`s, or
/// only `_`s.
fn is_blank_text(s: &str) -> bool {
    let t = s.trim();
    t.is_empty() || t.chars().all(|c| c == '?') || t.chars().all(|c| c == '_')
}

/// A leaf of an answer: a number, a blank, or a word (not an answer).
enum AnswerLeaf {
    Num(Option<f64>),
    Word(String),
}

impl Leaf for AnswerLeaf {
    const EXPECTING: &'static str = "a number, a list of numbers, or a blank (`~`)";
    fn number(x: f64) -> Self {
        AnswerLeaf::Num(Some(x))
    }
    fn null() -> Option<Self> {
        Some(AnswerLeaf::Num(None))
    }
    fn text(s: &str) -> Option<Self> {
        Some(if is_blank_text(s) {
            AnswerLeaf::Num(None)
        } else {
            AnswerLeaf::Word(s.to_string())
        })
    }
}

fn not_a_number(word: &str, span: Span) -> AnswerDef {
    AnswerDef::Bad {
        message: format!("`{word}` is not a number: write a number, or `~` for a blank"),
        span,
    }
}

/// An answer from its leaves: numbers and blanks, or the first word.
fn answer_of(items: Vec<Sp<Elem<AnswerLeaf>>>) -> AnswerDef {
    let mut elements = Vec::new();
    let mut word = None;
    let shape = flatten(items, |leaf, span| match leaf {
        AnswerLeaf::Num(x) => elements.push(Sp::new(x, span)),
        AnswerLeaf::Word(w) => {
            word.get_or_insert((w, span));
        }
    });
    match (shape, word) {
        (Err((message, span)), _) => AnswerDef::Bad { message, span },
        (Ok(_), Some((w, span))) => not_a_number(&w, span),
        (Ok(shape), None) => AnswerDef::Given { shape, elements },
    }
}

/// A scalar answer; its span is set by the caller, who knows it.
fn scalar(x: Option<f64>) -> AnswerDef {
    AnswerDef::Given {
        shape: vec![],
        elements: vec![Sp::new(x, Span::default())],
    }
}

/// An answer that is not a mapping (the value of `answer:`, or of the plain form).
struct RawAnswer(AnswerDef);

impl<'de> Deserialize<'de> for RawAnswer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let q = d.deserialize_any(AnswerVisitor)?;
        Ok(RawAnswer(match q.answer_key {
            None => q.answer.value,
            Some(span) => AnswerDef::Bad {
                message: "an answer is a number, a list of numbers or a blank, not a mapping"
                    .into(),
                span,
            },
        }))
    }
}

struct AnswerVisitor;

impl<'de> Visitor<'de> for AnswerVisitor {
    type Value = QuestionDef;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(
            "an answer: a number, a list of numbers, a blank (`~`), or a mapping \
             like `{ answer: 2.5, points: 2 }`",
        )
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<QuestionDef, E> {
        Ok(plain(scalar(Some(v))))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<QuestionDef, E> {
        self.visit_f64(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<QuestionDef, E> {
        self.visit_f64(v as f64)
    }
    fn visit_unit<E: de::Error>(self) -> Result<QuestionDef, E> {
        Ok(plain(scalar(None)))
    }
    fn visit_none<E: de::Error>(self) -> Result<QuestionDef, E> {
        self.visit_unit()
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<QuestionDef, E> {
        Ok(plain(if is_blank_text(v) {
            scalar(None)
        } else {
            not_a_number(v, Span::default())
        }))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<QuestionDef, E> {
        Ok(plain(not_a_number(&v.to_string(), Span::default())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<QuestionDef, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Sp<Elem<AnswerLeaf>>>()? {
            items.push(item);
        }
        Ok(plain(answer_of(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<QuestionDef, A::Error> {
        let mut q = plain(AnswerDef::Bad {
            message: "a question written as a mapping needs `answer:` (`answer: ~` for a blank)"
                .into(),
            span: Span::default(),
        });
        while let Some(key) = map.next_key::<Sp<String>>()? {
            match key.value.as_str() {
                "answer" => {
                    let a = map.next_value::<Sp<RawAnswer>>()?;
                    q.answer = Sp::new(located(a.value.0, a.span), a.span);
                    q.answer_key = Some(key.span);
                }
                "points" => q.points = Some(map.next_value()?),
                "rtol" => q.rtol = Some(map.next_value()?),
                "atol" => q.atol = Some(map.next_value()?),
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                    q.unknown_keys.push(key);
                }
            }
        }
        Ok(q)
    }
}

fn plain(answer: AnswerDef) -> QuestionDef {
    QuestionDef {
        answer: Sp::new(answer, Span::default()),
        answer_key: None,
        points: None,
        rtol: None,
        atol: None,
        unknown_keys: Vec::new(),
    }
}

/// An answer read without its own span (a scalar, a word) given the span of
/// where it stands.
fn located(answer: AnswerDef, span: Span) -> AnswerDef {
    match answer {
        AnswerDef::Given {
            shape,
            mut elements,
        } if shape.is_empty() => {
            for e in &mut elements {
                e.span = span;
            }
            AnswerDef::Given { shape, elements }
        }
        AnswerDef::Bad { message, span: s } if s == Span::default() => {
            AnswerDef::Bad { message, span }
        }
        other => other,
    }
}

impl<'de> Deserialize<'de> for QuestionDef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(AnswerVisitor)
    }
}

impl Sp<QuestionDef> {
    /// The question with the spans of a plain-form answer set to where the
    /// question's value is written (the visitor does not know it).
    pub(super) fn located(mut self) -> Sp<QuestionDef> {
        if self.value.answer_key.is_none() {
            let span = self.span;
            let a = std::mem::replace(&mut self.value.answer.value, scalar(None));
            self.value.answer = Sp::new(located(a, span), span);
        }
        self
    }
}

/// A key's `vary:` — which inputs each student gets their own numbers for.
#[derive(Clone, Debug, Default)]
pub struct VaryDef {
    /// `seed: N` (default 0).
    pub seed: Option<Sp<u64>>,
    /// `NAME: { range: [LOW, HIGH], step: S }` or `NAME: { choice: [...] }`, in order.
    pub rules: Vec<Entry<VaryRuleDef>>,
}

/// How one input varies; which keys make sense together is judged later.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VaryRuleDef {
    /// `[LOW, HIGH]`, both included.
    pub range: Option<Sp<Vec<f64>>>,
    /// The spacing of a range (default 1).
    pub step: Option<Sp<f64>>,
    /// The values to choose from.
    pub choice: Option<Sp<Vec<Sp<ValueDef>>>>,
}

/// A handout's `variant:` — whose numbers these are (written by `bpc handout`).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VariantDef {
    /// The student's ID.
    pub student: Sp<String>,
    /// The key's `vary.seed` when the handout was made.
    pub seed: Option<Sp<u64>>,
}

/// The value of a `vary` entry: the seed (a number) or a rule (a mapping).
enum SeedOrRule {
    Seed(u64),
    Rule(VaryRuleDef),
}

impl<'de> Deserialize<'de> for SeedOrRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SeedOrRule;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "`seed: N`, or an input's rule like `{ range: [1, 9] }` or \
                     `{ choice: [80, 100, 120] }`",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<SeedOrRule, E> {
                Ok(SeedOrRule::Seed(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SeedOrRule, A::Error> {
                VaryRuleDef::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(SeedOrRule::Rule)
            }
        }
        d.deserialize_any(V)
    }
}

pub(super) struct RawVary(pub(super) VaryDef);

impl<'de> Deserialize<'de> for RawVary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawVary;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of input names to rules, and `seed: N`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawVary, A::Error> {
                let mut vary = VaryDef::default();
                while let Some(name) = map.next_key::<Sp<String>>()? {
                    let value = map.next_value::<Sp<SeedOrRule>>()?;
                    match (name.value.as_str(), value.value) {
                        ("seed", SeedOrRule::Seed(n)) => vary.seed = Some(Sp::new(n, value.span)),
                        (_, SeedOrRule::Rule(rule)) => vary.rules.push(Entry {
                            name,
                            def: Sp::new(rule, value.span),
                        }),
                        (_, SeedOrRule::Seed(n)) => {
                            return Err(de::Error::invalid_type(
                                de::Unexpected::Unsigned(n),
                                &"an input's rule like `{ range: [1, 9] }` (only `seed` is a number)",
                            ));
                        }
                    }
                }
                Ok(RawVary(vary))
            }
        }
        d.deserialize_map(V)
    }
}
