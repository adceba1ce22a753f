//! What a tool asks (`POST /v1/decide`) and what the guard answers.

use custos_core::{Action, Actor, AttrValue, DataField, Purpose, Target};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The event that is about to happen, without `id` and `time`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    pub actor: Actor,
    pub action: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub targets: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<DataField>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<Purpose>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrs: Option<BTreeMap<String, AttrValue>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Allow,
    Deny,
    NeedsApproval,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
            Verdict::NeedsApproval => "needs_approval",
        }
    }
}

/// The approval request a `needs_approval` decision opened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApprovalRef {
    pub id: String,
    pub status: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub decision: Verdict,
    /// Why, in words a tool can show: the `@reason` of each deciding policy.
    pub reasons: Vec<String>,
    /// What the caller must do when it goes ahead (`alert`, `review_after`).
    pub obligations: Vec<String>,
    /// The ids of the policies that decided.
    pub policies: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<ApprovalRef>,
    /// The approval this allow consumes, when it was a four-eyes action.
    #[serde(skip)]
    pub consumes_approval: Option<String>,
}
