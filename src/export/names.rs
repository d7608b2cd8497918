//! Python names for the values of a spec: a name that is already a safe
//! Python identifier is kept; any other is changed, and the script states
//! each change in a comment.
//!
//! Safe means: a Python identifier, not a keyword, not a builtin or a name
//! the script itself defines (which a value would shadow), not `_`, not a
//! dunder, and written only in characters whose NFKC form is themselves
//! (Python folds identifiers to NFKC, so `ｘ` and `x` would be one variable).
//! Without normalization tables, "NFKC-stable" is an allowlist: ASCII
//! letters, digits and `_`, and the letters of Latin-1, Greek, Cyrillic,
//! kana, Hangul syllables and CJK ideographs (`數量` is kept). Other
//! characters are spelled `uXXXX`. Clashes get a `_` (then a number).

use std::collections::HashSet;

/// Python's keywords (3.11; soft keywords such as `match` are fine as names).
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

/// Python's builtins (3.11, `dir(builtins)` without dunders): a value named
/// like one would shadow it for the script's own helpers.
const BUILTINS: &[&str] = &[
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "BaseException",
    "BaseExceptionGroup",
    "BlockingIOError",
    "BrokenPipeError",
    "BufferError",
    "BytesWarning",
    "ChildProcessError",
    "ConnectionAbortedError",
    "ConnectionError",
    "ConnectionRefusedError",
    "ConnectionResetError",
    "DeprecationWarning",
    "EOFError",
    "Ellipsis",
    "EncodingWarning",
    "EnvironmentError",
    "Exception",
    "ExceptionGroup",
    "FileExistsError",
    "FileNotFoundError",
    "FloatingPointError",
    "FutureWarning",
    "GeneratorExit",
    "IOError",
    "ImportError",
    "ImportWarning",
    "IndentationError",
    "IndexError",
    "InterruptedError",
    "IsADirectoryError",
    "KeyError",
    "KeyboardInterrupt",
    "LookupError",
    "MemoryError",
    "ModuleNotFoundError",
    "NameError",
    "NotADirectoryError",
    "NotImplemented",
    "NotImplementedError",
    "OSError",
    "OverflowError",
    "PendingDeprecationWarning",
    "PermissionError",
    "ProcessLookupError",
    "RecursionError",
    "ReferenceError",
    "ResourceWarning",
    "RuntimeError",
    "RuntimeWarning",
    "StopAsyncIteration",
    "StopIteration",
    "SyntaxError",
    "SyntaxWarning",
    "SystemError",
    "SystemExit",
    "TabError",
    "TimeoutError",
    "TypeError",
    "UnboundLocalError",
    "UnicodeDecodeError",
    "UnicodeEncodeError",
    "UnicodeError",
    "UnicodeTranslateError",
    "UnicodeWarning",
    "UserWarning",
    "ValueError",
    "Warning",
    "ZeroDivisionError",
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "breakpoint",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "compile",
    "complex",
    "copyright",
    "credits",
    "delattr",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "eval",
    "exec",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "globals",
    "hasattr",
    "hash",
    "help",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "license",
    "list",
    "locals",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "property",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// Hands out Python names that are unique and safe.
#[derive(Debug)]
pub struct Names {
    taken: HashSet<String>,
    reserved: HashSet<String>,
    /// `(spec name, Python name)` for every name that had to change.
    pub changed: Vec<(String, String)>,
}

impl Names {
    /// A namespace in which `script` names (modules, helpers) are taken.
    pub fn new<'a>(script: impl IntoIterator<Item = &'a str>) -> Names {
        let reserved = KEYWORDS
            .iter()
            .chain(BUILTINS)
            .copied()
            .chain(script)
            .chain(["_"])
            .map(String::from)
            .collect();
        Names {
            taken: HashSet::new(),
            reserved,
            changed: Vec::new(),
        }
    }

    /// The Python name of the spec's `name`; a change is recorded in `changed`.
    pub fn value(&mut self, name: &str) -> String {
        let py = self.unique(spelled(name));
        if py != name {
            self.changed.push((name.to_string(), py.clone()));
        }
        py
    }

    /// A fresh name for a variable the script makes (`d_x`, `d_x_1`).
    pub fn fresh(&mut self, wanted: &str) -> String {
        self.unique(spelled(wanted))
    }

    /// `wanted`, or `wanted_`, `wanted_2`, ... : the first that is free.
    fn unique(&mut self, wanted: String) -> String {
        let free = |n: &String| !self.taken.contains(n) && !self.reserved.contains(n);
        let mut name = wanted.clone();
        if !free(&name) {
            name = format!("{wanted}_");
            let mut k = 2;
            while !free(&name) {
                name = format!("{wanted}_{k}");
                k += 1;
            }
        }
        self.taken.insert(name.clone());
        name
    }
}

