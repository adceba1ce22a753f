//! Detection inside ingest: every committed event goes through the
//! detection engine in ledger order, its alerts are stored, and the
//! engine's state is snapshotted to the store so that a restart resumes
//! from the snapshot instead of replaying history.

use crate::pipeline::{parse_entry, IngestError, Pipeline};
use crate::writer::Job;
use custos_core::Event;
use custos_detect::{Alert, DetectConfig, DetectError, Engine, RiskRow, RuleProblem, SigmaRules};
use custos_store::AlertRow;
use std::collections::BTreeMap;

/// Where the snapshot lives in the store's state table.
const SNAPSHOT_KEY: &str = "detect/snapshot";

/// Events between two snapshots, when no other moment (the end of an
/// ingest, a server stop) takes one first.
const SNAPSHOT_EVERY: u64 = 1_000_000;

pub(crate) struct Detection {
    engine: Engine,
    /// How many ledger entries the engine has observed.
    position: u64,
    since_snapshot: u64,
    /// Events between two periodic snapshots.
    snapshot_every: u64,
}

/// Custos's own events (its users' actions, the guard's decisions, case
/// steps) are stamped with the wall clock. They must not move risk's
/// "now": replayed or simulated marketplace history would decay to zero
/// the moment someone looked at it.
fn is_custos_own(event: &Event) -> bool {
    let action = event.action.as_str();
    action == "custos.access"
        || action == "guard.decide"
        || action.starts_with("x.case.")
        || action.starts_with("x.alert.")
}

impl Pipeline {
    /// Turns detection on: restores the engine from its snapshot (or starts
    /// a fresh one) and brings it up to the ledger by observing the
    /// entries it has not seen.
    pub fn enable_detection(&mut self, cfg: DetectConfig) -> Result<(), IngestError> {
        self.enable_detection_with_rules(cfg, None)
    }

    /// [`Pipeline::enable_detection`] with Sigma rules loaded (see
    /// [`Pipeline::load_sigma_rules`]). They are given before catching up, so the
    /// events the snapshot has not seen go through them too.
    pub fn enable_detection_with_rules(
        &mut self,
        cfg: DetectConfig,
        rules: Option<&SigmaRules>,
    ) -> Result<(), IngestError> {
        let (mut engine, position) = match self.store.get_state(SNAPSHOT_KEY)? {
            Some(bytes) if bytes.len() >= 16 => {
                let word = |at: usize| {
                    let mut w = [0u8; 8];
                    w.copy_from_slice(&bytes[at..at + 8]);
                    w
                };
                let position = u64::from_be_bytes(word(0));
                let latest = i64::from_be_bytes(word(8));
                match Engine::restore(&bytes[16..], cfg.clone()) {
                    Ok(engine) if position <= self.ledger.size() => {
                        self.latest = self.latest.max(custos_core::Timestamp(latest));
                        (engine, position)
                    }
                    // A snapshot from another version or ahead of the
                    // ledger is useless: start again from the beginning.
                    _ => (Engine::try_new(cfg)?, 0),
                }
            }
            _ => (Engine::try_new(cfg)?, 0),
        };
        if let Some(rules) = rules {
            engine.set_sigma_rules(rules)?;
        }
        if self.partitioned {
            engine.partitioned();
        }
        self.detection = Some(Detection {
            engine,
            position,
            since_snapshot: 0,
            snapshot_every: SNAPSHOT_EVERY,
        });
        self.catch_up_detection()
    }

    /// [`Pipeline::enable_detection_with_rules`] for one partition of
    /// several: the engine also leaves aggregates in the shared store for
    /// the cross-partition pass ([`crate::cross_pass`]), which computes
    /// volume against peers of every partition in its place.
    pub fn enable_partitioned_detection(
        &mut self,
        cfg: DetectConfig,
        rules: Option<&SigmaRules>,
    ) -> Result<(), IngestError> {
        self.partitioned = true;
        self.enable_detection_with_rules(cfg, rules)
    }

    /// Drops the engine, if there is one, and enables detection again
    /// with its config: restored from the store's snapshot and caught up
    /// from the ledger.
    pub(crate) fn restart_detection(&mut self) -> Result<(), IngestError> {
        match self.detection.take() {
            Some(d) => self.enable_detection_with_rules(d.engine.config().clone(), None),
            None => Ok(()),
        }
    }

    fn catch_up_detection(&mut self) -> Result<(), IngestError> {
        let size = self.ledger.size();
        let Some(start) = self.detection.as_ref().map(|d| d.position) else {
            return Ok(());
        };
        let mut next = start;
        while next < size {
            let end = (next + 10_000).min(size);
            let mut events = Vec::with_capacity((end - next) as usize);
            for (k, entry) in self.ledger.entries(next..end)?.enumerate() {
                let index = next + k as u64;
                events.push(parse_entry(index, &entry?)?);
            }
            self.detect(events.iter(), end)?;
            next = end;
        }
        Ok(())
    }

