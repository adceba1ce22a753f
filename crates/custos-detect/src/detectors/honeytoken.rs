//! Decoy customers (`honeytoken.plant`): no legitimate work ever needs
//! them, so any disclosure is critical, at once.

use super::{Ctx, Detector, DetectorKind, Finding, Out};
use crate::alert::Severity;
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Honeytoken;

impl Detector for Honeytoken {
    fn kind(&self) -> DetectorKind {
        DetectorKind::Honeytoken
    }

    fn observe(&mut self, cx: &Ctx<'_>, out: &mut Out) {
        if !cx.cfg.honeytoken.enabled {
            return;
        }
        let Some(a) = cx.access else { return };
        let w = cx.world;
        let decoys: Vec<u32> = a
            .customers
            .iter()
            .copied()
            .filter(|&c| w.cust[c as usize].honeytoken)
            .collect();
        if decoys.is_empty() {
            return;
        }
        let ev = cx.ev;
        let emp = w.emp_name(a.emp);
        let mut ids: Vec<&str> = ev
            .disclosed_customers()
            .into_iter()
            .filter(|c| {
                w.customers
                    .get(c)
                    .is_some_and(|i| w.cust[i as usize].honeytoken)
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        out.findings.push(Finding {
            employee: a.emp,
            detector: DetectorKind::Honeytoken,
            key: String::new(),
            severity: Severity::Critical,
            score: 100.0,
            summary: format!(
                "{emp} disclosed {} decoy customer record(s) through {}: no legitimate work \
                 touches a honeytoken, treat the account as compromised or malicious",
                decoys.len(),
                ev.action
            ),
            sellers: Vec::new(),
            customers: decoys.len() as u64,
            evidence: vec![ev.id.to_string()],
            explain: json!({
                "observed": decoys.len(),
                "expected": 0,
                "decoys": ids,
                "action": ev.action.as_str(),
                "purpose": a.verdict.as_str(),
            }),
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::*;

    #[test]
    fn any_disclosure_of_a_decoy_is_critical_at_once() {
        let mut t = Kit::new();
        t.plant("cus-decoy");
        t.view("emp-1", "cus-1", None);
        assert!(t.alerts_of("honeytoken").is_empty());
        let a = t.view("emp-1", "cus-decoy", None);
        let a: Vec<_> = a.iter().filter(|a| a.detector == "honeytoken").collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].severity, crate::Severity::Critical);
        assert_eq!(a[0].customers, 1);
        // Search hits count too.
        t.search("emp-2", &["cus-5", "cus-decoy"], None);
        assert!(t
            .alerts_of("honeytoken")
            .iter()
            .any(|a| a.employee == "emp-2"));
    }

    #[test]
    fn decoys_planted_later_or_untouched_do_not_fire() {
        let mut t = Kit::new();
        t.view("emp-1", "cus-9", None);
        t.plant("cus-9");
        t.view("emp-1", "cus-10", None);
        assert!(t.alerts_of("honeytoken").is_empty());
    }
}
