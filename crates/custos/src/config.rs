//! The configuration file: `DATA_DIR/custos.toml` unless `--config` names
//! another. Every key is optional (defaults work without a file);
//! unknown keys are errors, and every problem is reported at once.
//! Command-line flags and `CUSTOS_*` variables override the file.

use crate::output::UsageError;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// The version this build reads; a file must say `version = 1`.
pub const CONFIG_VERSION: u32 = 1;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: Option<u32>,
    #[serde(default)]
    ledger: LedgerSection,
    #[serde(default)]
    ingest: IngestSection,
    #[serde(default)]
    serve: ServeSection,
    #[serde(default)]
    guard: GuardSection,
    /// Detector thresholds and windows; see `custos_detect::DetectConfig`
    /// for every key and its default.
    #[serde(default)]
    detect: custos_detect::DetectConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerSection {
    /// The log's name, `custos.local/<deployment>` by default.
    origin: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IngestSection {
    /// Events per group commit.
    batch: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeSection {
    listen: Option<String>,
}

/// `[guard]`: quotas and four-eyes options of the guard. Defaults:
/// `hour_limit = 10`, `day_limit = 30` (distinct customers an employee
/// may see beyond their tickets' scope per hour and per day, break-glass
/// included), `approval_ttl_minutes = 1440` (how long a four-eyes request
/// stays open), `approver_team = "any"` (any team lead other than the
/// requester; `same`: a lead of the requester's team; `other`: a lead of
/// another team), `answer = "durable"` (a decision is answered once its
/// ledger entry is durable; `journaled`: once it is in the decision
/// journal, committed in the background), `journal_sync_ms = 10` (how
/// often the journal is fsynced: what a machine crash may lose),
/// `journal_commit_ms = 0` (how long journaled decisions are collected
/// before they are committed together: fewer group commits and fsyncs,
/// less CPU per decision, but each commit a longer burst that answers
/// wait behind; delays when they reach the ledger, not the answer).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuardSection {
    hour_limit: Option<i64>,
    day_limit: Option<i64>,
    approval_ttl_minutes: Option<i64>,
    approver_team: Option<String>,
    answer: Option<String>,
    journal_sync_ms: Option<u64>,
    journal_commit_ms: Option<u64>,
}

/// `guard.journal_sync_ms` when not set.
pub const DEFAULT_JOURNAL_SYNC_MS: u64 = 10;

/// `guard.journal_commit_ms` when not set: commit as soon as the
/// committer is free, which gave the lowest p99 latency (BENCHMARKS.md,
/// "Journaled answers").
pub const DEFAULT_JOURNAL_COMMIT_MS: u64 = 0;

/// The validated, immutable configuration.
#[derive(Clone, Debug)]
pub struct Config {
    pub origin: String,
    pub batch: usize,
    pub listen: SocketAddr,
    pub detect: custos_detect::DetectConfig,
    pub guard: custos_guard::GuardConfig,
    /// When `POST /v1/decide` answers (`guard.answer`, `guard.journal_sync_ms`,
    /// `guard.journal_commit_ms`).
    pub decisions: custos_server::DecisionAnswer,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            guard: custos_guard::GuardConfig::default(),
            decisions: custos_server::DecisionAnswer::default(),
            detect: custos_detect::DetectConfig::default(),
            origin: custos_ingest::DEFAULT_ORIGIN.to_owned(),
            batch: 50_000,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
        }
    }
}

/// Reads and validates a config file; a missing file gives the defaults
/// unless it was named explicitly.
pub fn load(path: &Path, explicit: bool) -> Result<Config, UsageError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => {
            return Ok(Config::default())
        }
        Err(e) => {
            return Err(UsageError(format!(
                "cannot read the config file `{}`: {e}",
                path.display()
            )))
        }
    };
    parse(&text).map_err(|problems| {
        UsageError(format!(
            "the config file `{}` has {} problem{}: {}",
            path.display(),
            problems.len(),
            if problems.len() == 1 { "" } else { "s" },
            problems.join("; ")
        ))
    })
}

