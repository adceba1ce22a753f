//! The ledger events of the guard's work: every decision, grant and
//! refusal is a `guard.decide` event, so detection sees repeated denials
//! and an investigation sees who approved what.

use crate::approvals::Approval;
use crate::decision::{DecideRequest, Decision, Verdict};
use custos_core::Timestamp;
use serde_json::{json, Value};

/// The event recording a decision; `actor` is the employee who asked.
pub fn decision_event(id: &str, now: Timestamp, req: &DecideRequest, d: &Decision) -> Value {
    let mut attrs = json!({
        "decision": d.decision.as_str(),
        "request_action": req.action.as_str(),
        "policies": d.policies.join(","),
    });
    if let Some(a) = &d.approval {
        attrs["approval"] = json!(a.id);
    } else if let Some(a) = req.purpose.as_ref().and_then(|p| p.approval.as_ref()) {
        attrs["approval"] = json!(a);
    }
    if let Some(targets) = &req.targets {
        attrs["targets"] = json!(targets.len());
    }
    if !d.obligations.is_empty() {
        attrs["obligations"] = json!(d.obligations.join(","));
    }
    let mut e = json!({
        "id": id,
        "time": now.to_rfc3339(),
        "actor": req.actor,
        "action": "guard.decide",
        "attrs": attrs,
    });
    if let Some(t) = &req.target {
        e["target"] = json!(t);
    }
    if let Some(p) = &req.purpose {
        e["purpose"] = json!(p);
    }
    if d.decision != Verdict::Allow {
        e["outcome"] = json!("denied");
    }
    e
}

/// The event recording an approver's grant or denial of a request, or
/// (`refused`) an attempt the policies did not allow.
pub fn approval_event(
    id: &str,
    now: Timestamp,
    approver: &str,
    approval: &Approval,
    decision: &str,
    policies: &[String],
) -> Value {
    let mut e = json!({
        "id": id,
        "time": now.to_rfc3339(),
        "actor": {"type": "employee", "id": approver},
        "action": "guard.decide",
        "attrs": {
            "decision": decision,
            "request_action": approval.action,
            "request_target": approval.target,
            "requester": approval.requester,
            "approval": approval.id,
            "policies": policies.join(","),
        },
    });
    if decision == "refused" {
        e["outcome"] = json!("denied");
    }
    e
}
