//! What the operating system is asked directly: access rights with the
//! effective ids, and writing to a device or FIFO without blocking on it.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// A character device or FIFO, opened to be written in place. A FIFO
/// without a reader is an error, not a hang.
pub(super) fn open_special(path: &Path) -> std::io::Result<File> {
    let f = OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ENXIO) {
                std::io::Error::other("no program is reading from this FIFO")
            } else {
                e
            }
        })?;
    set_blocking(&f)?;
    Ok(f)
}

fn set_blocking(f: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = f.as_raw_fd();
    // SAFETY: fcntl on a file descriptor this process owns, for the lifetime of `f`.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whether this process may write `path` (and, for a folder, create in it):
/// `faccessat` with the effective ids. A read-only file system says no even
/// to root.
pub(super) fn writable(path: &Path) -> std::io::Result<()> {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
        .map_err(|_| std::io::Error::other("the path holds a NUL byte"))?;
    let is_dir = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
    let mode = if is_dir {
        libc::W_OK | libc::X_OK
    } else {
        libc::W_OK
    };
    // SAFETY: a valid NUL-terminated path; faccessat only reads it.
    let r = unsafe { libc::faccessat(libc::AT_FDCWD, c.as_ptr(), mode, libc::AT_EACCESS) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
