//! `bpc train` with held-out data (`data.test`) and `--log-every`: the split
//! on a spec with known numbers, the test curves in the log, the history,
//! the plot and the trained file, and the errors of bad splits.

use bpc::cmd;
use bpc::session::Io;

/// Runs `bpc ARGS` in-process; returns (exit code, stdout, stderr).
fn bpc(args: &[&str]) -> (u8, String, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = {
        let mut io = Io {
            out: &mut out,
            err: &mut err,
            color: false,
            tty: false,
        };
        cmd::run(std::iter::once("bpc").chain(args.iter().copied()), &mut io)
    };
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// The epoch numbers of the per-epoch lines.
fn logged_epochs(out: &str) -> Vec<u64> {
    out.lines()
        .filter_map(|l| l.strip_prefix("epoch "))
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn log_every_on_the_command_line_overrides_the_spec() {
    // xor.yaml logs every 200 of its 2000 epochs.
    let (code, out, err) = bpc(&[
        "train",
        "specs/xor.yaml",
        "--epochs",
        "10",
        "--log-every",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(logged_epochs(&out), [1, 3, 6, 9, 10], "{out}");
    let (code, out, err) = bpc(&[
        "train",
        "specs/xor.yaml",
        "--epochs",
        "4",
        "--log-every",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(logged_epochs(&out), [1, 2, 3, 4], "{out}");
    let (code, out, err) = bpc(&["train", "specs/xor.yaml", "--log-every", "0"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert!(err.contains("--log-every must be at least 1"), "{err}");
    let (_, help, _) = bpc(&["train", "--help"]);
    assert!(help.contains("--log-every <N>"), "{help}");
}
