//! Tests of the CSV reader.

use super::*;

#[test]
fn csv_reads_numbers_and_points_at_bad_cells() {
    let t = parse_text("d.csv", "a,b\n1,2\n3.5,-4\n").unwrap();
    assert_eq!(t.header, vec!["a", "b"]);
    assert_eq!(t.rows, 2);
    assert_eq!(t.groups, vec![vec![1.0, 2.0, 3.5, -4.0]]);
    let e = parse_text("d.csv", "a,b\n1,2\n3,x\n")
        .unwrap_err()
        .0
        .remove(0);
    assert_eq!(e.location().unwrap(), "d.csv:3:3");
    let e = parse_text("d.csv", "a,b\n1\n").unwrap_err().0.remove(0);
    assert!(e.message.contains("ragged"), "{}", e.message);
    assert_eq!(e.location().unwrap(), "d.csv:2:1");
    let e = parse_text("d.csv", "a,b\n1,2,3\n").unwrap_err().0.remove(0);
    assert!(
        e.message.contains("3 cells where the header has 2"),
        "{}",
        e.message
    );
    // A byte-order mark is skipped, and positions still count it.
    let t = parse_text("d.csv", "\u{feff}a,b\r\n1,2\r\n").unwrap();
    assert_eq!(t.header, vec!["a", "b"]);
    let e = parse_text("d.csv", "\u{feff}a,b\n1,?\n")
        .unwrap_err()
        .0
        .remove(0);
    assert_eq!(e.location().unwrap(), "d.csv:2:3");
    assert!(
        parse_text("d.csv", "\n\n").unwrap_err().0[0]
            .message
            .contains("empty")
    );
}

#[test]
fn errors_show_the_cell_and_nothing_else() {
    let secret = "root:$6$saltsalt$Qm9ndXNIYXNoVmFsdWVGb3JUZXN0aW5nT25seQ:19000:0:99999:7:::";
    let text = format!("user\n{secret}\ndaemon:*:19000:0:99999:7:::\n");
    let shown = parse_text("shadow", &text).unwrap_err().render(false);
    assert!(!shown.contains("daemon"), "{shown}");
    assert!(!shown.contains("user"), "{shown}");
    // The cell itself is clipped.
    assert!(!shown.contains("Qm9ndXNIYXNo"), "{shown}");
    assert!(shown.contains("shadow:2:1"), "{shown}");
    let long = format!("a\n{}\n", "x".repeat(10_000));
    let shown = parse_text("d.csv", &long).unwrap_err().render(false);
    assert!(shown.len() < 1500, "{shown}");
}

#[test]
fn columns_go_straight_to_their_buffers_within_limits() {
    let text = "a,b,c\n1,2,3\n4,5,6\n";
    let t = parse(
        "d.csv",
        text.as_bytes(),
        |_| Ok(vec![vec![2, 0], vec![1]]),
        Limits::NONE,
    )
    .unwrap();
    assert_eq!(t.groups, vec![vec![3.0, 1.0, 6.0, 4.0], vec![2.0, 5.0]]);
    let limits = Limits {
        per_group: 3,
        ..Limits::NONE
    };
    let e = parse("d.csv", text.as_bytes(), |_| Ok(vec![vec![0, 1]]), limits).unwrap_err();
    assert!(
        e.0[0].message.contains("has more rows than bpc allows"),
        "{e}"
    );
    assert_eq!(count_rows(text.as_bytes()).unwrap(), 2);
    assert_eq!(count_rows(&b"a\n1\n2"[..]).unwrap(), 2);
    assert_eq!(count_rows(&b"a\n1\n\n2\n"[..]).unwrap(), 3);
    assert_eq!(count_rows(&b""[..]).unwrap(), 0);
}

/// Lines longer than the reader's buffer, and lines cut by its end,
/// read as whole lines.
#[test]
fn lines_across_the_readers_buffer_are_whole() {
    let row = (0..500)
        .map(|i| format!("{i}.5"))
        .collect::<Vec<_>>()
        .join(",");
    let header = (0..500)
        .map(|i| format!("c{i}"))
        .collect::<Vec<_>>()
        .join(",");
    let text = format!("{header}\n{row}\n\n{row}\r\n{row}");
    for capacity in [1, 7, 64, 4096, 1 << 20] {
        let t = parse(
            "d.csv",
            std::io::BufReader::with_capacity(capacity, text.as_bytes()),
            |h| Ok(vec![(0..h.len()).collect()]),
            Limits::NONE,
        )
        .unwrap();
        assert_eq!(t.rows, 3, "{capacity}");
        assert_eq!(t.groups[0].len(), 1500);
        assert_eq!(t.groups[0][499], 499.5);
        assert_eq!(t.groups[0][1499], 499.5);
    }
    // A bad cell is still named at its line and column.
    let bad = format!("{header}\n{row}\n1,x{}\n", ",1".repeat(498));
    let e = parse(
        "d.csv",
        std::io::BufReader::with_capacity(16, bad.as_bytes()),
        |h| Ok(vec![(0..h.len()).collect()]),
        Limits::NONE,
    )
    .unwrap_err();
    assert!(e.render(false).contains("d.csv:3:3"), "{}", e.render(false));
}
