//! Analysis views: alerts (and acknowledging them), employee profiles,
//! the risk list, and who benefits a seller. Every role but `admin` sees
//! employees here under pseudonyms (`pseudonyms.rs`); ids asked about may
//! be pseudonyms, or real ids for investigator and up.

use crate::api::{check, parse_json, roles, wall_clock, with_reader};
use crate::auth::{Caller, Role};
use crate::cases_api::commit_one;
use crate::error::ApiError;
use crate::pseudonyms::{resolve_employee, Masker};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::Json;
use custos_core::time::MS_PER_DAY;
use custos_core::Timestamp;
use custos_store::{AlertFilter, AlertRow, Store, TimeWindow};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Longest acknowledgement note.
const MAX_NOTE_BYTES: usize = 8_000;
/// Peers whose daily activity makes the band of a profile's chart.
const MAX_PEERS: usize = 50;
/// Customers looked up for the sellers of a profile or a seller view.
const MAX_CUSTOMERS: usize = 5_000;
/// Sellers listed in a profile.
const TOP_SELLERS: usize = 10;

/// The masker for an analysis view: none for admin.
fn view_masker(
    state: &AppState,
    store: &dyn Store,
    caller: &Caller,
) -> Result<Option<Masker>, ApiError> {
    if caller.role == Role::Admin {
        Ok(None)
    } else {
        Masker::for_store(&state.pseudonyms, store).map(Some)
    }
}

fn ack_id(alert: &str) -> String {
    format!("ack.{alert}")
}

/// Adds `acknowledged` (and who and when) to alert records.
fn annotate_acks(store: &dyn Store, alerts: &mut [Value]) -> Result<(), ApiError> {
    let ids: Vec<String> = alerts
        .iter()
        .map(|a| ack_id(a["id"].as_str().unwrap_or_default()))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let seen = store.lookup_ids(&refs).map_err(ApiError::internal)?;
    for (a, id) in alerts.iter_mut().zip(&ids) {
        a["acknowledged"] = json!(false);
        if !seen.contains_key(id) {
            continue;
        }
        if let Some(ack) = read_ack(store, id)? {
            a["acknowledged"] = json!(true);
            a["acknowledged_by"] = ack["by"].clone();
            a["acknowledged_at"] = ack["at"].clone();
        }
    }
    Ok(())
}

/// The acknowledgement event `id`, as `{by, at, event, note}`.
fn read_ack(store: &dyn Store, id: &str) -> Result<Option<Value>, ApiError> {
    let Some(row) = store.event(id).map_err(ApiError::internal)? else {
        return Ok(None);
    };
    let entry: Value = serde_json::from_slice(&row.entry).map_err(ApiError::internal)?;
    Ok(Some(json!({
        "by": entry["actor"]["id"],
        "at": entry["time"],
        "event": id,
        "note": entry["attrs"]["note"],
    })))
}

