//! `custos policy check [FILE...]` and `custos policy test FILE.json`:
//! the guard's policies checked against the schema, and a table of
//! example requests run against them.

use crate::output::{Context, Format};
use crate::Outcome;
use anyhow::{Context as _, Result};
use custos_core::Timestamp;
use custos_guard::{DecideRequest, Guard, GuardConfig, MemoryFacts, PolicySource, Verdict};
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(clap::Subcommand)]
pub enum PolicyCommand {
    /// Validates policy files strictly against the schema (the shipped defaults when no FILE).
    Check {
        /// Cedar policy files, checked together as one set.
        files: Vec<PathBuf>,
    },
    /// Runs a table of example requests and compares each decision with the expected one.
    Test {
        /// JSON: {"now", "policies"?: [files], "facts", "cases": [{"name", "request", "expect"}]}.
        file: PathBuf,
    },
}

pub fn run(ctx: &Context, cmd: PolicyCommand) -> Result<Outcome> {
    match cmd {
        PolicyCommand::Check { files } => check(&files),
        PolicyCommand::Test { file } => test(ctx, &file),
    }
}

fn sources(files: &[PathBuf], base: Option<&Path>) -> Result<Vec<PolicySource>> {
    if files.is_empty() {
        return Ok(vec![PolicySource::default_policies()]);
    }
    files
        .iter()
        .map(|f| {
            let path = match base {
                Some(b) if f.is_relative() => b.join(f),
                _ => f.clone(),
            };
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read the policy file `{}`", path.display()))?;
            Ok(PolicySource::new(f.display().to_string(), text))
        })
        .collect()
}

fn check(files: &[PathBuf]) -> Result<Outcome> {
    let sources = sources(files, None)?;
    match Guard::check(&sources) {
        Ok(set) => {
            println!("ok: {} policies in {}", set.len(), set.files().join(", "));
            Ok(Outcome::Ok)
        }
        Err(e) => {
            for p in &e.0 {
                eprintln!("{p}");
            }
            eprintln!(
                "error: {} problem(s); the policies were not accepted",
                e.0.len()
            );
            Ok(Outcome::Problem)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    now: Timestamp,
    #[serde(default)]
    policies: Vec<PathBuf>,
    #[serde(default)]
    facts: MemoryFacts,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    request: DecideRequest,
    expect: Verdict,
}

fn test(ctx: &Context, file: &Path) -> Result<Outcome> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read `{}`", file.display()))?;
    let table: TestFile = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not a policy test table", file.display()))?;
    let sources = sources(&table.policies, file.parent())?;
    let guard = Guard::new(GuardConfig::default(), &sources)
        .map_err(|e| anyhow::anyhow!("the policies have problems:\n{e}"))?;
    let mut failed = 0;
    let mut rows = Vec::new();
    for case in &table.cases {
        let (got, why) = match guard.decide(&case.request, &table.facts, table.now) {
            Ok(d) => (
                d.decision.as_str().to_owned(),
                format!("{} [{}]", d.reasons.join("; "), d.policies.join(",")),
            ),
            Err(e) => ("error".to_owned(), e.to_string()),
        };
        let ok = got == case.expect.as_str();
        if !ok {
            failed += 1;
        }
        rows.push((case.name.clone(), case.expect.as_str(), got, ok, why));
    }
    match ctx.format {
        Format::Json => {
            for (name, expect, got, ok, why) in &rows {
                println!(
                    "{}",
                    serde_json::json!({"case": name, "expect": expect, "got": got, "ok": ok, "why": why})
                );
            }
        }
        _ => {
            let w = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
            println!("{:w$}  {:14}  {:14}  result", "case", "expect", "got");
            for (name, expect, got, ok, why) in &rows {
                let result = if *ok {
                    "ok".to_owned()
                } else {
                    format!("FAIL: {why}")
                };
                println!("{name:w$}  {expect:14}  {got:14}  {result}");
            }
        }
    }
    eprintln!(
        "{} of {} cases as expected",
        rows.len() - failed,
        rows.len()
    );
    Ok(if failed == 0 {
        Outcome::Ok
    } else {
        Outcome::Problem
    })
}
