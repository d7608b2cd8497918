//! Reading input files: the spec and its data. Each is opened once, without
//! blocking (a FIFO cannot hang bpc), checked to be a regular file (not a
//! FIFO, device, socket or folder: `/dev/zero` cannot fill memory), and read
//! through a size cap that holds even when the size reads as 0 (`/proc`).
//! A data file must lie in the spec's own folder once symlinks are resolved,
//! unless `--allow-outside-data`.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Largest spec file read, in bytes (`spec::limits::MAX_FILE_BYTES`).
pub const MAX_SPEC_BYTES: u64 = crate::spec::limits::MAX_FILE_BYTES as u64;

/// Largest data file read by default, in bytes; `--max-data-size` raises it.
pub const MAX_DATA_BYTES: u64 = 256 * 1024 * 1024;

/// How data files may be read: the command line's `--max-data-size` and
/// `--allow-outside-data`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadPolicy {
    /// Largest data file read, in bytes.
    pub max_data_bytes: u64,
    /// Data files may lie outside the spec's folder.
    pub allow_outside_data: bool,
}

impl Default for ReadPolicy {
    fn default() -> Self {
        ReadPolicy {
            max_data_bytes: MAX_DATA_BYTES,
            allow_outside_data: false,
        }
    }
}

/// Why an input file was not read.
#[derive(Debug)]
pub enum ReadError {
    /// The file system said no (missing, permissions, ...).
    Io(io::Error),
    /// It is not a regular file; what it is instead.
    NotRegular(&'static str),
    /// It holds more than this many bytes.
    TooBig(u64),
    /// Once symlinks are resolved, it lies outside this folder.
    Outside {
        /// Where the path leads.
        resolved: PathBuf,
        /// The spec's folder.
        folder: PathBuf,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooBig(max) => write!(f, "it is larger than {}", size_text(*max)),
            ReadError::Outside { resolved, folder } => write!(
                f,
                "it resolves to `{}`, outside the spec's folder `{}`",
                resolved.display(),
                folder.display()
            ),
        }
    }
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

/// What a file that is not regular is, for messages.
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_file() {
        "a regular file"
    } else {
        "a special file"
    }
}

/// Opens `path` once for reading and checks that it is a regular file. The
/// open does not block (a FIFO without a writer would hang a plain open),
/// does not make a terminal bpc's controlling one, and with `nofollow` does
/// not follow a symlink in the last component.
pub fn open_regular(path: &Path, nofollow: bool) -> Result<File, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
        if nofollow {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    let file = options.open(path)?;
    let t = file.metadata()?.file_type();
    if !t.is_file() {
        return Err(ReadError::NotRegular(kind_of(t)));
    }
    Ok(file)
}

/// A reader that fails with [`io::ErrorKind::FileTooLarge`] past `max` bytes,
/// whatever size the file claims.
pub struct Capped<R> {
    inner: R,
    left: u64,
    max: u64,
}

impl<R: Read> Capped<R> {
    /// `inner`, read to at most `max` bytes.
    pub fn new(inner: R, max: u64) -> Capped<R> {
        Capped {
            inner,
            left: max,
            max,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One byte more than allowed tells a full file from a larger one.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(too_big(self.max)),
            };
        }
        let n = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left -= got as u64;
        Ok(got)
    }
}

/// The error of a file over `max` bytes (read back by [`ReadError::from_io`]).
fn too_big(max: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::FileTooLarge,
        ReadError::TooBig(max).to_string(),
    )
}

impl ReadError {
    /// An I/O error, telling the size cap of [`Capped`] apart.
    pub fn from_io(e: io::Error, max: u64) -> ReadError {
        if e.kind() == io::ErrorKind::FileTooLarge {
            ReadError::TooBig(max)
        } else {
            ReadError::Io(e)
        }
    }
}

/// The whole of the regular file `path`, at most `max` bytes (the spec).
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    let file = open_regular(path, false)?;
    let len = file.metadata()?.len();
    if len > max {
        return Err(ReadError::TooBig(max));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    Capped::new(file, max)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::from_io(e, max))?;
    Ok(bytes)
}

/// Opens the data file `file` named in the spec at `spec_path` (relative to
/// the spec's folder): confined to that folder after resolving symlinks
/// unless the policy allows otherwise, a regular file, and not larger than
/// the policy's cap. Returns the file and its resolved path.
pub fn open_data(
    spec_path: &Path,
    file: &str,
    policy: &ReadPolicy,
) -> Result<(File, PathBuf), ReadError> {
    let path = data_path(spec_path, file);
    let resolved = std::fs::canonicalize(&path)?;
    if !policy.allow_outside_data {
        let folder = std::fs::canonicalize(spec_folder(spec_path))?;
        if !resolved.starts_with(&folder) {
            return Err(ReadError::Outside { resolved, folder });
        }
    }
    // The resolved path has no symlinks left; one planted since is refused.
    let f = open_regular(&resolved, true)?;
    if f.metadata()?.len() > policy.max_data_bytes {
        return Err(ReadError::TooBig(policy.max_data_bytes));
    }
    Ok((f, resolved))
}

/// The folder of the spec at `spec_path` (`.` for a bare file name).
pub fn spec_folder(spec_path: &Path) -> &Path {
    match spec_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The path of the data file `file` named in the spec at `spec_path`.
pub fn data_path(spec_path: &Path, file: &str) -> PathBuf {
    spec_folder(spec_path).join(file)
}

/// A byte count for people: `256 MiB`, `1.5 GiB`, `300 bytes`.
pub fn size_text(n: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if n >= size {
            let x = n as f64 / size as f64;
            return if n.is_multiple_of(size) {
                format!("{} {unit}", n / size)
            } else {
                format!("{x:.1} {unit}")
            };
        }
    }
    format!("{n} bytes")
}

/// Parses a size: bytes, or a number with `K`, `M`, `G` (powers of 1024,
/// optionally followed by `iB` or `B`): `300M`, `1.5GiB`, `1000000`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: u64 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        _ => return Err(format!("expected a size like 300M or 2G, got `{s}`")),
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x * (scale as f64) < u64::MAX as f64 => {
            Ok((x * scale as f64) as u64)
        }
        _ => Err(format!("expected a size like 300M or 2G, got `{s}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_and_print() {
        assert_eq!(parse_size("300M"), Ok(300 << 20));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("2 kb"), Ok(2048));
        assert!(parse_size("0").is_err() && parse_size("-1M").is_err());
        assert!(parse_size("12X").is_err() && parse_size("").is_err());
        assert_eq!(size_text(256 << 20), "256 MiB");
        assert_eq!(size_text(3 << 29), "1.5 GiB");
        assert_eq!(size_text(12), "12 bytes");
    }

    #[test]
    fn the_cap_holds_whatever_the_size_says() {
        let mut out = Vec::new();
        let e = Capped::new(&b"0123456789"[..], 4)
            .read_to_end(&mut out)
            .unwrap_err();
        assert!(matches!(ReadError::from_io(e, 4), ReadError::TooBig(4)));
        let mut out = Vec::new();
        Capped::new(&b"0123"[..], 4).read_to_end(&mut out).unwrap();
        assert_eq!(out, b"0123");
    }
}
