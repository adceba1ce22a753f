//! Four-eyes approval requests, kept in the store's state table under
//! `approval/<id>` as JSON, with `approval/open` listing the ids of those
//! still pending or granted and unused.

use crate::facts::FactsError;
use custos_core::Timestamp;
use custos_store::Store;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const KEY_PREFIX: &str = "approval/";
const OPEN_KEY: &str = "approval/open";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApprovalStatus {
    Pending,
    Granted,
    Denied,
    /// Granted, then used by the one action it allowed.
    Used,
}

impl ApprovalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalStatus::Pending => "pending",
            ApprovalStatus::Granted => "granted",
            ApprovalStatus::Denied => "denied",
            ApprovalStatus::Used => "used",
        }
    }
}

/// One request for a second person's approval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub id: String,
    pub requester: String,
    /// The action to approve, e.g. `account.reactivate`.
    pub action: String,
    /// What it is done to, as `type:id` (or `customers:` and the ids).
    pub target: String,
    pub status: ApprovalStatus,
    pub created: Timestamp,
    pub expires: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<Timestamp>,
}

impl Approval {
    pub fn expired(&self, now: Timestamp) -> bool {
        now >= self.expires
    }

    /// The status as people should see it at `now`: `expired` once the
    /// expiry passed on a request that is still open.
    pub fn status_at(&self, now: Timestamp) -> &'static str {
        match self.status {
            ApprovalStatus::Pending | ApprovalStatus::Granted if self.expired(now) => "expired",
            s => s.as_str(),
        }
    }

    fn is_open(&self, now: Timestamp) -> bool {
        matches!(
            self.status,
            ApprovalStatus::Pending | ApprovalStatus::Granted
        ) && !self.expired(now)
    }
}

fn key(id: &str) -> String {
    format!("{KEY_PREFIX}{id}")
}

pub fn load(store: &dyn Store, id: &str) -> Result<Option<Approval>, FactsError> {
    let k = key(id);
    match store.get_state(&k)? {
        None => Ok(None),
        Some(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| FactsError::Corrupt {
                key: k,
                detail: e.to_string(),
            }),
    }
}

pub fn save(store: &mut dyn Store, a: &Approval) -> Result<(), FactsError> {
    let bytes = serde_json::to_vec(a).map_err(|e| FactsError::Corrupt {
        key: key(&a.id),
        detail: e.to_string(),
    })?;
    store.put_state(&key(&a.id), &bytes)?;
    Ok(())
}

fn open_ids(store: &dyn Store) -> Result<Vec<String>, FactsError> {
    match store.get_state(OPEN_KEY)? {
        None => Ok(Vec::new()),
        Some(bytes) => serde_json::from_slice(&bytes).map_err(|e| FactsError::Corrupt {
            key: OPEN_KEY.into(),
            detail: e.to_string(),
        }),
    }
}

fn put_open_ids(store: &mut dyn Store, ids: &[String]) -> Result<(), FactsError> {
    let bytes = serde_json::to_vec(ids).map_err(|e| FactsError::Corrupt {
        key: OPEN_KEY.into(),
        detail: e.to_string(),
    })?;
    store.put_state(OPEN_KEY, &bytes)?;
    Ok(())
}

/// Approvals still open at `now` (pending, or granted and unused), oldest
/// first. Closed and expired ones leave the open list as a side effect.
pub fn list_open(store: &mut dyn Store, now: Timestamp) -> Result<Vec<Approval>, FactsError> {
    let ids = open_ids(store)?;
    let mut open = Vec::with_capacity(ids.len());
    for id in &ids {
        if let Some(a) = load(store, id)? {
            if a.is_open(now) {
                open.push(a);
            }
        }
    }
    if open.len() != ids.len() {
        let keep: Vec<String> = open.iter().map(|a| a.id.clone()).collect();
        put_open_ids(store, &keep)?;
    }
    Ok(open)
}

/// Opens a request, or returns the pending one for the same requester,
/// action and target.
pub fn request(
    store: &mut dyn Store,
    requester: &str,
    action: &str,
    target: &str,
    now: Timestamp,
    ttl_ms: i64,
) -> Result<Approval, FactsError> {
    let open = list_open(store, now)?;
    if let Some(a) = open.iter().find(|a| {
        a.status == ApprovalStatus::Pending
            && a.requester == requester
            && a.action == action
            && a.target == target
    }) {
        return Ok(a.clone());
    }
    // The id is derived from the request, so a replay names the same one.
    let mut n = 0u32;
    let id = loop {
        let digest = Sha256::digest(
            format!("{requester}\n{action}\n{target}\n{}\n{n}", now.millis()).as_bytes(),
        );
        let id = format!("apr-{}", &custos_core::hex(&digest)[..20]);
        if load(store, &id)?.is_none() {
            break id;
        }
        n += 1;
    };
    let a = Approval {
        id: id.clone(),
        requester: requester.to_owned(),
        action: action.to_owned(),
        target: target.to_owned(),
        status: ApprovalStatus::Pending,
        created: now,
        expires: now.plus_millis(ttl_ms),
        approver: None,
        decided: None,
        reason: None,
        used: None,
    };
    save(store, &a)?;
    let mut ids: Vec<String> = open.into_iter().map(|a| a.id).collect();
    ids.push(id);
    put_open_ids(store, &ids)?;
    Ok(a)
}

/// Records the decision of an approver (already found eligible).
pub(crate) fn decide(
    store: &mut dyn Store,
    mut a: Approval,
    approver: &str,
    grant: bool,
    reason: Option<String>,
    now: Timestamp,
) -> Result<Approval, FactsError> {
    a.status = if grant {
        ApprovalStatus::Granted
    } else {
        ApprovalStatus::Denied
    };
    a.approver = Some(approver.to_owned());
    a.decided = Some(now);
    a.reason = reason;
    save(store, &a)?;
    if !grant {
        list_open(store, now)?;
    }
    Ok(a)
}

/// Marks a granted approval used: it allowed its one action.
pub(crate) fn mark_used(
    store: &mut dyn Store,
    mut a: Approval,
    now: Timestamp,
) -> Result<Approval, FactsError> {
    a.status = ApprovalStatus::Used;
    a.used = Some(now);
    save(store, &a)?;
    list_open(store, now)?;
    Ok(a)
}
