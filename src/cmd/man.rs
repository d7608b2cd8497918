//! `bpc man`: bpc's manual page (roff), every command and flag from the
//! command line's own definition: `bpc man > ~/.local/share/man/man1/bpc.1`.

use clap::CommandFactory;

use crate::session::{Failure, Io};

/// `bpc man`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `bpc man`.
pub fn run(_: &Args, io: &mut Io) -> Result<(), Failure> {
    io.out
        .write_all(crate::manpage::render(super::Cli::command())?.as_bytes())?;
    Ok(())
}
