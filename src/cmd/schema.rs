//! `bpc schema`: the JSON Schema (draft 2020-12) of the spec format, for
//! editors: completion of keys and op names, hover text, checking as you
//! type. `schema/bpc-spec.json` is this output, committed (docs/editors.md).

use crate::session::{Failure, Io};

/// `bpc schema`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `bpc schema`.
pub fn run(_: &Args, io: &mut Io) -> Result<(), Failure> {
    io.out.write_all(crate::schema::render().as_bytes())?;
    Ok(())
}
