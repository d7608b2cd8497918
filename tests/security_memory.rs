//! Memory of reading a CSV (issue 10): the numbers are parsed into one flat
//! buffer, so reading and binding a data set takes at most twice the size of
//! its numbers as f64 (a 160 MB CSV used to peak at 21 times that).
//!
//! One test in this file: the counting allocator sees every allocation of
//! the process, so nothing may run beside it.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = NOW.fetch_add(n, Ordering::SeqCst) + n;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only
// the byte counts are recorded.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        // Counted as the old block and the new one side by side: the most a
        // move can hold at once.
        grew(new);
        let p = unsafe { System.realloc(ptr, layout, new) };
        NOW.fetch_sub(layout.size(), Ordering::SeqCst);
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn reading_a_csv_takes_at_most_twice_its_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, cols) = (200_000usize, 5usize);
    let mut text = String::from("a,b,c,d,e\n");
    for r in 0..rows {
        let row: Vec<String> = (0..cols).map(|c| format!("{}.25", r * cols + c)).collect();
        text.push_str(&row.join(","));
        text.push('\n');
    }
    std::fs::write(dir.path().join("d.csv"), &text).unwrap();
    drop(text);
    let spec_path = dir.path().join("s.yaml");
    std::fs::write(
        &spec_path,
        "inputs:\n  x: [[1.0]]\nnodes:\n  s: sum(x)\noutput: s\n\
         data:\n  csv: d.csv\n  columns:\n    x: [a, b, c, d]\n    y: e\n",
    )
    .unwrap();
    let spec = bpc::load::parse_file(&spec_path, &mut Default::default()).unwrap();
    let policy = bpc::files::ReadPolicy::default();

    let before = NOW.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let bound = bpc::data::bindings(&spec, &spec_path, &policy).unwrap();
    let peak = PEAK.load(Ordering::SeqCst) - before;

    let numbers = rows * cols * 8;
    assert_eq!(bound.len(), 2);
    assert_eq!(bound[0].value.shape(), &[rows, 4]);
    assert_eq!(bound[1].value.shape(), &[rows]);
    // The last row: 999995.25 ... 999999.25.
    assert_eq!(bound[1].value.to_vec()[rows - 1], 999_999.25);
    let ratio = peak as f64 / numbers as f64;
    eprintln!("peak {peak} bytes for {numbers} bytes of numbers: {ratio:.2}x");
    // The bar is 2x; one buffer per bound tensor, allocated once, is about 1x.
    assert!(ratio <= 1.5, "peak {peak} bytes, {ratio:.2}x the numbers");
}
