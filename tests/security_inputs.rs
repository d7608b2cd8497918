//! Input files (issue 10): the spec and its data are regular files, opened
//! once and read through a size cap; data stays in the spec's folder unless
//! `--allow-outside-data`; errors never echo a data file's contents beyond
//! the one offending cell, clipped.

mod common;
mod security_util;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::bpc;
use security_util::{flat, put, scratch};

/// A spec in `dir` that binds the CSV `csv` (column `a` to `x`).
fn csv_spec(dir: &Path, csv: &str) -> String {
    put(
        dir,
        "spec.yaml",
        format!(
            "inputs:\n  x: [1.0]\nnodes:\n  s: sum(x)\noutput: s\ndata:\n  csv: {csv}\n  columns:\n    x: a\n"
        ),
    )
}

/// Runs the real binary with a deadline: a hang is a failure, not a stuck test.
fn run_with_deadline(args: &[&str], dir: &Path) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bpc"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            return (status.code().unwrap_or(-1), text);
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("bpc {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
}

const SECRET: &str = "TOP-SECRET-Qm9ndXNIYXNoVmFsdWVGb3JUZXN0aW5n";

#[test]
fn data_outside_the_spec_folder_is_refused_and_not_shown() {
    let dir = scratch();
    put(
        dir.path(),
        "secret.txt",
        format!("{SECRET}\n{SECRET}-line-2\n"),
    );
    let sub = dir.path().join("student");
    std::fs::create_dir(&sub).unwrap();
    let outside = dir.path().join("secret.txt").display().to_string();
    for csv in ["../secret.txt", outside.as_str()] {
        let spec = csv_spec(&sub, csv);
        for format in ["text", "json"] {
            let (code, out, err) = bpc(&["check", "--format", format, &spec]);
            assert_eq!(code, 2, "{out}{err}");
            let all = flat(&(out + &err));
            assert!(!all.contains("TOP-SECRET"), "{all}");
            assert!(all.contains("outside the spec's folder"), "{all}");
        }
        let (code, _, err) = bpc(&["run", &spec]);
        assert_eq!(code, 2);
        assert!(flat(&err).contains("--allow-outside-data"), "{err}");
    }
    // Asked for, the file is read, and its error shows one clipped cell only.
    let spec = csv_spec(&sub, "../secret.txt");
    let (code, out, err) = bpc(&["check", "--allow-outside-data", "--format", "json", &spec]);
    assert_eq!(code, 2);
    assert!(
        !out.contains("line-2") && !err.contains("line-2"),
        "{out}{err}"
    );
    assert!(
        !out.contains("VmFsdWVG") && !err.contains("VmFsdWVG"),
        "{out}{err}"
    );
}

#[test]
fn system_files_never_reach_the_output() {
    let dir = scratch();
    for file in ["/etc/shadow", "/etc/passwd", "/proc/self/environ"] {
        if !Path::new(file).exists() {
            continue;
        }
        let spec = csv_spec(dir.path(), file);
        let (code, out, err) = bpc(&["check", "--format", "json", &spec]);
        assert_eq!(code, 2, "{file}");
        assert!(!(out.clone() + &err).contains("root:"), "{out}{err}");
        // Even when allowed: not a line of it beyond a 20-character cell.
        let (_, out, err) = bpc(&["run", "--allow-outside-data", &spec]);
        let all = out + &err;
        assert!(!all.contains("/bin/"), "{all}");
        assert!(!all.contains("PATH="), "{all}");
    }
    // The environment of a run, through /proc: bpc itself reads it.
    let spec = csv_spec(dir.path(), "/proc/self/environ");
    let out = Command::new(env!("CARGO_BIN_EXE_bpc"))
        .args(["check", "--allow-outside-data", &spec])
        .env("BPC_TEST_TOKEN", SECRET)
        .output()
        .unwrap();
    let all = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(!all.contains("TOP-SECRET"), "{all}");
}

#[test]
fn a_symlink_out_of_the_folder_is_followed_then_refused() {
    let dir = scratch();
    put(dir.path(), "secret.csv", "a\n1\n");
    let sub = dir.path().join("s");
    std::fs::create_dir(&sub).unwrap();
    std::os::unix::fs::symlink(dir.path().join("secret.csv"), sub.join("d.csv")).unwrap();
    let spec = csv_spec(&sub, "d.csv");
    let (code, _, err) = bpc(&["run", &spec]);
    assert_eq!(code, 2, "{err}");
    assert!(flat(&err).contains("outside the spec's folder"), "{err}");
    let (code, _, err) = bpc(&["run", "--allow-outside-data", &spec]);
    assert_eq!(code, 0, "{err}");
    // A link that stays inside the folder is fine.
    put(&sub, "real.csv", "a\n1\n2\n");
    std::fs::remove_file(sub.join("d.csv")).unwrap();
    std::os::unix::fs::symlink("real.csv", sub.join("d.csv")).unwrap();
    let (code, out, err) = bpc(&["run", &spec]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("output `s` = 3"), "{out}");
}

