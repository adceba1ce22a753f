//! Seeded randomness and the few distributions the simulator needs.
//!
//! Every part of the simulation draws from its own ChaCha stream derived
//! from the seed and a label (the day, the employee), so that one part
//! consuming more numbers does not shift every other part: the
//! marketplace stays the same when the insider scenarios change.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub(crate) type SimRng = ChaCha8Rng;

/// Streams, so that labels of different parts never collide.
pub(crate) const SETUP: u64 = 1;
pub(crate) const MARKET: u64 = 2;
pub(crate) const WORK: u64 = 3;
pub(crate) const INSIDER: u64 = 4;
pub(crate) const HISTORY_HONEY: u64 = 5;

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic stream for (seed, part, a, b).
pub(crate) fn stream(seed: u64, part: u64, a: u64, b: u64) -> SimRng {
    let k = splitmix(splitmix(splitmix(seed ^ splitmix(part)) ^ a) ^ b.rotate_left(17));
    ChaCha8Rng::seed_from_u64(k)
}

/// A stable hash of a number, for choices that must not consume randomness.
pub(crate) fn mix(a: u64, b: u64) -> u64 {
    splitmix(splitmix(a) ^ b)
}

pub(crate) fn chance(rng: &mut SimRng, p: f64) -> bool {
    p > 0.0 && (p >= 1.0 || rng.gen::<f64>() < p)
}

/// Uniform in `[lo, hi)` (`lo` when the range is empty).
pub(crate) fn between(rng: &mut SimRng, lo: i64, hi: i64) -> i64 {
    if hi <= lo {
        lo
    } else {
        rng.gen_range(lo..hi)
    }
}

pub(crate) fn below(rng: &mut SimRng, n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        rng.gen_range(0..n)
    }
}

pub(crate) fn unit(rng: &mut SimRng) -> f64 {
    rng.gen::<f64>()
}

/// A standard normal deviate (Box–Muller).
pub(crate) fn normal(rng: &mut SimRng) -> f64 {
    let u1 = 1.0 - rng.gen::<f64>();
    let u2 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// An exponential deviate with the given mean.
pub(crate) fn exponential(rng: &mut SimRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.gen::<f64>()).ln()
}

pub(crate) fn poisson(rng: &mut SimRng, lambda: f64) -> u32 {
    if lambda <= 0.0 || lambda.is_nan() {
        return 0;
    }
    if lambda < 30.0 {
        let l = (-lambda).exp();
        let mut k = 0u32;
        let mut p = 1.0;
        loop {
            p *= rng.gen::<f64>();
            if p <= l {
                return k;
            }
            k += 1;
        }
    }
    let x = lambda + lambda.sqrt() * normal(rng);
    x.round().max(0.0) as u32
}

/// An index drawn in proportion to small fixed weights.
pub(crate) fn weighted(rng: &mut SimRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len().saturating_sub(1)
}

pub(crate) fn pick<T: Copy>(rng: &mut SimRng, items: &[T]) -> Option<T> {
    if items.is_empty() {
        None
    } else {
        Some(items[below(rng, items.len())])
    }
}

/// Walker's alias table: O(1) draws in proportion to many weights
/// (customers by activity, sellers by popularity).
pub(crate) struct Alias {
    prob: Vec<f32>,
    alias: Vec<u32>,
}

impl Alias {
    pub(crate) fn new(weights: &[f64]) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights
            .iter()
            .map(|w| {
                if total > 0.0 {
                    w * n as f64 / total
                } else {
                    1.0
                }
            })
            .collect();
        let mut prob = vec![1.0f32; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, s) in scaled.iter().enumerate() {
            if *s < 1.0 {
                small.push(i);
            } else {
                large.push(i);
            }
        }
        while let (Some(s), Some(l)) = (small.pop(), large.last().copied()) {
            prob[s] = scaled[s] as f32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }

    pub(crate) fn sample(&self, rng: &mut SimRng) -> u32 {
        let i = below(rng, self.prob.len());
        if rng.gen::<f32>() < self.prob[i] {
            i as u32
        } else {
            self.alias[i]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_follows_weights() {
        let mut rng = stream(1, 1, 0, 0);
        let a = Alias::new(&[1.0, 0.0, 3.0]);
        let mut counts = [0u32; 3];
        for _ in 0..40_000 {
            counts[a.sample(&mut rng) as usize] += 1;
        }
        assert_eq!(counts[1], 0);
        let ratio = f64::from(counts[2]) / f64::from(counts[0]);
        assert!((2.7..3.3).contains(&ratio), "{counts:?}");
    }

    #[test]
    fn poisson_mean() {
        let mut rng = stream(2, 1, 0, 0);
        for lambda in [0.5, 4.0, 12.0, 80.0] {
            let n = 20_000;
            let sum: u64 = (0..n).map(|_| u64::from(poisson(&mut rng, lambda))).sum();
            let mean = sum as f64 / n as f64;
            assert!(
                (mean - lambda).abs() < lambda * 0.05 + 0.05,
                "{lambda}: {mean}"
            );
        }
    }

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let a: u64 = stream(7, WORK, 3, 4).gen();
        let b: u64 = stream(7, WORK, 3, 4).gen();
        let c: u64 = stream(7, WORK, 4, 3).gen();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
