//! The batch buffers of data-bound inputs: each step copies its rows of the
//! data set into buffers kept from the step before.

use crate::plan::Slot;
use crate::slots::Values;
use crate::tensor::{Array, Value};

/// A data-bound input: the whole data set, and batch buffers of the two row
/// counts an epoch uses (full batches and the last, shorter one).
pub(super) struct Feed {
    slot: Slot,
    data: Vec<f64>,
    width: usize,
    spare: Value,
}

impl Feed {
    /// Takes the data set out of its slot (without copying it) and leaves a
    /// batch buffer there.
    pub(super) fn new(values: &mut Values, slot: Slot, batch: usize, rows: usize) -> Feed {
        let rest: Vec<usize> = values[slot].shape().get(1..).unwrap_or(&[]).to_vec();
        let width = rest.iter().product();
        let buffer = |n: usize| {
            let mut shape = vec![n];
            shape.extend(&rest);
            Value::Tensor(Box::new(Array::zeros(ndarray::IxDyn(&shape))))
        };
        let data = match std::mem::replace(&mut values[slot], buffer(batch)) {
            Value::Tensor(a) if a.is_standard_layout() => {
                let len = a.len();
                // Standard layout: the elements are v[off..off + len], in order.
                match a.into_raw_vec_and_offset() {
                    (v, off) if off.unwrap_or(0) == 0 && v.len() == len => v,
                    (v, off) => {
                        let off = off.unwrap_or(0);
                        v.get(off..off + len)
                            .map(<[f64]>::to_vec)
                            .unwrap_or_default()
                    }
                }
            }
            other => other.to_vec(),
        };
        let tail = if batch == 0 { 0 } else { rows % batch };
        Feed {
            slot,
            data,
            width,
            spare: buffer(tail),
        }
    }

    /// Puts the rows `batch` of the data into the slot's buffer.
    pub(super) fn fill(&mut self, values: &mut Values, batch: &[usize]) {
        let v = &mut values[self.slot];
        if v.shape().first() != Some(&batch.len()) {
            std::mem::swap(v, &mut self.spare);
        }
        if let Value::Tensor(a) = v
            && let Some(dst) = a.as_slice_mut()
        {
            let (w, data) = (self.width, &self.data);
            // Whole rows per chunk, on threads for big batches.
            crate::par::chunks_mut(dst, 1 << 14, w.max(1), &|start, chunk| {
                let rows = batch.get(start / w.max(1)..).unwrap_or(&[]);
                for (d, &r) in chunk.chunks_exact_mut(w.max(1)).zip(rows) {
                    d.copy_from_slice(&data[r * w..(r + 1) * w]);
                }
            });
        }
    }
}
