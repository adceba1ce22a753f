//! The engine: world model, detectors, incidents and risk behind one
//! pure `observe(event) -> alerts` step.

use crate::access;
use crate::alert::{alert_id, Alert, Severity};
use crate::config::DetectConfig;
use crate::cross::{Collected, EmployeeDay, Progress, SellerSignal};
use crate::detectors::beneficiary_convergence::BeneficiaryConvergence;
use crate::detectors::departing_employee::DepartingEmployee;
use crate::detectors::guard_denials::GuardDenials;
use crate::detectors::honeytoken::Honeytoken;
use crate::detectors::purpose_violation::PurposeViolation;
use crate::detectors::reactivation_abuse::ReactivationAbuse;
use crate::detectors::review_deletion_targeting::ReviewDeletionTargeting;
use crate::detectors::revisits::Revisits;
use crate::detectors::rules::{Rule, Rules};
use crate::detectors::seller_affinity::SellerAffinity;
use crate::detectors::sigma::{self, SigmaDetector, SigmaMemory, SigmaRules};
use crate::detectors::volume_anomaly::VolumeAnomaly;
use crate::detectors::{Ctx, Detector, DetectorKind, Finding, Out};
use crate::risk::{RiskBook, RiskRow};
use crate::world::World;
use crate::DetectError;
use custos_core::time::MS_PER_DAY;
use custos_core::{Event, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the snapshot format; bumped whenever the state layout changes.
pub const SNAPSHOT_VERSION: u16 = 17;
const MAGIC: &[u8; 8] = b"CUSTOSDT";

/// An open incident: the alert as last reported, and when it last grew.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Incident {
    id: String,
    time: i64,
    severity: Severity,
    score: f64,
    summary: String,
    sellers: Vec<String>,
    customers: u64,
    evidence: Vec<String>,
    /// JSON text: the compact binary snapshot format cannot hold a
    /// self-describing `serde_json::Value`.
    explain: String,
    last_update: i64,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct State {
    world: World,
    purpose: PurposeViolation,
    revisits: Revisits,
    affinity: SellerAffinity,
    deletion: ReviewDeletionTargeting,
    reactivation: ReactivationAbuse,
    volume: VolumeAnomaly,
    honeytoken: Honeytoken,
    departing: DepartingEmployee,
    guard_denials: GuardDenials,
    beneficiary: BeneficiaryConvergence,
    sigma: SigmaMemory,
    incidents: BTreeMap<(u32, DetectorKind, String), Incident>,
    risk: RiskBook,
    events: u64,
}

/// Sizes of the engine's state, for capacity planning: everything but
/// `events` is bounded by marketplace entities or by windows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EngineStats {
    pub events: u64,
    pub customers: usize,
    pub sellers: usize,
    pub employees: usize,
    pub reviews: usize,
    /// Open tickets and those closed within the retention.
    pub tickets: usize,
    pub review_counters: usize,
    pub open_incidents: usize,
}

/// The detection engine. Feed it events in time order with
/// [`Engine::observe`]; it returns the alerts each event raised or
/// updated.
pub struct Engine {
    cfg: DetectConfig,
    st: State,
    rules: Rules,
    /// Sigma rules, when loaded; their windows are state, the rules config.
    sigma: Option<SigmaDetector>,
    /// Sigma windows restored from a snapshot before the rules were given.
    pending_sigma: Option<String>,
    /// Aggregates for the cross-partition pass, collected since last
    /// taken; `None` unless this engine runs one partition of several.
    collected: Option<Collected>,
}

impl Engine {
    /// A fresh engine. The config is taken as given; see
    /// [`Engine::try_new`] to validate it first.
    pub fn new(cfg: DetectConfig) -> Engine {
        Engine {
            cfg,
            st: State::default(),
            rules: Rules::default(),
            sigma: None,
            pending_sigma: None,
            collected: None,
        }
    }

    /// A fresh engine, refusing a config with problems.
    pub fn try_new(cfg: DetectConfig) -> Result<Engine, DetectError> {
        check(&cfg)?;
        Ok(Engine::new(cfg))
    }

    pub fn config(&self) -> &DetectConfig {
        &self.cfg
    }

    /// Adds a single-event rule (rules are configuration: re-add them
    /// after [`Engine::restore`]).
    pub fn add_rule(&mut self, rule: Box<dyn Rule>) {
        self.rules.rules.push(rule);
    }

    /// Loads (or replaces) the Sigma rules. Windows of correlations kept
    /// by id carry over, as do those restored from a snapshot; rules are
    /// configuration, so give them again after [`Engine::restore`].
    pub fn set_sigma_rules(&mut self, rules: &SigmaRules) -> Result<(), DetectError> {
        let mut d = SigmaDetector::new(rules)?;
        let carried = match self.sigma.take() {
            Some(old) => Some(old.export()),
            None => self.pending_sigma.take(),
        };
        if let Some(json) = carried {
            d.import(&json)?;
        }
        self.sigma = Some(d);
        Ok(())
    }

