//! Command-line mistakes clap reports without a fix: `--set NAME VALUE`
//! (clap sees VALUE as an unexpected argument) gets a diagnostic that shows
//! the `NAME=VALUE` to write.

use std::ffi::OsString;

use crate::diag::{Diagnostic, ErrorKind, Source, Span};

/// A better message for clap's error `e` on `args` (program name first), if
/// bpc knows one: `--set n_X 3` says to write `--set n_X=3`.
pub fn hint(args: &[OsString], e: &clap::Error) -> Option<Diagnostic> {
    if e.kind() != clap::error::ErrorKind::UnknownArgument {
        return None;
    }
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    (0..args.len()).find_map(|i| {
        // `--set NAME VALUE` or `--set=NAME VALUE`.
        let (name, value) = match args[i].strip_prefix("--set")? {
            "" => (args.get(i + 1)?, args.get(i + 2)?),
            rest => (&rest.strip_prefix('=')?.to_string(), args.get(i + 1)?),
        };
        if name.contains('=') || name.is_empty() || value.starts_with("--") {
            return None;
        }
        Some(set_without_equals(name, value))
    })
}

/// `--set NAME VALUE`: the two words are one argument.
fn set_without_equals(name: &str, value: &str) -> Diagnostic {
    let text = format!("{name} {value}");
    let src = Source::new("--set", text.clone());
    let fixed = format!("{name}={value}");
    let shell = if value.contains([' ', '[', ']', ',', '*', '?']) {
        format!("'{fixed}'")
    } else {
        fixed
    };
    Diagnostic::new(
        ErrorKind::Usage,
        format!("--set `{text}`: NAME and VALUE are one argument, joined by `=`"),
    )
    .at(
        &src,
        Span::new(name.len(), name.len() + 1),
        "`=` here, not a space",
    )
    .help(format!("write `--set {shell}`"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn hinted(args: &[&str]) -> Option<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let e = super::super::Cli::try_parse_from(&args).unwrap_err();
        hint(&args, &e).map(|d| d.render(false))
    }

    #[test]
    fn set_with_a_space_suggests_the_equals_sign() {
        for cmd in ["run", "dot", "explain", "train", "export"] {
            let shown = hinted(&["bpc", cmd, "s.yaml", "--set", "n_X", "3"])
                .unwrap_or_else(|| panic!("{cmd}: no hint"));
            assert!(shown.contains("write `--set n_X=3`"), "{cmd}: {shown}");
        }
        let shown = hinted(&["bpc", "run", "--set", "w", "[1, 2]", "s.yaml"]).unwrap();
        assert!(shown.contains("write `--set 'w=[1, 2]'`"), "{shown}");
        let shown = hinted(&["bpc", "run", "s.yaml", "--set=n_X", "3"]).unwrap();
        assert!(shown.contains("write `--set n_X=3`"), "{shown}");
        // Other unexpected arguments keep clap's message.
        assert_eq!(hinted(&["bpc", "run", "s.yaml", "extra"]), None);
        assert_eq!(hinted(&["bpc", "run", "s.yaml", "--set", "a=1", "3"]), None);
    }
}
