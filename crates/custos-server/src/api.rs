//! Routes of the HTTP API (`/v1/...`), health and metrics.

use crate::auth::{authorize, Caller, Role};
use crate::error::ApiError;
use crate::{console, AppState};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use custos_ingest::{prepare_value, ItemOutcome, Location, Prepared};
use custos_store::{AlertFilter, Store};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Largest request body: a few thousand events.
pub const MAX_BODY_BYTES: usize = 16 << 20;

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .route("/v1/events", post(post_events))
        .route("/v1/ledger/checkpoint", get(checkpoint))
        .route("/v1/ledger/proof", get(proof))
        .route("/v1/ledger/consistency", get(consistency))
        .route("/v1/alerts", get(alerts))
        .route("/v1/customers/{id}/accesses", get(customer_accesses))
        .route("/v1/cases", get(list_cases))
        .route("/v1/cases/{id}", get(show_case))
        .route("/v1/decide", post(decide))
        .route("/v1/approvals", get(list_approvals))
        .route("/v1/approvals/{id}/grant", post(grant_approval))
        .route("/v1/approvals/{id}/deny", post(deny_approval))
        .route("/", get(console::overview))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(
            crate::error::json_rejections,
        ))
        .with_state(state)
}

/// Runs a closure against the read connection of the store.
fn with_reader<T>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let guard = state
        .reader
        .lock()
        .map_err(|_| ApiError::internal("the store reader lock is poisoned"))?;
    f(&*guard)
}

/// Authorizes a request and records who used which route as a
/// `custos.access` event in the ledger before answering: the watchers
/// are watched too. If the record cannot be made, the request fails.
async fn check(
    state: &AppState,
    headers: &HeaderMap,
    role: Role,
    route: &str,
    subject: Option<&str>,
) -> Result<Caller, ApiError> {
    let caller = with_reader(state, |s| authorize(s, headers, role))?;
    let event = crate::auth::access_event(&caller, route, subject);
    let prepared = custos_ingest::prepare_value(
        Location {
            source: "self-audit".into(),
            line: 0,
        },
        &event,
    )
    .map_err(|r| ApiError::Internal(format!("self-audit event refused: {r}")))?;
    let outcome = state
        .committer
        .commit(vec![prepared])
        .await
        .map_err(ApiError::Internal)?;
    match outcome.first() {
        Some(ItemOutcome::Accepted { .. }) => Ok(caller),
        other => Err(ApiError::Internal(format!(
            "self-audit event not stored: {other:?}"
        ))),
    }
}

#[derive(Serialize)]
struct Rejected {
    /// Array index, or line number for NDJSON.
    at: u64,
    field: String,
    reason: String,
}

#[derive(Serialize)]
struct EventsAnswer {
    accepted: u64,
    duplicates: u64,
    rejected: u64,
    ledger_size: u64,
    root_hash: String,
    rejections: Vec<Rejected>,
}

/// Parses a body that is a JSON array of events or NDJSON; each element
/// is validated on its own, so bad ones never stop good ones.
fn parse_body(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Vec<Prepared>, Vec<Rejected>), ApiError> {
    let ndjson = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-ndjson"));
    let mut prepared = Vec::new();
    let mut rejected = Vec::new();
    let mut take = |at: u64, result: Result<Prepared, custos_ingest::LineRejection>| match result {
        Ok(p) => prepared.push(p),
        Err(r) => rejected.push(Rejected {
            at,
            field: r.field,
            reason: r.reason,
        }),
    };
    if ndjson {
        let text = std::str::from_utf8(body)
            .map_err(|e| ApiError::BadRequest(format!("the body is not UTF-8: {e}")))?;
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = i as u64 + 1;
            take(
                at,
                custos_ingest::prepare(
                    Location {
                        source: "body".into(),
                        line: at,
                    },
                    line,
                ),
            );
        }
    } else {
        let items: Vec<Value> = serde_json::from_slice(body).map_err(|e| {
            ApiError::BadRequest(format!(
                "the body must be a JSON array of events (or NDJSON with `Content-Type: application/x-ndjson`): {e}"
            ))
        })?;
        for (i, item) in items.iter().enumerate() {
            let at = i as u64;
            take(
                at,
                prepare_value(
                    Location {
                        source: "body".into(),
                        line: at,
                    },
                    item,
                ),
            );
        }
    }
    Ok((prepared, rejected))
}