fn alert_values(store: &dyn Store, rows: &[AlertRow]) -> Result<Vec<Value>, ApiError> {
    let mut out: Vec<Value> = rows
        .iter()
        .filter_map(|r| serde_json::from_str(&r.json).ok())
        .collect();
    annotate_acks(store, &mut out)?;
    Ok(out)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AlertsQuery {
    employee: Option<String>,
    detector: Option<String>,
    limit: Option<usize>,
}

pub(crate) async fn alerts(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<AlertsQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::ANALYST,
        "GET /v1/alerts",
        q.employee.as_deref(),
    )
    .await?;
    with_reader(&state, |s| {
        let employee = q
            .employee
            .as_deref()
            .map(|e| resolve_employee(&state.pseudonyms, s, e, caller.role != Role::Analyst))
            .transpose()?;
        let filter = AlertFilter {
            employee,
            detector: q.detector.clone(),
            limit: Some(q.limit.unwrap_or(500).min(5000)),
            ..AlertFilter::default()
        };
        let rows = s.alerts(&filter).map_err(ApiError::internal)?;
        let mut out = alert_values(s, &rows)?;
        if let Some(mut m) = view_masker(&state, s, &caller)? {
            for r in &rows {
                m.hide(&r.employee);
            }
            out.iter_mut().for_each(|v| m.mask_value(v));
        }
        Ok(out)
    })
    .map(Json)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AckBody {
    #[serde(default)]
    note: Option<String>,
}

pub(crate) async fn ack_alert(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::ANALYST,
        "POST /v1/alerts/{id}/ack",
        Some(&id),
    )
    .await?;
    let body: AckBody = if body.iter().all(u8::is_ascii_whitespace) {
        AckBody::default()
    } else {
        parse_json(&body, r#"the body must be empty or {"note":".."}"#)?
    };
    if body.note.as_ref().is_some_and(|n| n.len() > MAX_NOTE_BYTES) {
        return Err(ApiError::BadRequest(format!(
            "the note is longer than {MAX_NOTE_BYTES} bytes"
        )));
    }
    let eid = ack_id(&id);
    let answer = |s: &dyn Store| -> Result<Option<Value>, ApiError> {
        Ok(read_ack(s, &eid)?.map(|mut a| {
            a["alert"] = json!(id);
            a["acknowledged"] = json!(true);
            a
        }))
    };
    let exists = with_reader(&state, |s| {
        let known = s
            .alerts(&AlertFilter::default())
            .map_err(ApiError::internal)?
            .iter()
            .any(|a| a.id == id);
        Ok(known)
    })?;
    if !exists {
        return Err(ApiError::NotFound(format!(
            "no alert with id `{}`",
            id.escape_debug()
        )));
    }
    if let Some(done) = with_reader(&state, answer)? {
        return Ok(Json(done));
    }
    let mut attrs = json!({ "alert": id });
    if let Some(n) = &body.note {
        attrs["note"] = json!(n);
    }
    let event = json!({
        "id": eid,
        "time": wall_clock().to_rfc3339(),
        "actor": {"type": "employee", "id": caller.name, "role": format!("custos-{}", caller.role.as_str())},
        "action": "x.alert.ack",
        "attrs": attrs,
    });
    // Refused only when someone acknowledged it first: theirs stands.
    let _ = commit_one(&state, "ack", &event).await?;
    with_reader(&state, answer)?
        .map(Json)
        .ok_or_else(|| ApiError::internal("the acknowledgement is not in the store"))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RiskQuery {
    limit: Option<usize>,
}

pub(crate) async fn risk(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<RiskQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let caller = check(&state, &headers, roles::ANALYST, "GET /v1/risk", None).await?;
    let limit = q.limit.unwrap_or(100).min(10_000);
    let mut rows = state
        .committer
        .read(|p| p.risk())
        .await
        .map_err(ApiError::Internal)?;
    rows.retain(|r| r.score > 0.0);
    rows.truncate(limit);
    let mut out: Vec<Value> = rows
        .iter()
        .map(|r| serde_json::to_value(r).unwrap_or(Value::Null))
        .collect();
    with_reader(&state, |s| {
        if let Some(mut m) = view_masker(&state, s, &caller)? {
            for r in &rows {
                m.hide(&r.employee);
            }
            out.iter_mut().for_each(|v| m.mask_value(v));
        }
        Ok(())
    })?;
    Ok(Json(out))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmployeeQuery {
    days: Option<i64>,
}

fn day_label(day: i64) -> String {
    Timestamp::from_millis(day * MS_PER_DAY).to_rfc3339()[..10].to_owned()
}

/// Distinct customers disclosed per day, for `days` days from `first`.
fn daily_counts(
    store: &dyn Store,
    employee: &str,
    first: i64,
    days: i64,
) -> Result<Vec<u64>, ApiError> {
    let window = TimeWindow::new(
        Timestamp::from_millis(first * MS_PER_DAY),
        Timestamp::from_millis((first + days) * MS_PER_DAY),
    );
    let mut per: Vec<HashSet<String>> = vec![HashSet::new(); days as usize];
    for d in store
        .disclosures_by_employee(employee, window)
        .map_err(ApiError::internal)?
    {
        let slot = d.time.day() - first;
        if (0..days).contains(&slot) {
            per[slot as usize].insert(d.customer);
        }
    }
    Ok(per.iter().map(|s| s.len() as u64).collect())
}

/// The `q`-quantile (nearest rank) of sorted values.
fn quantile(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1] as f64
}

pub(crate) async fn employee(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<EmployeeQuery>,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::ANALYST,
        "GET /v1/employees/{id}",
        Some(&id),
    )
    .await?;
    let days = q.days.unwrap_or(30);
    if !(1..=366).contains(&days) {
        return Err(ApiError::BadRequest(format!(
            "`days` is {days}; give 1 to 366"
        )));
    }
    let real = with_reader(&state, |s| {
        resolve_employee(&state.pseudonyms, s, &id, caller.role != Role::Analyst)
    })?;
    let risk = {
        let real = real.clone();
        state
            .committer
            .read(move |p| p.risk().into_iter().find(|r| r.employee == real))
            .await
            .map_err(ApiError::Internal)?
    };
    let mut profile = with_reader(&state, |s| {
        let e = s
            .employee(&real)
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::NotFound(format!("no employee `{}`", id.escape_debug())))?;
        let rows = s
            .alerts(&AlertFilter {
                employee: Some(real.clone()),
                ..AlertFilter::default()
            })
            .map_err(ApiError::internal)?;
        let alerts = alert_values(s, &rows)?;

        // Sellers: whose customers the employee was shown, and events that
        // name a seller (order views, reactivations).
        let disclosures = s
            .disclosures_by_employee(&real, TimeWindow::ALL)
            .map_err(ApiError::internal)?;
        let customers: BTreeSet<&str> = disclosures.iter().map(|d| d.customer.as_str()).collect();
        let mut sellers: HashMap<String, (u64, u64)> = HashMap::new();
        for c in customers.iter().take(MAX_CUSTOMERS) {
            for rel in s.sellers_of_customer(c).map_err(ApiError::internal)? {
                sellers.entry(rel.seller).or_default().0 += 1;
            }
        }
        for ev in s
            .events_by_employee(&real, TimeWindow::ALL, 100_000)
            .map_err(ApiError::internal)?
        {
            if let Some(seller) = ev.seller {
                sellers.entry(seller).or_default().1 += 1;
            }
        }
        let mut sellers: Vec<(String, (u64, u64))> = sellers.into_iter().collect();
        sellers.sort_by(|a, b| {
            (b.1 .0 + b.1 .1)
                .cmp(&(a.1 .0 + a.1 .1))
                .then(a.0.cmp(&b.0))
        });
        sellers.truncate(TOP_SELLERS);

        // Daily activity up to the last disclosure, beside the peers with
        // the same role.
        let activity = match disclosures.last() {
            None => json!({"days": days, "daily": []}),
            Some(last) => {
                let end = last.time.day();
                let first = end - days + 1;
                let mine = daily_counts(s, &real, first, days)?;
                let mut peers: Vec<String> = s
                    .employees()
                    .map_err(ApiError::internal)?
                    .into_iter()
                    .filter(|p| p.id != real && p.role.is_some() && p.role == e.role)
                    .map(|p| p.id)
                    .collect();
                peers.sort();
                peers.truncate(MAX_PEERS);
                let peer_counts = peers
                    .iter()
                    .map(|p| daily_counts(s, p, first, days))
                    .collect::<Result<Vec<_>, _>>()?;
                let daily: Vec<Value> = (0..days as usize)
                    .map(|i| {
                        let mut col: Vec<u64> = peer_counts.iter().map(|c| c[i]).collect();
                        col.sort_unstable();
                        let mut d =
                            json!({"day": day_label(first + i as i64), "customers": mine[i]});
                        if !col.is_empty() {
                            d["peer_median"] = json!(quantile(&col, 0.5));
                            d["peer_p90"] = json!(quantile(&col, 0.9));
                        }
                        d
                    })
                    .collect();
                json!({
                    "days": days,
                    "peer_group": {"role": e.role, "employees": peers.len()},
                    "daily": daily,
                })
            }
        };
        Ok(json!({
            "employee": real,
            "pseudonym": state.pseudonyms.pseudonym(&real),
            "role": e.role,
            "team": e.team,
            "site": e.site,
            "status": e.status.as_str(),
            "hired": e.hired.map(Timestamp::to_rfc3339),
            "left": e.left.map(Timestamp::to_rfc3339),
            "risk": {
                "score": risk.as_ref().map_or(0.0, |r| r.score),
                "reasons": risk.as_ref().map(|r| r.reasons.clone()).unwrap_or_default(),
            },
            "alerts": alerts,
            "customers_disclosed": customers.len(),
            "sellers": sellers.iter().map(|(seller, (c, ev))| json!({
                "seller": seller, "customers": c, "events": ev,
            })).collect::<Vec<_>>(),
            "activity": activity,
        }))
    })?;
    with_reader(&state, |s| {
        if let Some(mut m) = view_masker(&state, s, &caller)? {
            m.hide(&real);
            m.mask_value(&mut profile);
        }
        Ok(())
    })?;
    Ok(Json(profile))
}

