//! Writing output files. A command lists its outputs in [`Outputs`] before
//! it does any work, so that a wrong path is found before a long training
//! run, not after it. Each output is checked when added:
//!
//! - its folder exists and bpc may write in it;
//! - it is not a folder, a block device or a socket, and not read-only;
//! - it is not another output of the same command, nor (see
//!   [`Outputs::not_input`]) the spec or its data, compared after resolving
//!   symlinks and by inode.
//!
//! A regular file is replaced atomically: the bytes go to an exclusively
//! created (`O_EXCL`), randomly named temporary file beside it, which is
//! synced, given the target's permissions (and owner, as root) and renamed
//! over it, so a reader sees the old file or the new one, never half of one.
//! A symlink is followed: its target is replaced, the link stays. A file
//! with other hard links is rewritten in place instead (every link sees the
//! new contents; that write is not atomic). Character devices and FIFOs
//! (`/dev/null`, `/dev/stdout`) are written in place, never renamed over.
//! Temporary files left by a killed run are recognised (name, age, and no
//! live process holding their lock) and removed by the next write beside
//! them.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Diagnostics, ErrorKind};
use crate::term;

use super::read::kind_of;
use super::stream::{Sink, Stream};
use super::temp::{TEMP_SUFFIX, remove_stale};
use super::unix::{open_special, writable};

/// How an output is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum How {
    /// A new file or a regular file with one link: replaced atomically.
    Replace,
    /// A regular file with other hard links: rewritten in place.
    Rewrite,
    /// A character device or a FIFO: written in place.
    Special,
}

/// One output file, checked.
#[derive(Clone, Debug)]
pub struct Output {
    /// The flag that named it (`-o`, `--history`), for messages.
    pub flag: &'static str,
    /// The path as given.
    pub path: PathBuf,
    /// Where the bytes go: the path, with a symlink resolved.
    target: PathBuf,
    how: How,
    /// The existing file's identity (device, inode), if it exists.
    id: Option<(u64, u64)>,
    /// The existing file's mode and owner, kept by the replacement.
    keep: Option<(u32, u32, u32)>,
}

