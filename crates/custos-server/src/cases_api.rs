//! Investigation cases over HTTP (`/v1/cases...`) and breach scopes
//! (`/v1/scope`).
//!
//! Every write is the `x.case.*` event `custos case ...` would commit,
//! built by `custos_investigate` with the caller's token name as the
//! investigator, and committed through the committer thread before the
//! answer: the answer means the step is in the ledger and the store.
//! Two writers racing for the same step id (`<case>.<k>`) cannot both
//! win (the pipeline refuses the same id with other content); the loser
//! reloads the case and tries again.
//!
//! Employee ids: the DPO and admin see them; an investigator sees the
//! ids revealed in the case (`POST /v1/cases/{id}/reveal`) and
//! pseudonyms for the rest (see `pseudonyms.rs`).

use crate::api::{check, parse_json, roles, wall_clock, with_reader};
use crate::auth::{Caller, Role};
use crate::error::ApiError;
use crate::pseudonyms::{resolve_employee, Masker};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use custos_core::Timestamp;
use custos_ingest::ItemOutcome;
use custos_investigate::{
    breach_scope, case_alerts, load_case, BreachScope, Case, CaseChange, CaseOutcome, CaseScope,
    CaseStatus, InvestigateError, ProofBundle, ReportContacts, ReportInput, ScopeQuery,
};
use custos_store::{AlertFilter, Store, TimeWindow};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// How many times a case write is retried when another writer took the
/// step id first.
const ATTEMPTS: usize = 5;

/// Commits one event through the committer; `Ok(None)` when the pipeline
/// refused it (an id already taken with other content).
pub(crate) async fn commit_one(
    state: &AppState,
    source: &str,
    event: &Value,
) -> Result<Option<String>, ApiError> {
    let prepared = crate::api::prepare_own(source, event)?;
    let id = prepared.event.id.as_str().to_owned();
    match state
        .committer
        .commit(vec![prepared])
        .await
        .map_err(ApiError::Internal)?
        .first()
    {
        Some(ItemOutcome::Accepted { .. } | ItemOutcome::Duplicate) => Ok(Some(id)),
        Some(ItemOutcome::Rejected { .. }) => Ok(None),
        None => Err(ApiError::Internal(format!("{source} event not stored"))),
    }
}

/// Where investigation errors land in HTTP.
pub(crate) fn case_error(e: InvestigateError) -> ApiError {
    match e {
        InvestigateError::CaseInput(m) => ApiError::BadRequest(m),
        InvestigateError::UnknownCase(id) => ApiError::NotFound(format!("no case `{id}`")),
        InvestigateError::UnknownAlert(id) => ApiError::NotFound(format!("no alert `{id}`")),
        InvestigateError::NoEmployee => ApiError::BadRequest(e.to_string()),
        e @ InvestigateError::CaseRefused { .. } => ApiError::Conflict(e.to_string()),
        other => ApiError::internal(other),
    }
}

/// The masker for an answer about a case: none for the DPO and admin;
/// for an investigator, every employee but those revealed in the case.
fn case_masker(
    state: &AppState,
    store: &dyn Store,
    caller: &Caller,
    case: &Case,
) -> Result<Option<Masker>, ApiError> {
    if caller.role != Role::Investigator {
        return Ok(None);
    }
    let mut m = Masker::for_store(&state.pseudonyms, store)?;
    for e in &case.employees {
        m.hide(e);
    }
    for r in &case.revealed {
        m.keep(&r.employee);
    }
    Ok(Some(m))
}

fn case_json(case: &Case, masker: Option<&Masker>) -> Result<Value, ApiError> {
    let mut v = serde_json::to_value(case).map_err(ApiError::internal)?;
    if let Some(m) = masker {
        // The revealed list is the point of a reveal: it keeps its ids.
        let revealed = v.get_mut("revealed").map(Value::take);
        m.mask_value(&mut v);
        if let Some(r) = revealed {
            v["revealed"] = r;
        }
    }
    Ok(v)
}