#[derive(Default)]
struct Benefit {
    disclosures: u64,
    customers: BTreeSet<String>,
    review_deletions: u64,
    negative_review_deletions: u64,
    reactivations: u64,
}

pub(crate) async fn seller(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::ANALYST,
        "GET /v1/sellers/{id}",
        Some(&id),
    )
    .await?;
    let answer = with_reader(&state, |s| {
        let account = s.account(&id).map_err(ApiError::internal)?;
        let customers = s.customers_of_seller(&id).map_err(ApiError::internal)?;
        let events = s
            .events_by_seller(&id, TimeWindow::ALL, 200_000)
            .map_err(ApiError::internal)?;
        if account.is_none() && customers.is_empty() && events.is_empty() {
            return Err(ApiError::NotFound(format!(
                "no seller `{}` in the store",
                id.escape_debug()
            )));
        }
        let mut by: BTreeMap<String, Benefit> = BTreeMap::new();
        for c in customers.iter().take(MAX_CUSTOMERS) {
            for d in s
                .disclosures_by_customer(&c.customer, TimeWindow::ALL)
                .map_err(ApiError::internal)?
            {
                let b = by.entry(d.employee).or_default();
                b.disclosures += 1;
                b.customers.insert(d.customer);
            }
        }
        for ev in &events {
            match ev.action.as_str() {
                // The seller's reviews: whoever deleted one helped it,
                // most of all when the review was a bad one.
                "review.create" => {
                    let Some(review) = &ev.target_id else {
                        continue;
                    };
                    let Some(r) = s.review(review).map_err(ApiError::internal)? else {
                        continue;
                    };
                    if let Some(del) = r.deleted {
                        let b = by.entry(del.by).or_default();
                        b.review_deletions += 1;
                        if r.rating.is_some_and(|x| x <= 2) {
                            b.negative_review_deletions += 1;
                        }
                    }
                }
                "account.reactivate" if ev.target_id.as_deref() == Some(id.as_str()) => {
                    if let Some(e) = ev.employee() {
                        by.entry(e.to_owned()).or_default().reactivations += 1;
                    }
                }
                _ => {}
            }
        }
        let mut rows: Vec<(String, Benefit)> = by.into_iter().collect();
        let weight =
            |b: &Benefit| b.customers.len() as u64 + 10 * (b.review_deletions + b.reactivations);
        rows.sort_by(|a, b| weight(&b.1).cmp(&weight(&a.1)).then(a.0.cmp(&b.0)));
        Ok(json!({
            "seller": id,
            "status": account.map(|a| a.status.as_str().to_owned()),
            "customers": customers.len(),
            "customers_examined": customers.len().min(MAX_CUSTOMERS),
            "employees": rows.iter().map(|(e, b)| json!({
                "employee": e,
                "disclosures": b.disclosures,
                "customers": b.customers.len(),
                "review_deletions": b.review_deletions,
                "negative_review_deletions": b.negative_review_deletions,
                "reactivations": b.reactivations,
            })).collect::<Vec<_>>(),
        }))
    })?;
    let mut answer = answer;
    with_reader(&state, |s| {
        if let Some(m) = view_masker(&state, s, &caller)? {
            m.mask_value(&mut answer);
        }
        Ok(())
    })?;
    Ok(Json(answer))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_take_the_nearest_rank() {
        let v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(quantile(&v, 0.5), 4.0);
        assert_eq!(quantile(&v, 0.9), 8.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[7], 0.9), 7.0);
    }

    #[test]
    fn days_are_labelled_by_date() {
        assert_eq!(day_label(0), "1970-01-01");
    }
}