impl Output {
    /// Checks `path` as an output named by `flag`: its folder exists and is
    /// writable, and it is not a folder, a block device, a socket or
    /// read-only. Nothing is created or changed.
    pub fn check(flag: &'static str, path: &Path) -> Result<Output, Diagnostic> {
        let shown = |p: &Path| term::escape(&p.to_string_lossy()).into_owned();
        let refuse = |why: String| {
            Diagnostic::new(
                ErrorKind::Io,
                format!("cannot write {flag} `{}`: {why}", path.display()),
            )
        };
        // A symlink is followed to the file it names.
        let target = match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(|e| {
                refuse(format!("it is a symbolic link that leads nowhere ({e})"))
                    .help("remove the link or point it at a file")
            })?,
            _ => path.to_path_buf(),
        };
        let dir = folder_of(&target);
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(refuse(format!("`{}` is not a folder", shown(dir)))
                    .help("write the file into an existing folder"));
            }
            Err(e) => {
                return Err(
                    refuse(format!("its folder `{}` does not exist ({e})", shown(dir)))
                        .help("create the folder first, or write the file elsewhere"),
                );
            }
        }
        if let Err(e) = writable(dir) {
            return Err(
                refuse(format!("bpc may not write in `{}` ({e})", shown(dir)))
                    .help("write the file into a folder you may write in"),
            );
        }
        let meta = match std::fs::metadata(&target) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(refuse(e.to_string())),
        };
        let how = match &meta {
            None => How::Replace,
            Some(m) => how_to_write(m).map_err(|why| refuse(why.to_string()))?,
        };
        if let Some(m) = &meta
            && how != How::Special
        {
            if m.permissions().mode() & 0o222 == 0 {
                return Err(refuse("the file is read-only".into()).help(format!(
                    "make it writable (`chmod u+w {}`) or write elsewhere",
                    shown(path)
                )));
            }
            if let Err(e) = writable(&target) {
                return Err(refuse(format!("bpc may not write it ({e})"))
                    .help("check the file's permissions"));
            }
        }
        Ok(Output {
            flag,
            path: path.to_path_buf(),
            target,
            how,
            id: meta.as_ref().map(|m| (m.dev(), m.ino())),
            keep: meta.as_ref().map(|m| (m.mode() & 0o7777, m.uid(), m.gid())),
        })
    }

    /// True when this output is the file at `other` (same inode, or the
    /// same path once symlinks and `..` are resolved).
    pub fn is(&self, other: &Path) -> bool {
        if let (Some(id), Ok(m)) = (self.id, std::fs::metadata(other)) {
            return id == (m.dev(), m.ino());
        }
        match (resolved(&self.target), resolved(other)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        }
    }

    /// Writes `bytes` to the output as checked: a regular file atomically
    /// (permissions and owner kept), a file with other hard links in place,
    /// a character device or FIFO in place.
    pub fn write(&self, bytes: &[u8]) -> Result<(), Diagnostic> {
        let result = match self.how {
            How::Replace | How::Rewrite => self.temp().and_then(|mut tmp| {
                tmp.write_all(bytes)?;
                self.commit(tmp)
            }),
            How::Special => open_special(&self.target).and_then(|mut f| {
                f.write_all(bytes)?;
                f.flush()
            }),
        };
        result.map_err(|e| cannot_write(&self.path, &e))
    }

    /// Starts writing the output piece by piece ([`Stream`]): into a
    /// temporary file beside it, or straight into a device or FIFO.
    pub fn stream(&self) -> Result<Stream<'_>, Diagnostic> {
        let sink = match self.how {
            How::Replace | How::Rewrite => self.temp().map(Sink::Temp),
            How::Special => open_special(&self.target).map(Sink::Direct),
        };
        let sink = sink.map_err(|e| cannot_write(&self.path, &e))?;
        Ok(Stream::new(self, sink))
    }

    /// An empty temporary file beside the target, locked while it lives,
    /// with the target's permissions (and owner, when bpc may).
    fn temp(&self) -> std::io::Result<tempfile::NamedTempFile> {
        let dir = folder_of(&self.target);
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_stale(dir, &name);
        let prefix = format!(".{name}.");
        let mode = self.keep.map_or(0o666, |k| k.0);
        let tmp = tempfile::Builder::new()
            .prefix(&prefix)
            .suffix(TEMP_SUFFIX)
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempfile_in(dir)?;
        // Held until the file is renamed or removed: a live temporary file is
        // never taken for a leftover.
        let _ = tmp.as_file().try_lock();
        if let Some((mode, uid, gid)) = self.keep {
            // The umask narrowed the mode at creation; the owner is kept when
            // bpc may (as root, or unchanged).
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))?;
            let _ = std::os::unix::fs::fchown(tmp.as_file(), Some(uid), Some(gid));
        }
        Ok(tmp)
    }

    /// Makes the written temporary file the output: synced, then renamed
    /// over the target; or, for a file with other hard links, copied into it
    /// (the bytes are on the disk beside it before the file is truncated).
    pub(super) fn commit(&self, mut tmp: tempfile::NamedTempFile) -> std::io::Result<()> {
        tmp.as_file().sync_all()?;
        if self.how == How::Rewrite {
            let mut f = OpenOptions::new()
                .write(true)
                .truncate(true)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&self.target)?;
            tmp.seek(std::io::SeekFrom::Start(0))?;
            std::io::copy(&mut tmp, &mut f)?;
            return f.sync_all();
        }
        tmp.persist(&self.target).map_err(|e| e.error)?;
        // The rename is durable once the folder is synced.
        if let Ok(d) = File::open(folder_of(&self.target)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// How an existing file is written, or why it cannot be.
fn how_to_write(m: &Metadata) -> Result<How, String> {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_file() {
        Ok(if m.nlink() > 1 {
            How::Rewrite
        } else {
            How::Replace
        })
    } else if t.is_char_device() || t.is_fifo() {
        Ok(How::Special)
    } else {
        Err(format!(
            "it is {}; bpc writes regular files, character devices and FIFOs",
            kind_of(t)
        ))
    }
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// `path` with symlinks and `..` resolved, also when the file does not exist
/// yet (its folder resolved, its name kept).
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = std::fs::canonicalize(path) {
        return Some(p);
    }
    let name = path.file_name()?;
    Some(std::fs::canonicalize(folder_of(path)).ok()?.join(name))
}

/// Every output of one command, checked before it starts its work.
#[derive(Clone, Debug, Default)]
pub struct Outputs(Vec<Output>);

impl Outputs {
    /// Checks `path` as the output named by `flag` ([`Output::check`]), and
    /// that no other output of the command is the same file. Returns its
    /// index, for [`Outputs::write`].
    pub fn add(&mut self, flag: &'static str, path: &Path) -> Result<usize, Diagnostic> {
        let out = Output::check(flag, path)?;
        if let Some(other) = self.0.iter().find(|o| out.is(&o.target)) {
            return Err(Diagnostic::new(
                ErrorKind::Usage,
                format!(
                    "{flag} `{}` and {} `{}` are the same file: one would overwrite the other",
                    path.display(),
                    other.flag,
                    other.path.display()
                ),
            )
            .help("give each output its own file"));
        }
        self.0.push(out);
        Ok(self.0.len() - 1)
    }

    /// Refuses every output (but the one at index `except`) that is the
    /// input `input`, described as `what` ("the spec", "the spec's data").
    pub fn not_input(
        &self,
        what: &str,
        input: &Path,
        except: Option<usize>,
    ) -> Result<(), Diagnostics> {
        let mut errors = Diagnostics::default();
        for (i, o) in self.0.iter().enumerate() {
            if Some(i) != except && o.is(input) {
                errors.push(
                    Diagnostic::new(
                        ErrorKind::Usage,
                        format!(
                            "{} `{}` is {what} (`{}`); bpc does not overwrite its inputs",
                            o.flag,
                            o.path.display(),
                            input.display()
                        ),
                    )
                    .help("write the output to another file"),
                );
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The output at `index`.
    pub fn get(&self, index: usize) -> &Output {
        &self.0[index]
    }

    /// Writes `bytes` to the output at `index`.
    pub fn write(&self, index: usize, bytes: &[u8]) -> Result<(), Diagnostic> {
        self.0[index].write(bytes)
    }
}

/// Writes `bytes` to `path` as a checked output ([`Output::check`], then
/// [`Output::write`]): atomically for a regular file, in place for a device
/// or FIFO. Commands with several outputs, or inputs to protect, use
/// [`Outputs`] before their work starts.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Diagnostic> {
    Output::check("the output", path)?.write(bytes)
}

/// The diagnostic for an output file that could not be written.
pub fn cannot_write(path: &Path, e: &std::io::Error) -> Diagnostic {
    Diagnostic::new(
        ErrorKind::Io,
        format!("cannot write `{}`: {e}", path.display()),
    )
}

/// The failures of a command's extra outputs (`--history`, `--plot`), each
/// saying that its main result, `kept`, was written all the same.
pub fn extra_failures(
    results: Vec<Result<(), Diagnostic>>,
    kept: Option<&Path>,
) -> Result<(), Diagnostics> {
    let errors: Vec<Diagnostic> = results
        .into_iter()
        .filter_map(Result::err)
        .map(|d| match kept {
            Some(p) => d.help(format!(
                "the other outputs were written, the main one to `{}`",
                p.display()
            )),
            None => d,
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diagnostics(errors))
    }
}
