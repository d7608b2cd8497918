//! The `bpc` binary: everything lives in the library's `cmd` module.
use std::io::IsTerminal;
use std::process::ExitCode;

fn main() -> ExitCode {
    let stderr = std::io::stderr();
    let tty = stderr.is_terminal();
    let color = tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let (mut out, mut err) = (std::io::stdout().lock(), stderr.lock());
    let status = bpc::cmd::run(
        std::env::args_os(),
        &mut bpc::session::Io {
            out: &mut out,
            err: &mut err,
            color,
            tty,
        },
    );
    ExitCode::from(status)
}
