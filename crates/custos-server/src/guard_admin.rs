//! The guard's life in a running server: its policies loaded from
//! `DATA_DIR/policies/*.cedar` (else the shipped defaults), reloaded on
//! `SIGHUP` or `POST /v1/admin/policies/reload` (role admin) with the last
//! good set kept when the new one has a problem, and its disclosure book
//! filled from the store at start and fed every committed event.

use crate::auth::{access_event, authorize, Role};
use crate::committer::Observer;
use crate::error::ApiError;
use crate::AppState;
use anyhow::{Context, Result};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use custos_guard::{Guard, GuardConfig, PolicyErrors, PolicySource, StoreFacts};
use custos_ingest::{DataDir, ItemOutcome};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// The policy files of the data dir, sorted by name; the shipped
/// defaults when the directory is absent or holds no `.cedar` file.
pub(crate) fn policy_sources(dir: &DataDir) -> Result<Vec<PolicySource>> {
    let policy_dir = dir.root.join("policies");
    let mut sources = Vec::new();
    if policy_dir.is_dir() {
        let mut files: Vec<_> = std::fs::read_dir(&policy_dir)
            .with_context(|| format!("cannot read `{}`", policy_dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "cedar"))
            .collect();
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f)
                .with_context(|| format!("cannot read `{}`", f.display()))?;
            sources.push(PolicySource::new(f.display().to_string(), text));
        }
    }
    if sources.is_empty() {
        sources.push(PolicySource::default_policies());
    }
    Ok(sources)
}

/// The guard of a starting server. A policy with a problem stops the
/// start: a guard must not run on policies nobody checked.
pub(crate) fn load_guard(dir: &DataDir, config: GuardConfig) -> Result<Guard> {
    Guard::new(config, &policy_sources(dir)?)
        .map_err(|e| anyhow::anyhow!("the guard's policies have problems:\n{e}"))
}

/// Fills the guard's disclosure book from the store (the day before now)
/// and, when `sees_every_event` (the committer feeds the guard every
/// event that reaches the store: not on a bus node, whose consumer
/// commits without it), turns on its fact cache.
pub(crate) fn warm(
    guard: &Guard,
    store: &dyn custos_store::Store,
    sees_every_event: bool,
) -> Result<()> {
    guard
        .warm_book(store, wall_clock())
        .context("cannot count the disclosures of the last day for the guard")?;
    if sees_every_event {
        guard
            .warm_facts(store)
            .context("cannot read the employees for the guard")?;
    }
    Ok(())
}

fn wall_clock() -> custos_core::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    custos_core::Timestamp::from_millis(ms)
}

/// What the committer calls after each group: every accepted event goes
/// past the guard's disclosure book. A fact that cannot be read is
/// reported and skipped; the book then undercounts one disclosure, which
/// the next decision's own recording limits to one customer.
pub(crate) fn observer(guard: Arc<Guard>) -> Observer {
    Box::new(move |pipeline, items, outcomes| {
        let facts = StoreFacts::new(pipeline.store());
        for (item, outcome) in items.iter().zip(outcomes) {
            if matches!(outcome, ItemOutcome::Accepted { .. }) {
                if let Err(e) = guard.observe(&item.event, &facts) {
                    eprintln!("custos serve: the guard could not note an event: {e}");
                }
            }
        }
    })
}

/// What a reload did: the files and the number of policies now in force.
pub(crate) struct Reloaded {
    pub files: Vec<String>,
    pub policies: usize,
    /// SHA-256 over the files' names and texts, for the audit trail.
    pub digest: String,
}

pub(crate) enum ReloadError {
    /// The files could not be read.
    Io(anyhow::Error),
    /// The files were read and refused; the running set stays.
    Refused(PolicyErrors),
}

