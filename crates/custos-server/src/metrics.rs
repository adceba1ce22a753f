//! `/metrics` in the Prometheus text format (version 0.0.4): what the
//! server counts itself (HTTP requests, events accepted, guard decision
//! latency) and what it reads when scraped (ledger size, alerts by
//! severity). Hand-written: a handful of series does not earn a metrics
//! crate and its registry.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use custos_store::AlertFilter;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests answered, by route template and status code.
#[derive(Default)]
pub(crate) struct HttpRequests {
    counts: Mutex<BTreeMap<(&'static str, &'static str, u16), u64>>,
}

impl HttpRequests {
    pub fn record(&self, method: &'static str, path: &'static str, status: u16) {
        // A poisoned lock only means another request panicked mid-count:
        // the map is still a map.
        let mut m = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry((method, path, status)).or_default() += 1;
    }

    fn snapshot(&self) -> Vec<((&'static str, &'static str, u16), u64)> {
        let m = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        m.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

/// Upper bounds (seconds) of the decision latency buckets: a decision is
/// a Cedar evaluation (microseconds) plus a ledger commit (an fsync), or
/// a journal write (microseconds) with `answer = "journaled"`.
const BOUNDS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// A cumulative latency histogram with fixed buckets.
#[derive(Default)]
pub(crate) struct Histogram {
    /// Per bucket (not cumulative), the last one is `+Inf`.
    buckets: [AtomicU64; BOUNDS.len() + 1],
    sum_micros: AtomicU64,
    count: AtomicU64,
}

impl Histogram {
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let slot = BOUNDS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BOUNDS.len());
        self.buckets[slot].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (i, b) in BOUNDS.iter().enumerate() {
            cumulative += self.buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {cumulative}");
        }
        cumulative += self.buckets[BOUNDS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {cumulative}");
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_sum {sum}");
        let _ = writeln!(out, "{name}_count {}", self.count.load(Ordering::Relaxed));
    }
}

fn counter(out: &mut String, name: &str, help: &str, kind: &str, value: impl std::fmt::Display) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    let _ = writeln!(out, "{name} {value}");
}

/// A label value with `\`, `"` and newlines escaped, as the format asks.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let size = state
        .committer
        .read(|p| p.ledger().size())
        .await
        .map_err(ApiError::Internal)?;
    let mut by_severity: BTreeMap<String, u64> = ["low", "medium", "high", "critical"]
        .iter()
        .map(|s| ((*s).to_owned(), 0))
        .collect();
    let alerts = crate::api::with_reader(&state, |s| {
        s.alerts(&AlertFilter::default())
            .map_err(ApiError::internal)
    })?;
    for a in &alerts {
        *by_severity.entry(a.severity.clone()).or_default() += 1;
    }
    let m = &state.metrics;
    let mut out = String::new();
    counter(
        &mut out,
        "custos_ledger_entries",
        "Entries in the ledger.",
        "gauge",
        size,
    );
    counter(
        &mut out,
        "custos_events_accepted_total",
        "Events accepted over HTTP since start.",
        "counter",
        m.accepted.load(Ordering::Relaxed),
    );
    counter(
        &mut out,
        "custos_events_rejected_total",
        "Events rejected over HTTP since start.",
        "counter",
        m.rejected.load(Ordering::Relaxed),
    );
    let _ = writeln!(out, "# HELP custos_alerts Alerts stored, by severity.");
    let _ = writeln!(out, "# TYPE custos_alerts gauge");
    for (sev, n) in &by_severity {
        let _ = writeln!(out, "custos_alerts{{severity=\"{}\"}} {n}", label(sev));
    }
    m.decide.render(
        &mut out,
        "custos_decide_duration_seconds",
        "Time to answer POST /v1/decide: the guard's decision and its ledger commit (or journal write).",
    );
    if let Some(journal) = &state.journal {
        counter(
            &mut out,
            "custos_decisions_journaled_total",
            "Decisions answered once in the decision journal, before their ledger commit.",
            "counter",
            m.journaled.load(Ordering::Relaxed),
        );
        counter(
            &mut out,
            "custos_decision_journal_pending",
            "Decision journal records answered and not yet committed to the ledger.",
            "gauge",
            journal.pending(),
        );
    }
    let _ = writeln!(
        out,
        "# HELP custos_http_requests_total HTTP requests answered, by route and status."
    );
    let _ = writeln!(out, "# TYPE custos_http_requests_total counter");
    for ((method, path, status), n) in m.http.snapshot() {
        let _ = writeln!(
            out,
            "custos_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
            label(path)
        );
    }
    Ok((
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let h = Histogram::default();
        h.observe(Duration::from_micros(300));
        h.observe(Duration::from_millis(3));
        h.observe(Duration::from_secs(9));
        let mut out = String::new();
        h.render(&mut out, "x", "help");
        assert!(out.contains("x_bucket{le=\"0.0005\"} 1\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"0.005\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"2.5\"} 2\n"), "{out}");
        assert!(out.contains("x_bucket{le=\"+Inf\"} 3\n"), "{out}");
        assert!(out.contains("x_count 3\n"), "{out}");
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
