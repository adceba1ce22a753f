//! The small statistics the detectors need, computed in log space so
//! that p-values far below `f64::MIN_POSITIVE` stay comparable.

use std::f64::consts::{LN_10, PI};

/// `ln Γ(x)` for `x > 0` (Lanczos, g = 7, n = 9; relative error < 1e-13).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection.
        return (PI / (PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + G + 0.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

fn ln_choose(n: u64, k: u64) -> f64 {
    ln_gamma(n as f64 + 1.0) - ln_gamma(k as f64 + 1.0) - ln_gamma((n - k) as f64 + 1.0)
}

/// `log10 C(n, k)`: the Bonferroni factor of choosing `k` of `n`.
pub fn log10_choose(n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    ln_choose(n, k) / LN_10
}

/// `log10 P(X ≥ k)` for `X ~ Binomial(n, p)`. Exact up to summation
/// error in the upper tail; returns 0 (p = 1) when `k ≤ n·p`, where the
/// detectors never need precision.
pub fn binomial_sf_log10(k: u64, n: u64, p: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    if k > n || p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 || (k as f64) <= n as f64 * p {
        return 0.0;
    }
    let ln_pk = ln_choose(n, k) + k as f64 * p.ln() + (n - k) as f64 * (-p).ln_1p();
    // Sum the tail relative to its first term; terms fall geometrically
    // once past the mean.
    let odds = p / (1.0 - p);
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let mut i = k;
    while i < n {
        term *= (n - i) as f64 / (i + 1) as f64 * odds;
        sum += term;
        i += 1;
        if term < sum * 1e-12 {
            break;
        }
    }
    ((ln_pk + sum.ln()) / LN_10).min(0.0)
}

/// `log10 P(X ≥ k)` for `X ~ Poisson(λ)`; 0 when `k ≤ λ`.
pub fn poisson_sf_log10(k: u64, lambda: f64) -> f64 {
    if k == 0 {
        return 0.0;
    }
    if lambda <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if (k as f64) <= lambda {
        return 0.0;
    }
    let ln_pk = k as f64 * lambda.ln() - lambda - ln_gamma(k as f64 + 1.0);
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    let mut i = k;
    loop {
        term *= lambda / (i + 1) as f64;
        sum += term;
        i += 1;
        if term < sum * 1e-12 || i > k + 100_000 {
            break;
        }
    }
    ((ln_pk + sum.ln()) / LN_10).min(0.0)
}

/// Median of a slice (sorted in place).
pub fn median(v: &mut [f64]) -> f64 {
    quantile(v, 0.5)
}

/// Linear-interpolated quantile (sorts in place); 0 for an empty slice.
pub fn quantile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let pos = q.clamp(0.0, 1.0) * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let f = pos - lo as f64;
    v[lo] * (1.0 - f) + v[hi] * f
}

/// Median and median absolute deviation.
pub fn median_mad(v: &[f64]) -> (f64, f64) {
    let mut a = v.to_vec();
    let m = median(&mut a);
    let mut d: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    (m, median(&mut d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut f = 1.0f64;
        for n in 1..20u32 {
            f *= n as f64;
            assert!(close(ln_gamma(n as f64 + 1.0), f.ln(), 1e-9), "{n}");
        }
        assert!(close(ln_gamma(0.5), PI.sqrt().ln(), 1e-12));
    }

    #[test]
    fn binomial_tail_known_values() {
        // P(X >= 3 | 10, 0.1) = 0.0701908...
        assert!(close(
            10f64.powf(binomial_sf_log10(3, 10, 0.1)),
            0.070_190_8,
            1e-6
        ));
        // P(X >= 10 | 10, 0.5) = 2^-10
        assert!(close(
            binomial_sf_log10(10, 10, 0.5),
            -10.0 * 2f64.log10(),
            1e-9
        ));
        // Far tails do not underflow.
        let l = binomial_sf_log10(500, 500, 0.01);
        assert!(close(l, -1000.0, 1e-6), "{l}");
        assert_eq!(binomial_sf_log10(1, 100, 0.5), 0.0);
        assert_eq!(binomial_sf_log10(0, 100, 0.5), 0.0);
    }

    #[test]
    fn choose_known_values() {
        assert!(close(log10_choose(1000, 2), 499_500f64.log10(), 1e-9));
        assert!(close(log10_choose(10, 0), 0.0, 1e-12));
        assert_eq!(log10_choose(2, 3), f64::NEG_INFINITY);
    }

    #[test]
    fn poisson_tail_known_values() {
        // P(X >= 5 | λ = 1) = 0.00365984...
        assert!(close(
            10f64.powf(poisson_sf_log10(5, 1.0)),
            0.003_659_846,
            1e-8
        ));
        assert_eq!(poisson_sf_log10(2, 3.0), 0.0);
        assert!(poisson_sf_log10(1000, 1.0) < -2000.0);
    }

    #[test]
    fn robust_location_and_spread() {
        let (m, mad) = median_mad(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert_eq!(m, 3.0);
        assert_eq!(mad, 1.0);
        let mut v = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile(&mut v, 0.25), 2.0);
    }
}
