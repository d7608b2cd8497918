//! [`Values`] and [`Grads`]: one [`Value`] per slot of a plan, indexed by
//! [`Slot`] (`values[slot]`), so no caller converts a slot to a position.
//!
//! Beside the values, each keeps the flat tape's `f64` array: one number per
//! slot, where a pass reads and writes the scalar slots (8 bytes apart, no
//! tag to check). A pass ends with the array *ahead* of the values; their
//! scalars are brought up to date from it on the first read that needs them
//! (once, by any thread), so a pass over a million scalar steps does not end
//! with a pass over a million values, and the next pass starts from the
//! array as the last one left it. Every way to read a value goes through
//! that update; every way to change one makes the array stale first.

use std::cell::UnsafeCell;
use std::ops::{Deref, Index, IndexMut};
use std::sync::OnceLock;

use crate::plan::Slot;
use crate::tensor::Value;

/// One value per slot, and the tape's numbers of the scalar ones.
struct BySlot {
    /// The values. While `ahead` and `synced` is unset, their scalars may
    /// be older than `numbers`: they are read only through [`BySlot::slots`]
    /// (which updates them first) or through `&mut self`.
    slots: UnsafeCell<Vec<Value>>,
    /// By slot: the number of each scalar slot, when `numbers_valid`
    /// (tensor slots' entries mean nothing).
    numbers: Vec<f64>,
    /// `numbers` holds every scalar slot's number.
    numbers_valid: bool,
    /// A pass ended: `numbers` is the truth for scalar slots, and `slots`
    /// catches up on the first read (`synced`).
    ahead: bool,
    /// Set once `slots` caught up with `numbers` after the last pass.
    synced: OnceLock<()>,
}

// SAFETY: the only write through `&self` is the update in `slots()`, run at
// most once per pass inside `OnceLock::get_or_init`, before which no
// reference into `slots` is handed out (every shared access waits for it),
// and which never runs while a `&mut self` borrow exists.
unsafe impl Sync for BySlot {}

impl BySlot {
    fn new(values: Vec<Value>) -> BySlot {
        BySlot {
            slots: UnsafeCell::new(values),
            numbers: Vec::new(),
            numbers_valid: false,
            ahead: false,
            synced: OnceLock::new(),
        }
    }

    /// The values, up to date.
    fn slots(&self) -> &[Value] {
        if self.ahead {
            self.synced.get_or_init(|| {
                // SAFETY: see `impl Sync`: no reference into `slots` exists
                // yet for this pass, and other threads wait in `get_or_init`.
                let slots = unsafe { &mut *self.slots.get() };
                fill(slots, &self.numbers);
            });
        }
        // SAFETY: `slots` is written through `&self` only above, once, and
        // before any shared reference is created.
        unsafe { &*self.slots.get() }
    }

    /// The values, up to date, to change: `numbers` is stale afterwards.
    fn slots_mut(&mut self) -> &mut Vec<Value> {
        self.catch_up();
        self.numbers_valid = false;
        self.slots.get_mut()
    }

    /// Brings the values up to date (no pass is ahead afterwards).
    fn catch_up(&mut self) {
        if self.ahead && self.synced.get().is_none() {
            fill(self.slots.get_mut(), &self.numbers);
        }
        self.ahead = false;
        self.synced = OnceLock::new();
    }

    fn into_vec(mut self) -> Vec<Value> {
        self.catch_up();
        self.slots.into_inner()
    }
}

/// Writes `numbers` into the scalar values.
fn fill(slots: &mut [Value], numbers: &[f64]) {
    for (v, x) in slots.iter_mut().zip(numbers) {
        if let Value::Scalar(y) = v {
            *y = *x;
        }
    }
}

/// A pass's view of a [`Values`] or [`Grads`], for `eval`: the values as
/// they are (scalars possibly behind `numbers`, where `numbers_valid`) and
/// the numbers. [`Values::end_pass`] says the pass left `numbers` ahead.
pub(crate) struct Parts<'a> {
    /// The values; a scalar's number may be behind `numbers` when
    /// `numbers_valid` (a tensor's never is).
    pub values: &'a mut Vec<Value>,
    /// The tape's numbers, by slot.
    pub numbers: &'a mut Vec<f64>,
    /// `numbers` holds every scalar slot's number.
    pub numbers_valid: bool,
}