fn load(store: &dyn Store, id: &str) -> Result<Case, ApiError> {
    load_case(store, id).map_err(case_error)
}

pub(crate) async fn list_cases(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Json<Vec<Value>>, ApiError> {
    let caller = check(&state, &headers, roles::CASE_READ, "GET /v1/cases", None).await?;
    with_reader(&state, |s| {
        let cases = custos_investigate::list_cases(s).map_err(ApiError::internal)?;
        cases
            .iter()
            .map(|c| case_json(c, case_masker(&state, s, &caller, c)?.as_ref()))
            .collect()
    })
    .map(Json)
}

pub(crate) async fn show_case(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::CASE_READ,
        "GET /v1/cases/{id}",
        Some(&id),
    )
    .await?;
    with_reader(&state, |s| {
        let case = load(s, &id)?;
        case_json(&case, case_masker(&state, s, &caller, &case)?.as_ref())
    })
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenBody {
    #[serde(default)]
    alerts: Vec<String>,
    #[serde(default)]
    employees: Vec<String>,
    #[serde(default)]
    title: Option<String>,
}

pub(crate) async fn open_case(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::INVESTIGATOR,
        "POST /v1/cases",
        None,
    )
    .await?;
    let body: OpenBody = parse_json(
        &body,
        r#"the body must be {"alerts":[".."],"employees":[".."],"title":".."} (at least one alert or employee)"#,
    )?;
    let key = Arc::clone(&state.pseudonyms);
    let employees = with_reader(&state, |s| {
        if !body.alerts.is_empty() {
            let stored = s
                .alerts(&AlertFilter::default())
                .map_err(ApiError::internal)?;
            if let Some(missing) = body
                .alerts
                .iter()
                .find(|id| !stored.iter().any(|a| &a.id == *id))
            {
                return Err(ApiError::BadRequest(format!(
                    "no alert with id `{}`; list them with GET /v1/alerts",
                    missing.escape_debug()
                )));
            }
        }
        body.employees
            .iter()
            .map(|e| resolve_employee(&key, s, e, true))
            .collect::<Result<Vec<_>, _>>()
    })?;
    for _ in 0..ATTEMPTS {
        let n = with_reader(&state, |s| {
            custos_investigate::next_case_number(s).map_err(ApiError::internal)
        })?;
        let (case, value) = custos_investigate::open_case(
            n,
            wall_clock(),
            &caller.name,
            &body.alerts,
            &employees,
            body.title.as_deref(),
        )
        .map_err(case_error)?;
        if commit_one(&state, "case", &value).await?.is_some() {
            let v = with_reader(&state, |s| {
                let case = load(s, &case.id)?;
                case_json(&case, case_masker(&state, s, &caller, &case)?.as_ref())
            })?;
            return Ok((StatusCode::CREATED, Json(v)).into_response());
        }
    }
    Err(ApiError::Conflict(
        "other cases were being opened at the same time; try again".into(),
    ))
}

/// Applies a change to a stored case and commits its event, retrying
/// when another writer took the step first. Answers the case after it.
async fn change(
    state: &AppState,
    caller: &Caller,
    id: &str,
    make: impl Fn(&Case) -> Result<CaseChange, ApiError>,
) -> Result<(Case, String), ApiError> {
    for _ in 0..ATTEMPTS {
        let mut case = with_reader(state, |s| load(s, id))?;
        let ch = make(&case)?;
        let value = case
            .change(wall_clock(), &caller.name, ch)
            .map_err(case_error)?;
        if let Some(event) = commit_one(state, "case", &value).await? {
            return Ok((case, event));
        }
    }
    Err(ApiError::Conflict(format!(
        "case `{id}` was being changed by someone else at the same time; try again"
    )))
}

