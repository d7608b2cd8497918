//! `bpc serve`: the graph in the browser. Binds, prints the page's URL,
//! optionally opens it, and answers until Ctrl-C; the server itself is
//! [`crate::serve`].

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::serve::{Options, Server};
use crate::session::{Failure, Io};

/// `bpc serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folders (every .yaml file below them) or .yaml files to serve; default: the current folder.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Port to listen on (default: any free one).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Address to listen on; anything but loopback lets other machines read and save the specs.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub host: IpAddr,
    /// Open the page in the default browser (xdg-open / open).
    #[arg(long)]
    pub open: bool,
}

/// Runs `bpc serve`: returns only when the server fails.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let server = Server::bind(&Options {
        paths: a.paths.clone(),
        host: a.host,
        port: a.port,
    })?;
    if !a.host.is_loopback() {
        writeln!(
            io.err,
            "warning: listening on {}: anyone who can reach this machine can read, run and save the served specs",
            a.host
        )?;
    }
    let url = server.url();
    writeln!(io.out, "bpc serve: {url}  (Ctrl-C stops)")?;
    io.out.flush()?;
    if a.open && !open(&url) {
        writeln!(
            io.err,
            "note: could not open a browser; open {url} yourself"
        )?;
    }
    server.run()?;
    Ok(())
}

/// Asks the desktop to open `url`; false when there is no opener.
fn open(url: &str) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}