macro_rules! by_slot {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name(BySlot);

        impl $name {
            /// Wraps one value per slot, in slot order.
            pub fn new(values: Vec<Value>) -> $name {
                $name(BySlot::new(values))
            }

            /// The values, in slot order.
            pub fn into_vec(self) -> Vec<Value> {
                self.0.into_vec()
            }

            /// Mutable access to the values in slot order (for buffers that
            /// are resized or refilled in place).
            pub fn as_mut_vec(&mut self) -> &mut Vec<Value> {
                self.0.slots_mut()
            }

            /// Takes the value of `slot` out, leaving a scalar zero.
            #[inline]
            pub fn take(&mut self, slot: Slot) -> Value {
                std::mem::replace(&mut self.0.slots_mut()[slot.index()], Value::Scalar(0.0))
            }

            /// For a pass: the values as they are and the tape's numbers.
            pub(crate) fn parts(&mut self) -> Parts<'_> {
                let b = &mut self.0;
                Parts {
                    values: b.slots.get_mut(),
                    numbers: &mut b.numbers,
                    numbers_valid: b.numbers_valid,
                }
            }

            /// The numbers of the scalar slots, when they are all there.
            pub(crate) fn numbers(&self) -> Option<&[f64]> {
                self.0.numbers_valid.then_some(&self.0.numbers[..])
            }

            /// After a pass through [`Self::parts`] that left every scalar
            /// slot's number in `numbers` (the values' scalars catch up on
            /// the first read).
            pub(crate) fn end_pass(&mut self) {
                let b = &mut self.0;
                b.numbers_valid = true;
                b.ahead = true;
                b.synced = OnceLock::new();
            }

            /// After a pass through [`Self::parts`] that wrote the values
            /// themselves and not `numbers`.
            pub(crate) fn end_pass_in_values(&mut self) {
                let b = &mut self.0;
                b.numbers_valid = false;
                b.ahead = false;
                b.synced = OnceLock::new();
            }
        }

        impl Default for $name {
            fn default() -> $name {
                $name::new(Vec::new())
            }
        }

        impl Clone for $name {
            fn clone(&self) -> $name {
                $name::new(self.0.slots().to_vec())
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &$name) -> bool {
                self.0.slots() == other.0.slots()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0.slots()).finish()
            }
        }

        impl Index<Slot> for $name {
            type Output = Value;
            #[inline]
            fn index(&self, slot: Slot) -> &Value {
                &self.0.slots()[slot.index()]
            }
        }

        impl IndexMut<Slot> for $name {
            #[inline]
            fn index_mut(&mut self, slot: Slot) -> &mut Value {
                &mut self.0.slots_mut()[slot.index()]
            }
        }

        /// Read-only slices, for code that walks every slot in order.
        impl Deref for $name {
            type Target = [Value];
            fn deref(&self) -> &[Value] {
                self.0.slots()
            }
        }
    };
}

by_slot!(
    /// Forward values, one per slot.
    Values
);
by_slot!(
    /// d output / d slot, one per slot.
    Grads
);

impl Values {
    /// After `numbers` was filled from up-to-date values (through
    /// [`Values::parts`], after [`Values::as_mut_vec`]).
    pub(crate) fn numbers_filled(&mut self) {
        self.0.numbers_valid = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ahead(values: Vec<Value>, numbers: &[f64]) -> Values {
        let mut v = Values::new(values);
        let p = v.parts();
        p.numbers.clear();
        p.numbers.extend_from_slice(numbers);
        v.end_pass();
        v
    }

    #[test]
    fn a_read_brings_the_scalars_up_to_date_and_leaves_tensors() {
        let t = Value::full(&[2], 7.0);
        let v = ahead(vec![Value::Scalar(0.0), t.clone()], &[3.0, 99.0]);
        assert_eq!(v[Slot(0)], Value::Scalar(3.0));
        assert_eq!(v[Slot(1)], t);
        assert_eq!(v.numbers(), Some(&[3.0, 99.0][..]));
    }

    #[test]
    fn a_change_makes_the_numbers_stale_after_catching_up() {
        let mut v = ahead(vec![Value::Scalar(0.0), Value::Scalar(0.0)], &[1.0, 2.0]);
        v[Slot(0)] = Value::Scalar(5.0);
        assert_eq!(v.numbers(), None);
        assert_eq!(&*v, &[Value::Scalar(5.0), Value::Scalar(2.0)][..]);
        assert_eq!(
            v.clone().into_vec(),
            vec![Value::Scalar(5.0), Value::Scalar(2.0)]
        );
    }

    #[test]
    fn threads_reading_at_once_see_the_numbers() {
        let v = ahead(vec![Value::Scalar(0.0); 10_000], &vec![4.0; 10_000]);
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| v.iter().all(|x| *x == Value::Scalar(4.0))))
                .collect();
            assert!(handles.into_iter().all(|h| h.join().unwrap()));
        });
    }
}
