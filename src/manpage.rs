//! bpc's manual page, bpc(1), in roff: the name, synopsis and description of
//! the program, then one section per command with its synopsis and every
//! flag (clap_mangen renders each piece from the clap definition), then the
//! exit statuses and where to read more.

use clap_mangen::Man;

/// The whole page for the command line `cmd` (its subcommands included).
pub fn render(mut cmd: clap::Command) -> std::io::Result<String> {
    // Building sets every subcommand's full name (`bpc run`) for its synopsis.
    cmd.build();
    let man = Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let title = sub.get_bin_name().unwrap_or(sub.get_name()).to_uppercase();
        out.extend_from_slice(format!(".SH \"{title}\"\n").as_bytes());
        let page = Man::new(sub.clone());
        let mut part = Vec::new();
        page.render_description_section(&mut part)?;
        page.render_synopsis_section(&mut part)?;
        page.render_options_section(&mut part)?;
        // The command's own sections become subsections of its section.
        let part = String::from_utf8_lossy(&part)
            .replace(".SH DESCRIPTION\n", "")
            .replace(".SH SYNOPSIS\n", ".SS Synopsis\n")
            .replace(".SH OPTIONS\n", ".SS Options\n");
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(EXIT_AND_SEE_ALSO.as_bytes());
    man.render_version_section(&mut out)?;
    Ok(once_each_preamble(&String::from_utf8_lossy(&out)))
}

/// Each piece clap_mangen renders starts with the same two-line preamble
/// (defining the apostrophe string); the page needs it once, at the top.
fn once_each_preamble(page: &str) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut out = String::with_capacity(page.len());
    for line in page.split_inclusive('\n') {
        let preamble = line.starts_with(".ie \\n(.g") || line.starts_with(".el .ds Aq");
        if !preamble || seen.insert(line) {
            out.push_str(line);
        }
    }
    out
}

/// The sections clap does not know.
const EXIT_AND_SEE_ALSO: &str = r#".SH "EXIT STATUS"
.TP
0
Success.
.TP
1
A check failed, or a value or gradient became NaN or infinite.
.TP
2
The spec or the command line is invalid (the message gives the file, line and column).
.SH "SEE ALSO"
The spec format: docs/spec-format.md in bpc's source.
Editor set-up (completion and checking of specs): docs/editors.md.
"#;