#[test]
fn fifos_and_devices_are_refused_without_hanging() {
    let dir = scratch();
    mkfifo(&dir.path().join("pipe.csv"));
    mkfifo(&dir.path().join("pipe.yaml"));
    let spec = csv_spec(dir.path(), "pipe.csv");
    let (code, text) = run_with_deadline(&["run", &spec], dir.path());
    let text = flat(&text);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("is a FIFO (named pipe), not a regular file"),
        "{text}"
    );
    let (code, text) = run_with_deadline(&["run", "pipe.yaml"], dir.path());
    let text = flat(&text);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("`pipe.yaml` is a FIFO (named pipe), not a spec file"),
        "{text}"
    );
    // /dev/zero reads as size 0 and never ends.
    let (code, text) = run_with_deadline(&["run", "/dev/zero"], dir.path());
    let text = flat(&text);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is a character device"), "{text}");
    let spec = csv_spec(dir.path(), "/dev/zero");
    let (code, text) = run_with_deadline(&["run", "--allow-outside-data", &spec], dir.path());
    let text = flat(&text);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("is a character device"), "{text}");
    // A folder, as the spec or as its data.
    std::fs::create_dir(dir.path().join("d.csv")).unwrap();
    let spec = csv_spec(dir.path(), "d.csv");
    let (code, _, err) = bpc(&["run", &spec]);
    assert_eq!(code, 2);
    assert!(
        flat(&err).contains("is a folder, not a regular file"),
        "{err}"
    );
    let (code, _, err) = bpc(&["run", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(flat(&err).contains("is a folder, not a spec file"), "{err}");
}

#[test]
fn file_sizes_are_capped_and_the_data_cap_can_be_raised() {
    let dir = scratch();
    let rows: String = (0..2000).map(|i| format!("{i}\n")).collect();
    put(dir.path(), "d.csv", format!("a\n{rows}"));
    let spec = csv_spec(dir.path(), "d.csv");
    let (code, _, err) = bpc(&["run", "--max-data-size", "4K", &spec]);
    assert_eq!(code, 2);
    let err = flat(&err);
    assert!(
        err.contains("bpc::limit") && err.contains("larger than 4 KiB"),
        "{err}"
    );
    assert!(err.contains("--max-data-size"), "{err}");
    let (code, out, err) = bpc(&["run", "--max-data-size", "1M", &spec]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("output `s` = 1.999e+06"), "{out}");
    let (code, _, err) = bpc(&["run", "--max-data-size", "lots", &spec]);
    assert_eq!(code, 2, "{err}");
    // A spec over 256 MiB (sparse: no disk used) is refused before reading.
    let big = dir.path().join("big.yaml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len((256 << 20) + 1)
        .unwrap();
    let (code, _, err) = bpc(&["run", big.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(flat(&err).contains("larger than 256 MiB"), "{err}");
}

#[test]
fn data_names_must_be_names_and_headers_are_not_echoed() {
    let dir = scratch();
    put(dir.path(), "d.csv", "a,\u{1b}]52;c;SGVsbG8=\u{7}\n1,2\n");
    let spec = put(
        dir.path(),
        "s.yaml",
        "inputs:\n  x: [1.0]\nnodes:\n  s: sum(x)\noutput: s\ndata:\n  csv: d.csv\n  columns:\n    \"x\\e[2J\": a\n",
    );
    let (code, _, err) = bpc(&["run", &spec]);
    assert_eq!(code, 2);
    assert!(err.contains("bpc::bad-name"), "{err}");
    let spec = dir.path().join("t.yaml").display().to_string();
    std::fs::write(
        &spec,
        "inputs:\n  x: [1.0]\nnodes:\n  s: sum(x)\noutput: s\ndata:\n  csv: d.csv\n  columns:\n    x: b\n",
    )
    .unwrap();
    let (code, _, err) = bpc(&["run", &spec]);
    assert_eq!(code, 2);
    assert!(err.contains("has no column `b`"), "{err}");
    assert!(!err.contains("SGVsbG8") && !err.contains('\u{1b}'), "{err}");
    assert!(
        flat(&err).contains("its first line names 2 columns"),
        "{err}"
    );
}