async fn change_answer(
    state: &AppState,
    caller: &Caller,
    id: &str,
    make: impl Fn(&Case) -> Result<CaseChange, ApiError>,
) -> Result<Json<Value>, ApiError> {
    let (case, _event) = change(state, caller, id, make).await?;
    with_reader(state, |s| {
        case_json(&case, case_masker(state, s, caller, &case)?.as_ref())
    })
    .map(Json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteBody {
    text: String,
}

pub(crate) async fn note(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::INVESTIGATOR,
        "POST /v1/cases/{id}/notes",
        Some(&id),
    )
    .await?;
    let body: NoteBody = parse_json(&body, r#"the body must be {"text":".."}"#)?;
    change_answer(&state, &caller, &id, |_| {
        Ok(CaseChange::Note {
            text: body.text.clone(),
        })
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssignBody {
    to: String,
}

pub(crate) async fn assign(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::INVESTIGATOR,
        "POST /v1/cases/{id}/assign",
        Some(&id),
    )
    .await?;
    let body: AssignBody = parse_json(&body, r#"the body must be {"to":"<investigator>"}"#)?;
    change_answer(&state, &caller, &id, |_| {
        Ok(CaseChange::Assign {
            to: body.to.clone(),
        })
    })
    .await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    to: String,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    aware_at: Option<String>,
}

fn parse_time(what: &str, s: &str) -> Result<Timestamp, ApiError> {
    let s = s.trim();
    Timestamp::parse_rfc3339(s)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{s}T00:00:00Z")))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{what}` is `{}`, not a time; write a date such as 2026-03-02 or a time such as 2026-03-02T09:00:00Z",
                s.escape_debug()
            ))
        })
}

pub(crate) async fn status(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::INVESTIGATOR,
        "POST /v1/cases/{id}/status",
        Some(&id),
    )
    .await?;
    let body: StatusBody = parse_json(
        &body,
        r#"the body must be {"to":"investigating|confirmed|dismissed|closed","outcome":"..","aware_at":".."}"#,
    )?;
    let to = CaseStatus::parse(&body.to).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "`to` is `{}`; use one of {}",
            body.to.escape_debug(),
            CaseStatus::NAMES[1..].join(", ")
        ))
    })?;
    let outcome = body
        .outcome
        .as_deref()
        .map(|o| {
            CaseOutcome::parse(o).ok_or_else(|| {
                ApiError::BadRequest(format!(
                    "`outcome` is `{}`; use one of {}",
                    o.escape_debug(),
                    CaseOutcome::NAMES.join(", ")
                ))
            })
        })
        .transpose()?;
    let aware_at = body
        .aware_at
        .as_deref()
        .map(|s| parse_time("aware_at", s))
        .transpose()?;
    let ch = match (to, outcome) {
        (CaseStatus::Closed, Some(outcome)) => {
            if aware_at.is_some() {
                return Err(ApiError::BadRequest(
                    "`aware_at` is set when confirming, not when closing".into(),
                ));
            }
            CaseChange::Close { outcome }
        }
        (CaseStatus::Closed, None) => {
            return Err(ApiError::BadRequest(format!(
                "closing a case needs an `outcome`: one of {}",
                CaseOutcome::NAMES.join(", ")
            )))
        }
        (_, Some(_)) => {
            return Err(ApiError::BadRequest(
                "an `outcome` is given only when closing (`\"to\":\"closed\"`)".into(),
            ))
        }
        (to, None) => CaseChange::Status { to, aware_at },
    };
    change_answer(&state, &caller, &id, |_| Ok(ch.clone())).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeBody {
    employees: Vec<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EvidenceBody {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    scope: Option<ScopeBody>,
}

pub(crate) async fn evidence(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::INVESTIGATOR,
        "POST /v1/cases/{id}/evidence",
        Some(&id),
    )
    .await?;
    let body: EvidenceBody = parse_json(
        &body,
        r#"the body must be {"event":"<ledger event id>"} or {"scope":{"employees":[..],"from":"..","to":".."}}"#,
    )?;
    let key = Arc::clone(&state.pseudonyms);
    let ch = match (body.event, body.scope) {
        (Some(event), None) => {
            let known = with_reader(&state, |s| {
                s.event(&event)
                    .map_err(ApiError::internal)
                    .map(|e| e.is_some())
            })?;
            if !known {
                return Err(ApiError::BadRequest(format!(
                    "no event with id `{}` in the ledger; attach an event that was ingested",
                    event.escape_debug()
                )));
            }
            CaseChange::AttachEvent { event }
        }
        (None, Some(scope)) => {
            let employees = with_reader(&state, |s| {
                scope
                    .employees
                    .iter()
                    .map(|e| resolve_employee(&key, s, e, true))
                    .collect::<Result<Vec<_>, _>>()
            })?;
            CaseChange::AttachScope(CaseScope {
                employees,
                from: scope
                    .from
                    .as_deref()
                    .map(|s| parse_time("from", s))
                    .transpose()?,
                to: scope
                    .to
                    .as_deref()
                    .map(|s| parse_time("to", s))
                    .transpose()?,
            })
        }
        _ => {
            return Err(ApiError::BadRequest(
                "give exactly one of `event` (a ledger event id) and `scope`".into(),
            ))
        }
    };
    change_answer(&state, &caller, &id, |_| Ok(ch.clone())).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevealBody {
    pseudonym: String,
}

pub(crate) async fn reveal(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    // Parsed before the access record so that the record names the
    // pseudonym asked about.
    let body: Result<RevealBody, _> = parse_json(
        &body,
        r#"the body must be {"pseudonym":"emp~<16 hex digits>"}"#,
    );
    let subject = match &body {
        Ok(b) => format!("{id} {}", b.pseudonym),
        Err(_) => id.clone(),
    };
    let caller = check(
        &state,
        &headers,
        roles::INVESTIGATOR,
        "POST /v1/cases/{id}/reveal",
        Some(&subject),
    )
    .await?;
    let body = body?;
    let key = Arc::clone(&state.pseudonyms);
    let pseudonym = body.pseudonym;
    let (case, _event) = change(&state, &caller, &id, |case| {
        let covered = with_reader(&state, |s| {
            case.scope_query(s)
                .map_err(case_error)
                .map(|q| q.map(|q| q.employees).unwrap_or_default())
        })?;
        let employee = covered
            .into_iter()
            .chain(case.employees.iter().cloned())
            .find(|e| key.pseudonym(e) == pseudonym)
            .ok_or_else(|| {
                ApiError::Forbidden(format!(
                    "`{}` is not an employee case `{id}` covers; only the employees of the case (named, from its alerts, or in its scope) can be revealed in it",
                    pseudonym.escape_debug()
                ))
            })?;
        Ok(CaseChange::Reveal {
            pseudonym: pseudonym.clone(),
            employee,
        })
    })
    .await?;
    let revealed = case
        .revealed
        .last()
        .ok_or_else(|| ApiError::internal("a reveal left no record"))?;
    Ok(Json(json!({
        "case": case.id,
        "pseudonym": revealed.pseudonym,
        "employee": revealed.employee,
        "event": revealed.event,
    })))
}

// ---- scopes and reports ---------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormatQuery {
    #[serde(default)]
    format: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ScopeFormat {
    Json,
    Csv,
    Bundle,
}

fn scope_format(f: Option<&str>) -> Result<ScopeFormat, ApiError> {
    match f.unwrap_or("json") {
        "json" => Ok(ScopeFormat::Json),
        "csv" => Ok(ScopeFormat::Csv),
        "bundle" => Ok(ScopeFormat::Bundle),
        other => Err(ApiError::BadRequest(format!(
            "`format` is `{}`; use json, csv or bundle",
            other.escape_debug()
        ))),
    }
}

fn bound(t: Timestamp, unbounded: i64) -> Value {
    if t.0 == unbounded {
        Value::Null
    } else {
        Value::String(t.to_rfc3339())
    }
}

fn scope_json(scope: &BreachScope, case: Option<&str>) -> Result<Value, ApiError> {
    let w = scope.query.window;
    let mut v = json!({
        "employees": scope.query.employees,
        "from": bound(w.from, i64::MIN),
        "to": bound(w.to, i64::MAX),
        "records": scope.records,
        "totals": scope.totals,
    });
    if let Some(c) = case {
        v["case"] = json!(c);
    }
    Ok(v)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// The records as CSV, from their (possibly masked) JSON.
fn scope_csv(v: &Value) -> String {
    let mut out = String::from("customer,fields,first,last,accesses,purposes,employees\n");
    let list = |x: &Value| -> String {
        x.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_default()
    };
    let text = |x: &Value| {
        x.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| x.to_string())
    };
    for r in v["records"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(&text(&r["customer"])),
            csv_field(&list(&r["fields"])),
            text(&r["first"]),
            text(&r["last"]),
            r["accesses"],
            csv_field(&r["purposes"].as_array().map_or_else(String::new, |a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; ")
            })),
            csv_field(&list(&r["employees"])),
        ));
    }
    out
}

