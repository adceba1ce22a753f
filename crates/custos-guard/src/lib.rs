//! The guard: internal tools ask it before they disclose customer data or
//! act (delete a review, reactivate an account), and it answers allow,
//! deny or needs_approval with reasons a tool can show.
//!
//! Decisions are Cedar policies (`policies/default.cedar`) validated
//! strictly against a schema (`policies/custos.cedarschema`). The facts a
//! decision needs (the employee, the ticket a purpose names, an approval,
//! recent disclosures) come through the [`Facts`] trait, and the time
//! from the caller: the decision itself reads no clock and does no I/O,
//! so the same facts and time give the same answer. [`StoreFacts`] reads
//! them from a `custos_store::Store`; approvals are kept in the store's
//! state table ([`approvals`]). A serving guard keeps employees and
//! tickets in memory ([`Guard::warm_facts`]), dropping what each
//! committed event changes ([`Guard::observe`]).
//!
//! This crate does not know HTTP, does not write the ledger (it builds the
//! `guard.decide` events; the caller commits them) and does not detect.

pub mod approvals;
mod book;
mod cache;
mod decision;
mod event;
mod facts;
mod guard;
mod policy;

pub use approvals::{Approval, ApprovalStatus};
pub use decision::{ApprovalRef, DecideRequest, Decision, Verdict};
pub use event::{approval_event, decision_event};
pub use facts::{
    Disclosed, EmployeeFacts, EmployeeStatus, Facts, FactsError, MemoryFacts, StoreFacts,
    TicketFacts,
};
pub use guard::{ApproverTeam, Guard, GuardConfig, GuardError, Prepared, DECIDED_ACTIONS};
pub use policy::{
    Policies, PolicyErrors, PolicyProblem, PolicySource, DEFAULT_FILE, DEFAULT_POLICIES, SCHEMA,
};
