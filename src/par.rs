//! Threads for the big kernels: a small pool of workers that sleep on a
//! condition variable between jobs (never spin), and [`run_parts`], which
//! runs the parts of one job on the caller and on whichever workers wake in
//! time; [`chunks_mut`] and [`any`] cut elementwise work into such parts.
//!
//! Results never depend on the number of threads: a job is cut into parts by
//! its size alone (elementwise work, where each element is computed alone,
//! may be cut by the thread count), each part is computed the same way by
//! whoever claims it, and with one thread the caller computes every part in
//! turn. A part is claimed by an atomic compare-and-swap; the caller waits
//! only for parts that a worker claimed and is still computing. A worker
//! that is slow to wake (the machine is busy), or wakes and is descheduled
//! before it claims anything, simply finds no part left, so using more
//! threads costs at most a wake-up, never a wait for an idle thread.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};

/// How many threads big kernels may use (the caller included); 1 by default.
static THREADS: AtomicUsize = AtomicUsize::new(1);

/// Sets how many threads big kernels may use (at least 1). Results are the
/// same bits for every value.
pub fn set_threads(n: usize) {
    THREADS.store(n.max(1), Ordering::Relaxed);
}

/// How many threads big kernels may use.
pub fn threads() -> usize {
    THREADS.load(Ordering::Relaxed)
}

/// The number of CPUs this process may run on (1 when unknown).
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// One job: `f(part)` for every part below `parts`.
#[derive(Clone, Copy)]
struct Job {
    f: *const (dyn Fn(usize) + Sync),
    parts: usize,
}

// SAFETY: `f` is only called for a part claimed through `CLAIM` while the
// job's generation is current, and `run_parts`, which owns `f`, returns only
// after every part of its job is done.
unsafe impl Send for Job {}

/// The current job's generation (high 32 bits) and next unclaimed part (low
/// 32 bits): a part is claimed by one compare-and-swap, which fails for a
/// worker still holding an older job, so it never calls an `f` that is gone.
static CLAIM: AtomicU64 = AtomicU64::new(0);

/// Parts of the current job finished.
static DONE: AtomicUsize = AtomicUsize::new(0);

#[derive(Default)]
struct State {
    job: Option<Job>,
    /// Bumped for every job, so a worker takes each job at most once.
    generation: u32,
    /// Workers spawned so far.
    workers: usize,
}

