//! Investigations over the Custos ledger and store: the questions asked
//! after something went wrong, answered in seconds and with proofs.
//!
//! - [`breach_scope`] (`custos scope`): every customer whose records one
//!   or more employees were shown in a time window, with the data
//!   categories, first and last access, number of accesses, stated
//!   purposes and the ledger events that prove it.
//! - [`attribute`] (`custos attribute`): given a leaked sample of customer
//!   ids, which employees' accesses explain it, with a p-value and a score
//!   (model below); [`sample_matches`] is the reverse view for one
//!   employee.
//! - [`customer_accesses`] (`custos access-report`, and the function
//!   behind `GET /v1/customers/{id}/accesses`): every access to one
//!   customer's records, with pseudonymous employee ids ([`PseudonymKey`])
//!   and an inclusion proof each.
//! - Cases ([`Case`], `custos case`): investigations whose every step is
//!   an `x.case.*` event in the ledger (see the `cases` module for how a
//!   case's events are found and replayed), and [`breach_report`]
//!   (`custos report breach`): the GDPR Art. 33/34 notification draft of
//!   a case, in Markdown or HTML.
//! - [`ProofBundle`] (`--bundle`, `custos verify-bundle`): a
//!   self-contained JSON document that anyone can check offline with the
//!   log's public key and nothing else (format below).
//!
//! This crate reads; it never writes to the ledger or the store (a case
//! change is returned as an event for the caller to commit). It knows
//! no SQL (only the [`custos_store::Store`] trait) and no HTTP, and reads
//! no clock: every time comes from events or from the caller. The only
//! file it writes itself is the pseudonym key (`DATA_DIR/pseudonym.key`).
//!
//! # Store queries built here
//!
//! The `Store` trait has no "event at ledger index" lookup; [`events_at`]
//! builds one on [`Store::scan_rows`](custos_store::Store::scan_rows)
//! over runs of consecutive indexes.
//!
//! # Attribution model
//!
//! Let `S` be the leaked sample (distinct customer ids, `n = |S|`) and `W`
//! the time window. For a leaked customer `c`, `a(c)` is the number of
//! distinct employees who were shown `c` in `W` (views, order views,
//! search hits, exports; denied attempts disclose nothing): one indexed
//! `disclosures_by_customer` query per leaked id. The employees with
//! `a(c) > 0` for some `c` are the suspects. For each suspect `e`, `n_e`
//! is the number of customer records disclosed to `e` (a customer shown
//! twice counts twice), `n` the number disclosed to anyone and `N` the
//! number of employees with a disclosure; these three come from
//! per-employee-day counters the store keeps at ingest
//! ([`Store::disclosure_volume`](custos_store::Store::disclosure_volume)),
//! so the cost follows the sample and its suspects, not the store.
//!
//! - **Null hypothesis.** The leak came from someone else: `e`'s accesses
//!   are independent of the sample, and `e` was shown a customer `c` with
//!   probability `q_e(c) = min(1, s_e · max(a₋ₑ(c), 1))`, where
//!   `s_e = n_e / n` is e's share of all disclosures and `a₋ₑ(c)` the
//!   employees other than `e` who were shown `c`. A customer dozens of
//!   agents look at is likelier to have been seen by `e` too. Summed over
//!   the customers disclosed in `W`, `Σ_c q_e(c) ≈ n_e · T / n`, with `T`
//!   the (employee, customer) pairs: `e`'s expected number of distinct
//!   customers when `e` re-views customers as often as the average
//!   employee. (With distinct counts `|D_e|` instead of records this is
//!   `|D_e| · a₋ₑ(c) / T`; records are used because distinct counts over
//!   an arbitrary window cannot be kept at ingest, and reading them costs
//!   a scan of every suspect's disclosures, most of the store for a
//!   sample padded with widely viewed customers.) The number of sample
//!   customers `e` was shown, `X_e = Σ_{c∈S} Bernoulli(q_e(c))`, is then
//!   Poisson-binomial.
//! - **p-value** `= P(X_e ≥ matched_e)`, computed exactly by dynamic
//!   programming over the `n` trials (the upper tail is accumulated
//!   directly, so small p-values keep their precision).
//! - **Score** `= Σ_{c ∈ S ∩ D_e} ln(n / (a(c) · n_e))`, each term being
//!   `ln(N / a(c)) + ln(mean n_e / n_e)`: the log-likelihood ratio of "c
//!   was drawn from e's disclosures" against "c was drawn from a random
//!   disclosure". A customer only `e` touched weighs about `ln N`; one
//!   that dozens of agents legitimately touched weighs little, so padding
//!   a sample with such customers does not lift them; and an employee who
//!   saw a large share of all customers (a legal export) gains less per
//!   match than one who saw few.
//! - **Honeytokens** in the sample (planted decoy records no one has a
//!   reason to open) point straight at whoever disclosed them: such
//!   employees are listed under `honeytokens` and ranked first.
//! - **Ranking**: honeytoken hits, then score, then p-value, then id.
//!
//! `a(c)` is counted over `W` exactly; `n_e`, `n` and `N` over the whole
//! UTC days `W` touches ([`Attribution::exact_days`] says whether those
//! are exactly `W`; they are for the default, unbounded window and for
//! `--from`/`--to` given as dates).
//!
//! Sample ids that no one disclosed in `W` stay in `n`: each is a trial
//! every employee failed, which is evidence too.
//!
//! # Proof bundle format (`custos-proof-bundle/1`)
//!
//! One JSON object, written compactly with its keys in this order and a
//! final newline (the writer's exact bytes; a verifier re-serialises what
//! it parsed and rejects any other spelling):
//!
//! ```text
//! {"format":"custos-proof-bundle/1",
//!  "claim":{"breach_scope":{"employees":[..],"from":T|null,"to":T|null,"records":[ScopeRecord..]}}
//!       | {"access_report":{"customer":C,"from":T|null,"to":T|null,"records":[AccessRecord..]}},
//!  "checkpoint":"<signed note: origin\nsize\nbase64 root\n\n— sig\n>",
//!  "verifier_key":"<name>+<hex key id>+<base64 of 0x01 ‖ Ed25519 public key>",
//!  "tree_size":N, "root_hash":"<hex>",
//!  "entries":[{"index":I,"leaf_hash":"<hex>","entry":"<canonical event JSON>","proof":["<hex>",..]}, ..],
//!  "digest":"<hex>"}
//! ```
//!
//! - `checkpoint` is a C2SP tlog-checkpoint in a C2SP signed note (Ed25519)
//!   by the log's key; `tree_size` and `root_hash` repeat its body.
//! - Each entry is a ledger entry (the event's RFC 8785 canonical JSON,
//!   contract/EVENTS.md) as a JSON string; its bytes are the UTF-8 of that
//!   string. `leaf_hash = SHA-256(0x00 ‖ entry)` and `proof` is the RFC
//!   6962 audit path (§2.1.1) of leaf `index` in the tree of `tree_size`
//!   leaves, leaf side first. Any RFC 6962 verifier checks it (Go:
//!   `golang.org/x/mod/sumdb/tlog.CheckRecord`, transparency-dev's
//!   `proof.VerifyInclusion`). Entries are in strictly increasing index.
//! - `records` are what the entries imply, computed by the same code that
//!   answers from the store: a verifier recomputes them from the entries
//!   and the claim's filter and requires equality, and every entry must
//!   contribute. Times are `YYYY-MM-DDTHH:MM:SS.sssZ`, the window
//!   `[from, to)` with `null` for unbounded.
//! - `digest` is the hex SHA-256 of the bundle serialised with `digest`
//!   set to 64 zeros. It makes any edit to the claim's window (which the
//!   entries cannot bind) detectable, but anyone can recompute it: it
//!   guards against damage, not forgery. Authenticity comes only from the
//!   signed checkpoint and the inclusion proofs.
//!
//! What a valid bundle proves: the log holding the key signed a tree that
//! contains these exact events, and the records follow from them. It does
//! not prove completeness (that no other disclosure exists); for that, an
//! auditor re-runs the query on the data dir, or on the published log.
//! An access-report bundle contains the ledger entries, which name the
//! employees: it is for auditors. The customer-facing form is
//! [`AccessReport`]: leaf hashes and proofs without entries.

