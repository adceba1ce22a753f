//! Routes of the HTTP API (`/v1/...`), health and metrics.

use crate::auth::{authorize_any, Caller, Role};
use crate::error::ApiError;
use crate::{console, AppState};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use custos_ingest::{prepare_value, ItemOutcome, Location, Prepared};
use custos_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// Largest request body: a few thousand events.
pub const MAX_BODY_BYTES: usize = 16 << 20;

/// Who may call a route: the roles it names, each allowing itself and
/// whichever roles [`Role::allows`] (`admin` everything).
pub(crate) mod roles {
    use crate::auth::Role;
    /// No token needed.
    pub const PUBLIC: &[Role] = &[];
    pub const INGEST: &[Role] = &[Role::Ingest];
    /// analyst, investigator, dpo, admin.
    pub const ANALYST: &[Role] = &[Role::Analyst];
    pub const INVESTIGATOR: &[Role] = &[Role::Investigator];
    /// Reading cases: the investigator works them, the DPO reports on them.
    pub const CASE_READ: &[Role] = &[Role::Investigator, Role::Dpo];
    pub const DPO: &[Role] = &[Role::Dpo];
}

/// One documented parameter of a route.
pub(crate) struct Param {
    pub name: &'static str,
    /// `path` or `query`.
    pub location: &'static str,
    pub required: bool,
    /// A value the route accepts (the OpenAPI example, and what the route
    /// test sends).
    pub example: &'static str,
    pub description: &'static str,
}

const fn path_id(description: &'static str) -> Param {
    Param {
        name: "id",
        location: "path",
        required: true,
        example: "x",
        description,
    }
}

const fn query(
    name: &'static str,
    required: bool,
    example: &'static str,
    description: &'static str,
) -> Param {
    Param {
        name,
        location: "query",
        required,
        example,
        description,
    }
}

/// One route of the API: the router and `/openapi.json` are both built
/// from the list of these, so the document cannot miss a route.
pub(crate) struct ApiRoute {
    pub method: &'static str,
    pub path: &'static str,
    pub roles: &'static [Role],
    pub summary: &'static str,
    pub params: Vec<Param>,
    /// JSON Schema of the request body, when it takes one.
    pub body: Option<&'static str>,
    /// Content type of a successful answer.
    pub produces: &'static str,
    pub handler: MethodRouter<Arc<AppState>>,
}

fn route(
    method: &'static str,
    path: &'static str,
    roles: &'static [Role],
    summary: &'static str,
    handler: MethodRouter<Arc<AppState>>,
) -> ApiRoute {
    ApiRoute {
        method,
        path,
        roles,
        summary,
        params: Vec::new(),
        body: None,
        produces: "application/json",
        handler,
    }
}

impl ApiRoute {
    fn params(mut self, params: impl IntoIterator<Item = Param>) -> Self {
        self.params.extend(params);
        self
    }
    fn body(mut self, schema: &'static str) -> Self {
        self.body = Some(schema);
        self
    }
    fn produces(mut self, content_type: &'static str) -> Self {
        self.produces = content_type;
        self
    }
}