struct Pool {
    state: Mutex<State>,
    /// Workers wait here for a job.
    work: Condvar,
    /// The caller waits here for parts that workers are still computing.
    done: Condvar,
    /// One job at a time: another caller computes its parts alone.
    busy: Mutex<()>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(State::default()),
        work: Condvar::new(),
        done: Condvar::new(),
        busy: Mutex::new(()),
    })
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A panicking part cannot leave the state inconsistent (it is only
    // changed under the lock, outside the parts), so poisoning is ignored.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Claims a part of job `generation` (of `parts`), if one is left.
fn claim(generation: u32, parts: usize) -> Option<usize> {
    let mut v = CLAIM.load(Ordering::Acquire);
    loop {
        let (g, p) = ((v >> 32) as u32, (v & 0xffff_ffff) as usize);
        if g != generation || p >= parts {
            return None;
        }
        match CLAIM.compare_exchange_weak(v, v + 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Some(p),
            Err(now) => v = now,
        }
    }
}

/// Claims and runs parts of job `generation` until none is left; the one
/// who finishes the last part wakes the caller.
///
/// # Safety
/// `f` must be the job's function, alive while any part of it is unfinished.
unsafe fn drain(generation: u32, job: Job, pool: &Pool) {
    while let Some(p) = claim(generation, job.parts) {
        // SAFETY: the part was claimed while the job was current, and the
        // caller waits for it to be done before `f` goes away.
        unsafe { (*job.f)(p) };
        if DONE.fetch_add(1, Ordering::AcqRel) + 1 == job.parts {
            // Under the lock, so the caller cannot miss it between its
            // check and its wait.
            drop(lock(&pool.state));
            pool.done.notify_all();
        }
    }
}

fn worker(pool: &'static Pool) {
    let mut seen = 0;
    loop {
        let (generation, job) = {
            let mut s = lock(&pool.state);
            loop {
                if s.generation != seen
                    && let Some(job) = s.job
                {
                    seen = s.generation;
                    break (s.generation, job);
                }
                s = pool.work.wait(s).unwrap_or_else(|e| e.into_inner());
            }
        };
        // SAFETY: a part is only run if claimed under this generation, and
        // `run_parts` does not return before every part of it is done.
        unsafe { drain(generation, job, pool) };
    }
}

/// Runs `f(0)`, `f(1)`, ..., `f(parts - 1)`, each exactly once, on up to
/// [`threads`] threads (the caller's among them), and returns when all are
/// done. Parts may run in any order and at the same time: each must write
/// only its own share of the output. A worker that wakes after every part
/// was claimed holds nothing up.
pub fn run_parts(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    let helpers = threads().min(parts).saturating_sub(1);
    let pool = pool();
    let guard = if helpers > 0 && parts < u32::MAX as usize {
        pool.busy.try_lock().ok()
    } else {
        None
    };
    if guard.is_none() {
        (0..parts).for_each(f);
        return;
    }
    let (generation, job) = {
        let mut s = lock(&pool.state);
        while s.workers < helpers {
            let spawned = std::thread::Builder::new()
                .name("bpc-worker".into())
                .spawn(move || worker(pool));
            if spawned.is_err() {
                break;
            }
            s.workers += 1;
        }
        // SAFETY (lifetime erasure): see `Job`; this function returns only
        // after every part is done, and no part can be claimed after that.
        let f: *const (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
        let job = Job { f, parts };
        s.generation = s.generation.wrapping_add(1);
        DONE.store(0, Ordering::Relaxed);
        CLAIM.store(u64::from(s.generation) << 32, Ordering::Release);
        s.job = Some(job);
        (s.generation, job)
    };
    if helpers == 1 {
        pool.work.notify_one();
    } else {
        pool.work.notify_all();
    }
    // SAFETY: `f` lives until this function returns.
    unsafe { drain(generation, job, pool) };
    let mut s = lock(&pool.state);
    while DONE.load(Ordering::Acquire) < parts {
        s = pool.done.wait(s).unwrap_or_else(|e| e.into_inner());
    }
    s.job = None;
    drop(s);
    drop(guard);
}

/// At most this many chunks per elementwise job.
const MAX_CHUNKS: usize = 8;

/// How an elementwise job over `len` elements is cut: (chunks, chunk
/// length), chunks at least `min` long and a multiple of `align`; one
/// chunk on one thread.
fn chunking(len: usize, min: usize, align: usize) -> (usize, usize) {
    let (min, align) = (min.max(1), align.max(1));
    if threads() < 2 || len < 2 * min {
        return (1, len);
    }
    let parts = (len / min).min(MAX_CHUNKS);
    let size = len.div_ceil(parts).next_multiple_of(align).min(len);
    (len.div_ceil(size), size)
}

#[derive(Clone, Copy)]
struct Out(*mut f64);
// SAFETY: each chunk is a disjoint part of one slice.
unsafe impl Send for Out {}
unsafe impl Sync for Out {}

impl Out {
    /// The pointer (a method, so that closures capture the whole `Out`).
    fn ptr(self) -> *mut f64 {
        self.0
    }
}

/// Calls `f(start, chunk)` for `out` cut into chunks at least `min`
/// elements long (a multiple of `align`; `start` is the chunk's offset), on
/// up to [`threads`] threads. For elementwise work only: where the chunks
/// begin depends on the thread count.
pub fn chunks_mut(
    out: &mut [f64],
    min: usize,
    align: usize,
    f: &(dyn Fn(usize, &mut [f64]) + Sync),
) {
    let len = out.len();
    let (parts, size) = chunking(len, min, align);
    if parts <= 1 {
        f(0, out);
        return;
    }
    let base = Out(out.as_mut_ptr());
    run_parts(parts, &|p| {
        let start = p * size;
        let n = size.min(len - start);
        // SAFETY: chunks [start, start + n) are disjoint and inside `out`,
        // which is borrowed mutably for this call.
        let chunk = unsafe { std::slice::from_raw_parts_mut(base.ptr().add(start), n) };
        f(start, chunk);
    });
}

/// True when `f(range)` is true for some range of `0..len` cut into chunks
/// as [`chunks_mut`] cuts them, run on up to [`threads`] threads.
pub fn any(len: usize, min: usize, f: &(dyn Fn(std::ops::Range<usize>) -> bool + Sync)) -> bool {
    let (parts, size) = chunking(len, min, 1);
    if parts <= 1 {
        return f(0..len);
    }
    let found = std::sync::atomic::AtomicBool::new(false);
    run_parts(parts, &|p| {
        let start = p * size;
        if f(start..(start + size).min(len)) {
            found.store(true, Ordering::Relaxed);
        }
    });
    found.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_part_runs_once_on_any_number_of_threads() {
        for threads in [1, 2, 4] {
            set_threads(threads);
            for parts in [0, 1, 2, 3, 17] {
                let counts: Vec<AtomicUsize> = (0..parts).map(|_| AtomicUsize::new(0)).collect();
                run_parts(parts, &|p| {
                    counts[p].fetch_add(1, Ordering::Relaxed);
                });
                assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 1));
            }
        }
        set_threads(1);
    }

    #[test]
    fn chunks_cover_every_element_once() {
        for threads in [1, 2, 3] {
            set_threads(threads);
            for len in [0, 1, 7, 100, 4096, 10_000] {
                let mut out = vec![0.0; len];
                chunks_mut(&mut out, 64, 8, &|start, chunk| {
                    for (i, x) in chunk.iter_mut().enumerate() {
                        *x += (start + i) as f64;
                    }
                });
                assert!(out.iter().enumerate().all(|(i, &x)| x == i as f64));
                let hit = |r: std::ops::Range<usize>| r.contains(&(len / 2));
                assert_eq!(any(len, 64, &hit), len > 0);
                assert!(!any(len, 64, &|_| false));
            }
        }
        set_threads(1);
    }
}