/// Answers a scope in the asked format; `masker` hides employees.
async fn answer_scope(
    state: &AppState,
    query: ScopeQuery,
    format: ScopeFormat,
    case: Option<&str>,
    masker: Option<Masker>,
) -> Result<Response, ApiError> {
    if format == ScopeFormat::Bundle {
        // The bundle's entries are the ledger's signed bytes: they cannot
        // be masked, so a masked caller cannot have one.
        if masker.is_some() {
            return Err(ApiError::Forbidden(
                "a proof bundle holds the ledger entries, which name the employees: reveal every employee of the scope in the case first (POST /v1/cases/{id}/reveal)".into(),
            ));
        }
        let bundle = state
            .committer
            .read(move |p| {
                breach_scope(p.store(), &query).and_then(|s| ProofBundle::of_scope(p.ledger(), &s))
            })
            .await
            .map_err(ApiError::Internal)?
            .map_err(case_error)?;
        return Ok((
            [(header::CONTENT_TYPE, "application/json")],
            bundle.to_bytes(),
        )
            .into_response());
    }
    let mut v = with_reader(state, |s| {
        let scope = breach_scope(s, &query).map_err(case_error)?;
        scope_json(&scope, case)
    })?;
    if let Some(m) = &masker {
        m.mask_value(&mut v);
    }
    Ok(match format {
        ScopeFormat::Csv => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            scope_csv(&v),
        )
            .into_response(),
        _ => Json(v).into_response(),
    })
}