/// Every route of the API (the console's pages are separate).
pub(crate) fn api_routes() -> Vec<ApiRoute> {
    use self::roles::*;
    use crate::{cases_api as c, employees_api as e};
    vec![
        route("GET", "/healthz", PUBLIC, "Liveness: answers `ok`.", get(|| async { "ok\n" }))
            .produces("text/plain"),
        route("GET", "/metrics", PUBLIC, "Prometheus metrics: events accepted, ledger size, alerts by severity, decision latency, HTTP requests by route and status.", get(crate::metrics::metrics))
            .produces("text/plain"),
        route("GET", "/openapi.json", PUBLIC, "This document.", get(crate::openapi::serve)),
        route("POST", "/v1/events", INGEST, "Ingest events (a JSON array, or NDJSON with `Content-Type: application/x-ndjson`); answers the counts of `custos ingest`.", post(post_events))
            .body(r#"{"type":"array","items":{"type":"object","description":"an event of contract/EVENTS.md"}}"#),
        route("POST", "/v1/decide", INGEST, "The guard: allow, deny or needs_approval for an action about to happen.", post(decide))
            .body(r#"{"type":"object","required":["actor","action"],"properties":{"actor":{"type":"object"},"action":{"type":"string"},"target":{"type":"object"},"targets":{"type":"array","items":{"type":"string"}},"fields":{"type":"array","items":{"type":"string"}},"purpose":{"type":"object"},"attrs":{"type":"object"}},"additionalProperties":false}"#),
        route("GET", "/v1/approvals", INGEST, "Open four-eyes approval requests.", get(list_approvals)),
        route("POST", "/v1/approvals/{id}/grant", INGEST, "Grants an approval request.", post(grant_approval))
            .params([path_id("the approval id (`apr-...`)")])
            .body(SETTLE_SCHEMA),
        route("POST", "/v1/approvals/{id}/deny", INGEST, "Denies an approval request.", post(deny_approval))
            .params([path_id("the approval id (`apr-...`)")])
            .body(SETTLE_SCHEMA),
        route("GET", "/v1/ledger/checkpoint", ANALYST, "The latest signed checkpoint (a C2SP signed note).", get(checkpoint))
            .produces("text/plain"),
        route("GET", "/v1/ledger/proof", ANALYST, "Inclusion proof of one event in the current checkpoint.", get(proof))
            .params([query("event", true, "x", "the event id")]),
        route("GET", "/v1/ledger/consistency", ANALYST, "Consistency proof from an earlier tree size to the current checkpoint.", get(consistency))
            .params([query("from", true, "1", "the earlier tree size")]),
        route("GET", "/v1/alerts", ANALYST, "Alerts in the order raised, each with `acknowledged`; employees under pseudonyms for every role but admin.", get(e::alerts))
            .params([
                query("employee", false, "emp~0000000000000000", "only this employee's (a pseudonym; investigator and up may give an id)"),
                query("detector", false, "seller_affinity", "only this detector's"),
                query("limit", false, "100", "at most this many (default 500, at most 5000)"),
            ]),
        route("POST", "/v1/alerts/{id}/ack", ANALYST, "Acknowledges an alert (an `x.alert.ack` event in the ledger); repeating it answers the first acknowledgement.", post(e::ack_alert))
            .params([path_id("the alert id (`alr-...`)")])
            .body(r#"{"type":"object","properties":{"note":{"type":"string","maxLength":8000}},"additionalProperties":false}"#),
        route("GET", "/v1/employees/{id}", ANALYST, "An employee's profile: facts, risk, alerts, sellers whose customers they accessed, daily activity beside their peers.", get(e::employee))
            .params([
                Param {
                    name: "id",
                    location: "path",
                    required: true,
                    example: "emp~0000000000000000",
                    description: "a pseudonym (`emp~...`), or for investigator and up an employee id",
                },
                query("days", false, "30", "days of daily activity, ending at the employee's last disclosure (default 30, at most 366)"),
            ]),
        route("GET", "/v1/risk", ANALYST, "Employees by current risk score, highest first.", get(e::risk))
            .params([query("limit", false, "50", "at most this many (default 100)")]),
        route("GET", "/v1/sellers/{id}", ANALYST, "Employees whose activity benefits a seller: disclosures of its customers, deletions of reviews about it, its reactivations.", get(e::seller))
            .params([path_id("the seller id")]),
        route("GET", "/v1/customers/{id}/accesses", DPO, "Every access to one customer's records, employees under pseudonyms, each with an inclusion proof.", get(customer_accesses))
            .params([path_id("the customer id")]),
        route("GET", "/v1/scope", DPO, "Breach scope of employees over a window.", get(c::scope))
            .params([
                query("employee", true, "emp~0000000000000000", "employees, comma-separated: ids or pseudonyms"),
                query("from", false, "2026-03-01", "window start, inclusive (RFC 3339 or YYYY-MM-DD)"),
                query("to", false, "2026-04-01", "window end, exclusive"),
                query("format", false, "json", "`json`, `csv` or `bundle` (a proof bundle)"),
            ]),
        route("GET", "/v1/cases", CASE_READ, "Every case, in the order opened.", get(c::list_cases)),
        route("POST", "/v1/cases", INVESTIGATOR, "Opens a case from alerts and/or employees (`x.case.open`).", post(c::open_case))
            .body(r#"{"type":"object","properties":{"alerts":{"type":"array","items":{"type":"string"}},"employees":{"type":"array","items":{"type":"string"},"description":"pseudonyms or employee ids"},"title":{"type":"string"}},"additionalProperties":false}"#),
        route("GET", "/v1/cases/{id}", CASE_READ, "A case as its events leave it.", get(c::show_case))
            .params([path_id("the case id (`case-...`)")]),
        route("POST", "/v1/cases/{id}/notes", INVESTIGATOR, "Adds a note (`x.case.note`).", post(c::note))
            .params([path_id("the case id")])
            .body(r#"{"type":"object","required":["text"],"properties":{"text":{"type":"string","maxLength":8000}},"additionalProperties":false}"#),
        route("POST", "/v1/cases/{id}/assign", INVESTIGATOR, "Assigns the case (`x.case.assign`).", post(c::assign))
            .params([path_id("the case id")])
            .body(r#"{"type":"object","required":["to"],"properties":{"to":{"type":"string"}},"additionalProperties":false}"#),
        route("POST", "/v1/cases/{id}/status", INVESTIGATOR, "Moves the case: open → investigating → confirmed | dismissed → closed (closing needs an outcome).", post(c::status))
            .params([path_id("the case id")])
            .body(r#"{"type":"object","required":["to"],"properties":{"to":{"enum":["investigating","confirmed","dismissed","closed"]},"outcome":{"enum":["access_revoked","reassigned","dismissed","referred_to_law_enforcement","no_action"]},"aware_at":{"type":"string","format":"date-time"}},"additionalProperties":false}"#),
        route("POST", "/v1/cases/{id}/evidence", INVESTIGATOR, "Attaches a ledger event, or sets the case's scope (`x.case.attach`).", post(c::evidence))
            .params([path_id("the case id")])
            .body(r#"{"type":"object","properties":{"event":{"type":"string"},"scope":{"type":"object","required":["employees"],"properties":{"employees":{"type":"array","items":{"type":"string"}},"from":{"type":"string"},"to":{"type":"string"}},"additionalProperties":false}},"additionalProperties":false}"#),
        route("GET", "/v1/cases/{id}/scope", CASE_READ, "The case's breach scope; for an investigator, employees not revealed in the case stay pseudonyms (and a bundle needs them revealed).", get(c::case_scope))
            .params([
                path_id("the case id"),
                query("format", false, "json", "`json`, `csv` or `bundle` (a proof bundle)"),
            ]),
        route("GET", "/v1/cases/{id}/report", DPO, "The GDPR Art. 33/34 breach notification draft of the case.", get(c::report))
            .params([
                path_id("the case id"),
                query("format", false, "md", "`md`, `html` or `pdf` (printed by the server's Chromium; 503 without one)"),
            ])
            .produces("text/markdown"),
        route("POST", "/v1/cases/{id}/reveal", INVESTIGATOR, "The employee id behind a pseudonym the case covers (`x.case.reveal`, and a `custos.access` record).", post(c::reveal))
            .params([path_id("the case id")])
            .body(r#"{"type":"object","required":["pseudonym"],"properties":{"pseudonym":{"type":"string","pattern":"^emp~[0-9a-f]{16}$"}},"additionalProperties":false}"#),
    ]
}

const SETTLE_SCHEMA: &str = r#"{"type":"object","required":["approver"],"properties":{"approver":{"type":"object","required":["type","id"],"properties":{"type":{"const":"employee"},"id":{"type":"string"}}},"reason":{"type":"string"}},"additionalProperties":false}"#;

pub fn router(state: Arc<AppState>) -> Router {
    let routes = api_routes();
    crate::openapi::install(&routes);
    let mut router = Router::new();
    for r in routes {
        let (method, path) = (r.method, r.path);
        let counted = Arc::clone(&state);
        let handler = r.handler.layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let counted = Arc::clone(&counted);
                async move {
                    let resp = next.run(req).await;
                    counted
                        .metrics
                        .http
                        .record(method, path, resp.status().as_u16());
                    resp
                }
            },
        ));
        router = router.route(path, handler);
    }
    router
        // The web console's pages and assets (console.rs).
        .merge(console::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(
            crate::error::json_rejections,
        ))
        .with_state(state)
}

/// Runs a closure against the read connection of the store.
pub(crate) fn with_reader<T>(
    state: &AppState,
    f: impl FnOnce(&dyn Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    blocking(|| read_locked(state, |s| f(s)))
}

/// [`with_reader_mut`] for point reads (a token, a decision's facts),
/// which run in place where the store allows it
/// ([`AppState::point_reads_in_place`]): handing the worker's tasks to
/// another thread costs more than the read.
pub(crate) fn with_reader_point<T>(
    state: &AppState,
    f: impl FnOnce(&mut dyn Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    if state.point_reads_in_place {
        read_locked(state, f)
    } else {
        blocking(|| read_locked(state, f))
    }
}

fn read_locked<T>(
    state: &AppState,
    f: impl FnOnce(&mut dyn Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    let mut guard = state
        .reader
        .lock()
        .map_err(|_| ApiError::internal("the store reader lock is poisoned"))?;
    f(&mut **guard)
}

/// Runs store work from an async handler. The stores are synchronous
/// (the PostgreSQL client blocks on a runtime of its own, which must not
/// run on an async worker thread), so the worker hands its other tasks
/// to another thread for the duration.
pub(crate) fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(_) => tokio::task::block_in_place(f),
        Err(_) => f(),
    }
}

/// Authorizes a request and records who used which route as a
/// `custos.access` event in the ledger before answering: the watchers
/// are watched too. If the record cannot be made, the request fails.
pub(crate) async fn check(
    state: &AppState,
    headers: &HeaderMap,
    roles: &[Role],
    route: &str,
    subject: Option<&str>,
) -> Result<Caller, ApiError> {
    let (caller, access) = check_deferred(state, headers, roles, route, subject)?;
    commit_all(state, vec![access], "self-audit").await?;
    Ok(caller)
}

/// [`check`] without the commit: the caller commits the returned
/// `custos.access` event together with what the request writes, so both
/// share one group commit, and commits it alone if the request fails.
pub(crate) fn check_deferred(
    state: &AppState,
    headers: &HeaderMap,
    roles: &[Role],
    route: &str,
    subject: Option<&str>,
) -> Result<(Caller, custos_ingest::Prepared), ApiError> {
    let caller = caller_of(state, headers, roles)?;
    let event = crate::auth::access_event(&caller, route, subject);
    Ok((caller, prepare_own("self-audit", &event)?))
}

/// How long a checked token is trusted without reading the store again.
/// A token record never changes once created (there is no revocation;
/// a token only expires), so the only effect is that a token may still
/// be accepted up to this long after it expired.
const CALLER_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Tokens remembered before the memory starts over.
const MAX_CALLERS: usize = 1024;

/// The caller a request's token names, checked against `roles`. A tool
/// sends the same token with every request, and the check (a SHA-256 of
/// the token, a store read, a JSON parse) was a twentieth of a decision's
/// CPU at 4,000 decisions/s; the answer is kept for [`CALLER_TTL`].
fn caller_of(state: &AppState, headers: &HeaderMap, roles: &[Role]) -> Result<Caller, ApiError> {
    let key = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes());
    if let Some(key) = key {
        let callers = state.callers.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((caller, at)) = callers.get(key) {
            if at.elapsed() < CALLER_TTL && roles.iter().any(|r| caller.role.allows(*r)) {
                return Ok(caller.clone());
            }
        }
    }
    let caller = with_reader_point(state, |s| authorize_any(s, headers, roles))?;
    if let Some(key) = key {
        let mut callers = state.callers.lock().unwrap_or_else(|p| p.into_inner());
        if callers.len() >= MAX_CALLERS {
            callers.clear();
        }
        callers.insert(key.to_vec(), (caller.clone(), std::time::Instant::now()));
    }
    Ok(caller)
}

/// Validates an event Custos made itself (`source` names the maker in
/// errors); a refusal is Custos's bug, so a 500.
pub(crate) fn prepare_own(source: &str, event: &Value) -> Result<Prepared, ApiError> {
    prepare_value(
        Location {
            source: source.into(),
            line: 0,
        },
        event,
    )
    .map_err(|r| ApiError::Internal(format!("{source} event refused: {r}")))
}

/// Commits events the server itself made; each must be accepted.
pub(crate) async fn commit_all(
    state: &AppState,
    events: Vec<custos_ingest::Prepared>,
    what: &str,
) -> Result<(), ApiError> {
    let outcome = state
        .committer
        .commit(events)
        .await
        .map_err(ApiError::Internal)?;
    match outcome
        .iter()
        .find(|o| !matches!(o, ItemOutcome::Accepted { .. }))
    {
        None => Ok(()),
        Some(other) => Err(ApiError::Internal(format!(
            "{what} event not stored: {other:?}"
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
    /// On a bus node: messages JetStream already held (re-sent inside its
    /// duplicate window).
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_messages: Option<u64>,
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
    check(&state, &headers, roles::INGEST, "POST /v1/events", None).await?;
    let (prepared, mut rejections) = parse_body(&headers, &body)?;
    if let Some(bus) = &state.bus {
        return publish_events(&state, bus, prepared, rejections)
            .await
            .map(Json);
    }
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
        duplicate_messages: None,
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

/// On a bus node (`custos serve --bus`), events go to the bus, each to
/// its employee's partition (facts to every partition), and from there to
/// whichever node owns the partition; not into this node's own ledger.
/// `accepted` counts the events JetStream acknowledged (durable in the
/// stream), `duplicate_messages` the messages it already had;
/// `ledger_size` and `root_hash` are this node's own ledger's.
async fn publish_events(
    state: &AppState,
    bus: &custos_bus::Bus,
    prepared: Vec<custos_ingest::Prepared>,
    mut rejections: Vec<Rejected>,
) -> Result<EventsAnswer, ApiError> {
    let partitions = bus.topology().partitions;
    let mut publisher = bus.publisher();
    let unavailable = |e: custos_bus::BusError| {
        ApiError::Internal(format!("the bus did not take the events: {e}"))
    };
    let mut published = 0;
    for p in &prepared {
        match custos_bus::Outbound::from_event(&p.event, partitions) {
            Ok(out) => {
                publisher.publish(out).await.map_err(unavailable)?;
                published += 1;
            }
            Err(r) => rejections.push(Rejected {
                at: p.location.line,
                field: r.field,
                reason: r.reason,
            }),
        }
    }
    let counts = publisher.finish().await.map_err(unavailable)?;
    rejections.sort_by_key(|r| r.at);
    state
        .metrics
        .accepted
        .fetch_add(published, Ordering::Relaxed);
    let (size, root) = state
        .committer
        .read(|p| (p.ledger().size(), custos_core::hex(&p.ledger().root().0)))
        .await
        .map_err(ApiError::Internal)?;
    Ok(EventsAnswer {
        accepted: published,
        // Which events the owning nodes find already stored is known only
        // there; JetStream's own dedupe is counted by message below.
        duplicates: 0,
        rejected: rejections.len() as u64,
        ledger_size: size,
        root_hash: root,
        rejections,
        duplicate_messages: Some(counts.duplicates),
    })
}

async fn checkpoint(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check(
        &state,
        &headers,
        roles::ANALYST,
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
        roles::ANALYST,
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
        roles::ANALYST,
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

// ---- the guard -----------------------------------------------------------

/// Runs a closure against the read connection with write access: the
/// guard's approvals live in the store's state table.
pub(crate) fn with_reader_mut<T>(
    state: &AppState,
    f: impl FnOnce(&mut dyn Store) -> Result<T, ApiError>,
) -> Result<T, ApiError> {
    blocking(|| read_locked(state, f))
}

pub(crate) fn wall_clock() -> custos_core::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    custos_core::Timestamp::from_millis(ms)
}

/// A fresh random event id, `PREFIX-` and 32 hex digits. From the
/// thread's own CSPRNG (seeded from the OS, reseeded as it goes), not
/// the OS on every call: a decision takes two ids, and a `getrandom`
/// system call for each was measurable at thousands of decisions/s.
pub(crate) fn event_id(prefix: &str) -> String {
    let mut id = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut id);
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
    commit_all(state, vec![prepare_own("guard", &event)?], "guard").await
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(
    body: &[u8],
    what: &str,
) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::BadRequest(format!("{what}: {e}")))
}

async fn decide(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<custos_guard::Decision>, ApiError> {
    let started = std::time::Instant::now();
    let (_, access) = check_deferred(&state, &headers, roles::INGEST, "POST /v1/decide", None)?;
    let decided = (|| {
        let req: custos_guard::DecideRequest = parse_json(
            &body,
            "the body must be the event about to happen without `id` and `time` (`actor`, `action`, `target`, `targets`, `fields`, `purpose`, `attrs`)",
        )?;
        let now = wall_clock();
        let decision = with_reader_point(&state, |s| {
            state.guard.decide_in(s, &req, now).map_err(guard_error)
        })?;
        let event = prepare_own(
            "guard",
            &custos_guard::decision_event(&event_id("gd"), now, &req, &decision),
        )?;
        Ok::<_, ApiError>((decision, event))
    })();
    // The use of the API is recorded whether or not a decision came of
    // it; with a decision, both go in one group commit.
    let decision = match decided {
        Ok((decision, event)) => {
            record_decision(&state, vec![access, event], "guard").await?;
            decision
        }
        Err(e) => {
            record_decision(&state, vec![access], "self-audit").await?;
            return Err(e);
        }
    };
    state.metrics.decide.observe(started.elapsed());
    Ok(Json(decision))
}

/// Records a decision's events before it is answered: durable in the
/// ledger, or (`answer = "journaled"`) written to the decision journal,
/// from which the committer takes them in the background. Events that
/// would change a fact the guard reads once committed (an employee the
/// store does not know yet, or a new role or team an employee's own
/// event states) take the durable way in both modes, so the next
/// decision sees them as it would have without the journal.
async fn record_decision(
    state: &AppState,
    events: Vec<Prepared>,
    what: &str,
) -> Result<(), ApiError> {
    if let Some(journal) = &state.journal {
        if journal_may_take(state, &events)? {
            let ticket = journal.append(&events).map_err(|e| {
                ApiError::Internal(format!("cannot write the decision journal: {e}"))
            })?;
            state
                .committer
                .commit_journaled(events, ticket)
                .map_err(ApiError::Internal)?;
            state.metrics.journaled.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        }
    }
    commit_all(state, events, what).await
}

/// Whether committing `events` later than the answer changes nothing a
/// decision reads (their only fact updates restate what the store holds),
/// and the journal's backlog is below [`crate::journal::MAX_PENDING`].
fn journal_may_take(state: &AppState, events: &[Prepared]) -> Result<bool, ApiError> {
    if state
        .journal
        .as_ref()
        .is_some_and(|j| j.pending() >= crate::journal::MAX_PENDING)
    {
        return Ok(false);
    }
    let mut stated = Vec::new();
    for p in events {
        if p.entry.contains(&b'\n') {
            return Ok(false);
        }
        let rows = custos_store::derive_rows_hashed(0, &p.event, &p.entry, p.leaf_hash);
        for f in rows.facts {
            match f {
                custos_store::FactUpdate::EmployeeSeen {
                    employee,
                    role,
                    team,
                    ..
                } => stated.push((employee, role, team)),
                _ => return Ok(false),
            }
        }
    }
    if stated.is_empty() {
        return Ok(true);
    }
    with_reader_point(state, |s| {
        for (employee, role, team) in &stated {
            let held = state
                .guard
                .holds_employee(s, employee, role.as_deref(), team.as_deref())
                .map_err(guard_error)?;
            if !held {
                return Ok(false);
            }
        }
        Ok(true)
    })
}

async fn list_approvals(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<Value>>, ApiError> {
    check(&state, &headers, roles::INGEST, "GET /v1/approvals", None).await?;
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
    check(&state, &headers, roles::INGEST, route, Some(&id)).await?;
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
        roles::DPO,
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
