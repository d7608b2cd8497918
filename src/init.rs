//! Seeded initializers for params and inputs: same seed, same numbers.
//!
//! The random stream is SplitMix64 (Steele, Lea and Flood, 2014), written out
//! here so that numbers never change with a dependency's version. Normal
//! samples use the Box-Muller transform. Only IEEE-exact operations and
//! `ln`, `sqrt`, `cos` are involved, which the C library rounds the same on
//! every mainstream platform.

/// The kinds of init the spec format names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// All ones.
    Ones,
    /// Normal with the given mean and standard deviation.
    Normal { mean: f64, std: f64 },
    /// Uniform on `[low, high)`.
    Uniform { low: f64, high: f64 },
    /// Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
    Xavier,
    /// He normal: N(0, 2 / fan_in).
    He,
}

/// The names of [`Init`] in specs.
pub const INIT_NAMES: &[&str] = &["zeros", "ones", "normal", "uniform", "xavier", "he"];

/// SplitMix64: a tiny, fast, well-mixed 64-bit generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform on `[0, 1)` with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal (Box-Muller, one sample per pair of uniforms).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform(); // in (0, 1], so ln is finite
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A uniformly random index below `n` (n > 0), for shuffling.
    pub fn below(&mut self, n: usize) -> usize {
        // Lemire's multiply-shift; the tiny bias is irrelevant for shuffles.
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Fan-in and fan-out of a weight of `shape`, laid out `[in, out]` as bpc's
/// `matmul(x, W)` uses it (PyTorch's `Linear` stores the transpose).
/// A 1-D or scalar shape has fan-in = fan-out = its length.
pub fn fans(shape: &[usize]) -> (usize, usize) {
    match shape {
        [] => (1, 1),
        [n] => (*n, *n),
        [fan_in, fan_out, rest @ ..] => {
            let field: usize = rest.iter().product();
            (fan_in * field, fan_out * field)
        }
    }
}

/// `len` numbers drawn by `init` for a tensor of `shape`, from `seed`.
pub fn generate(init: Init, shape: &[usize], seed: u64) -> Vec<f64> {
    let len: usize = shape.iter().product();
    let mut rng = Rng::new(seed);
    let (fan_in, fan_out) = fans(shape);
    match init {
        Init::Zeros => vec![0.0; len],
        Init::Ones => vec![1.0; len],
        Init::Normal { mean, std } => (0..len).map(|_| mean + std * rng.normal()).collect(),
        Init::Uniform { low, high } => (0..len)
            .map(|_| low + (high - low) * rng.uniform())
            .collect(),
        Init::Xavier => {
            let a = (6.0 / (fan_in + fan_out).max(1) as f64).sqrt();
            (0..len).map(|_| -a + 2.0 * a * rng.uniform()).collect()
        }
        Init::He => {
            let std = (2.0 / fan_in.max(1) as f64).sqrt();
            (0..len).map(|_| std * rng.normal()).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers() {
        let a = generate(
            Init::Normal {
                mean: 0.0,
                std: 1.0,
            },
            &[3, 4],
            7,
        );
        let b = generate(
            Init::Normal {
                mean: 0.0,
                std: 1.0,
            },
            &[3, 4],
            7,
        );
        assert_eq!(a, b);
        assert_ne!(
            a,
            generate(
                Init::Normal {
                    mean: 0.0,
                    std: 1.0
                },
                &[3, 4],
                8
            )
        );
    }

    #[test]
    fn splitmix_matches_the_reference_stream() {
        // First outputs of SplitMix64 seeded with 0 (reference implementation).
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn draws_have_the_right_moments_and_bounds() {
        let n = 20_000;
        let x = generate(
            Init::Normal {
                mean: 1.0,
                std: 2.0,
            },
            &[n],
            1,
        );
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 0.05, "mean {mean}");
        assert!((var.sqrt() - 2.0).abs() < 0.05, "std {}", var.sqrt());
        // Glorot bound for [4, 2]: sqrt(6 / 6) = 1.
        let w = generate(Init::Xavier, &[4, 2], 3);
        assert!(w.iter().all(|v| v.abs() <= 1.0));
        let u = generate(
            Init::Uniform {
                low: -0.5,
                high: 0.5,
            },
            &[1000],
            3,
        );
        assert!(u.iter().all(|v| (-0.5..0.5).contains(v)));
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut v: Vec<usize> = (0..100).collect();
        Rng::new(5).shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_ne!(v, sorted);
    }
}
