//! Helpers shared by the end-to-end tests: run the real `custos` binary.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

// A running `custos serve` on a loopback port, and plain HTTP/1.1 requests
// to it (no client library: the tests see exactly what goes over the wire).

pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start(data: &std::path::Path) -> Server {
    start_logged(data).0
}

/// A server whose stderr lines are kept, for what its start reports.
pub fn start_logged(data: &Path) -> (Server, Arc<Mutex<Vec<String>>>) {
    let mut child = custos(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&lines);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let _ = tx.send(
                    rest.trim_end_matches(|c| c != '/')
                        .trim_end_matches('/')
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .to_owned(),
                );
            }
            kept.lock().unwrap().push(line);
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server did not report its address");
    (Server { child, addr }, lines)
}

pub struct Answer {
    pub status: u16,
    pub body: String,
}

pub fn request(
    server: &Server,
    method: &str,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &[u8],
) -> Answer {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut stream = loop {
        match TcpStream::connect(&server.addr) {
            Ok(s) => break s,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::yield_now();
            }
            Err(e) => panic!("cannot connect: {e}"),
        }
    };
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\nContent-Type: {content_type}\r\n", server.addr, body.len());
    if let Some(t) = token {
        head.push_str(&format!("Authorization: {t}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    // A server refusing a huge body may answer and close before reading
    // it all; its answer is still there to read.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Answer { status, body }
}

pub fn get(server: &Server, path: &str, token: Option<&str>) -> Answer {
    request(server, "GET", path, token, "application/json", b"")
}

pub fn token(data: &std::path::Path, role: &str, extra: &[&str]) -> String {
    let mut args = vec!["token", "create", "--role", role, "--name", role];
    args.extend_from_slice(extra);
    let out = run(data, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    format!("Bearer {}", stdout(&out).trim())
}

/// A PostgreSQL database of this test run's own, dropped at the end, on
/// the server `CUSTOS_TEST_POSTGRES` names (default the local `test`).
/// `None` (with the reason printed) when there is no server outside CI;
/// a panic in CI, where the server must be there.
#[allow(dead_code)]
pub struct PgTestDb {
    admin_url: String,
    name: String,
    pub url: String,
}

#[allow(dead_code)]
impl PgTestDb {
    pub fn create(tag: &str) -> Option<PgTestDb> {
        use postgres::{Client, NoTls};
        let admin_url = std::env::var("CUSTOS_TEST_POSTGRES")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
        let mut admin = match Client::connect(&admin_url, NoTls) {
            Ok(c) => c,
            Err(e) if std::env::var_os("CI").is_some() => {
                panic!("PostgreSQL at {admin_url} is required in CI: {e}")
            }
            Err(e) => {
                eprintln!("skipped: no PostgreSQL at {admin_url} ({e}); set CUSTOS_TEST_POSTGRES");
                return None;
            }
        };
        let name = format!("custos_{tag}_{}", std::process::id());
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let base = admin_url.split('?').next().unwrap_or(&admin_url);
        let url = match base.rfind('/') {
            Some(i) if i > "postgres://".len() => format!("{}/{name}", &base[..i]),
            _ => format!("{base}/{name}"),
        };
        Some(PgTestDb {
            admin_url,
            name,
            url,
        })
    }

    /// Rows of (text, bigint, bigint) keyed by the text.
    pub fn query_pairs(&self, sql: &str) -> std::collections::BTreeMap<String, (i64, i64)> {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        c.query(sql, &[])
            .unwrap()
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect()
    }
}

impl Drop for PgTestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