    /// Observes events that now sit in the ledger up to `position`, and
    /// stores the alerts they raised or updated.
    pub(crate) fn detect<'e>(
        &mut self,
        events: impl Iterator<Item = &'e Event>,
        position: u64,
    ) -> Result<(), IngestError> {
        let Some(d) = self.detection.as_mut() else {
            return Ok(());
        };
        // The last version of each alert is the one to store.
        let mut changed: BTreeMap<String, Alert> = BTreeMap::new();
        let mut observed = 0;
        let mut latest = self.latest;
        for event in events {
            if !is_custos_own(event) {
                latest = latest.max(event.time);
            }
            for alert in d.engine.observe(event) {
                changed.insert(alert.id.clone(), alert);
            }
            observed += 1;
        }
        d.position = position;
        d.since_snapshot += observed;
        let aggregates = d.engine.take_aggregates();
        self.latest = latest;
        if !self.writable {
            return Ok(());
        }
        let rows: Vec<AlertRow> = changed.into_values().map(|a| alert_row(&a)).collect();
        if !rows.is_empty() {
            self.write(Job::Alerts(rows))?;
        }
        if !aggregates.is_empty() {
            self.write(Job::Aggregates(crate::cross::batch(aggregates)))?;
        }
        if self
            .detection
            .as_ref()
            .is_some_and(|d| d.since_snapshot >= d.snapshot_every)
        {
            // Queued behind the batches it reflects, not waited for: a
            // flush here would also end a bulk load half-way (its
            // indexes built, the rest of the load inserted through them),
            // which made a large first ingest 50% slower with detection.
            self.queue_snapshot()?;
        }
        Ok(())
    }

    /// How many events detection observes between two snapshots taken on
    /// the way (default 1,000,000; the end of an ingest and a server stop
    /// take one too). A restart replays at most this many.
    pub fn set_detection_snapshot_every(&mut self, events: u64) {
        if let Some(d) = self.detection.as_mut() {
            d.snapshot_every = events.max(1);
        }
    }

    /// Saves the engine's state with the ledger position it reflects,
    /// and waits until it is durable.
    pub fn snapshot_detection(&mut self) -> Result<(), IngestError> {
        self.queue_snapshot()?;
        self.flush()
    }

    /// Hands the engine's state to the store's writer, after the batches
    /// it reflects (the writer applies jobs in order).
    fn queue_snapshot(&mut self) -> Result<(), IngestError> {
        let Some(d) = self.detection.as_mut().filter(|_| self.writable) else {
            return Ok(());
        };
        let mut bytes = d.position.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.latest.millis().to_be_bytes());
        bytes.extend_from_slice(&d.engine.snapshot());
        d.since_snapshot = 0;
        self.write(Job::State {
            key: SNAPSHOT_KEY.to_owned(),
            value: bytes,
        })
    }

    /// Every employee's current risk (at the time of the latest event),
    /// highest first; empty when detection is off.
    pub fn risk(&self) -> Vec<RiskRow> {
        match &self.detection {
            Some(d) => d.engine.risk(self.latest),
            None => Vec::new(),
        }
    }
}

impl Pipeline {
    /// Reads the Sigma rule files (`*.yml`, `*.yaml`, in name order) of
    /// the data dir's `rules/` folder, if it exists, and of a configured
    /// folder, which must. `None` when there is no rule file at all.
    /// Every problem of every file is reported at once, each with its path.
    pub fn load_sigma_rules(
        data_dir_rules: &std::path::Path,
        configured: Option<&std::path::Path>,
    ) -> Result<Option<SigmaRules>, IngestError> {
        load_sigma_rules(data_dir_rules, configured)
    }
}

fn load_sigma_rules(
    data_dir_rules: &std::path::Path,
    configured: Option<&std::path::Path>,
) -> Result<Option<SigmaRules>, IngestError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let dirs = std::iter::once((data_dir_rules, false)).chain(configured.map(|d| (d, true)));
    for (dir, required) in dirs {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => continue,
            Err(e) => {
                problems.push(unreadable(dir, &e));
                continue;
            }
        };
        let mut paths: Vec<std::path::PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
            .collect();
        paths.sort();
        for p in paths {
            match std::fs::read_to_string(&p) {
                Ok(text) => files.push((p.display().to_string(), text)),
                Err(e) => problems.push(unreadable(&p, &e)),
            }
        }
    }
    if !problems.is_empty() {
        return Err(DetectError::Rules(problems).into());
    }
    if files.is_empty() {
        return Ok(None);
    }
    Ok(Some(SigmaRules::parse(&files)?))
}

fn unreadable(path: &std::path::Path, e: &std::io::Error) -> RuleProblem {
    RuleProblem {
        file: path.display().to_string(),
        line: None,
        column: None,
        reason: format!("cannot read it: {e}"),
    }
}

pub(crate) fn alert_row(a: &Alert) -> AlertRow {
    AlertRow {
        id: a.id.clone(),
        time: a.time,
        employee: a.employee.clone(),
        detector: a.detector.clone(),
        severity: a.severity.as_str().to_owned(),
        score: a.score,
        json: serde_json::to_string(a).unwrap_or_default(),
    }
}
