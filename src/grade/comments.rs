//! Comments marked as answers, found so that a handout can leave them out.
//!
//! A key marks its worked answers with comments that start with `answer:`
//! (any case, after the `#` and spaces):
//!
//! - a comment line `# answer: ...` starts a block that runs over the
//!   comment lines right after it, up to the first line that is not a
//!   comment (a blank line or YAML); an empty `#` line just before the block
//!   goes with it;
//! - a comment at the end of a YAML line, `x: 1   # answer: ...`, is that
//!   comment alone.
//!
//! Everything else stays, byte for byte.

use crate::diag::Span;

/// True when a comment's text (after `#`) is marked as an answer.
fn is_answer(comment: &str) -> bool {
    // `get`, not `[..7]`: the 7th byte may sit inside a character.
    let t = comment.trim_start();
    t.get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("answer:"))
}

/// The byte ranges of every answer comment of `text`, in order.
pub fn answer_comments(text: &str) -> Vec<Span> {
    let mut out: Vec<Span> = Vec::new();
    let mut lines = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        lines.push((at, line));
        at += line.len();
    }
    let full_comment = |line: &str| line.trim_start().starts_with('#');
    let mut i = 0;
    while i < lines.len() {
        let (start, line) = lines[i];
        let body = line.trim_start();
        if body.strip_prefix('#').is_some_and(is_answer) {
            // An empty `#` line just before goes with the block.
            let mut from = start;
            if i > 0 && lines[i - 1].1.trim() == "#" {
                from = lines[i - 1].0;
            }
            let mut j = i + 1;
            while j < lines.len() && full_comment(lines[j].1) {
                j += 1;
            }
            let end = lines.get(j).map_or(text.len(), |(s, _)| *s);
            out.push(Span::new(from, end));
            i = j;
            continue;
        }
        if !full_comment(line)
            && let Some(hash) = trailing_comment(line)
            && is_answer(&line[hash + 1..])
        {
            let before = line[..hash].trim_end().len();
            let eol = line.trim_end_matches(['\n', '\r']).len();
            out.push(Span::new(start + before, start + eol));
        }
        i += 1;
    }
    out
}

/// The offset of the `#` that starts a comment at the end of a YAML line
/// (outside quotes, after a space), if there is one.
fn trailing_comment(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote = None;
    for (i, &c) in bytes.iter().enumerate() {
        match (c, quote) {
            (b'"' | b'\'', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            (b'#', None) if i > 0 && bytes[i - 1].is_ascii_whitespace() => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(text: &str) -> String {
        let mut out = String::new();
        let mut at = 0;
        for s in answer_comments(text) {
            out.push_str(&text[at..s.start]);
            at = s.end;
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn blocks_and_trailing_comments_go_the_rest_stays() {
        let text = "# Exercise 1: the fruit.\n# Task: compute y.\n#\n# Answer: y = 2 x 3\n#   = 6\n\
                    #   (six)\nname: e1\ninputs:\n  x: 2   # count\n\n# answer: not kept\nnodes:\n  \
                    y: mul(x, 3)\noutput: y\nexpect:\n  values: { y: 6 }  # ANSWER: 2 x 3\n  \
                    grads: { x: 3 }  # the '#' in quotes: \"# answer: x\"\n";
        assert_eq!(
            strip(text),
            "# Exercise 1: the fruit.\n# Task: compute y.\nname: e1\ninputs:\n  x: 2   # count\n\n\
             nodes:\n  y: mul(x, 3)\noutput: y\nexpect:\n  values: { y: 6 }\n  \
             grads: { x: 3 }  # the '#' in quotes: \"# answer: x\"\n"
        );
    }

    #[test]
    fn comments_of_any_script_are_read_safely() {
        // Found by the fuzzer: a character across the 7th byte.
        for text in [
            "# abcde\u{fffd}f\nx: 1\n",
            "x: 1 # é answer\n",
            "# Ａnswer: 1\n",
        ] {
            assert!(answer_comments(text).is_empty(), "{text}");
        }
        assert_eq!(answer_comments("# Answer: ü\n").len(), 1);
    }

    #[test]
    fn hashes_inside_quotes_are_not_comments() {
        let text = "description: \"a # answer: 3\"\nname: 'x #answer: 1'\n";
        assert!(answer_comments(text).is_empty());
        assert_eq!(trailing_comment("a: 1 # b"), Some(5));
        assert_eq!(trailing_comment("a: b#c"), None);
    }
}
