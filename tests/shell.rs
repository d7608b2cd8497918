//! `bpc completions` and `bpc man`: every script parses in its shell (where
//! the shell is installed), and the scripts and the page know every command
//! and every flag bpc has.

mod common;

use std::path::PathBuf;
use std::process::Command;

use bpc::cmd::Cli;
use clap::CommandFactory;
use common::bpc;

/// Every (command, long flag) of bpc's command line.
fn commands_and_flags() -> Vec<(String, Vec<String>)> {
    Cli::command()
        .get_subcommands()
        .map(|sub| {
            let flags = sub
                .get_arguments()
                .filter_map(|a| a.get_long())
                .map(|l| format!("--{l}"))
                .collect();
            (sub.get_name().to_string(), flags)
        })
        .collect()
}

/// The output of `bpc completions SHELL`, written to a file for the shell.
/// Each call gets its own file: tests run in parallel, and one test's write
/// must never cut off the script another test's shell is reading.
fn script(shell: &str) -> (String, PathBuf) {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let (status, out, err) = bpc(&["completions", shell]);
    assert_eq!(status, 0, "{err}");
    let n = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("bpc-completions-{}-{n}.{shell}", std::process::id());
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, &out).expect("temp file");
    (out, path)
}

/// Runs `program args... file`; `None` when the program is not installed.
fn parse_with(program: &str, args: &[&str], file: &PathBuf) -> Option<(bool, String)> {
    let out = Command::new(program).args(args).arg(file).output().ok()?;
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

#[test]
fn every_script_names_every_command_and_flag() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let (text, _) = script(shell);
        for (command, flags) in commands_and_flags() {
            assert!(text.contains(&command), "{shell}: no `{command}`");
            for flag in flags {
                // fish writes `--set` as `-l set`.
                let written = match shell {
                    "fish" => format!("-l {}", &flag[2..]),
                    _ => flag.clone(),
                };
                assert!(
                    text.contains(&written),
                    "{shell}: no `{flag}` of `{command}`"
                );
            }
        }
    }
}

#[test]
fn bash_script_parses() {
    let (_, path) = script("bash");
    let (ok, err) = parse_with("bash", &["-n"], &path).expect("bash is installed");
    assert!(ok, "bash -n: {err}");
}

#[test]
fn zsh_and_fish_scripts_parse_where_installed() {
    for (shell, args) in [("zsh", &["-n"][..]), ("fish", &["--no-execute"][..])] {
        let (_, path) = script(shell);
        match parse_with(shell, args, &path) {
            Some((ok, err)) => assert!(ok, "{shell} {args:?}: {err}"),
            None => eprintln!("skipped: {shell} is not installed (apt-get install {shell})"),
        }
    }
    let (_, path) = script("powershell");
    match parse_with("pwsh", &["-NoProfile", "-NonInteractive", "-File"], &path) {
        Some((ok, err)) => assert!(ok, "pwsh: {err}"),
        None => eprintln!("skipped: PowerShell (pwsh) is not installed"),
    }
}

#[test]
fn man_page_documents_every_command_and_flag() {
    let (status, page, err) = bpc(&["man"]);
    assert_eq!(status, 0, "{err}");
    assert!(page.contains(".TH bpc 1"), "{page}");
    // roff escapes `-` as `\-`.
    let page_text = page.replace("\\-", "-");
    for (command, flags) in commands_and_flags() {
        let title = format!(".SH \"BPC {}\"", command.to_uppercase());
        assert!(page.contains(&title), "no section {title}");
        for flag in flags {
            assert!(page_text.contains(&flag), "no `{flag}` of `{command}`");
        }
    }
    assert!(page.contains(".SH \"EXIT STATUS\""));
    // groff reads it without a warning, where it is installed.
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bpc.1");
    std::fs::write(&path, &page).expect("temp file");
    match parse_with("groff", &["-man", "-Tutf8", "-ww", "-z"], &path) {
        Some((ok, err)) => assert!(ok && err.is_empty(), "groff: {err}"),
        None => eprintln!("skipped: groff is not installed"),
    }
}
