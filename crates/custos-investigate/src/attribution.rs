//! Leak attribution: whose accesses explain a leaked sample of customer
//! ids. The model is stated in the crate documentation.

use crate::lookup::events_at;
use crate::scope::scope_records;
use crate::Result;
use custos_core::{DataField, Timestamp};
use custos_store::{days_touched, whole_days, DisclosureRow, Store, TimeWindow};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The customer ids of a sample file: one a line, surrounding blanks
/// trimmed, blank lines and `#` comments skipped, each id once (first
/// occurrence order).
pub fn parse_sample(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| seen.insert(*l))
        .map(str::to_owned)
        .collect()
}

/// One employee's fit to the sample: the record of `custos attribute`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suspect {
    pub employee: String,
    /// Sample customers this employee was shown in the window.
    pub matched: usize,
    /// Sample size (distinct ids).
    pub leaked: usize,
    /// P(X ≥ matched) under the null that the leak came from elsewhere.
    pub p_value: f64,
    /// Σ over matched customers c of ln(n / (a(c)·n_e)): the
    /// log-likelihood ratio of "c came from e's disclosures" against "c
    /// came from a random disclosure" (see the crate documentation).
    pub score: f64,
    /// Honeytokens in the sample this employee was shown.
    pub honeytokens: Vec<String>,
    /// Customer records disclosed to this employee in the window's UTC
    /// days, n_e (a customer shown twice counts twice).
    pub disclosed: u64,
    /// Expected matches under the null, Σ q_e(c).
    pub expected: f64,
}

/// The ranking of every employee who was shown at least one sample
/// customer, with the numbers behind the model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Attribution {
    /// Sample size (distinct ids).
    pub leaked: usize,
    /// Customer records disclosed to anyone in the window's UTC days, n.
    pub disclosures: u64,
    /// Whether the window is whole UTC days, so that n and n_e count
    /// exactly the window (otherwise the days it touches).
    pub exact_days: bool,
    /// Employees with a disclosure in the window's UTC days, N.
    pub employees: usize,
    /// Sample ids no one was shown in the window.
    pub unexplained: usize,
    /// Sample ids that are planted honeytokens.
    pub honeytokens: Vec<String>,
    /// Most likely source first.
    pub suspects: Vec<Suspect>,
}

/// `P(X ≥ m)` for `X` the number of successes of independent trials with
/// success probabilities `q` (Poisson-binomial), exactly, in O(len·m).
/// The upper tail is accumulated directly rather than as `1 - P(X < m)`,
/// so tiny p-values keep their precision.
pub fn poisson_binomial_tail(q: &[f64], m: usize) -> f64 {
    if m == 0 {
        return 1.0;
    }
    if m > q.len() {
        return 0.0;
    }
    // below[k] = P(X = k) for k < m, so far; tail = P(X ≥ m), so far.
    let mut below = vec![0.0f64; m];
    below[0] = 1.0;
    let mut tail = 0.0f64;
    for &p in q {
        let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
        tail += below[m - 1] * p;
        for k in (1..m).rev() {
            below[k] = below[k] * (1.0 - p) + below[k - 1] * p;
        }
        below[0] *= 1.0 - p;
    }
    tail.clamp(0.0, 1.0)
}

/// Ranks the employees whose accesses explain a leaked `sample` of
/// customer ids, over disclosures in `window`.
///
/// One `disclosures_by_customer` and one `is_honeytoken` query per
/// sample id, then one `disclosure_volume` read for the employees shown a
/// sample customer: the cost follows the sample and its suspects, not the
/// size of the store.
pub fn attribute(store: &dyn Store, sample: &[String], window: TimeWindow) -> Result<Attribution> {
    let mut seen = HashSet::new();
    let sample: Vec<&str> = sample
        .iter()
        .map(String::as_str)
        .filter(|c| seen.insert(*c))
        .collect();
    let n = sample.len();
    // a(c) and, per employee, which sample customers they were shown.
    let mut a = vec![0usize; n];
    let mut shown: HashMap<String, Vec<usize>> = HashMap::new();
    let mut honeytokens = Vec::new();
    for (i, c) in sample.iter().enumerate() {
        let rows = store.disclosures_by_customer(c, window)?;
        let who: BTreeSet<&str> = rows
            .iter()
            .filter(|d| window.contains(d.time) && d.customer == *c)
            .map(|d| d.employee.as_str())
            .collect();
        a[i] = who.len();
        for e in who {
            shown.entry(e.to_owned()).or_default().push(i);
        }
        if store.is_honeytoken(c)? {
            honeytokens.push((*c).to_owned());
        }
    }
    let honey: HashSet<&str> = honeytokens.iter().map(String::as_str).collect();
    let suspects: Vec<&str> = shown.keys().map(String::as_str).collect();
    let volume = store.disclosure_volume(&suspects, days_touched(window))?;
    // Disclosures in the window's days, at least those the sample shows.
    let total = volume.total.max(a.iter().sum::<usize>() as u64).max(1);
    let n_employees = (volume.employees as usize).max(shown.len()).max(1);
    let mut suspects: Vec<Suspect> = shown
        .into_iter()
        .map(|(employee, matched)| {
            let disclosed = volume
                .by_employee
                .get(&employee)
                .copied()
                .unwrap_or(0)
                .max(matched.len() as u64);
            // q_e(c) = s_e · max(a₋ₑ(c), 1): e's share of the window's
            // disclosures, s_e = n_e / n, scaled by how many other
            // employees were shown c (see the crate documentation).
            let share = disclosed as f64 / total as f64;
            let mut own = vec![false; n];
            for &i in &matched {
                own[i] = true;
            }
            let qs: Vec<f64> = (0..n)
                .map(|i| {
                    let others = a[i] - usize::from(own[i]);
                    (share * others.max(1) as f64).min(1.0)
                })
                .collect();
            // ln(n / (a(c)·n_e)) = ln(N / a(c)) + ln(mean n_e / n_e).
            let score: f64 = matched
                .iter()
                .map(|&i| (total as f64 / (a[i].max(1) as f64 * disclosed as f64)).ln())
                .sum();
            let hits: Vec<String> = matched
                .iter()
                .map(|&i| sample[i])
                .filter(|c| honey.contains(c))
                .map(str::to_owned)
                .collect();
            Suspect {
                p_value: poisson_binomial_tail(&qs, matched.len()),
                matched: matched.len(),
                leaked: n,
                score,
                honeytokens: hits,
                disclosed,
                expected: qs.iter().sum(),
                employee,
            }
        })
        .collect();
    suspects.sort_by(|x, y| {
        y.honeytokens
            .len()
            .cmp(&x.honeytokens.len())
            .then(y.score.total_cmp(&x.score))
            .then(x.p_value.total_cmp(&y.p_value))
            .then(x.employee.cmp(&y.employee))
    });
    Ok(Attribution {
        leaked: n,
        disclosures: total,
        exact_days: whole_days(window),
        employees: n_employees,
        unexplained: a.iter().filter(|&&k| k == 0).count(),
        honeytokens,
        suspects,
    })
}