/// Parses a config text, collecting every problem.
pub fn parse(text: &str) -> Result<Config, Vec<String>> {
    let file: File = toml::from_str(text).map_err(|e| vec![e.to_string().replace('\n', " ")])?;
    let mut problems = Vec::new();
    let mut cfg = Config::default();
    match file.version {
        Some(CONFIG_VERSION) => {}
        Some(v) => problems.push(format!(
            "`version` is {v} but this build reads version {CONFIG_VERSION}"
        )),
        None => problems.push(format!(
            "`version` is missing; add `version = {CONFIG_VERSION}`"
        )),
    }
    if let Some(origin) = file.ledger.origin {
        if origin.is_empty() || origin.contains(char::is_whitespace) || origin.contains('+') {
            problems.push(format!(
                "`ledger.origin` `{origin}` must be non-empty without spaces or `+` (it names the signing key)"
            ));
        }
        cfg.origin = origin;
    }
    if let Some(batch) = file.ingest.batch {
        if !(1..=1_000_000).contains(&batch) {
            problems.push(format!("`ingest.batch` is {batch}; use 1 to 1000000"));
        }
        cfg.batch = batch;
    }
    if let Some(listen) = file.serve.listen {
        match listen.parse() {
            Ok(addr) => cfg.listen = addr,
            Err(_) => problems.push(format!(
                "`serve.listen` `{listen}` is not an address such as 127.0.0.1:8080"
            )),
        }
    }
    let g = file.guard;
    cfg.guard.hour_limit = g.hour_limit.unwrap_or(cfg.guard.hour_limit);
    cfg.guard.day_limit = g.day_limit.unwrap_or(cfg.guard.day_limit);
    if let Some(m) = g.approval_ttl_minutes {
        cfg.guard.approval_ttl_ms = m.saturating_mul(60_000);
    }
    if let Some(team) = g.approver_team {
        match custos_guard::ApproverTeam::parse(&team) {
            Some(t) => cfg.guard.approver_team = t,
            None => problems.push(format!(
                "`guard.approver_team` is `{team}`; use one of {}",
                custos_guard::ApproverTeam::NAMES.join(", ")
            )),
        }
    }
    let sync_ms = g.journal_sync_ms.unwrap_or(DEFAULT_JOURNAL_SYNC_MS);
    if !(1..=1000).contains(&sync_ms) {
        problems.push(format!(
            "`guard.journal_sync_ms` is {sync_ms}; use 1 to 1000"
        ));
    }
    let commit_ms = g.journal_commit_ms.unwrap_or(DEFAULT_JOURNAL_COMMIT_MS);
    if commit_ms > 1000 {
        problems.push(format!(
            "`guard.journal_commit_ms` is {commit_ms}; use 0 to 1000"
        ));
    }
    match g.answer.as_deref() {
        None | Some("durable") => {}
        Some("journaled") => {
            cfg.decisions = custos_server::DecisionAnswer::Journaled {
                sync: std::time::Duration::from_millis(sync_ms),
                collect: std::time::Duration::from_millis(commit_ms),
            }
        }
        Some(other) => problems.push(format!(
            "`guard.answer` is `{other}`; use one of {}",
            custos_server::DecisionAnswer::NAMES.join(", ")
        )),
    }
    problems.extend(cfg.guard.problems());
    problems.extend(file.detect.problems());
    cfg.detect = file.detect;
    if problems.is_empty() {
        Ok(cfg)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_needs_a_version() {
        assert!(parse("").unwrap_err()[0].contains("`version` is missing"));
        assert_eq!(parse("version = 1").unwrap().batch, 50_000);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let problems = parse(
            "version = 2\n[ledger]\norigin = \"a b\"\n[ingest]\nbatch = 0\n[serve]\nlisten = \"here\"\n",
        )
        .unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:?}");
        let problems = parse("version = 1\n[detect.seller_affinity]\nalpha = 7.0\n").unwrap_err();
        assert!(
            problems[0].starts_with("`detect.seller_affinity.alpha`"),
            "{problems:?}"
        );
    }

    #[test]
    fn guard_section_has_defaults_and_is_validated() {
        let cfg = parse("version = 1").unwrap();
        assert_eq!(cfg.guard, custos_guard::GuardConfig::default());
        let cfg = parse(
            "version = 1\n[guard]\nhour_limit = 5\nday_limit = 12\napproval_ttl_minutes = 60\napprover_team = \"other\"\n",
        )
        .unwrap();
        assert_eq!(
            (
                cfg.guard.hour_limit,
                cfg.guard.day_limit,
                cfg.guard.approval_ttl_ms
            ),
            (5, 12, 3_600_000)
        );
        assert_eq!(cfg.guard.approver_team, custos_guard::ApproverTeam::Other);
        assert_eq!(cfg.decisions, custos_server::DecisionAnswer::Durable);
        let cfg = parse("version = 1\n[guard]\nanswer = \"journaled\"\n").unwrap();
        assert_eq!(
            cfg.decisions,
            custos_server::DecisionAnswer::Journaled {
                sync: std::time::Duration::from_millis(DEFAULT_JOURNAL_SYNC_MS),
                collect: std::time::Duration::from_millis(DEFAULT_JOURNAL_COMMIT_MS),
            }
        );
        let cfg = parse(
            "version = 1\n[guard]\nanswer = \"journaled\"\njournal_sync_ms = 2\njournal_commit_ms = 20\n",
        )
        .unwrap();
        assert_eq!(
            cfg.decisions,
            custos_server::DecisionAnswer::Journaled {
                sync: std::time::Duration::from_millis(2),
                collect: std::time::Duration::from_millis(20),
            }
        );
        // (text, a problem that must be reported)
        let cases = [
            ("hour_limit = 0", "`guard.hour_limit` is 0"),
            ("hour_limit = 50", "above `guard.day_limit` (30)"),
            (
                "approval_ttl_minutes = 0",
                "`guard.approval_ttl_minutes` is 0",
            ),
            ("approver_team = \"mine\"", "use one of any, same, other"),
            ("answer = \"later\"", "use one of durable, journaled"),
            ("journal_sync_ms = 0", "`guard.journal_sync_ms` is 0"),
            (
                "journal_commit_ms = 5000",
                "`guard.journal_commit_ms` is 5000",
            ),
            ("quota = 3", "unknown field `quota`"),
        ];
        for (text, want) in cases {
            let problems = parse(&format!("version = 1\n[guard]\n{text}\n")).unwrap_err();
            assert!(
                problems.iter().any(|p| p.contains(want)),
                "{text}: {problems:?}"
            );
        }
        let problems =
            parse("version = 1\n[guard]\nhour_limit = -1\nday_limit = 0\napprover_team = \"x\"\n")
                .unwrap_err();
        assert_eq!(problems.len(), 3, "{problems:?}");
    }

    #[test]
    fn detect_names_a_rules_folder() {
        assert_eq!(parse("version = 1").unwrap().detect.rules_dir, None);
        let cfg = parse("version = 1\n[detect]\nrules_dir = \"/etc/custos/rules\"\n").unwrap();
        assert_eq!(cfg.detect.rules_dir.as_deref(), Some("/etc/custos/rules"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let problems = parse("version = 1\n[ingest]\nbatchsize = 10\n").unwrap_err();
        assert!(
            problems[0].contains("unknown field `batchsize`"),
            "{problems:?}"
        );
    }
}
