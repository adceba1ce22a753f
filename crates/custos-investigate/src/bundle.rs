//! Proof bundles: a claim (a breach scope or an access report), the ledger
//! entries it rests on, their inclusion proofs and the signed checkpoint,
//! in one JSON document anyone can verify offline. The format is
//! described in the crate documentation.

use crate::access::{access_record, AccessRecord};
use crate::error::InvestigateError;
use crate::scope::{scope_records, BreachScope, Evidence, ScopeQuery, ScopeRecord};
use crate::Result;
use custos_core::canonical::event_entry;
use custos_core::{parse_event, Timestamp};
use custos_ledger::{leaf_hash, verify_checkpoint_note, verify_inclusion, Hash, Ledger};
use custos_store::{derive_rows, DisclosureRow, TimeWindow};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// The `format` of bundles this version writes and reads.
pub const BUNDLE_FORMAT: &str = "custos-proof-bundle/1";

/// At most this many problems are listed; the rest are counted.
const MAX_PROBLEMS: usize = 50;

/// A SHA-256 hash written as 64 lowercase hex digits (and read only so:
/// another spelling of the same hash would be another bundle).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct HexHash(pub [u8; 32]);

impl Serialize for HexHash {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&custos_core::hex(&self.0))
    }
}

impl<'de> Deserialize<'de> for HexHash {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        parse_hex(&s).map(HexHash).ok_or_else(|| {
            serde::de::Error::custom(format_args!(
                "`{}` is not 64 lowercase hex digits",
                s.chars().take(70).collect::<String>()
            ))
        })
    }
}

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = digit(b[2 * i])? << 4 | digit(b[2 * i + 1])?;
    }
    Some(out)
}

impl From<Hash> for HexHash {
    fn from(h: Hash) -> Self {
        HexHash(h.0)
    }
}

/// A self-contained, offline-verifiable proof of a claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProofBundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    pub claim: Claim,
    /// The signed checkpoint note every proof leads to.
    pub checkpoint: String,
    /// The log's verifier key, as `ledger/key.vkey` holds it.
    pub verifier_key: String,
    /// The checkpoint's tree size and root, repeated for RFC 6962 tools.
    pub tree_size: u64,
    pub root_hash: HexHash,
    /// The ledger entries the claim rests on, by increasing index.
    pub entries: Vec<ProvenEntry>,
    /// SHA-256 of the bundle with this field zeroed: catches damage, not
    /// forgery.
    pub digest: HexHash,
}

/// What the bundle asserts; its records must be exactly what the entries
/// imply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Claim {
    BreachScope(ScopeClaim),
    AccessReport(AccessClaim),
}

impl Claim {
    pub fn kind(&self) -> &'static str {
        match self {
            Claim::BreachScope(_) => "breach_scope",
            Claim::AccessReport(_) => "access_report",
        }
    }

    fn records(&self) -> usize {
        match self {
            Claim::BreachScope(c) => c.records.len(),
            Claim::AccessReport(c) => c.records.len(),
        }
    }
}

/// The customers `employees` were shown in `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeClaim {
    /// Sorted, each once.
    pub employees: Vec<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub records: Vec<ScopeRecord>,
}

/// The accesses to `customer`'s records in `[from, to)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessClaim {
    pub customer: String,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub records: Vec<AccessRecord>,
}

/// One ledger entry with its inclusion proof.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProvenEntry {
    pub index: u64,
    pub leaf_hash: HexHash,
    /// The entry bytes (canonical event JSON) as a string.
    pub entry: String,
    /// RFC 6962 audit path, leaf side first.
    pub proof: Vec<HexHash>,
}

/// The bounds of a window, `None` where it is open.
pub(crate) fn bounds(w: TimeWindow) -> (Option<Timestamp>, Option<Timestamp>) {
    (
        (w.from.0 != i64::MIN).then_some(w.from),
        (w.to.0 != i64::MAX).then_some(w.to),
    )
}

pub(crate) fn window_of(from: Option<Timestamp>, to: Option<Timestamp>) -> TimeWindow {
    TimeWindow::new(
        from.unwrap_or(Timestamp(i64::MIN)),
        to.unwrap_or(Timestamp(i64::MAX)),
    )
}

/// The inclusion proof of `entry` at `index` in the ledger's checkpoint,
/// checked before it is handed out: an entry the checkpoint does not
/// cover, or one that is not the ledger's, is an error.
pub(crate) fn prove(ledger: &Ledger, index: u64, entry: &[u8]) -> Result<Vec<Hash>> {
    let cp = ledger.checkpoint();
    if index >= cp.size {
        return Err(InvestigateError::NotCovered {
            index,
            size: cp.size,
        });
    }
    let proof = ledger.prove_inclusion(index, cp.size)?;
    verify_inclusion(&leaf_hash(entry), index, cp.size, &cp.root, &proof)
        .map_err(|_| InvestigateError::StoreLedgerMismatch(index))?;
    Ok(proof)
}

