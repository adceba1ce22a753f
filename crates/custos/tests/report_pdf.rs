//! The breach report as PDF, printed by the system's real headless
//! Chromium: `custos report breach --format pdf` and
//! `GET /v1/cases/{id}/report?format=pdf`, and what both say when there
//! is no browser.
//!
//! Needs Chromium (`CUSTOS_CHROMIUM`, or chromium, chromium-browser or
//! google-chrome on PATH). Without it the rendering test fails when `CI`
//! is set and is skipped (with the reason printed) otherwise.
#![allow(clippy::unwrap_used)]

mod common;

use common::{custos, run, stderr, stdout, token};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

/// Whether a Chromium is there to print with, found as the product finds
/// it; a panic under CI when it is not.
fn chromium_present() -> bool {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let on_path = |n: &Path| std::env::split_paths(&path).any(|d| d.join(n).is_file());
    let found = match std::env::var_os("CUSTOS_CHROMIUM") {
        Some(p) if p.as_encoded_bytes().contains(&b'/') => Path::new(&p).is_file(),
        Some(p) => on_path(Path::new(&p)),
        None => ["chromium", "chromium-browser", "google-chrome"]
            .iter()
            .any(|n| on_path(Path::new(n))),
    };
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but there is no Chromium: apt-get install -y chromium"
        );
        eprintln!("skipped: no Chromium (CUSTOS_CHROMIUM, or chromium on PATH; apt-get install -y chromium)");
    }
    found
}

/// A small ledger in which `emp-3` opens a honeytoken customer, and a
/// case about `emp-3`; answers the data dir and the case id.
fn case(dir: &Path) -> (PathBuf, String) {
    let data = dir.join("data");
    let file = dir.join("e.jsonl");
    let mut text = common::events(200);
    text.push_str(r#"{"id":"hp-1","time":"2026-03-01T00:00:00.500Z","actor":{"type":"system","id":"sys"},"action":"honeytoken.plant","target":{"type":"customer","id":"cus-decoy"}}"#);
    text.push('\n');
    text.push_str(r#"{"id":"hv-1","time":"2026-03-01T01:00:00.000Z","actor":{"type":"employee","id":"emp-3","role":"cs-agent"},"action":"customer.view","target":{"type":"customer","id":"cus-decoy"},"fields":["name","email"]}"#);
    text.push('\n');
    std::fs::write(&file, text).unwrap();
    let o = run(&data, &["ingest", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(
        &data,
        &[
            "case",
            "open",
            "--employee",
            "emp-3",
            "--title",
            "Decoy opened",
            "--by",
            "inv-ana",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(stdout(&o).trim()).unwrap();
    (data, v["case"].as_str().unwrap().to_owned())
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// The `/MediaBox [x0 y0 x1 y1]` of every page.
fn media_boxes(pdf: &[u8]) -> Vec<Vec<f64>> {
    let key = b"/MediaBox [";
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(at) = rest.windows(key.len()).position(|w| w == key) {
        rest = &rest[at + key.len()..];
        let end = rest.iter().position(|&b| b == b']').unwrap();
        let nums = String::from_utf8_lossy(&rest[..end])
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect();
        out.push(nums);
    }
    out
}

/// A whole PDF of A4 pages whose document title names the case. The
/// page text is compressed; the title (the HTML `<title>`) is not.
fn assert_pdf(pdf: &[u8], case: &str) {
    assert!(
        pdf.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        String::from_utf8_lossy(&pdf[..pdf.len().min(64)])
    );
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"), "a truncated PDF");
    // `/Type /Page` also starts every `/Type /Pages`.
    let pages = count(pdf, b"/Type /Page") - count(pdf, b"/Type /Pages");
    assert!(pages >= 1, "no page in the PDF");
    let boxes = media_boxes(pdf);
    assert_eq!(boxes.len(), pages, "{boxes:?}");
    // A4 is 595.3 × 841.9 pt; Chromium rounds to its pixel grid.
    assert!(
        boxes
            .iter()
            .all(|b| (b[2] - 595.3).abs() < 1.0 && (b[3] - 841.9).abs() < 1.0),
        "not every page is A4: {boxes:?}"
    );
    let title = format!("/Title (Personal data breach notification: draft for case {case})");
    assert_eq!(
        count(pdf, title.as_bytes()),
        1,
        "the PDF's title names no case {case}"
    );
}

/// `custos serve` with `extra_env`; answers the child and its address.
fn serve(data: &Path, extra_env: &[(&str, &str)]) -> (Child, String) {
    let mut cmd = custos(data);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .envs(extra_env.iter().copied())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = lines
        .find_map(|l| {
            let l = l.ok()?;
            let rest = l.split("http://").nth(1)?;
            Some(rest.split('/').next()?.to_owned())
        })
        .expect("the server did not report its address");
    // Keep draining its log so that it never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

/// A GET answering the status line and headers, and the raw body.
fn get(addr: &str, path: &str, token: &str) -> (String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8_lossy(&raw[..end]).to_lowercase(),
        raw[end + 4..].to_vec(),
    )
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_breach_report_prints_to_pdf_from_the_cli_and_over_http() {
    if !chromium_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (data, case) = case(dir.path());

    let out = dir.path().join("report.pdf");
    let o = run(
        &data,
        &[
            "report",
            "breach",
            "--case",
            &case,
            "--format",
            "pdf",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_pdf(&std::fs::read(&out).unwrap(), &case);

    let dpo = token(&data, "dpo", &[]);
    let (server, addr) = serve(&data, &[]);
    let _server = Killed(server);
    let (head, body) = get(&addr, &format!("/v1/cases/{case}/report?format=pdf"), &dpo);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: application/pdf"), "{head}");
    assert_pdf(&body, &case);
}

#[test]
fn without_chromium_the_report_says_how_to_get_one() {
    let dir = tempfile::tempdir().unwrap();
    let (data, case) = case(dir.path());
    let out = dir.path().join("report.pdf");
    let args = [
        "report",
        "breach",
        "--case",
        &case,
        "--format",
        "pdf",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = custos(&data)
        .args(args)
        .env("CUSTOS_CHROMIUM", "/nonexistent/chromium")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "`CUSTOS_CHROMIUM` is `/nonexistent/chromium`, which is not an executable file"
        ) && stderr(&o).contains("or use --format html"),
        "{}",
        stderr(&o)
    );
    let o = custos(&data)
        .args(args)
        .env_remove("CUSTOS_CHROMIUM")
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("install chromium or set CUSTOS_CHROMIUM; or use --format html"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());

    let dpo = token(&data, "dpo", &[]);
    let (server, addr) = serve(&data, &[("CUSTOS_CHROMIUM", "/nonexistent/chromium")]);
    let _server = Killed(server);
    let (head, body) = get(&addr, &format!("/v1/cases/{case}/report?format=pdf"), &dpo);
    let body = String::from_utf8_lossy(&body);
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(body.contains(r#""code":"unavailable""#), "{body}");
    assert!(body.contains("or ask for format=html"), "{body}");
    // The other formats do not need the browser.
    let (head, body) = get(&addr, &format!("/v1/cases/{case}/report?format=html"), &dpo);
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(String::from_utf8_lossy(&body).contains(&case));
}
