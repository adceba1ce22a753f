//! API tokens and roles. A token is shown once, when created; the store
//! keeps only its SHA-256, so a copy of the store grants nothing.

use crate::error::ApiError;
use axum::http::HeaderMap;
use custos_store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sends events and asks the guard.
    Ingest,
    /// Reads alerts and profiles, under pseudonyms.
    Analyst,
    /// Works cases.
    Investigator,
    /// Runs breach scopes and reports.
    Dpo,
    /// Everything, including tokens and configuration.
    Admin,
}

impl Role {
    pub const NAMES: &'static [&'static str] =
        &["ingest", "analyst", "investigator", "dpo", "admin"];

    pub fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "ingest" => Role::Ingest,
            "analyst" => Role::Analyst,
            "investigator" => Role::Investigator,
            "dpo" => Role::Dpo,
            "admin" => Role::Admin,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Ingest => "ingest",
            Role::Analyst => "analyst",
            Role::Investigator => "investigator",
            Role::Dpo => "dpo",
            Role::Admin => "admin",
        }
    }

    /// Whether a token of this role may use a route that needs `needed`.
    /// Reading analysis is open to every human role; sending events only
    /// to `ingest`; admin may do everything.
    pub fn allows(self, needed: Role) -> bool {
        match (self, needed) {
            (Role::Admin, _) => true,
            (a, b) if a == b => true,
            (Role::Investigator | Role::Dpo, Role::Analyst) => true,
            _ => false,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct TokenRecord {
    role: Role,
    name: String,
    created_ms: i64,
    #[serde(default)]
    expires_ms: Option<i64>,
    /// When `custos token revoke` withdrew it; kept, not deleted, so the
    /// list still says who held access when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoked_ms: Option<i64>,
}

const TOKEN_PREFIX: &str = "cst_";

/// Tokens live in the store's state table under this prefix and the hex
/// SHA-256 of the token.
const KEY_PREFIX: &str = "token/";

fn state_key(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    format!("{KEY_PREFIX}{}", custos_core::hex(&digest))
}

/// Every stored token record with its state key, in key order.
fn stored_tokens(store: &dyn Store) -> anyhow::Result<Vec<(String, TokenRecord)>> {
    store
        .states_with_prefix(KEY_PREFIX)?
        .into_iter()
        .map(|(key, bytes)| {
            let r = serde_json::from_slice(&bytes)
                .map_err(|e| anyhow::anyhow!("the stored token `{key}` is unreadable: {e}"))?;
            Ok((key, r))
        })
        .collect()
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Creates a token and stores its hash; returns the token, which is never
/// stored or shown again.
pub fn create_token(
    store: &mut dyn Store,
    role: Role,
    name: &str,
    valid_for_days: Option<u32>,
) -> anyhow::Result<String> {
    if name.is_empty() || name.len() > 64 || name.chars().any(char::is_control) {
        anyhow::bail!("the token name `{name}` must be 1 to 64 printable characters");
    }
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let token = format!("{TOKEN_PREFIX}{}", custos_core::hex(&secret));
    let created_ms = now_ms();
    let record = TokenRecord {
        role,
        name: name.to_owned(),
        created_ms,
        expires_ms: valid_for_days.map(|d| created_ms + i64::from(d) * 86_400_000),
        revoked_ms: None,
    };
    store.put_state(&state_key(&token), &serde_json::to_vec(&record)?)?;
    Ok(token)
}

/// A token as `custos token list` shows it; never the token itself.
#[derive(Clone, Debug, Serialize)]
pub struct TokenInfo {
    /// `tok-` and the first 12 hex digits of the token's SHA-256: how
    /// `custos token revoke` names it.
    pub id: String,
    pub name: String,
    pub role: &'static str,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
    pub created: String,
    pub expires: Option<String>,
    pub revoked: Option<String>,
}

const ID_PREFIX: &str = "tok-";
const ID_HEX: usize = 12;

fn rfc3339(ms: i64) -> String {
    custos_core::Timestamp::from_millis(ms).to_rfc3339()
}

impl TokenInfo {
    fn of(key: &str, r: &TokenRecord, now: i64) -> TokenInfo {
        let hash = key.strip_prefix(KEY_PREFIX).unwrap_or(key);
        let status = if r.revoked_ms.is_some() {
            "revoked"
        } else if r.expires_ms.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        };
        TokenInfo {
            id: format!("{ID_PREFIX}{}", &hash[..hash.len().min(ID_HEX)]),
            name: r.name.clone(),
            role: r.role.as_str(),
            status,
            created: rfc3339(r.created_ms),
            expires: r.expires_ms.map(rfc3339),
            revoked: r.revoked_ms.map(rfc3339),
        }
    }
}

/// Every token ever created, oldest first, with its state.
pub fn list_tokens(store: &dyn Store) -> anyhow::Result<Vec<TokenInfo>> {
    let now = now_ms();
    let mut out: Vec<(i64, TokenInfo)> = stored_tokens(store)?
        .iter()
        .map(|(key, r)| (r.created_ms, TokenInfo::of(key, r, now)))
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(out.into_iter().map(|x| x.1).collect())
}

/// Revokes the token named by `which`: its id from `custos token list`
/// (`tok-` and at least 6 hex digits) or its name, when exactly one token
/// that is not revoked has that name. A running server refuses it within
/// a second (the time it remembers a checked token).
pub fn revoke_token(store: &mut dyn Store, which: &str) -> anyhow::Result<TokenInfo> {
    let now = now_ms();
    let by_id = which
        .strip_prefix(ID_PREFIX)
        .filter(|h| h.len() >= 6 && h.len() <= 64 && h.bytes().all(|b| b.is_ascii_hexdigit()));
    let mut matches: Vec<(String, TokenRecord)> = stored_tokens(&*store)?
        .into_iter()
        .filter(|(key, r)| match by_id {
            Some(h) => key[KEY_PREFIX.len()..].starts_with(&h.to_ascii_lowercase()),
            None => r.name == which && r.revoked_ms.is_none(),
        })
        .collect();
    let (key, mut record) = match matches.len() {
        1 => matches.remove(0),
        0 if by_id.is_some() => anyhow::bail!(
            "no token has the id `{which}`; `custos token list` shows the ids"
        ),
        0 => anyhow::bail!(
            "no token that is not already revoked is named `{which}`; `custos token list` shows names and ids"
        ),
        _ => {
            let ids: Vec<String> = matches.iter().map(|(k, r)| TokenInfo::of(k, r, now).id).collect();
            anyhow::bail!(
                "{} tokens match `{which}` ({}); revoke one by its id",
                ids.len(),
                ids.join(", ")
            )
        }
    };
    if let Some(at) = record.revoked_ms {
        anyhow::bail!("the token `{which}` was already revoked at {}", rfc3339(at));
    }
    record.revoked_ms = Some(now);
    store.put_state(&key, &serde_json::to_vec(&record)?)?;
    Ok(TokenInfo::of(&key, &record, now))
}

/// Who is calling, once their token checked out.
#[derive(Clone, Debug)]
pub struct Caller {
    pub role: Role,
    pub name: String,
}

/// Checks the bearer token of a request against the role a route needs.
pub fn authorize(store: &dyn Store, headers: &HeaderMap, needed: Role) -> Result<Caller, ApiError> {
    authorize_any(store, headers, &[needed])
}

/// The roles that may use a route needing any of `needed`, as the
/// OpenAPI document lists them: each role whose [`Role::allows`] one of
/// them, in the order of [`Role::NAMES`].
pub fn roles_allowed(needed: &[Role]) -> Vec<Role> {
    Role::NAMES
        .iter()
        .filter_map(|n| Role::parse(n))
        .filter(|r| needed.iter().any(|n| r.allows(*n)))
        .collect()
}

/// Checks the bearer token of a request against the roles a route
/// accepts: one of them must allow it.
pub fn authorize_any(
    store: &dyn Store,
    headers: &HeaderMap,
    needed: &[Role],
) -> Result<Caller, ApiError> {
    let Some(value) = headers.get(axum::http::header::AUTHORIZATION) else {
        return Err(ApiError::Unauthenticated(
            "missing bearer token: send `Authorization: Bearer <token>`; create one with `custos token create --role ROLE`".into(),
        ));
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() == TOKEN_PREFIX.len() + 64)
        .ok_or_else(|| {
            ApiError::Unauthenticated(
                "malformed authorization header: expected `Bearer cst_` followed by 64 hex digits"
                    .into(),
            )
        })?;
    let record = store
        .get_state(&state_key(token))
        .map_err(ApiError::internal)?
        .and_then(|bytes| serde_json::from_slice::<TokenRecord>(&bytes).ok())
        .ok_or_else(|| {
            ApiError::Unauthenticated("unknown token; create one with `custos token create`".into())
        })?;
    if let Some(at) = record.revoked_ms {
        return Err(ApiError::Unauthenticated(format!(
            "the token was revoked at {}; ask an admin for a new one (`custos token create`)",
            rfc3339(at)
        )));
    }
    if record.expires_ms.is_some_and(|e| e <= now_ms()) {
        return Err(ApiError::Unauthenticated(
            "the token has expired; create a new one with `custos token create`".into(),
        ));
    }
    if !needed.iter().any(|n| record.role.allows(*n)) {
        let names: Vec<String> = needed.iter().map(|r| format!("`{}`", r.as_str())).collect();
        return Err(ApiError::Forbidden(format!(
            "this route needs the {} role; the token has `{}`",
            names.join(" or "),
            record.role.as_str()
        )));
    }
    Ok(Caller {
        role: record.role,
        name: record.name,
    })
}

/// The `custos.access` event recording one use of the API: who (the
/// token's name and role), which route, and what was looked at.
pub fn access_event(caller: &Caller, route: &str, subject: Option<&str>) -> serde_json::Value {
    let id = crate::api::event_id("acc");
    let time = custos_core::Timestamp::from_millis(now_ms());
    let mut attrs = serde_json::json!({ "route": route, "token_role": caller.role.as_str() });
    if let Some(subject) = subject {
        attrs["subject"] = serde_json::Value::String(subject.to_owned());
    }
    serde_json::json!({
        "id": id,
        "time": time.to_rfc3339(),
        "actor": { "type": "employee", "id": caller.name, "role": format!("custos-{}", caller.role.as_str()) },
        "action": "custos.access",
        "attrs": attrs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_matrix() {
        assert!(Role::Admin.allows(Role::Ingest));
        assert!(Role::Investigator.allows(Role::Analyst));
        assert!(!Role::Analyst.allows(Role::Investigator));
        assert!(!Role::Ingest.allows(Role::Analyst));
        assert!(!Role::Analyst.allows(Role::Ingest));
        for name in Role::NAMES {
            assert_eq!(Role::parse(name).map(Role::as_str), Some(*name));
        }
        assert_eq!(
            roles_allowed(&[Role::Investigator, Role::Dpo]),
            [Role::Investigator, Role::Dpo, Role::Admin]
        );
        assert_eq!(
            roles_allowed(&[Role::Analyst]),
            [Role::Analyst, Role::Investigator, Role::Dpo, Role::Admin]
        );
    }
}