pub(crate) async fn case_scope(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    let caller = check(
        &state,
        &headers,
        roles::CASE_READ,
        "GET /v1/cases/{id}/scope",
        Some(&id),
    )
    .await?;
    let format = scope_format(q.format.as_deref())?;
    let (query, masker) = with_reader(&state, |s| {
        let case = load(s, &id)?;
        let query = case
            .scope_query(s)
            .map_err(case_error)?
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "case `{id}` names no employee to scope; attach a scope with POST /v1/cases/{id}/evidence"
                ))
            })?;
        let mut masker = case_masker(&state, s, &caller, &case)?;
        if let Some(m) = &mut masker {
            for e in &query.employees {
                m.hide(e);
            }
            for r in &case.revealed {
                m.keep(&r.employee);
            }
        }
        // Nothing left to hide among the scope's employees: the
        // investigator may have the bundle.
        let all_revealed = query
            .employees
            .iter()
            .all(|e| case.revealed.iter().any(|r| &r.employee == e));
        Ok((query, if all_revealed { None } else { masker }))
    })?;
    answer_scope(&state, query, format, Some(&id), masker).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeQueryParams {
    employee: String,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

pub(crate) async fn scope(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(q): Query<ScopeQueryParams>,
) -> Result<Response, ApiError> {
    check(
        &state,
        &headers,
        roles::DPO,
        "GET /v1/scope",
        Some(&q.employee),
    )
    .await?;
    let format = scope_format(q.format.as_deref())?;
    let from = q
        .from
        .as_deref()
        .map(|s| parse_time("from", s))
        .transpose()?;
    let to = q.to.as_deref().map(|s| parse_time("to", s)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(ApiError::BadRequest(format!(
                "the window is empty: `from` {f} is not before `to` {t}"
            )));
        }
    }
    let key = Arc::clone(&state.pseudonyms);
    let employees = with_reader(&state, |s| {
        q.employee
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(|e| resolve_employee(&key, s, e, true))
            .collect::<Result<Vec<_>, _>>()
    })?;
    if employees.is_empty() {
        return Err(ApiError::BadRequest(
            "`employee` names no employee; give ids or pseudonyms, comma-separated".into(),
        ));
    }
    let window = TimeWindow::new(
        from.unwrap_or(TimeWindow::ALL.from),
        to.unwrap_or(TimeWindow::ALL.to),
    );
    answer_scope(
        &state,
        ScopeQuery::new(employees, window),
        format,
        None,
        None,
    )
    .await
}

