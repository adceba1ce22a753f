//! Helpers shared by the end-to-end tests: run the real `custos` binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

pub fn custos(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_custos"));
    c.arg("--data-dir").arg(data_dir);
    c.env_remove("CUSTOS_DATA_DIR");
    c.stdin(Stdio::null());
    c
}

pub fn run(data_dir: &Path, args: &[&str]) -> Output {
    custos(data_dir).args(args).output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `n` valid, time-sorted events of several kinds, one JSON line each.
pub fn events(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let t = format!(
            "2026-03-01T{:02}:{:02}:{:02}.000Z",
            (i / 3600) % 24,
            (i / 60) % 60,
            i % 60
        );
        let line = match i % 4 {
            0 => format!(
                r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"employee","id":"emp-{}","role":"cs-agent"}},"action":"customer.view","target":{{"type":"customer","id":"cus-{}"}},"fields":["name","email"],"purpose":{{"ticket":"tkt-{i}","code":"customer_request"}}}}"#,
                i % 7,
                i % 101
            ),
            1 => format!(
                r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"customer","id":"cus-{}"}},"action":"review.create","target":{{"type":"review","id":"rev-{i}"}},"attrs":{{"seller":"sel-{}","rating":{}}}}}"#,
                i % 101,
                i % 13,
                1 + i % 5
            ),
            2 => format!(
                r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"employee","id":"emp-{}"}},"action":"customer.search","targets":["cus-{}","cus-{}"],"attrs":{{"query":"smith"}}}}"#,
                i % 7,
                i % 101,
                (i + 1) % 101
            ),
            _ => format!(
                r#"{{"id":"ev-{i}","time":"{t}","actor":{{"type":"customer","id":"cus-{}"}},"action":"order.create","target":{{"type":"order","id":"ord-{i}"}},"attrs":{{"seller":"sel-{}"}}}}"#,
                i % 101,
                i % 13
            ),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

pub fn summary(o: &Output) -> serde_json::Value {
    let text = stdout(o);
    let last = text.lines().last().unwrap_or_default();
    serde_json::from_str(last)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {text}\nstderr: {}", stderr(o)))
}
