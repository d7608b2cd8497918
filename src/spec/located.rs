//! Where YAML locations become bpc spans: the one place a serde-saphyr
//! [`Location`] is read. Every spanned value of a [`Spec`](super::Spec) is an
//! [`Sp`] by the time parsing returns; nothing after this stage sees YAML.

use serde::de::{Deserialize, Deserializer};
use serde_saphyr::{Location, Spanned};

use crate::diag::{Sp, Span};

/// The byte span of a serde-saphyr location, if it has one. Values read from
/// a string carry byte offsets; scanner errors carry only a line and column,
/// which `text` (the source, when at hand) turns into an offset.
pub(super) fn span_of(loc: &Location, text: Option<&str>) -> Option<Span> {
    if loc.line() == 0 {
        return None;
    }
    let span = loc.span();
    let len = span.byte_len().unwrap_or(0) as usize;
    let start = match span.byte_offset() {
        Some(b) => b as usize,
        None => offset_of_line_col(text?, loc.line() as usize, loc.column() as usize)?,
    };
    Some(match text {
        Some(text) => {
            let start = start.min(text.len());
            Span::new(start, (start + len).min(text.len()))
        }
        None => Span::new(start, start + len),
    })
}

/// The byte offset of a 1-based line and (character) column.
fn offset_of_line_col(text: &str, line: usize, col: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let off = rest
        .char_indices()
        .nth(col.saturating_sub(1))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    Some(line_start + off)
}

/// A spanned value reads as serde-saphyr's `Spanned` and keeps only the span
/// of where it is used (an alias's own place, not its anchor's). Read through
/// anything but serde-saphyr (or through `untagged`), the span is empty.
impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<T>::deserialize(d)?;
        let span = span_of(&s.referenced, None).unwrap_or_default();
        Ok(Sp::new(s.value, span))
    }
}

impl<T> Sp<T> {
    /// Maps the value, keeping the span.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Sp<U> {
        Sp::new(f(self.value), self.span)
    }
}