async fn post_events(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<EventsAnswer>, ApiError> {
    check(&state, &headers, Role::Ingest, "POST /v1/events", None).await?;
    let (prepared, mut rejections) = parse_body(&headers, &body)?;
    let ats: Vec<u64> = prepared.iter().map(|p| p.location.line).collect();
    let outcomes = if prepared.is_empty() {
        Vec::new()
    } else {
        state
            .committer
            .commit(prepared)
            .await
            .map_err(ApiError::Internal)?
    };
    let mut answer = EventsAnswer {
        accepted: 0,
        duplicates: 0,
        rejected: 0,
        ledger_size: 0,
        root_hash: String::new(),
        rejections: Vec::new(),
    };
    for (at, outcome) in ats.into_iter().zip(outcomes) {
        match outcome {
            ItemOutcome::Accepted { .. } => answer.accepted += 1,
            ItemOutcome::Duplicate => answer.duplicates += 1,
            ItemOutcome::Rejected { field, reason } => {
                rejections.push(Rejected { at, field, reason })
            }
        }
    }
    rejections.sort_by_key(|r| r.at);
    answer.rejected = rejections.len() as u64;
    answer.rejections = rejections;
    state
        .metrics
        .accepted
        .fetch_add(answer.accepted, Ordering::Relaxed);
    state
        .metrics
        .rejected
        .fetch_add(answer.rejected, Ordering::Relaxed);
    let (size, root) = state
        .committer
        .read(|p| (p.ledger().size(), custos_core::hex(&p.ledger().root().0)))
        .await
        .map_err(ApiError::Internal)?;
    answer.ledger_size = size;
    answer.root_hash = root;
    Ok(Json(answer))
}

async fn checkpoint(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check(
        &state,
        &headers,
        Role::Analyst,
        "GET /v1/ledger/checkpoint",
        None,
    )
    .await?;
    let note = state
        .committer
        .read(|p| p.ledger().checkpoint().note_text.clone())
        .await
        .map_err(ApiError::Internal)?;
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ProofQuery {
    event: String,
}

async fn proof(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<ProofQuery>,
) -> Result<Json<Value>, ApiError> {
    check(
        &state,
        &headers,
        Role::Analyst,
        "GET /v1/ledger/proof",
        Some(&q.event),
    )
    .await?;
    let row = with_reader(&state, |s| s.event(&q.event).map_err(ApiError::internal))?
        .ok_or_else(|| ApiError::NotFound(format!("no event with id `{}`", q.event)))?;
    let index = row.index;
    let answer = state
        .committer
        .read(move |p| {
            let cp = p.ledger().checkpoint();
            p.ledger().prove_inclusion(index, cp.size).map(|proof| {
                json!({
                    "event_id": row.id,
                    "index": index,
                    "tree_size": cp.size,
                    "leaf_hash": custos_core::hex(&row.leaf_hash),
                    "proof": proof.iter().map(|h| custos_core::hex(&h.0)).collect::<Vec<_>>(),
                    "checkpoint": cp.note_text,
                })
            })
        })
        .await
        .map_err(ApiError::Internal)?
        .map_err(ApiError::internal)?;
    Ok(Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    from: u64,
}

async fn consistency(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<Value>, ApiError> {
    check(
        &state,
        &headers,
        Role::Analyst,
        "GET /v1/ledger/consistency",
        None,
    )
    .await?;
    let from = q.from;
    let answer = state
        .committer
        .read(move |p| {
            let cp = p.ledger().checkpoint();
            if from > cp.size {
                return Err(ApiError::BadRequest(format!(
                    "`from` is {from} but the ledger holds only {} entries",
                    cp.size
                )));
            }
            let proof = p
                .ledger()
                .prove_consistency(from, cp.size)
                .map_err(ApiError::internal)?;
            Ok(json!({
                "from": from,
                "to": cp.size,
                "proof": proof.iter().map(|h| custos_core::hex(&h.0)).collect::<Vec<_>>(),
                "checkpoint": cp.note_text,
            }))
        })
        .await
        .map_err(ApiError::Internal)??;
    Ok(Json(answer))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertsQuery {
    employee: Option<String>,
    detector: Option<String>,
    limit: Option<usize>,
}

async fn alerts(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<AlertsQuery>,
) -> Result<Json<Vec<Value>>, ApiError> {
    check(
        &state,
        &headers,
        Role::Analyst,
        "GET /v1/alerts",
        q.employee.as_deref(),
    )
    .await?;
    let filter = AlertFilter {
        employee: q.employee,
        detector: q.detector,
        limit: Some(q.limit.unwrap_or(500).min(5000)),
        ..AlertFilter::default()
    };
    let rows = with_reader(&state, |s| s.alerts(&filter).map_err(ApiError::internal))?;
    Ok(Json(
        rows.into_iter()
            .filter_map(|r| serde_json::from_str(&r.json).ok())
            .collect(),
    ))
}

async fn metrics(State(state): State<Arc<AppState>>) -> Result<Response, ApiError> {
    let (size, _) = state
        .committer
        .read(|p| (p.ledger().size(), ()))
        .await
        .map_err(ApiError::Internal)?;
    let body = format!(
        "# HELP custos_ledger_entries Entries in the ledger.\n# TYPE custos_ledger_entries gauge\ncustos_ledger_entries {size}\n\
# HELP custos_events_accepted_total Events accepted over HTTP since start.\n# TYPE custos_events_accepted_total counter\ncustos_events_accepted_total {}\n\
# HELP custos_events_rejected_total Events rejected over HTTP since start.\n# TYPE custos_events_rejected_total counter\ncustos_events_rejected_total {}\n",
        state.metrics.accepted.load(Ordering::Relaxed),
        state.metrics.rejected.load(Ordering::Relaxed),
    );
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        body,
    )
        .into_response())
}

// ---- the guard -----------------------------------------------------------

/// Runs a closure against the read connection with write access: the
/// guard's approvals live in the store's state table.
fn with_reader_mut<T>(
    state: &AppState,
    f: impl FnOnce(&mut dyn Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut guard = state
        .reader
        .lock()
        .map_err(|_| ApiError::internal("the store reader lock is poisoned"))?;
    f(&mut *guard)
}

fn wall_clock() -> custos_core::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    custos_core::Timestamp::from_millis(ms)
}

fn event_id(prefix: &str) -> String {
    let mut id = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    format!("{prefix}-{}", custos_core::hex(&id))
}

fn guard_error(e: custos_guard::GuardError) -> ApiError {
    use custos_guard::GuardError as G;
    match e {
        G::BadRequest(m) => ApiError::BadRequest(m),
        G::ApprovalNotFound(_) => ApiError::NotFound(e.to_string()),
        G::ApprovalClosed { .. } => ApiError::BadRequest(e.to_string()),
        G::NotEligible { .. } => ApiError::Forbidden(e.to_string()),
        G::Facts(_) | G::Cedar(_) => ApiError::internal(e),
    }
}

/// Commits one event of the guard's to the ledger; the answer waits for it.
async fn record(state: &AppState, event: Value) -> Result<(), ApiError> {
    let prepared = prepare_value(
        Location {
            source: "guard".into(),
            line: 0,
        },
        &event,
    )
    .map_err(|r| ApiError::Internal(format!("guard event refused: {r}")))?;
    match state
        .committer
        .commit(vec![prepared])
        .await
        .map_err(ApiError::Internal)?
        .first()
    {
        Some(ItemOutcome::Accepted { .. }) => Ok(()),
        other => Err(ApiError::Internal(format!(
            "guard event not stored: {other:?}"
        ))),
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("{what}: {e}")))
}

async fn decide(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    check(&state, &headers, Role::Ingest, "POST /v1/decide", None).await?;
    let req: custos_guard::DecideRequest = parse_json(
        &body,
        "the body must be the event about to happen without `id` and `time` (`actor`, `action`, `target`, `targets`, `fields`, `purpose`, `attrs`)",
    )?;
    let now = wall_clock();
    let decision = with_reader_mut(&state, |s| {
        state.guard.decide_in(s, &req, now).map_err(guard_error)
    })?;
    record(
        &state,
        custos_guard::decision_event(&event_id("gd"), now, &req, &decision),
    )
    .await?;
    Ok(Json(
        serde_json::to_value(&decision).map_err(ApiError::internal)?,
    ))
}

async fn list_approvals(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<Value>>, ApiError> {
    check(&state, &headers, Role::Ingest, "GET /v1/approvals", None).await?;
    let now = wall_clock();
    let open = with_reader_mut(&state, |s| {
        custos_guard::approvals::list_open(s, now).map_err(ApiError::internal)
    })?;
    Ok(Json(
        open.iter()
            .map(|a| {
                let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
                v["status"] = json!(a.status_at(now));
                v
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Approver {
    #[serde(rename = "type")]
    kind: custos_core::ActorType,
    id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettleBody {
    approver: Approver,
    #[serde(default)]
    reason: Option<String>,
}

async fn grant_approval(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    settle(state, headers, id, body, true).await
}

async fn deny_approval(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    settle(state, headers, id, body, false).await
}

async fn settle(
    state: Arc<AppState>,
    headers: HeaderMap,
    id: String,
    body: Bytes,
    grant: bool,
) -> Result<Json<Value>, ApiError> {
    let route = if grant {
        "POST /v1/approvals/{id}/grant"
    } else {
        "POST /v1/approvals/{id}/deny"
    };
    check(&state, &headers, Role::Ingest, route, Some(&id)).await?;
    let body: SettleBody = parse_json(
        &body,
        r#"the body must be {"approver":{"type":"employee","id":".."},"reason":".."}"#,
    )?;
    if body.approver.kind != custos_core::ActorType::Employee {
        return Err(ApiError::BadRequest(format!(
            "`approver.type` is `{}`; only an employee approves",
            body.approver.kind
        )));
    }
    let approver = body.approver.id;
    let now = wall_clock();
    let outcome = with_reader_mut(&state, |s| {
        let result = state
            .guard
            .settle(s, &id, &approver, grant, body.reason.clone(), now);
        // A refused attempt is recorded too, with the request it aimed at.
        let current = custos_guard::approvals::load(s, &id).ok().flatten();
        Ok((result, current))
    })?;
    match outcome {
        (Ok(a), _) => {
            let decision = if grant { "granted" } else { "denied" };
            record(
                &state,
                custos_guard::approval_event(&event_id("gd"), now, &approver, &a, decision, &[]),
            )
            .await?;
            Ok(Json(json!({"id": a.id, "status": a.status.as_str()})))
        }
        (Err(e), current) => {
            if let (custos_guard::GuardError::NotEligible { policies, .. }, Some(a)) =
                (&e, &current)
            {
                record(
                    &state,
                    custos_guard::approval_event(
                        &event_id("gd"),
                        now,
                        &approver,
                        a,
                        "refused",
                        policies,
                    ),
                )
                .await?;
            }
            Err(guard_error(e))
        }
    }
}

/// Access transparency: every access to one customer's data, with the
/// employee pseudonymous and each access proven against the signed
/// checkpoint. For the data protection officer, or a customer portal
/// holding a `dpo` token.
async fn customer_accesses(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(customer): Path<String>,
) -> Result<Json<custos_investigate::AccessReport>, ApiError> {
    check(
        &state,
        &headers,
        Role::Dpo,
        "GET /v1/customers/{id}/accesses",
        Some(&customer),
    )
    .await?;
    let key = Arc::clone(&state.pseudonyms);
    state
        .committer
        .read(move |p| {
            custos_investigate::customer_accesses(
                p.ledger(),
                p.store(),
                &key,
                &customer,
                custos_store::TimeWindow::ALL,
            )
        })
        .await
        .map_err(ApiError::Internal)?
        .map(Json)
        .map_err(ApiError::internal)
}

/// Investigation cases, as their `x.case.*` events in the ledger leave
/// them (opened and worked with `custos case ...`).
async fn list_cases(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<custos_investigate::Case>>, ApiError> {
    check(&state, &headers, Role::Investigator, "GET /v1/cases", None).await?;
    with_reader(&state, |s| {
        custos_investigate::list_cases(s).map_err(ApiError::internal)
    })
    .map(Json)
}

async fn show_case(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<custos_investigate::Case>, ApiError> {
    check(
        &state,
        &headers,
        Role::Investigator,
        "GET /v1/cases/{id}",
        Some(&id),
    )
    .await?;
    with_reader(&state, |s| match custos_investigate::load_case(s, &id) {
        Ok(case) => Ok(case),
        Err(custos_investigate::InvestigateError::UnknownCase(_)) => {
            Err(ApiError::NotFound(format!("no case `{id}`")))
        }
        Err(e) => Err(ApiError::internal(e)),
    })
    .map(Json)
}