/// `name` spelled as a Python identifier made of NFKC-stable characters.
fn spelled(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        let ok = c == '_' || is_stable_letter(c) || (i > 0 && c.is_ascii_digit());
        if ok {
            out.push(c);
        } else if c.is_ascii_digit() {
            // A leading digit.
            out.push('_');
            out.push(c);
        } else {
            out.push_str(&format!("u{:04x}", c as u32));
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    // Dunder names mean something to Python (`__builtins__`).
    if out.len() > 4 && out.starts_with("__") && out.ends_with("__") {
        out.push('v');
    }
    out
}

/// A letter that is an identifier character of Python and its own NFKC form.
fn is_stable_letter(c: char) -> bool {
    matches!(c,
        'a'..='z' | 'A'..='Z'
        // Latin-1 letters (not ª, µ, º, ×, ÷)
        | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{ff}'
        // Greek capitals and small letters (not the symbol variants ϐ, ϑ, ...)
        | '\u{391}'..='\u{3a1}' | '\u{3a3}'..='\u{3a9}' | '\u{3b1}'..='\u{3c9}'
        // Cyrillic
        | '\u{410}'..='\u{44f}'
        // Hiragana, Katakana, the prolonged sound mark
        | '\u{3041}'..='\u{3096}' | '\u{30a1}'..='\u{30fa}' | '\u{30fc}'
        // CJK Unified Ideographs (and extension A), Hangul syllables
        | '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{ac00}'..='\u{d7a3}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names_are_kept() {
        let mut n = Names::new(["np"]);
        assert_eq!(n.value("n_X"), "n_X");
        assert_eq!(n.value("數量"), "數量");
        assert_eq!(n.value("größe"), "größe");
        assert_eq!(n.value("match"), "match");
        assert!(n.changed.is_empty());
    }

    #[test]
    fn keywords_builtins_and_script_names_change() {
        let mut n = Names::new(["np"]);
        assert_eq!(n.value("lambda"), "lambda_");
        assert_eq!(n.value("in"), "in_");
        assert_eq!(n.value("sum"), "sum_");
        assert_eq!(n.value("np"), "np_");
        assert_eq!(n.value("_"), "__");
        assert_eq!(n.value("__builtins__"), "__builtins__v");
        assert_eq!(n.changed.len(), 6);
    }

    #[test]
    fn clashes_get_a_suffix() {
        let mut n = Names::new([]);
        assert_eq!(n.value("x"), "x");
        assert_eq!(n.value("lambda_"), "lambda_");
        assert_eq!(n.value("lambda"), "lambda_2");
        assert_eq!(n.fresh("d_x"), "d_x");
        assert_eq!(n.fresh("d_x"), "d_x_");
        assert_eq!(n.fresh("d_x"), "d_x_2");
    }

    #[test]
    fn unstable_characters_are_spelled_out() {
        let mut n = Names::new([]);
        // Fullwidth x folds to x under NFKC: it must not become the same variable.
        assert_eq!(n.value("ｘ"), "uff58");
        assert_eq!(n.value("a-b"), "au002db");
        assert_eq!(n.value("1x"), "_1x");
    }
}