impl ProofBundle {
    /// A bundle of `claim` with the proofs of `evidence` against the
    /// ledger's current checkpoint.
    pub fn build<'a>(
        ledger: &Ledger,
        claim: Claim,
        evidence: impl IntoIterator<Item = &'a Evidence>,
    ) -> Result<ProofBundle> {
        let mut evidence: Vec<&Evidence> = evidence.into_iter().collect();
        evidence.sort_by_key(|e| e.index);
        evidence.dedup_by_key(|e| e.index);
        let cp = ledger.checkpoint();
        let mut entries = Vec::with_capacity(evidence.len());
        for ev in evidence {
            let proof = prove(ledger, ev.index, &ev.entry)?;
            let entry = String::from_utf8(ev.entry.clone()).map_err(|e| {
                InvestigateError::CorruptEntry {
                    index: ev.index,
                    reason: e.to_string(),
                }
            })?;
            entries.push(ProvenEntry {
                index: ev.index,
                leaf_hash: leaf_hash(&ev.entry).into(),
                entry,
                proof: proof.into_iter().map(HexHash::from).collect(),
            });
        }
        let mut bundle = ProofBundle {
            format: BUNDLE_FORMAT.to_owned(),
            claim,
            checkpoint: cp.note_text.clone(),
            verifier_key: ledger.verifier_key().to_owned(),
            tree_size: cp.size,
            root_hash: cp.root.into(),
            entries,
            digest: HexHash::default(),
        };
        bundle.digest = bundle.compute_digest();
        Ok(bundle)
    }

    /// The bundle of a breach scope.
    pub fn of_scope(ledger: &Ledger, scope: &BreachScope) -> Result<ProofBundle> {
        let (from, to) = bounds(scope.query.window);
        let claim = Claim::BreachScope(ScopeClaim {
            employees: scope.query.employees.clone(),
            from,
            to,
            records: scope.records.clone(),
        });
        ProofBundle::build(ledger, claim, &scope.evidence)
    }

    /// The bundle of an access report built by
    /// [`access_records`](crate::access_records).
    pub fn of_accesses(
        ledger: &Ledger,
        customer: &str,
        window: TimeWindow,
        accesses: &[(AccessRecord, Evidence)],
    ) -> Result<ProofBundle> {
        let (from, to) = bounds(window);
        let claim = Claim::AccessReport(AccessClaim {
            customer: customer.to_owned(),
            from,
            to,
            records: accesses.iter().map(|(r, _)| r.clone()).collect(),
        });
        ProofBundle::build(ledger, claim, accesses.iter().map(|(_, e)| e))
    }

    /// The bundle's bytes: compact JSON in field order and a newline. The
    /// only spelling a verifier accepts.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising these types cannot fail: every map key is a string
        // and every Serialize impl is infallible.
        let mut out = serde_json::to_vec(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    fn compute_digest(&self) -> HexHash {
        let mut zeroed = self.clone();
        zeroed.digest = HexHash::default();
        HexHash(Sha256::digest(zeroed.to_bytes()).into())
    }
}

/// The outcome of [`verify_bundle`]: `ok` exactly when `problems` is empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BundleReport {
    pub ok: bool,
    /// `breach_scope` or `access_report`, once the bundle parsed.
    pub kind: Option<String>,
    /// Which key the checkpoint was checked with: `given` or `bundle`.
    pub key: String,
    pub origin: Option<String>,
    pub tree_size: Option<u64>,
    pub root_hash: Option<String>,
    pub entries: usize,
    pub records: usize,
    pub problems: Vec<String>,
}

struct Problems {
    list: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, p: String) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        } else {
            self.more += 1;
        }
    }

    fn finish(mut self) -> Vec<String> {
        if self.more > 0 {
            self.list.push(format!("and {} more problems", self.more));
        }
        self.list
    }
}

