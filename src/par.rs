//! Threads for the big kernels: a small pool of workers that sleep on a
//! condition variable between jobs (never spin), and [`run_parts`], which
//! runs the parts of one job on the caller and on whichever workers wake in
//! time.
//!
//! Results never depend on the number of threads: a job is cut into parts by
//! its size alone, each part is computed the same way by whoever claims it,
//! and with one thread the caller computes every part in turn. A worker that
//! is slow to wake (the machine is busy) simply finds no part left, so using
//! more threads costs at most a wake-up, never a wait for a descheduled
//! thread.

use std::sync::atomic::{AtomicUsize, Ordering};
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

/// One job: `f(part)` for every part below `parts`; `next` hands parts out.
struct Job {
    f: *const (dyn Fn(usize) + Sync),
    parts: usize,
    next: *const AtomicUsize,
}

// SAFETY: the pointers are only dereferenced while `run_parts`, which owns
// the pointees, waits for every worker that registered for the job.
unsafe impl Send for Job {}

#[derive(Default)]
struct State {
    job: Option<Job>,
    /// Bumped for every job, so a worker takes each job at most once.
    generation: u64,
    /// Workers currently inside the job.
    active: usize,
    /// Workers spawned so far.
    workers: usize,
}

struct Pool {
    state: Mutex<State>,
    /// Workers wait here for a job.
    work: Condvar,
    /// The caller waits here for the registered workers to finish.
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

/// Claims and runs parts until none is left.
fn drain(f: &(dyn Fn(usize) + Sync), parts: usize, next: &AtomicUsize) {
    loop {
        let p = next.fetch_add(1, Ordering::Relaxed);
        if p >= parts {
            return;
        }
        f(p);
    }
}

fn worker(pool: &'static Pool) {
    let mut seen = 0;
    loop {
        let (f, parts, next) = {
            let mut s = lock(&pool.state);
            loop {
                if s.generation != seen
                    && let Some(job) = &s.job
                {
                    let taken = (job.f, job.parts, job.next);
                    seen = s.generation;
                    s.active += 1;
                    break taken;
                }
                s = pool.work.wait(s).unwrap_or_else(|e| e.into_inner());
            }
        };
        // SAFETY: registered as active under the lock while the job was
        // published; `run_parts` does not return (so `f` and `next` live)
        // until `active` is back to zero.
        unsafe { drain(&*f, parts, &*next) };
        let mut s = lock(&pool.state);
        s.active -= 1;
        if s.active == 0 {
            pool.done.notify_all();
        }
    }
}

/// Runs `f(0)`, `f(1)`, ..., `f(parts - 1)`, each exactly once, on up to
/// [`threads`] threads (the caller's among them), and returns when all are
/// done. Parts may run in any order and at the same time: each must write
/// only its own share of the output.
pub fn run_parts(parts: usize, f: &(dyn Fn(usize) + Sync)) {
    let helpers = threads().min(parts).saturating_sub(1);
    let next = AtomicUsize::new(0);
    let pool = pool();
    let guard = if helpers > 0 {
        pool.busy.try_lock().ok()
    } else {
        None
    };
    if guard.is_none() {
        drain(f, parts, &next);
        return;
    }
    {
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
        // SAFETY (lifetime erasure): see `Job`; the job is withdrawn below
        // before this function returns.
        let f: *const (dyn Fn(usize) + Sync) = unsafe { std::mem::transmute(f) };
        s.job = Some(Job {
            f,
            parts,
            next: &next,
        });
        s.generation = s.generation.wrapping_add(1);
    }
    if helpers == 1 {
        pool.work.notify_one();
    } else {
        pool.work.notify_all();
    }
    drain(f, parts, &next);
    let mut s = lock(&pool.state);
    // No worker may register once the job is withdrawn; wait for those inside.
    s.job = None;
    while s.active > 0 {
        s = pool.done.wait(s).unwrap_or_else(|e| e.into_inner());
    }
    drop(s);
    drop(guard);
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
}