/// Re-reads the policy files and swaps them in if every one is good.
pub(crate) fn reload(guard: &Guard, dir: &DataDir) -> Result<Reloaded, ReloadError> {
    let sources = policy_sources(dir).map_err(ReloadError::Io)?;
    let mut h = Sha256::new();
    for s in &sources {
        h.update(s.file.as_bytes());
        h.update([0]);
        h.update(s.text.as_bytes());
        h.update([0]);
    }
    let policies = guard.reload(&sources).map_err(ReloadError::Refused)?;
    Ok(Reloaded {
        files: sources.iter().map(|s| short(&s.file)).collect(),
        policies,
        digest: custos_core::hex(&h.finalize()),
    })
}

/// A file's name without the data dir in front, as people look for it.
fn short(file: &str) -> String {
    Path::new(file)
        .file_name()
        .map_or_else(|| file.to_owned(), |n| n.to_string_lossy().into_owned())
}

/// `SIGHUP` reloads the policies; the outcome goes to the server's log.
pub(crate) fn spawn_sighup(state: Arc<AppState>, dir: DataDir) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hup) = signal(SignalKind::hangup()) else {
            eprintln!("custos serve: cannot listen for SIGHUP; reload with POST /v1/admin/policies/reload");
            return;
        };
        while hup.recv().await.is_some() {
            match reload(&state.guard, &dir) {
                Ok(r) => eprintln!(
                    "custos serve: SIGHUP: {} policies in force from {}",
                    r.policies,
                    r.files.join(", ")
                ),
                Err(ReloadError::Io(e)) => {
                    eprintln!("custos serve: SIGHUP: policies not reloaded, the last good set stays: {e:#}")
                }
                Err(ReloadError::Refused(e)) => eprintln!(
                    "custos serve: SIGHUP: policies refused, the last good set stays:\n{e}"
                ),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = (state, dir);
}

pub(crate) fn router(state: Arc<AppState>, dir: DataDir) -> Router {
    Router::new()
        .route(
            "/v1/admin/policies/reload",
            post(move |s: State<Arc<AppState>>, h: HeaderMap| reload_route(s, h, dir.clone())),
        )
        .with_state(state)
}

/// `POST /v1/admin/policies/reload`: 200 with the set now in force, or 422
/// with every problem (file, line, column, policy, message) and the
/// running set untouched. Either way the attempt is in the ledger.
async fn reload_route(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    dir: DataDir,
) -> Result<Response, ApiError> {
    let caller = crate::api::with_reader(&state, |s| authorize(s, &headers, Role::Admin))?;
    let outcome = reload(&state.guard, &dir);
    let subject = match &outcome {
        Ok(r) => format!("reloaded {} policies sha256:{}", r.policies, r.digest),
        Err(ReloadError::Refused(e)) => format!("refused: {} problem(s)", e.0.len()),
        Err(ReloadError::Io(_)) => "refused: unreadable files".to_owned(),
    };
    let event = access_event(&caller, "POST /v1/admin/policies/reload", Some(&subject));
    let prepared = crate::api::prepare_own("self-audit", &event)?;
    crate::api::commit_all(&state, vec![prepared], "self-audit").await?;
    match outcome {
        Ok(r) => Ok(Json(json!({
            "policies": r.policies,
            "files": r.files,
            "sha256": r.digest,
        }))
        .into_response()),
        Err(ReloadError::Io(e)) => Err(ApiError::BadRequest(format!(
            "the policies were not reloaded and the last good set stays: {e:#}"
        ))),
        Err(ReloadError::Refused(e)) => {
            let in_force = state.guard.policies().len();
            let problems: Vec<_> =
                e.0.iter()
                    .map(|p| {
                        json!({
                            "file": short(&p.file),
                            "line": p.line,
                            "column": p.column,
                            "policy": p.policy,
                            "message": p.message,
                        })
                    })
                    .collect();
            let lines: Vec<String> =
                e.0.iter()
                    .map(|p| {
                        let mut p = p.clone();
                        p.file = short(&p.file);
                        p.to_string()
                    })
                    .collect();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({"error": {
                    "code": "invalid_policies",
                    "message": format!(
                        "the policies were refused; the {in_force} policies in force stay: {}",
                        lines.join("; ")
                    ),
                    "problems": problems,
                }})),
            )
                .into_response())
        }
    }
}
