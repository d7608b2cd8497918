//! Text that reaches a terminal: every string that comes from a spec, a CSV
//! file or the command line passes through here before bpc prints it, so that
//! a hostile name cannot move the cursor, clear the screen, set the clipboard
//! (OSC 52), paint a fake result, or reorder what is shown (bidi overrides).
//!
//! Such characters are shown as visible escapes instead: `\x1b` for C0
//! controls and DEL, `\u{9b}` for C1 controls, `\u{202e}` for bidi and other
//! invisible format characters. Long strings are clipped in the middle, with a
//! count of what was left out.

use std::borrow::Cow;
use std::fmt::Write;

/// True for a character that must not reach a terminal as itself: C0 controls
/// (tab and newline included; [`escape_text`] keeps those two), DEL, C1
/// controls, bidi embeddings, overrides, isolates and marks, and the other
/// invisible format characters that can hide or reorder text.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // bidi: ALM, LRM, RLM, LRE..RLO, LRI..PDI
        | '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // zero-width and invisible operators, line and paragraph separators, BOM
        | '\u{200b}'..='\u{200d}' | '\u{2028}' | '\u{2029}' | '\u{2060}'..='\u{2064}'
        | '\u{feff}'
        // interlinear annotations, and tags (invisible text)
        | '\u{fff9}'..='\u{fffb}' | '\u{e0000}'..='\u{e007f}')
}

/// `s` on one line with every unsafe character (newlines and tabs included)
/// written as a visible escape. Borrows when there is nothing to escape.
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// Like [`escape`], but newlines and tabs stay (for text of several lines,
/// such as another program's error output). A carriage return is escaped: it
/// could return to the start of a line and overwrite it.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n' || c == '\t')
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let bad = |c: char| is_unsafe(c) && !keep(c);
    let Some(first) = s.find(bad) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if bad(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The visible form of an unsafe character.
pub fn push_escape(out: &mut String, c: char) {
    let _ = match c {
        '\u{0}'..='\u{1f}' | '\u{7f}' => write!(out, "\\x{:02x}", c as u32),
        _ => write!(out, "\\u{{{:x}}}", c as u32),
    };
}

/// How many bytes the escaped form of `s` by [`escape_text`] takes.
pub fn escaped_len(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if is_unsafe(c) && c != '\n' && c != '\t' {
                let mut e = String::new();
                push_escape(&mut e, c);
                e.len()
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

/// `s` cut to at most about `max` characters: its start and its end, with
/// the number of characters left out between them. Borrows when short.
pub fn clip(s: &str, max: usize) -> Cow<'_, str> {
    let n = s.chars().count();
    if n <= max {
        return Cow::Borrowed(s);
    }
    let tail = (max / 4).min(40);
    let head = max.saturating_sub(tail);
    let head_end = s.char_indices().nth(head).map_or(s.len(), |(i, _)| i);
    let tail_start = s.char_indices().nth(n - tail).map_or(s.len(), |(i, _)| i);
    Cow::Owned(format!(
        "{}…[{} characters left out]…{}",
        &s[..head_end],
        n - head - tail,
        &s[tail_start..]
    ))
}

/// One line for a terminal: clipped to `max` characters, then escaped.
pub fn shown(s: &str, max: usize) -> String {
    escape(&clip(s, max)).into_owned()
}

/// JSON text (as serde_json writes it) with C1 controls, bidi and the other
/// invisible characters inside its strings written as `\uXXXX` escapes: the
/// same strings for a JSON reader, and safe to print on a terminal. (serde_json
/// already escapes C0 controls; outside strings, JSON is ASCII.)
pub fn json_safe(json: String) -> String {
    if !json.contains(|c: char| is_unsafe(c) && !c.is_ascii()) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if is_unsafe(c) && !c.is_ascii() {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{u:04x}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_visibly() {
        assert_eq!(escape("plain name_1"), "plain name_1");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape("x\u{9b}31m"), "x\\u{9b}31m");
        assert_eq!(escape("abc\u{202e}def"), "abc\\u{202e}def");
        assert_eq!(escape("a\nb\tc\r"), "a\\x0ab\\x09c\\x0d");
        assert_eq!(escape_text("a\nb\tc\r"), "a\nb\tc\\x0d");
        assert_eq!(escape("é ✓ ∂"), "é ✓ ∂");
        for s in [
            "a\x1b]52;c;aGk=\x07",
            "\u{2066}x\u{2069}",
            "\u{e0041}",
            "\tx\r",
        ] {
            assert_eq!(escaped_len(s), escape_text(s).len(), "{s:?}");
            assert!(!escape(s).contains(is_unsafe), "{s:?}");
        }
    }

    #[test]
    fn clips_long_strings_in_the_middle() {
        assert_eq!(clip("short", 10), "short");
        let long = format!("{}END", "b".repeat(1000));
        let c = clip(&long, 100);
        assert!(c.starts_with("bbb") && c.ends_with("bEND"), "{c}");
        assert!(c.contains("[903 characters left out]"), "{c}");
        assert!(c.chars().count() < 140, "{c}");
        // Character boundaries, not bytes.
        assert_eq!(
            clip(&"é".repeat(50), 10)
                .chars()
                .filter(|&c| c == 'é')
                .count(),
            10
        );
    }

    #[test]
    fn json_stays_json_and_becomes_safe() {
        let j = serde_json::to_string("a\u{202e}b\u{9b}c\x1b").unwrap();
        let safe = json_safe(j);
        assert_eq!(safe, r#""a\u202eb\u009bc\u001b""#);
        let back: String = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, "a\u{202e}b\u{9b}c\x1b");
        let tag = json_safe(serde_json::to_string("\u{e0041}").unwrap());
        assert_eq!(serde_json::from_str::<String>(&tag).unwrap(), "\u{e0041}");
    }
}