    /// Makes this engine one partition of several: from now on it
    /// collects the aggregates of [`crate::cross`] (take them with
    /// [`Engine::take_aggregates`]) and leaves volume, whose peer groups
    /// span partitions, to the cross-partition pass. Configuration, like
    /// rules: call it again after [`Engine::restore`].
    pub fn partitioned(&mut self) {
        self.collected.get_or_insert_with(Collected::default);
    }

    /// The aggregates collected since the last call; empty unless
    /// [`Engine::partitioned`].
    pub fn take_aggregates(&mut self) -> Collected {
        self.collected
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Takes in one event and returns the alerts it raised (new id) or
    /// updated (same id and raise time, grown evidence or severity).
    pub fn observe(&mut self, ev: &Event) -> Vec<Alert> {
        let t = ev.time.millis();
        let day = ev.time.day();
        self.st.events += 1;
        if self.st.world.start.is_none() {
            self.st.world.start = Some(t);
            self.st.world.day = day;
        }
        if t > self.st.world.now {
            self.st.world.now = t;
        }
        if day > self.st.world.day {
            self.roll_day(day);
        }
        let cfg = &self.cfg;
        let State {
            world,
            purpose,
            revisits,
            affinity,
            deletion,
            reactivation,
            volume,
            honeytoken,
            departing,
            guard_denials,
            beneficiary,
            sigma: sigma_mem,
            incidents,
            risk,
            ..
        } = &mut self.st;
        world.apply_before(ev, cfg);
        let access = access::analyze(world, ev, cfg);
        if let Some(a) = &access {
            world.record_access(a);
        }
        let mut out = Out::default();
        {
            let cx = Ctx {
                world,
                ev,
                access: access.as_ref(),
                cfg,
                now: world.now,
                day: world.day,
            };
            let detectors: [&mut dyn Detector; 9] = [
                honeytoken,
                purpose,
                revisits,
                affinity,
                deletion,
                reactivation,
                volume,
                departing,
                guard_denials,
            ];
            let partitioned = self.collected.is_some();
            for d in detectors {
                if partitioned && d.kind() == DetectorKind::VolumeAnomaly {
                    continue;
                }
                if cfg.is_enabled(d.kind()) {
                    d.observe(&cx, &mut out);
                }
            }
            self.rules.observe(&cx, &mut out);
            let new_site = sigma::observe_site(sigma_mem, &cx);
            if let Some(s) = self.sigma.as_mut() {
                s.observe(&cx, new_site, &mut out);
            }
            let signals = std::mem::take(&mut out.signals);
            if let Some(c) = self.collected.as_mut() {
                for s in &signals {
                    c.signal(SellerSignal {
                        seller: cx.world.seller_name(s.seller).to_owned(),
                        employee: cx.world.emp_name(s.employee).to_owned(),
                        kind: s.kind.code().to_owned(),
                        day: cx.day,
                        strong: s.strong,
                        log10_p: s.log10_p.unwrap_or(0.0),
                        event: ev.id.to_string(),
                    });
                }
            }
            beneficiary.observe_signals(&cx, &signals, &mut out);
        }
        world.apply_after(ev);
        if out.findings.is_empty() {
            return Vec::new();
        }
        let now = world.now;
        let mut alerts = Vec::with_capacity(out.findings.len());
        for f in out.findings {
            let (emp, kind) = (f.employee, f.detector);
            if let Some(a) = apply_finding(incidents, world, f, ev.time, now, cfg) {
                risk.record(emp, &a, kind, now, &cfg.risk);
                alerts.push(a);
            }
        }
        alerts
    }

    fn roll_day(&mut self, day: i64) {
        let cfg = &self.cfg;
        let st = &mut self.st;
        st.world.roll_day(day, cfg);
        let w = &st.world;
        if let Some(c) = self.collected.as_mut() {
            for &e in &w.rolled {
                if let Some(d) = w.emp[e as usize].activity.history.back() {
                    c.days.push(EmployeeDay {
                        employee: w.emp_name(e).to_owned(),
                        day: d.day,
                        peer_group: w.peer_name(w.peer(e)).to_owned(),
                        metrics: [d.customers, d.searches, d.exported],
                    });
                }
            }
            c.progress = Some(Progress {
                day: day - 1,
                employees: w.emp.len() as u64,
                sellers: w.sellers_with_customers as u64,
            });
        }
        st.purpose.roll_day(w, day, cfg);
        st.revisits.roll_day(w, day, cfg);
        st.affinity.roll_day(w, day, cfg);
        st.deletion.roll_day(w, day, cfg);
        st.reactivation.roll_day(w, day, cfg);
        st.volume.roll_day(w, day, cfg);
        st.honeytoken.roll_day(w, day, cfg);
        st.departing.roll_day(w, day, cfg);
        st.beneficiary.roll_day(w, day, cfg);
        if let Some(s) = self.sigma.as_mut() {
            s.evict(w.now);
        }
        let gap = cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
        let now = w.now;
        st.incidents.retain(|_, i| now - i.last_update <= gap);
        st.risk.prune(now, &cfg.risk);
    }

    /// Risk of every employee known to the engine at event time `at`,
    /// highest first.
    pub fn risk(&self, at: Timestamp) -> Vec<RiskRow> {
        self.st.risk.rows(&self.st.world, at, &self.cfg.risk)
    }

    /// The whole state, to resume after a restart without replaying
    /// history: 8 bytes of magic, a big-endian `u16` format version, then
    /// the state in `postcard`.
    pub fn snapshot(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(1 << 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&SNAPSHOT_VERSION.to_be_bytes());
        // The Sigma windows travel as the correlation engine's own export.
        let sigma = match &self.sigma {
            Some(s) => Some(s.export()),
            None => self.pending_sigma.clone(),
        };
        // Serialising plain data into a Vec cannot fail.
        postcard::to_extend(&(&self.st, sigma), out).unwrap_or_default()
    }

    /// Resumes from a [`Engine::snapshot`], with a (possibly changed) config.
    pub fn restore(bytes: &[u8], cfg: DetectConfig) -> Result<Engine, DetectError> {
        check(&cfg)?;
        if bytes.len() < MAGIC.len() + 2 || &bytes[..MAGIC.len()] != MAGIC {
            return Err(DetectError::BadMagic);
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        if version != SNAPSHOT_VERSION {
            return Err(DetectError::Version {
                found: version,
                expected: SNAPSHOT_VERSION,
            });
        }
        let (st, pending_sigma): (State, Option<String>) =
            postcard::from_bytes(&bytes[10..]).map_err(|e| DetectError::Corrupt(e.to_string()))?;
        Ok(Engine {
            cfg,
            st,
            rules: Rules::default(),
            sigma: None,
            pending_sigma,
            collected: None,
        })
    }

    pub fn stats(&self) -> EngineStats {
        let [customers, sellers, employees, reviews, tickets, review_counters] =
            self.st.world.approx_entities();
        EngineStats {
            events: self.st.events,
            customers,
            sellers,
            employees,
            reviews,
            tickets,
            review_counters,
            open_incidents: self.st.incidents.len(),
        }
    }
}

fn check(cfg: &DetectConfig) -> Result<(), DetectError> {
    let p = cfg.problems();
    if p.is_empty() {
        Ok(())
    } else {
        Err(DetectError::Config(p.join("; ")))
    }
}

/// Merges a finding into its incident: a new alert, or an update of the
/// open one (only reported when something a reader sees changed).
fn apply_finding(
    incidents: &mut BTreeMap<(u32, DetectorKind, String), Incident>,
    world: &World,
    f: Finding,
    time: Timestamp,
    now: i64,
    cfg: &DetectConfig,
) -> Option<Alert> {
    let gap = cfg.alerts.incident_gap_days as i64 * MS_PER_DAY;
    let max_ev = cfg.alerts.max_evidence as usize;
    let emp = world.emp_name(f.employee);
    let key = (f.employee, f.detector, f.key);
    let inc = match incidents.get_mut(&key) {
        Some(inc) if now - inc.last_update <= gap => {
            inc.last_update = now;
            let mut changed = false;
            if f.severity > inc.severity {
                inc.severity = f.severity;
                changed = true;
            }
            if f.score > inc.score + 0.5 {
                inc.score = f.score;
                changed = true;
            }
            if f.customers > inc.customers {
                inc.customers = f.customers;
                changed = true;
            }
            for e in f.evidence {
                if inc.evidence.len() < max_ev && !inc.evidence.contains(&e) {
                    inc.evidence.push(e);
                    changed = true;
                }
            }
            for s in f.sellers {
                if !inc.sellers.contains(&s) {
                    inc.sellers.push(s);
                    changed = true;
                }
            }
            if !changed {
                return None;
            }
            inc.sellers.sort();
            inc.summary = f.summary;
            inc.explain = f.explain.to_string();
            inc
        }
        _ => {
            let mut evidence = f.evidence;
            evidence.truncate(max_ev);
            let mut sellers = f.sellers;
            sellers.sort();
            sellers.dedup();
            let inc = Incident {
                id: alert_id(emp, key.1.as_str(), &key.2, time),
                time: time.millis(),
                severity: f.severity,
                score: f.score.clamp(0.0, 100.0),
                summary: f.summary,
                sellers,
                customers: f.customers,
                evidence,
                explain: f.explain.to_string(),
                last_update: now,
            };
            incidents.insert(key.clone(), inc);
            incidents.get_mut(&key)?
        }
    };
    Some(Alert {
        id: inc.id.clone(),
        time: Timestamp(inc.time),
        employee: emp.to_string(),
        detector: match key.1 {
            DetectorKind::Sigma => format!("sigma:{}", key.2),
            k => k.as_str().to_string(),
        },
        severity: inc.severity,
        score: (inc.score.clamp(0.0, 100.0) * 10.0).round() / 10.0,
        summary: inc.summary.clone(),
        sellers: inc.sellers.clone(),
        customers: inc.customers,
        evidence: inc.evidence.clone(),
        explain: serde_json::from_str(&inc.explain).unwrap_or(serde_json::Value::Null),
    })
}
