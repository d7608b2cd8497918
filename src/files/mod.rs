//! The one place that reads input files and writes output files.
//!
//! - [`read`]: the spec and its data, each opened once, a regular file, read
//!   through a size cap; data confined to the spec's folder.
//! - [`write`]: every output (`-o`, `--history`, `--plot`, `bpc dot -o`),
//!   written atomically so a reader never sees a half-written file.

pub mod read;
mod stream;
mod temp;
mod unix;
pub mod write;

pub use read::{
    MAX_DATA_BYTES, MAX_SPEC_BYTES, ReadError, ReadPolicy, data_path, open_data, parse_size,
    read_capped, size_text,
};
pub use stream::Stream;
pub use temp::{TEMP_SUFFIX, remove_stale};
pub use write::{Output, Outputs, cannot_write, extra_failures, write_atomic};