mod access;
mod attribution;
mod bundle;
mod cases;
mod error;
mod lookup;
mod pseudonym;
mod report;
mod scope;

pub use access::{access_records, customer_accesses, AccessRecord, AccessReport, ProvenAccess};
pub use attribution::{
    attribute, parse_sample, poisson_binomial_tail, sample_matches, Attribution, SampleMatch,
    Suspect,
};
pub use bundle::{
    verify_bundle, AccessClaim, BundleReport, Claim, HexHash, ProofBundle, ProvenEntry, ScopeClaim,
    BUNDLE_FORMAT,
};
pub use cases::{
    case_open_event_id, list_cases, load_case, next_case_number, open_case, Case, CaseChange,
    CaseNote, CaseOutcome, CaseScope, CaseStatus, CaseStep, Revealed, MAX_NOTE_BYTES,
};
pub use error::InvestigateError;
pub use lookup::{alert_scope_query, events_at};
pub use pseudonym::{PseudonymKey, PSEUDONYM_KEY_FILE};
pub use report::{
    breach_report, case_alerts, Block, BreachReport, CaseAlert, ReportContacts, ReportInput,
    Section, NOTIFICATION_HOURS,
};
pub use scope::{
    breach_scope, scope_records, BreachScope, Evidence, FieldTotal, ScopeQuery, ScopeRecord,
    ScopeTotals, SiteTotal,
};

pub type Result<T, E = InvestigateError> = std::result::Result<T, E>;