/// Verifies a bundle offline: its exact bytes, its digest, the
/// checkpoint's signature (with `trusted_key` when given, else with the
/// key inside the bundle, which only shows the bundle agrees with
/// itself), every entry's leaf hash and inclusion proof, and that the
/// claim's records are exactly what the entries imply. Never fails:
/// problems are reported.
pub fn verify_bundle(bytes: &[u8], trusted_key: Option<&str>) -> BundleReport {
    let mut report = BundleReport {
        ok: false,
        kind: None,
        key: if trusted_key.is_some() {
            "given"
        } else {
            "bundle"
        }
        .to_owned(),
        origin: None,
        tree_size: None,
        root_hash: None,
        entries: 0,
        records: 0,
        problems: Vec::new(),
    };
    let mut problems = Problems {
        list: Vec::new(),
        more: 0,
    };
    let bundle: ProofBundle = match serde_json::from_slice(bytes) {
        Ok(b) => b,
        Err(e) => {
            report.problems = vec![format!("the file is not a proof bundle: {e}")];
            return report;
        }
    };
    report.kind = Some(bundle.claim.kind().to_owned());
    report.entries = bundle.entries.len();
    report.records = bundle.claim.records();
    if bundle.format != BUNDLE_FORMAT {
        problems.push(format!(
            "format `{}` is not `{BUNDLE_FORMAT}`; use the Custos version that wrote it",
            bundle.format
        ));
    }
    if bundle.to_bytes() != bytes {
        problems.push(
            "the file is not in the bundle's exact form (compact JSON as written, one final newline): it was edited".into(),
        );
    }
    if bundle.compute_digest() != bundle.digest {
        problems.push("the digest does not match the bundle's contents: it was altered".into());
    }

    // The checkpoint, with the outside key if there is one.
    let key = trusted_key.unwrap_or(&bundle.verifier_key);
    if let Some(given) = trusted_key {
        if given != bundle.verifier_key {
            problems.push(format!(
                "the bundle names the log key `{}`, not the given `{given}`",
                bundle.verifier_key
            ));
        }
    }
    let (size, root) = match verify_checkpoint_note(&bundle.checkpoint, key) {
        Ok(cp) => {
            report.origin = Some(cp.origin.clone());
            if cp.size != bundle.tree_size || HexHash::from(cp.root) != bundle.root_hash {
                problems.push(format!(
                    "tree_size/root_hash ({}, {}) are not the signed checkpoint's ({}, {})",
                    bundle.tree_size,
                    custos_core::hex(&bundle.root_hash.0),
                    cp.size,
                    custos_core::hex(&cp.root.0)
                ));
            }
            (cp.size, cp.root)
        }
        Err(e) => {
            problems.push(format!("the checkpoint is not signed by the log key: {e}"));
            (bundle.tree_size, Hash(bundle.root_hash.0))
        }
    };
    report.tree_size = Some(size);
    report.root_hash = Some(custos_core::hex(&root.0));

    // Each entry: in increasing order, hashing to its leaf, proven.
    let mut events = Vec::with_capacity(bundle.entries.len());
    let mut previous: Option<u64> = None;
    for (n, e) in bundle.entries.iter().enumerate() {
        let at = format!("entry {n} (ledger index {})", e.index);
        if previous.is_some_and(|p| e.index <= p) {
            problems.push(format!("{at} is not after the entry before it"));
        }
        previous = Some(e.index);
        let leaf = leaf_hash(e.entry.as_bytes());
        if HexHash::from(leaf) != e.leaf_hash {
            problems.push(format!("{at}: the entry does not hash to its leaf_hash"));
        }
        let proof: Vec<Hash> = e.proof.iter().map(|h| Hash(h.0)).collect();
        if let Err(err) = verify_inclusion(&leaf, e.index, size, &root, &proof) {
            problems.push(format!(
                "{at}: the inclusion proof does not lead to the checkpoint root ({err})"
            ));
        }
        match parse_event(&e.entry) {
            Ok(ev) if event_entry(&ev) == e.entry.as_bytes() => events.push((e.index, ev)),
            Ok(_) => problems.push(format!("{at} is not a canonical ledger entry")),
            Err(r) => problems.push(format!("{at} is not a valid event: {r}")),
        }
    }

    // The claim against what the entries imply.
    match &bundle.claim {
        Claim::BreachScope(c) => check_scope(c, &events, &mut problems),
        Claim::AccessReport(c) => check_accesses(c, &events, &mut problems),
    }

    report.problems = problems.finish();
    report.ok = report.problems.is_empty();
    report
}

/// The disclosures of each entry, with its event id.
fn disclosures_of(events: &[(u64, custos_core::Event)]) -> Vec<(DisclosureRow, String)> {
    let mut out = Vec::new();
    for (index, ev) in events {
        let entry = event_entry(ev);
        for d in derive_rows(*index, ev, &entry).disclosures {
            out.push((d, ev.id.0.clone()));
        }
    }
    out
}