pub(crate) async fn report(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, ApiError> {
    check(
        &state,
        &headers,
        roles::DPO,
        "GET /v1/cases/{id}/report",
        Some(&id),
    )
    .await?;
    let format = q.format.as_deref().unwrap_or("md");
    if !matches!(format, "md" | "html" | "pdf") {
        return Err(ApiError::BadRequest(format!(
            "`format` is `{}`; use md, html or pdf",
            format.escape_debug()
        )));
    }
    let markdown = format == "md";
    // Before the store is read: without a browser there is no PDF.
    let chromium = match format {
        "pdf" => Some(crate::pdf::Chromium::find().map_err(pdf_error)?),
        _ => None,
    };
    let generated_at = wall_clock();
    let text = with_reader(&state, |s| {
        let case = load(s, &id)?;
        let alerts = case_alerts(s, &case).map_err(case_error)?;
        let scope = match case.scope_query(s).map_err(case_error)? {
            Some(q) => Some(breach_scope(s, &q).map_err(case_error)?),
            None => None,
        };
        let doc = custos_investigate::breach_report(&ReportInput {
            case: &case,
            alerts: &alerts,
            scope: scope.as_ref(),
            contacts: &ReportContacts::default(),
            generated_at,
        });
        Ok(if markdown {
            doc.to_markdown()
        } else {
            doc.to_html()
        })
    })?;
    if let Some(chromium) = chromium {
        // A second or more of a browser's work: off the async workers.
        let pdf =
            tokio::task::spawn_blocking(move || chromium.print_to_pdf(&text, crate::pdf::TIMEOUT))
                .await
                .map_err(ApiError::internal)?
                .map_err(pdf_error)?;
        return Ok(([(header::CONTENT_TYPE, "application/pdf")], pdf).into_response());
    }
    let content_type = if markdown {
        "text/markdown; charset=utf-8"
    } else {
        "text/html; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            // The HTML report is self-contained with inline style: no
            // script, nothing fetched.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        text,
    )
        .into_response())
}

/// No browser is the operator's to fix (503, saying how); a failed
/// rendering is ours (500, logged).
fn pdf_error(e: crate::pdf::PdfError) -> ApiError {
    if e.is_unavailable() {
        ApiError::Unavailable(format!("{e}; or ask for format=html"))
    } else {
        ApiError::Internal(format!("breach report PDF: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let v = json!({"records":[{"customer":"cus-1","fields":["name","email"],"first":"2026-03-01T00:00:00.000Z","last":"2026-03-01T00:00:00.000Z","accesses":2,"purposes":["a, b","c"],"employees":["emp-1"]}]});
        assert_eq!(
            scope_csv(&v),
            "customer,fields,first,last,accesses,purposes,employees\ncus-1,name email,2026-03-01T00:00:00.000Z,2026-03-01T00:00:00.000Z,2,\"a, b; c\",emp-1\n"
        );
    }
}
