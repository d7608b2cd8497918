//! Outputs written piece by piece: a long training run's `--history`, row
//! after row, into a temporary file that becomes the output at the end.

use std::fs::File;
use std::io::Write;

use super::write::{Output, cannot_write};
use crate::diag::Diagnostic;

/// Where a [`Stream`] writes.
pub(super) enum Sink {
    /// A temporary file, made the output by [`Stream::finish`].
    Temp(tempfile::NamedTempFile),
    /// A device or FIFO, written in place.
    Direct(File),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Temp(f) => f.write(buf),
            Sink::Direct(f) => f.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Temp(f) => f.flush(),
            Sink::Direct(f) => f.flush(),
        }
    }
}

/// An output written piece by piece (the `--history` of a long training
/// run: memory does not grow with it). Nothing shows at the output's path
/// until [`Stream::finish`] (for a regular file).
pub struct Stream<'o> {
    out: &'o Output,
    sink: std::io::BufWriter<Sink>,
    error: Option<std::io::Error>,
}

impl<'o> Stream<'o> {
    pub(super) fn new(out: &'o Output, sink: Sink) -> Stream<'o> {
        Stream {
            out,
            sink: std::io::BufWriter::new(sink),
            error: None,
        }
    }

    /// Appends `bytes`. After a failure, later writes are skipped; the
    /// failure is reported by [`Stream::finish`].
    pub fn write(&mut self, bytes: &[u8]) {
        if self.error.is_none()
            && let Err(e) = self.sink.write_all(bytes)
        {
            self.error = Some(e);
        }
    }

    /// Ends the output: flushed, and for a regular file synced and renamed
    /// over the target; the first write failure, if any, instead.
    pub fn finish(self) -> Result<(), Diagnostic> {
        let Stream { out, sink, error } = self;
        let result = match error {
            Some(e) => Err(e),
            None => sink
                .into_inner()
                .map_err(|e| e.into_error())
                .and_then(|s| match s {
                    Sink::Temp(tmp) => out.commit(tmp),
                    Sink::Direct(mut f) => f.flush(),
                }),
        };
        result.map_err(|e| cannot_write(&out.path, &e))
    }
}
