//! `bpc handout`: the students' copies of keys. Answers become blanks, comments
//! marked `# answer:` are left out, everything else stays as the teacher
//! wrote it; with `--student`, each student gets their own numbers (the
//! key's `vary`) and the handout records whose they are.

use std::path::PathBuf;

use crate::check::paths;
use crate::diag::{Diagnostic, Diagnostics, ErrorKind};
use crate::files::{Outputs, ReadPolicy, cannot_write};
use crate::grade::key::Key;
use crate::grade::variant::check_id;
use crate::grade::write::{check_handout, handout};
use crate::session::{Failure, InputArgs, Io};
use crate::term;

/// `bpc handout`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keys: files, folders (every *.yaml inside, sorted) or glob patterns.
    #[arg(required = true, value_name = "KEY")]
    pub keys: Vec<PathBuf>,
    /// Write the handout here (one key, at most one student) instead of printing it.
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "out_dir"
    )]
    pub output: Option<PathBuf>,
    /// Write every handout into DIR (DIR/ID/KEY-FILE for each --student, DIR/KEY-FILE without).
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
    /// Make this student's variant (repeat for a class); recorded in the handout.
    #[arg(long = "student", value_name = "ID")]
    pub students: Vec<String>,
    #[command(flatten)]
    pub input: InputArgs,
}

/// Runs `bpc handout`.
pub fn run(a: &Args, io: &mut Io) -> Result<(), Failure> {
    let mut errors = Diagnostics::default();
    for id in &a.students {
        if let Err(message) = check_id(id) {
            errors.push(Diagnostic::new(ErrorKind::Usage, message));
        }
    }
    let files = paths::spec_files(&a.keys, paths::Folders::Flat, &mut errors);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let students: Vec<Option<&str>> = if a.students.is_empty() {
        vec![None]
    } else {
        a.students.iter().map(|s| Some(s.as_str())).collect()
    };
    if a.out_dir.is_none() && (files.len() > 1 || students.len() > 1) {
        return Err(Diagnostic::new(
            ErrorKind::Usage,
            format!(
                "{} keys for {} students make {} handouts: give --out-dir DIR",
                files.len(),
                students.len(),
                files.len() * students.len()
            ),
        )
        .help("-o and standard output take one handout")
        .into());
    }
    // Every handout's file is checked before the work: never a key or its data.
    let mut outputs = Outputs::default();
    let mut targets = Vec::new();
    for file in &files {
        for student in &students {
            let target = match (&a.out_dir, &a.output) {
                (Some(dir), _) => {
                    let dir = match student {
                        Some(id) => dir.join(id),
                        None => dir.clone(),
                    };
                    std::fs::create_dir_all(&dir).map_err(|e| cannot_write(&dir, &e))?;
                    let name = file.file_name().unwrap_or(file.as_os_str());
                    Some(outputs.add("--out-dir", &dir.join(name))?)
                }
                (None, Some(o)) => Some(outputs.add("-o", o)?),
                (None, None) => None,
            };
            targets.push(target);
        }
    }
    for file in &files {
        outputs.not_input("a key", file, None)?;
    }
    let keys = load_keys(&files, &a.input.policy())?;
    for (key, file) in keys.iter().zip(&files) {
        if let Some(csv) = crate::data::csv_path(&key.plan.spec, file) {
            outputs.not_input("a key's data", &csv, None)?;
        }
    }
    let mut target = targets.into_iter();
    for key in &keys {
        for student in &students {
            let out = target.next().flatten();
            let to = out.map(|i| outputs.get(i).path.clone());
            let text = handout(key, *student, to.as_deref());
            check_handout(key, &text).map_err(|what| {
                Diagnostic::new(
                    ErrorKind::Yaml,
                    format!("the handout of `{}` {what}", key.path),
                )
                .help("this is a bug in bpc: please report it with the key")
            })?;
            match out {
                None => io.out.write_all(text.as_bytes())?,
                Some(i) => {
                    outputs.write(i, text.as_bytes())?;
                    let path = outputs.get(i).path.display().to_string();
                    writeln!(io.out, "wrote {}", term::escape(&path))?;
                }
            }
        }
    }
    Ok(())
}

/// Every key, read; all their problems at once.
fn load_keys(files: &[PathBuf], policy: &ReadPolicy) -> Result<Vec<Key>, Failure> {
    let mut errors = Diagnostics::default();
    let mut keys = Vec::new();
    for f in files {
        match Key::load(f, policy) {
            Ok(k) => keys.push(k),
            Err(d) => errors.0.extend(d.0),
        }
    }
    if errors.is_empty() {
        Ok(keys)
    } else {
        Err(errors.into())
    }
}
