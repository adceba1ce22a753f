//! Lookups the `Store` trait does not offer directly, built on the ones it
//! does.

use crate::error::InvestigateError;
use crate::scope::ScopeQuery;
use crate::Result;
use custos_core::Timestamp;
use custos_store::{AlertFilter, EventRow, Store, TimeWindow};
use serde::Deserialize;
use std::collections::HashMap;

/// The stored events at the given ledger indexes, by index. Reads runs of
/// consecutive indexes with one [`Store::scan_rows`] each. An index with
/// no stored event is an error: the store is damaged.
pub fn events_at(store: &dyn Store, indexes: &[u64]) -> Result<HashMap<u64, EventRow>> {
    let mut sorted: Vec<u64> = indexes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = HashMap::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start + 1;
        while i + 1 < sorted.len() && sorted[i + 1] == end {
            end += 1;
            i += 1;
        }
        i += 1;
        for rows in store.scan_rows(start..end)? {
            if let Some(ev) = rows.event {
                out.insert(ev.index, ev);
            }
        }
    }
    if let Some(missing) = sorted.iter().find(|ix| !out.contains_key(ix)) {
        return Err(InvestigateError::MissingEvent(*missing));
    }
    Ok(out)
}

/// The part of an event's actor the reports show.
#[derive(Default, Deserialize)]
pub(crate) struct ActorFacts {
    pub role: Option<String>,
    pub site: Option<String>,
}

#[derive(Deserialize)]
struct ActorOnly {
    #[serde(default)]
    actor: ActorFacts,
}

/// Role and site the event's actor stated, read from its ledger entry.
pub(crate) fn actor_facts(entry: &[u8]) -> ActorFacts {
    serde_json::from_slice::<ActorOnly>(entry)
        .map(|a| a.actor)
        .unwrap_or_default()
}

/// The scope an alert asks for: its employee, from the earliest of its
/// raise time and its evidence events' times, with no end (the employee
/// may have gone on after the alert was raised). Callers narrow it.
pub fn alert_scope_query(store: &dyn Store, alert_id: &str) -> Result<ScopeQuery> {
    let row = store
        .alerts(&AlertFilter::default())?
        .into_iter()
        .find(|a| a.id == alert_id)
        .ok_or_else(|| InvestigateError::UnknownAlert(alert_id.to_owned()))?;
    #[derive(Deserialize)]
    struct AlertJson {
        #[serde(default)]
        evidence: Vec<String>,
    }
    let json: AlertJson =
        serde_json::from_str(&row.json).map_err(|e| InvestigateError::MalformedAlert {
            id: alert_id.to_owned(),
            reason: format!("its stored record does not parse: {e}"),
        })?;
    if row.employee.is_empty() {
        return Err(InvestigateError::MalformedAlert {
            id: alert_id.to_owned(),
            reason: "it names no employee".into(),
        });
    }
    let mut from: Timestamp = row.time;
    for id in &json.evidence {
        if let Some(ev) = store.event(id)? {
            from = from.min(ev.time);
        }
    }
    Ok(ScopeQuery {
        employees: vec![row.employee],
        window: TimeWindow::since(from),
    })
}