/// One sample customer an employee was shown: the reverse view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SampleMatch {
    pub customer: String,
    pub accesses: u64,
    pub first: Timestamp,
    pub last: Timestamp,
    pub fields: Vec<DataField>,
    pub events: Vec<String>,
    pub purposes: Vec<String>,
    /// Other employees shown this customer in the window (a(c) − 1).
    pub others: usize,
    pub honeytoken: bool,
}

/// Which of `employee`'s disclosed customers are in the sample, first
/// access first.
pub fn sample_matches(
    store: &dyn Store,
    employee: &str,
    sample: &[String],
    window: TimeWindow,
) -> Result<Vec<SampleMatch>> {
    let mut seen = HashSet::new();
    let mut mine: Vec<DisclosureRow> = Vec::new();
    let mut others: HashMap<String, usize> = HashMap::new();
    let mut honey = HashSet::new();
    for c in sample.iter().filter(|c| seen.insert(c.as_str())) {
        let rows = store.disclosures_by_customer(c, window)?;
        let rows: Vec<DisclosureRow> = rows
            .into_iter()
            .filter(|d| window.contains(d.time) && d.customer == *c)
            .collect();
        if !rows.iter().any(|d| d.employee == employee) {
            continue;
        }
        let who: HashSet<&str> = rows
            .iter()
            .map(|d| d.employee.as_str())
            .filter(|e| *e != employee)
            .collect();
        others.insert(c.clone(), who.len());
        if store.is_honeytoken(c)? {
            honey.insert(c.clone());
        }
        mine.extend(rows.into_iter().filter(|d| d.employee == employee));
    }
    let indexes: Vec<u64> = mine.iter().map(|d| d.index).collect();
    let events = events_at(store, &indexes)?;
    let ids: Vec<&str> = mine
        .iter()
        .map(|d| events.get(&d.index).map_or("", |e| e.id.as_str()))
        .collect();
    let records = scope_records(mine.iter().zip(ids));
    Ok(records
        .into_iter()
        .map(|r| SampleMatch {
            others: others.get(&r.customer).copied().unwrap_or(0),
            honeytoken: honey.contains(&r.customer),
            customer: r.customer,
            accesses: r.accesses,
            first: r.first,
            last: r.last,
            fields: r.fields,
            events: r.events,
            purposes: r.purposes,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// P(X ≥ m) by enumerating all 2^n outcomes.
    fn brute(q: &[f64], m: usize) -> f64 {
        let n = q.len();
        let mut total = 0.0;
        for mask in 0u32..(1 << n) {
            let mut p = 1.0;
            for (i, qi) in q.iter().enumerate() {
                p *= if mask & (1 << i) != 0 { *qi } else { 1.0 - qi };
            }
            if mask.count_ones() as usize >= m {
                total += p;
            }
        }
        total
    }

    proptest! {
        #[test]
        fn tail_equals_enumeration(q in proptest::collection::vec(0.0f64..=1.0, 0..10), m in 0usize..12) {
            let got = poisson_binomial_tail(&q, m);
            prop_assert!((got - brute(&q, m)).abs() < 1e-12, "{got} vs {}", brute(&q, m));
        }
    }

    #[test]
    fn tail_of_a_binomial_keeps_tiny_values() {
        // P(X ≥ 50) for Bin(1000, 0.001): about 1e-70 / 50! scale; must not be 0.
        let p = poisson_binomial_tail(&vec![0.001; 1000], 50);
        assert!(p > 0.0 && p < 1e-60, "{p}");
        assert_eq!(poisson_binomial_tail(&[0.5; 3], 0), 1.0);
        assert_eq!(poisson_binomial_tail(&[0.5; 3], 4), 0.0);
        assert!((poisson_binomial_tail(&[0.5; 2], 1) - 0.75).abs() < 1e-15);
    }

    #[test]
    fn samples_are_trimmed_deduplicated_and_commented() {
        let s = parse_sample("cus-1\n  cus-2 \r\n\n# note\ncus-1\ncus-3");
        assert_eq!(s, ["cus-1", "cus-2", "cus-3"]);
    }
}
