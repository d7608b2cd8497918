//! Training throughput: one epoch of a 784-128-10 sigmoid MLP with softmax
//! cross-entropy, SGD, batches of 64, over 10,000 synthetic samples (seeded),
//! bound to the plan programmatically (no YAML data). The same workload in
//! hand-written NumPy is `bench/numpy_mlp.py`.
//!
//! `cargo bench --bench train` (release; a few samples, each one epoch).

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use bpc::diag::Source;
use bpc::graph::{BindMode, Binding};
use bpc::init::Rng;
use bpc::load::compile_spec;
use bpc::plan::Plan;
use bpc::tensor::{Array, Value};
use bpc::timings::Timings;
use bpc::train::{self, Overrides, Settings};

const ROWS: usize = 10_000;
const FEATURES: usize = 784;
const CLASSES: usize = 10;

const SPEC: &str = "\
name: mlp
params:
  W1: { shape: [784, 128], init: normal, std: 0.05, seed: 1 }
  b1: { shape: [128], init: zeros }
  W2: { shape: [128, 10], init: normal, std: 0.05, seed: 2 }
  b2: { shape: [10], init: zeros }
nodes:
  net_h: affine(x, W1, b1)
  h: sigmoid(net_h)
  logits: affine(h, W2, b2)
  loss: cross_entropy(logits, y)
output: loss
train:
  optimizer: sgd
  lr: 0.1
  epochs: 1
  batch_size: 64
  seed: 0
";

/// The plan with 10,000 rows of pixels in [0, 1) and class indices bound.
fn setup() -> (Plan, Vec<bpc::plan::Slot>, Settings) {
    let mut rng = Rng::new(42);
    let x: Vec<f64> = (0..ROWS * FEATURES).map(|_| rng.uniform()).collect();
    let y: Vec<f64> = (0..ROWS).map(|_| rng.below(CLASSES) as f64).collect();
    let bind = |name: &str, shape: &[usize], data: Vec<f64>| Binding {
        name: name.into(),
        value: Value::from_array(
            Array::from_shape_vec(ndarray::IxDyn(shape), data).expect("shape fits"),
        ),
        origin: None,
        mode: BindMode::Data,
    };
    let bindings = [bind("x", &[ROWS, FEATURES], x), bind("y", &[ROWS], y)];
    let spec = bpc::spec::parse(&Source::new("mlp.yaml", SPEC)).expect("spec parses");
    let plan =
        compile_spec(Arc::new(spec), &bindings, &mut Timings::default()).expect("spec compiles");
    let data: Vec<_> = ["x", "y"].iter().filter_map(|n| plan.slot(n)).collect();
    let settings =
        train::settings::resolve(&plan, &data, &Overrides::default()).expect("settings are valid");
    (train::training_plan(plan, settings.loss), data, settings)
}

fn main() {
    divan::main();
}

/// One epoch: 157 steps (156 of 64 rows and one of 16).
#[divan::bench(sample_count = 3, sample_size = 1)]
fn epoch_784_128_10(bencher: divan::Bencher) {
    let (plan, data, settings) = setup();
    let stop = AtomicBool::new(false);
    bencher
        .counter(divan::counter::ItemsCount::new(ROWS))
        .bench_local(|| {
            let fit = train::fit(&plan, &data, &settings, &stop, &mut |_| {})
                .expect("training stays finite");
            divan::black_box(fit.steps)
        });
}