fn check_scope(c: &ScopeClaim, events: &[(u64, custos_core::Event)], problems: &mut Problems) {
    let mut sorted = c.employees.clone();
    sorted.sort();
    sorted.dedup();
    if sorted != c.employees || sorted.is_empty() {
        problems.push("the claim's employees are not a sorted list of distinct ids".into());
    }
    let query = ScopeQuery {
        employees: c.employees.clone(),
        window: window_of(c.from, c.to),
    };
    let all = disclosures_of(events);
    let covered: Vec<&(DisclosureRow, String)> =
        all.iter().filter(|(d, _)| query.covers(d)).collect();
    for (index, ev) in events {
        if !covered.iter().any(|(d, _)| d.index == *index) {
            problems.push(format!(
                "the entry at ledger index {index} (event `{}`) discloses nothing the claim covers",
                ev.id.0
            ));
        }
    }
    let implied = scope_records(covered.iter().map(|(d, id)| (d, id.as_str())));
    compare(&c.records, &implied, |r| r.customer.clone(), problems);
}

fn check_accesses(c: &AccessClaim, events: &[(u64, custos_core::Event)], problems: &mut Problems) {
    let window = window_of(c.from, c.to);
    let mut covered: Vec<(DisclosureRow, String)> = disclosures_of(events)
        .into_iter()
        .filter(|(d, _)| d.customer == c.customer && window.contains(d.time))
        .collect();
    covered.sort_by_key(|(d, _)| (d.index, d.position));
    for (index, ev) in events {
        if !covered.iter().any(|(d, _)| d.index == *index) {
            problems.push(format!(
                "the entry at ledger index {index} (event `{}`) is no access to `{}` in the claim's window",
                ev.id.0, c.customer
            ));
        }
    }
    let by_index: HashMap<u64, &custos_core::Event> = events.iter().map(|(i, e)| (*i, e)).collect();
    // Pseudonyms cannot be recomputed without the deployment's secret;
    // check they are well-formed and map employees one to one.
    let mut forward: BTreeMap<&str, &str> = BTreeMap::new();
    let mut backward: BTreeMap<&str, &str> = BTreeMap::new();
    let mut implied = Vec::with_capacity(covered.len());
    for (n, (d, id)) in covered.iter().enumerate() {
        let claimed = c.records.get(n).map_or("", |r| r.employee.as_str());
        let well_formed = claimed.len() == 20
            && claimed.starts_with("emp~")
            && claimed[4..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !well_formed && n < c.records.len() {
            problems.push(format!(
                "record {n}: `{claimed}` is not a pseudonym `emp~<16 hex>`"
            ));
        }
        if forward
            .insert(d.employee.as_str(), claimed)
            .is_some_and(|p| p != claimed)
            || backward
                .insert(claimed, d.employee.as_str())
                .is_some_and(|e| e != d.employee)
        {
            problems.push(format!(
                "record {n}: its pseudonym does not stand for one employee throughout"
            ));
        }
        let ev = by_index.get(&d.index);
        let role = ev.and_then(|e| e.actor.role.clone());
        let outcome = ev.map_or("allowed", |e| e.outcome().as_str());
        implied.push(access_record(d, id, role, outcome, claimed.to_owned()));
    }
    compare(&c.records, &implied, |r| r.event.clone(), problems);
}

/// Names the first difference between claimed and implied records.
fn compare<T: PartialEq>(
    claimed: &[T],
    implied: &[T],
    name: impl Fn(&T) -> String,
    problems: &mut Problems,
) {
    if claimed == implied {
        return;
    }
    if claimed.len() != implied.len() {
        problems.push(format!(
            "the claim lists {} records but its entries imply {}",
            claimed.len(),
            implied.len()
        ));
    }
    if let Some((n, (c, _))) = claimed
        .iter()
        .zip(implied)
        .enumerate()
        .find(|(_, (c, i))| c != i)
    {
        problems.push(format!(
            "record {n} (`{}`) is not what the entries imply",
            name(c)
        ));
    } else if claimed.len() == implied.len() {
        problems.push("the claim's records are not what the entries imply".into());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn hex_hashes_are_read_only_in_lowercase() {
        let h = HexHash([0xab; 32]);
        let text = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<HexHash>(&text).unwrap(), h);
        assert!(serde_json::from_str::<HexHash>(&text.to_uppercase()).is_err());
        assert!(serde_json::from_str::<HexHash>("\"ab\"").is_err());
    }

    #[test]
    fn open_bounds_are_null() {
        assert_eq!(bounds(TimeWindow::ALL), (None, None));
        let w = TimeWindow::new(Timestamp(1), Timestamp(2));
        assert_eq!(window_of(bounds(w).0, bounds(w).1), w);
    }

    #[test]
    fn garbage_is_reported_not_panicked_on() {
        let r = verify_bundle(b"{\"format\":1}", None);
        assert!(!r.ok);
        assert_eq!(r.problems.len(), 1);
        assert!(r.problems[0].starts_with("the file is not a proof bundle"));
    }
}
