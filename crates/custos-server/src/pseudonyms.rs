//! Pseudonymous employee ids in API answers.
//!
//! Analysis views (`/v1/alerts`, `/v1/employees/{id}`, `/v1/risk`,
//! `/v1/sellers/{id}`) answer every role but `admin` with keyed
//! pseudonyms (`emp~` and 16 hex digits, [`PseudonymKey`]) instead of
//! employee ids; inside cases an investigator sees the ids revealed in
//! that case (`POST /v1/cases/{id}/reveal`), the DPO and admin see them
//! all. Rather than teach every answer type about pseudonyms, an answer
//! is built with real ids and then masked as JSON: every string (and
//! object key) is split into id-shaped tokens and each token that is a
//! known employee id is replaced, so ids inside alert summaries and
//! explanations are caught too.

use crate::error::ApiError;
use custos_investigate::PseudonymKey;
use custos_store::Store;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Replaces known employee ids with their pseudonyms.
pub(crate) struct Masker {
    key: PseudonymKey,
    /// Real id → pseudonym, for the ids to hide.
    hide: HashMap<String, String>,
}

/// Whether an employee row is a Custos user (a token name acting through
/// `custos.access`, case or acknowledgement events) rather than staff of
/// the marketplace: their names are not pseudonymised, so that common
/// words used as token names are left alone.
fn is_custos_user(e: &custos_store::Employee) -> bool {
    !e.from_hr
        && e.role
            .as_deref()
            .is_some_and(|r| r.starts_with("custos-") || r == "investigator")
}

/// The id-shaped characters: an employee id is a run of these.
fn id_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '@')
}

impl Masker {
    /// A masker that hides every marketplace employee the store knows.
    pub fn for_store(key: &PseudonymKey, store: &dyn Store) -> Result<Masker, ApiError> {
        let mut m = Masker {
            key: key.clone(),
            hide: HashMap::new(),
        };
        for e in store.employees().map_err(ApiError::internal)? {
            if !is_custos_user(&e) {
                m.hide(&e.id);
            }
        }
        Ok(m)
    }

    /// Hides one more id (an alert's employee the store does not list).
    pub fn hide(&mut self, id: &str) {
        if !id.is_empty() && !self.hide.contains_key(id) {
            self.hide.insert(id.to_owned(), self.key.pseudonym(id));
        }
    }

    /// Leaves an id readable (revealed in a case).
    pub fn keep(&mut self, id: &str) {
        self.hide.remove(id);
    }

    #[cfg(test)]
    fn pseudonym(&self, id: &str) -> String {
        self.key.pseudonym(id)
    }

    /// The text with every hidden id replaced.
    pub fn mask_str(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while !rest.is_empty() {
            let start = rest.find(id_char).unwrap_or(rest.len());
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let end = rest.find(|c| !id_char(c)).unwrap_or(rest.len());
            let token = &rest[..end];
            // A sentence may end right after an id: "... by emp-3."
            let trimmed = token.trim_end_matches('.');
            match self
                .hide
                .get(token)
                .map(|p| (p, ""))
                .or_else(|| self.hide.get(trimmed).map(|p| (p, &token[trimmed.len()..])))
            {
                Some((p, tail)) => {
                    out.push_str(p);
                    out.push_str(tail);
                }
                None => out.push_str(token),
            }
            rest = &rest[end..];
        }
        out
    }

    /// Masks every string and object key in a JSON value, in place.
    pub fn mask_value(&self, v: &mut Value) {
        if self.hide.is_empty() {
            return;
        }
        match v {
            Value::String(s) => {
                let masked = self.mask_str(s);
                if masked != *s {
                    *s = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| self.mask_value(i)),
            Value::Object(map) => {
                let old = std::mem::take(map);
                let mut new = Map::with_capacity(old.len());
                for (k, mut item) in old {
                    self.mask_value(&mut item);
                    new.insert(self.mask_str(&k), item);
                }
                *map = new;
            }
            _ => {}
        }
    }
}

/// The real employee id a request names: a pseudonym of a known employee,
/// or (when `allow_real`) an employee id the store knows.
pub(crate) fn resolve_employee(
    key: &PseudonymKey,
    store: &dyn Store,
    given: &str,
    allow_real: bool,
) -> Result<String, ApiError> {
    if given.starts_with("emp~") {
        for e in store.employees().map_err(ApiError::internal)? {
            if key.pseudonym(&e.id) == given {
                return Ok(e.id);
            }
        }
        return Err(ApiError::NotFound(format!(
            "no employee has the pseudonym `{given}` in this deployment"
        )));
    }
    if !allow_real {
        return Err(ApiError::Forbidden(format!(
            "`{}` is not a pseudonym (`emp~` and 16 hex digits); this role sees employees only under pseudonyms",
            given.escape_debug()
        )));
    }
    match store.employee(given).map_err(ApiError::internal)? {
        Some(e) => Ok(e.id),
        None => Err(ApiError::NotFound(format!(
            "no employee `{}` in the store",
            given.escape_debug()
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn masker() -> Masker {
        let mut m = Masker {
            key: PseudonymKey::from_bytes([3; 32]),
            hide: HashMap::new(),
        };
        m.hide("emp-3");
        m.hide("a.b@corp");
        m
    }

    #[test]
    fn ids_are_replaced_as_whole_tokens_only() {
        let m = masker();
        let p = m.pseudonym("emp-3");
        assert_eq!(m.mask_str("emp-3"), p);
        assert_eq!(
            m.mask_str("seen by emp-3. Then emp-3, again"),
            format!("seen by {p}. Then {p}, again")
        );
        assert_eq!(m.mask_str("emp-33 and xemp-3"), "emp-33 and xemp-3");
        assert_eq!(
            m.mask_str("mail a.b@corp"),
            format!("mail {}", m.pseudonym("a.b@corp"))
        );
        assert_eq!(m.mask_str(""), "");
        assert_eq!(m.mask_str("—émp-3 ünïcode"), "—émp-3 ünïcode");
    }

    #[test]
    fn json_values_and_keys_are_masked_and_kept_ids_are_not() {
        let mut m = masker();
        let mut v =
            json!({"employee":"emp-3","explain":{"emp-3":1,"peers":["emp-3","emp-4"]},"n":3});
        m.mask_value(&mut v);
        let text = v.to_string();
        assert!(!text.contains("emp-3"), "{text}");
        assert!(text.contains("emp-4"), "{text}");
        m.keep("emp-3");
        let mut v = json!({"employee":"emp-3"});
        m.mask_value(&mut v);
        assert_eq!(v["employee"], "emp-3");
    }
}
