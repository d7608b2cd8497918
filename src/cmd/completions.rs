//! `bpc completions SHELL`: a completion script for bash, zsh, fish or
//! PowerShell, generated from the command line's own definition (clap), so it
//! knows every command, flag and choice bpc has.

use clap::{CommandFactory, ValueEnum};

use crate::session::{Failure, Io};

/// `bpc completions`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The shells bpc writes completions for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash: `source <(bpc completions bash)`.
    Bash,
    /// Zsh: a `_bpc` file on `$fpath`.
    Zsh,
    /// Fish: `bpc completions fish > ~/.config/fish/completions/bpc.fish`.
    Fish,
    /// PowerShell: `bpc completions powershell | Out-String | Invoke-Expression`.
    Powershell,
}

impl Shell {
    fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
            Shell::Powershell => clap_complete::Shell::PowerShell,
        }
    }
}

/// Runs `bpc completions`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let mut cmd = super::Cli::command();
    clap_complete::generate(a.shell.generator(), &mut cmd, "bpc", io.out);
    Ok(())
}
