//! Access transparency: every access to one customer's records.

use crate::bundle::{bounds, prove};
use crate::lookup::{actor_facts, events_at};
use crate::pseudonym::PseudonymKey;
use crate::scope::Evidence;
use crate::Result;
use custos_core::{DataField, Timestamp};
use custos_ledger::Ledger;
use custos_store::{DisclosureRow, Store, TimeWindow};
use serde::{Deserialize, Serialize};

/// One access to a customer's records, as the customer may see it: the
/// employee only by pseudonym.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessRecord {
    pub time: Timestamp,
    pub action: String,
    /// The role the actor stated in the event (`actor.role`), if any.
    pub role: Option<String>,
    /// `emp~` and 16 hex digits; see [`PseudonymKey`].
    pub employee: String,
    pub purpose_ticket: Option<String>,
    pub purpose_code: Option<String>,
    /// `allowed`, `denied` or `failed`.
    pub outcome: String,
    /// Data categories shown, in taxonomy order.
    pub fields: Vec<DataField>,
    /// The ledger event's id.
    pub event: String,
}

/// The record of one disclosure. Pure, shared with the bundle verifier.
pub(crate) fn access_record(
    d: &DisclosureRow,
    event_id: &str,
    role: Option<String>,
    outcome: &str,
    employee: String,
) -> AccessRecord {
    AccessRecord {
        time: d.time,
        action: d.action.clone(),
        role,
        employee,
        purpose_ticket: d.purpose_ticket.clone(),
        purpose_code: d.purpose_code.clone(),
        outcome: outcome.to_owned(),
        fields: d.fields.iter().collect(),
        event: event_id.to_owned(),
    }
}

/// Every access to `customer`'s records in `window`, oldest first, with
/// the ledger event behind each (for proofs and bundles).
///
/// Built from the store's disclosures of the customer: allowed views,
/// order views, search hits and exports. Denied or failed attempts
/// disclosed nothing and are not in that index, so they are not listed.
pub fn access_records(
    store: &dyn Store,
    key: &PseudonymKey,
    customer: &str,
    window: TimeWindow,
) -> Result<Vec<(AccessRecord, Evidence)>> {
    let mut rows = store.disclosures_by_customer(customer, window)?;
    rows.retain(|d| window.contains(d.time) && d.customer == customer);
    rows.sort_by_key(|d| (d.index, d.position));
    let indexes: Vec<u64> = rows.iter().map(|d| d.index).collect();
    let events = events_at(store, &indexes)?;
    let mut out = Vec::with_capacity(rows.len());
    for d in &rows {
        let Some(ev) = events.get(&d.index) else {
            return Err(crate::InvestigateError::MissingEvent(d.index));
        };
        let role = actor_facts(&ev.entry).role;
        let record = access_record(d, &ev.id, role, &ev.outcome, key.pseudonym(&d.employee));
        out.push((
            record,
            Evidence {
                index: ev.index,
                id: ev.id.clone(),
                entry: ev.entry.clone(),
            },
        ));
    }
    Ok(out)
}

/// One access with its inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProvenAccess {
    #[serde(flatten)]
    pub access: AccessRecord,
    /// The event's ledger index.
    pub index: u64,
    /// `SHA-256(0x00 ‖ entry)` of the event's ledger entry, hex.
    pub leaf_hash: String,
    /// RFC 6962 audit path of `index` in the checkpoint's tree, hex.
    pub proof: Vec<String>,
}

/// The answer to `GET /v1/customers/{id}/accesses`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessReport {
    pub customer: String,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// The signed checkpoint note every proof leads to.
    pub checkpoint: String,
    pub tree_size: u64,
    pub root_hash: String,
    pub accesses: Vec<ProvenAccess>,
}

/// Every access to a customer's records with an inclusion proof each:
/// the library function behind `GET /v1/customers/{id}/accesses`.
///
/// `ledger` and `store` are the pipeline's (`Pipeline::ledger()`,
/// `Pipeline::store()`); `key` is the deployment's
/// [`PseudonymKey::load_or_create`] of the data dir, loaded once at start.
/// The report carries leaf hashes and proofs but not the ledger entries,
/// which name employees: a customer can check that each access is in the
/// signed log without learning who made it. An auditor given an entry
/// checks it against its `leaf_hash`.
///
/// Fails with [`InvestigateError::NotCovered`](crate::InvestigateError)
/// when the store has indexed an event the `ledger` handle's checkpoint
/// does not cover yet (a reader opened before the latest commit); reopen
/// the ledger and retry.
pub fn customer_accesses(
    ledger: &Ledger,
    store: &dyn Store,
    key: &PseudonymKey,
    customer: &str,
    window: TimeWindow,
) -> Result<AccessReport> {
    let records = access_records(store, key, customer, window)?;
    let cp = ledger.checkpoint();
    let mut accesses = Vec::with_capacity(records.len());
    for (access, ev) in records {
        let proof = prove(ledger, ev.index, &ev.entry)?;
        accesses.push(ProvenAccess {
            access,
            index: ev.index,
            leaf_hash: custos_core::hex(&custos_ledger::leaf_hash(&ev.entry).0),
            proof: proof.iter().map(|h| custos_core::hex(&h.0)).collect(),
        });
    }
    let (from, to) = bounds(window);
    Ok(AccessReport {
        customer: customer.to_owned(),
        from,
        to,
        checkpoint: cp.note_text.clone(),
        tree_size: cp.size,
        root_hash: custos_core::hex(&cp.root.0),
        accesses,
    })
}
