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
//! the time window. From the store, for every employee `e`, `D_e` is the
//! set of distinct customers disclosed to `e` in `W` (views, order views,
//! search hits, exports; denied attempts disclose nothing), `P` the
//! population of customers disclosed to anyone in `W` (`|∪ D_e|`), and
//! `N` the number of employees with at least one disclosure in `W`. For a
//! leaked customer `c`, `a(c)` is the number of distinct employees who
//! disclosed `c` in `W` (one indexed `disclosures_by_customer` query per
//! leaked id); `D_e`, `P` and `N` come from one indexed
//! `disclosures_by_employee` query per known employee.
//!
//! - **Null hypothesis.** The leak came from someone else: `e`'s accesses
//!   are independent of the sample, and `e` discloses a customer `c` with
//!   probability `q_e(c) = min(1, r_e · w(c))`, where `r_e = |D_e| / P` is
//!   e's disclosure rate (distinct customers e disclosed / customer
//!   population seen in disclosures) and `w(c) = max(a₋ₑ(c), 1) / ā`
//!   scales it by how widely `c` is disclosed (`a₋ₑ(c)`: employees other
//!   than `e` who disclosed `c`; `ā = T / P` the mean over the population,
//!   `T = Σ_e |D_e|`). A customer dozens of agents look at is likelier to
//!   have been seen by `e` too; with every customer equally popular,
//!   `q_e(c) = r_e`. Summed over the population, `Σ_c q_e(c) ≈ |D_e|`. The
//!   number of sample customers `e` disclosed,
//!   `X_e = Σ_{c∈S} Bernoulli(q_e(c))`, is then Poisson-binomial.
//! - **p-value** `= P(X_e ≥ matched_e)`, computed exactly by dynamic
//!   programming over the `n` trials (the upper tail is accumulated
//!   directly, so small p-values keep their precision).
//! - **Score** `= Σ_{c ∈ S ∩ D_e} ln(T / (a(c) · |D_e|))`, each term
//!   being `ln(N / a(c)) + ln(mean|D| / |D_e|)`: the
//!   log-likelihood ratio of "c was drawn from e's disclosures" against
//!   "c was drawn from a random disclosure". A customer only `e` touched
//!   weighs about `ln N`; one that dozens of agents legitimately touched
//!   weighs little, so padding a sample with such customers does not lift
//!   them; and an employee who saw a large share of all customers (a
//!   legal export) gains less per match than one who saw few.
//! - **Honeytokens** in the sample (planted decoy records no one has a
//!   reason to open) point straight at whoever disclosed them: such
//!   employees are listed under `honeytokens` and ranked first.
//! - **Ranking**: honeytoken hits, then score, then p-value, then id.
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
