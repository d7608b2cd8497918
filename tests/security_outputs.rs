//! Output files (issue 10): checked before any work, never an input or
//! another output, replaced atomically through an exclusive temporary file,
//! permissions and links kept, special files written in place.

mod common;
mod security_util;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::bpc;
use security_util::{TRAIN_SPEC, flat, is_root, listing, path, put, scratch};

/// True when `out` shows that training started.
fn trained(out: &str) -> bool {
    out.lines().any(|l| l.starts_with("epoch "))
}

/// A trained spec: valid, and `w` moved from 0.
fn is_trained_spec(p: &Path) -> bool {
    let (code, out, _) = bpc(&["run", "--format", "json", p.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    code == 0 && v["values"]["w"].as_f64().is_some_and(|w| w > 0.0)
}

#[test]
fn inputs_are_never_outputs() {
    let dir = scratch();
    let d = dir.path();
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    let csv_spec = put(
        d,
        "c.yaml",
        format!("{TRAIN_SPEC}data:\n  csv: d.csv\n  columns:\n    t: a\n"),
    );
    put(d, "d.csv", "a\n3\n3\n");
    let h = path(d, "h.csv");
    std::fs::hard_link(d.join("s.yaml"), d.join("alias.yaml")).unwrap();
    std::os::unix::fs::symlink("s.yaml", d.join("link.yaml")).unwrap();
    let cases: Vec<Vec<&str>> = vec![
        vec!["train", &spec, "--history", &spec],
        vec!["train", &spec, "--plot", &spec],
        vec!["train", &spec, "--history", "alias.yaml"],
        vec!["train", &spec, "--plot", "link.yaml"],
        vec!["train", &spec, "-o", "link.yaml"],
        vec!["train", &csv_spec, "--history", "d.csv"],
        vec!["train", &spec, "--history", &h, "-o", &h],
        vec!["train", &spec, "--in-place", "--history", &spec],
        vec!["dot", &spec, "-o", &spec],
        vec!["dot", &csv_spec, "-o", "d.csv"],
    ];
    let before = listing(d);
    let bytes = |n: &str| std::fs::read(d.join(n)).unwrap();
    let (s0, c0, d0) = (bytes("s.yaml"), bytes("c.yaml"), bytes("d.csv"));
    for args in cases {
        let args: Vec<String> = args
            .iter()
            .map(|a| {
                if a.ends_with(".yaml") || a.ends_with(".csv") {
                    d.join(a).display().to_string()
                } else {
                    a.to_string()
                }
            })
            .collect();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = bpc(&argv);
        assert_eq!(code, 2, "{argv:?}: {out}{err}");
        assert!(!trained(&out), "{argv:?} trained first:\n{out}");
        let err = flat(&err);
        // `dot -o d.csv` is refused for its extension before the data is read.
        assert!(
            err.contains("bpc does not overwrite")
                || err.contains("are the same file")
                || (argv[0] == "dot" && err.contains("bpc cannot write `.csv` files")),
            "{argv:?}: {err}"
        );
    }
    assert_eq!(
        (bytes("s.yaml"), bytes("c.yaml"), bytes("d.csv")),
        (s0, c0, d0)
    );
    assert_eq!(listing(d), before);
}

#[test]
fn a_bad_output_path_is_found_before_training() {
    let dir = scratch();
    let d = dir.path();
    let spec = put(
        d,
        "s.yaml",
        TRAIN_SPEC.replace("epochs: 5", "epochs: 100000000"),
    );
    put(d, "file", "x");
    for (flag, target) in [
        ("-o", "no/such/dir/t.yaml"),
        ("--plot", "file/p.svg"),
        ("--history", "missing/h.csv"),
    ] {
        let t = path(d, target);
        let (code, out, err) = bpc(&["train", &spec, flag, &t]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(!trained(&out), "{out}");
        assert!(
            flat(&err).contains(&format!("cannot write {flag}")),
            "{err}"
        );
    }
    // A folder bpc may not write in (root may write anywhere).
    if is_root() {
        eprintln!("skipped: an unwritable folder, as root");
    } else {
        let ro = d.join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        let (code, out, err) = bpc(&["train", &spec, "--plot", &path(&ro, "p.svg")]);
        assert_eq!(code, 2, "{out}{err}");
        assert!(!trained(&out));
    }
}

#[test]
fn read_only_files_and_folders_are_refused() {
    let dir = scratch();
    let d = dir.path();
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    let ro = put(d, "ro.yaml", "keep me\n");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let (code, out, err) = bpc(&["train", &spec, "-o", &ro]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(!trained(&out));
    assert!(flat(&err).contains("the file is read-only"), "{err}");
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), "keep me\n");
    std::fs::create_dir(d.join("sub")).unwrap();
    let (code, _, err) = bpc(&["train", &spec, "-o", &path(d, "sub")]);
    assert_eq!(code, 2);
    assert!(flat(&err).contains("it is a folder"), "{err}");
}

#[test]
fn in_place_follows_links_and_keeps_permissions() {
    let dir = scratch();
    let d = dir.path();
    // A symlink: the file it names is updated, the link stays a link.
    put(d, "real.yaml", TRAIN_SPEC);
    std::fs::set_permissions(d.join("real.yaml"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("real.yaml", d.join("link.yaml")).unwrap();
    let (code, _, err) = bpc(&["train", &path(d, "link.yaml"), "--in-place"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::symlink_metadata(d.join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(is_trained_spec(&d.join("real.yaml")));
    let mode = std::fs::metadata(d.join("real.yaml"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    // Hard links: every name sees the new contents, on the same inode.
    put(d, "a.yaml", TRAIN_SPEC);
    std::fs::hard_link(d.join("a.yaml"), d.join("b.yaml")).unwrap();
    let ino = std::fs::metadata(d.join("a.yaml")).unwrap().ino();
    let (code, _, err) = bpc(&["train", &path(d, "a.yaml"), "--in-place"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::metadata(d.join("b.yaml")).unwrap().ino(), ino);
    assert!(is_trained_spec(&d.join("b.yaml")));
    // -o onto an existing file keeps its mode; a new file gets 0666 less the umask.
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    let kept = put(d, "kept.yaml", "old\n");
    std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
    let (code, _, err) = bpc(&["train", &spec, "-o", &kept]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let fresh = path(d, "fresh.yaml");
    let (code, _, err) = bpc(&["train", &spec, "-o", &fresh]);
    assert_eq!(code, 0, "{err}");
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    // SAFETY: umask only swaps the process's mask; set back at once.
    let umask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    };
    assert_eq!(mode, 0o666 & !(umask as u32), "{mode:o}");
}

#[test]
fn a_symlink_planted_at_a_temporary_name_is_never_followed() {
    let dir = scratch();
    let d = dir.path();
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    let victim = put(d, "victim.txt", "untouched\n");
    // The old writer's name, predictable from the process id.
    let planted = d.join(format!(".out.yaml.{}.tmp", std::process::id()));
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let (code, _, err) = bpc(&["train", &spec, "-o", &path(d, "out.yaml")]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched\n");
    assert!(is_trained_spec(&d.join("out.yaml")));
    assert!(
        std::fs::symlink_metadata(&planted)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next_write() {
    let dir = scratch();
    let d = dir.path();
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    let old = SystemTime::now() - Duration::from_secs(60);
    let aged = |name: &str| {
        let p = put(d, name, "half a spec");
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(old).unwrap();
        f
    };
    drop(aged(".out.yaml.Ab12Cd.bpc-tmp"));
    // Locked: a live writer's; new: just created; other names: not ours.
    let live = aged(".out.yaml.Zz99Yy.bpc-tmp");
    live.lock().unwrap();
    put(d, ".out.yaml.Fresh1.bpc-tmp", "new");
    drop(aged(".other.yaml.Ab12Cd.bpc-tmp"));
    drop(aged(".out.yaml.not-ours.tmp"));
    let (code, _, err) = bpc(&["train", &spec, "-o", &path(d, "out.yaml")]);
    assert_eq!(code, 0, "{err}");
    let names = listing(d);
    assert!(
        !names.contains(&".out.yaml.Ab12Cd.bpc-tmp".to_string()),
        "{names:?}"
    );
    for kept in [
        ".out.yaml.Zz99Yy.bpc-tmp",
        ".out.yaml.Fresh1.bpc-tmp",
        ".other.yaml.Ab12Cd.bpc-tmp",
        ".out.yaml.not-ours.tmp",
        "out.yaml",
    ] {
        assert!(names.contains(&kept.to_string()), "{kept}: {names:?}");
    }
    // Nothing of bpc's own is left behind.
    assert_eq!(names.iter().filter(|n| n.ends_with(".bpc-tmp")).count(), 3);
}

#[test]
fn devices_are_written_in_place_never_replaced() {
    if !is_root() {
        eprintln!("skipped: making a device node needs root");
        return;
    }
    let dir = scratch();
    let d = dir.path();
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    // A private node of /dev/null's device (1, 3): the test never risks the real one.
    let null = d.join("null");
    let c = std::ffi::CString::new(null.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid path; mknod creates one device node.
    let made = unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) };
    if made != 0 {
        eprintln!(
            "skipped: mknod failed ({})",
            std::io::Error::last_os_error()
        );
        return;
    }
    let n = null.to_str().unwrap();
    for args in [
        vec!["train", &spec, "-o", n],
        vec!["train", &spec, "--history", n, "--plot", &path(d, "p.svg")],
        vec!["dot", &spec, "-o", n],
    ] {
        let (code, out, err) = bpc(&args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        let m = std::fs::symlink_metadata(&null).unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(
            m.file_type().is_char_device(),
            "{args:?} replaced the device"
        );
        assert_eq!(m.rdev(), libc::makedev(1, 3));
    }
}

#[test]
fn a_fifo_is_written_in_place_and_a_failed_extra_output_keeps_the_main_one() {
    let dir = scratch();
    let d = dir.path();
    let spec = put(d, "s.yaml", TRAIN_SPEC);
    let fifo = d.join("h.fifo");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // With a reader, the history arrives through the FIFO.
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    std::thread::sleep(Duration::from_millis(100));
    let (code, _, err) = bpc(&["train", &spec, "--history", fifo.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(reader.join().unwrap().starts_with("epoch,loss\n"));
    // Without one, that is found before training.
    let out = path(d, "t.yaml");
    let h = fifo.to_str().unwrap();
    let (code, stdout, err) = bpc(&["train", &spec, "-o", &out, "--history", h]);
    assert_eq!(code, 2, "{stdout}{err}");
    assert!(!trained(&stdout), "{stdout}");
    assert!(
        flat(&err).contains("no program is reading from this FIFO"),
        "{err}"
    );
    // A reader that goes away: the history fails, the trained spec is written
    // all the same, and the message says so.
    let closer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || drop(std::fs::File::open(fifo).unwrap()))
    };
    std::thread::sleep(Duration::from_millis(100));
    let long = put(
        d,
        "long.yaml",
        TRAIN_SPEC.replace("epochs: 5", "epochs: 20000"),
    );
    let (code, stdout, err) = bpc(&["train", &long, "-o", &out, "--history", h]);
    closer.join().unwrap();
    assert_eq!(code, 2, "{stdout}{err}");
    assert!(trained(&stdout), "{stdout}");
    assert!(is_trained_spec(Path::new(&out)));
    let err = flat(&err);
    assert!(err.contains("cannot write"), "{err}");
    assert!(err.contains("the main one to"), "{err}");
}

#[test]
fn concurrent_writers_always_leave_a_whole_file() {
    let dir = scratch();
    let d = dir.path();
    put(d, "s.yaml", TRAIN_SPEC);
    let children: Vec<_> = (0..8)
        .map(|_| {
            std::process::Command::new(env!("CARGO_BIN_EXE_bpc"))
                .args(["train", "s.yaml", "-o", "out.yaml"])
                .current_dir(d)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    assert!(is_trained_spec(&d.join("out.yaml")));
    assert_eq!(listing(d), vec!["out.yaml", "s.yaml"]);
}

#[test]
fn the_dot_fallback_never_overwrites_the_spec() {
    let dir = scratch();
    let d = dir.path();
    // A spec named g.dot: without Graphviz, `-o g.svg` would save the DOT there.
    let spec = put(
        d,
        "g.dot",
        "inputs:\n  a: 2\nnodes:\n  y: square(a)\noutput: y\n",
    );
    let before = std::fs::read(&spec).unwrap();
    let (code, _, err) = bpc(&[
        "dot",
        &spec,
        "-o",
        &path(d, "g.svg"),
        "--graphviz",
        "no-such-graphviz-program",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(flat(&err).contains("could not be saved"), "{err}");
    assert_eq!(std::fs::read(&spec).unwrap(), before);
}
