//! [`Values`] and [`Grads`]: one [`Value`] per slot of a plan, indexed by
//! [`Slot`] (`values[slot]`), so no caller converts a slot to a position.

use std::ops::{Deref, Index, IndexMut};

use crate::plan::Slot;
use crate::tensor::Value;

macro_rules! by_slot {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct $name(Vec<Value>);

        impl $name {
            /// Wraps one value per slot, in slot order.
            pub fn new(values: Vec<Value>) -> $name {
                $name(values)
            }

            /// The values, in slot order.
            pub fn into_vec(self) -> Vec<Value> {
                self.0
            }

            /// Mutable access to the values in slot order (for buffers that
            /// are resized or refilled in place).
            pub fn as_mut_vec(&mut self) -> &mut Vec<Value> {
                &mut self.0
            }

            /// Takes the value of `slot` out, leaving a scalar zero.
            #[inline]
            pub fn take(&mut self, slot: Slot) -> Value {
                std::mem::replace(&mut self.0[slot.index()], Value::Scalar(0.0))
            }
        }

        impl Index<Slot> for $name {
            type Output = Value;
            #[inline]
            fn index(&self, slot: Slot) -> &Value {
                &self.0[slot.index()]
            }
        }

        impl IndexMut<Slot> for $name {
            #[inline]
            fn index_mut(&mut self, slot: Slot) -> &mut Value {
                &mut self.0[slot.index()]
            }
        }

        /// Read-only slices, for code that walks every slot in order.
        impl Deref for $name {
            type Target = [Value];
            fn deref(&self) -> &[Value] {
                &self.0
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
