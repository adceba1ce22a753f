//! Printing records as a table for people, JSON Lines or CSV for scripts.

use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

impl Format {
    /// `table` on a terminal, `json` when piped.
    pub fn default_for_terminal() -> Format {
        if std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::Json
        }
    }
}

/// What every command gets from the global options.
pub struct Context {
    pub data_dir: PathBuf,
    /// The store (`--store`): the embedded one in the data dir by default.
    pub store: custos_store::StoreSpec,
    pub format: Format,
    pub config: crate::config::Config,
}

impl Context {
    pub fn data_dir(&self) -> custos_ingest::DataDir {
        custos_ingest::DataDir::new(self.data_dir.clone()).with_store(self.store.clone())
    }

    /// Opens an existing data dir for reading, beside a running server.
    pub fn open_read_only(&self) -> anyhow::Result<custos_ingest::Pipeline> {
        use anyhow::Context as _;
        let dir = self.data_dir();
        if !dir.ledger().join("checkpoint").exists() {
            return Err(UsageError(format!(
                "`{}` holds no Custos ledger; ingest events first or pass --data-dir",
                self.data_dir.display()
            ))
            .into());
        }
        custos_ingest::Pipeline::open_read_only(&dir)
            .with_context(|| format!("cannot open the data dir `{}`", self.data_dir.display()))
    }

    /// Opens the pipeline with detection on (and the Sigma rules of the
    /// data dir and `[detect] rules_dir`), caught up with the ledger.
    pub fn open_detecting(&self) -> anyhow::Result<custos_ingest::Pipeline> {
        use anyhow::Context as _;
        let rules = self.sigma_rules()?;
        let mut p = self.open()?;
        p.enable_detection_with_rules(self.config.detect.clone(), rules.as_ref())
            .context("cannot start detection")?;
        Ok(p)
    }

    /// The Sigma rules of `DATA_DIR/rules/` and of the configured
    /// `[detect] rules_dir`; a bad rule file is a configuration error.
    pub fn sigma_rules(&self) -> anyhow::Result<Option<custos_detect::SigmaRules>> {
        let configured = self
            .config
            .detect
            .rules_dir
            .as_deref()
            .map(std::path::Path::new);
        custos_ingest::Pipeline::load_sigma_rules(&self.data_dir.join("rules"), configured)
            .map_err(|e| UsageError(format!("cannot load the Sigma rules: {e}")).into())
    }

    pub fn open(&self) -> anyhow::Result<custos_ingest::Pipeline> {
        use anyhow::Context as _;
        custos_ingest::Pipeline::open(&self.data_dir(), &self.config.origin)
            .with_context(|| format!("cannot open the data dir `{}`", self.data_dir.display()))
    }
}

/// Bad usage or configuration: exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Prints one record as a JSON line.
pub fn json_line<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Prints `key: value` lines of a flat JSON object, for people.
pub fn table_of<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let v = serde_json::to_value(value)?;
    let mut out = std::io::stdout().lock();
    if let Some(obj) = v.as_object() {
        let width = obj.keys().map(|k| k.len()).max().unwrap_or(0);
        for (k, v) in obj {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Array(items) if items.is_empty() => "none".to_owned(),
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join("\n  "),
                other => other.to_string(),
            };
            writeln!(out, "{k:width$}  {text}")?;
        }
    }
    Ok(())
}

/// Prints one flat record as a CSV header and row.
pub fn csv_of<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let v = serde_json::to_value(value)?;
    let mut out = std::io::stdout().lock();
    if let Some(obj) = v.as_object() {
        let header: Vec<&str> = obj.keys().map(String::as_str).collect();
        writeln!(out, "{}", header.join(","))?;
        let row: Vec<String> = obj
            .values()
            .map(|v| csv_field(&v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Prints a flat record in the chosen format.
pub fn record<T: Serialize>(format: Format, value: &T) -> anyhow::Result<()> {
    match format {
        Format::Json => json_line(value),
        Format::Table => table_of(value),
        Format::Csv => csv_of(value),
    }
}
