//! The web console in a real browser: headless Chromium driven over
//! WebDriver (`chromedriver`) against `custos serve --demo` on a loopback
//! port. Signs in with a token made by `custos token create`, opens the
//! alert with the highest score, checks its activity chart has data
//! points, opens a case from it, attaches and runs a breach scope and
//! downloads the breach report. Screenshots of every page go to
//! `target/browser-artifacts/` (at 1366 and 1920 pixels wide).
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test
//! fails when `CI` is set and is skipped (with the reason printed)
//! otherwise.
#![allow(clippy::unwrap_used)]

mod common;

use common::{custos, run, stderr, stdout};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long one page may take to show what the test waits for. Generous:
/// a debug build on two busy cores.
const PAGE: Duration = Duration::from_secs(30);

fn find_driver() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("chromedriver"))
        .find(|p| p.is_file())
}

/// A child process killed with its whole process group when dropped:
/// chromedriver starts Chromium, which starts helpers of its own.
struct Group(Child);

impl Group {
    fn spawn(cmd: &mut Command) -> Group {
        use std::os::unix::process::CommandExt;
        Group(cmd.process_group(0).spawn().unwrap())
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.wait();
    }
}

fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `custos serve --demo` on a data dir that already holds a small
/// simulated marketplace (so the demo seeds nothing and starts at once);
/// answers the address it listens on.
fn serve_demo(data: &Path) -> (Group, String) {
    let mut cmd = custos(data);
    cmd.args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped());
    let mut server = Group::spawn(&mut cmd);
    let err = server.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("http://").nth(1) {
                let _ = tx.send(rest.split('/').next().unwrap_or_default().to_owned());
            }
        }
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server did not report its address");
    (server, addr)
}

/// chromedriver on a free port, once it answers `/status`.
fn start_driver(driver: &Path) -> (Group, String) {
    let port = free_port();
    let mut cmd = Command::new(driver);
    cmd.arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = Group::spawn(&mut cmd);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::yield_now();
    }
    (child, format!("http://127.0.0.1:{port}"))
}

async fn browser(driver_url: &str, profile: &Path, downloads: &Path) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1366,900",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain([format!("--user-data-dir={}", profile.display())])
    .collect::<Vec<_>>();
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": args,
            "prefs": {
                "download.default_directory": downloads.to_str().unwrap(),
                "download.prompt_for_download": false,
            },
        },
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver_url)
        .await
        .unwrap()
}

/// Waits (polling, with a deadline) for an element.
async fn wait(c: &Client, css: &str) -> fantoccini::elements::Element {
    match c
        .wait()
        .at_most(PAGE)
        .every(Duration::from_millis(100))
        .for_element(Locator::Css(css))
        .await
    {
        Ok(e) => e,
        Err(e) => {
            let body = match c.find(Locator::Css("main")).await {
                Ok(m) => m.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if let Ok(png) = c.screenshot().await {
                let _ = std::fs::write(artifacts().join("failure.png"), png);
            }
            panic!("`{css}` did not appear: {e}\npage text:\n{body}");
        }
    }
}

/// Saves a screenshot at 1366 and 1920 pixels wide (the page is resized
/// and then put back).
async fn shoot(c: &Client, name: &str) {
    let dir = artifacts();
    for width in [1920u32, 1366] {
        c.set_window_size(width, 1000).await.unwrap();
        let png = c.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "not a PNG");
        std::fs::write(dir.join(format!("{name}-{width}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_signs_in_opens_the_top_alert_and_works_a_case() {
    let Some(driver) = find_driver().filter(|_| Path::new(CHROMIUM).is_file()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium or chromedriver is missing: apt-get install -y chromium chromium-driver"
        );
        eprintln!("skipped: no /usr/bin/chromium or chromedriver on PATH (apt-get install -y chromium chromium-driver)");
        return;
    };

    let _ = std::fs::remove_file(artifacts().join("failure.png"));

    // A small marketplace, ingested before the server starts, so that
    // `serve --demo` does not seed its full-size one.
    let dir = tempfile::tempdir().unwrap();
    let (sim, data) = (dir.path().join("sim"), dir.path().join("data"));
    let o = run(
        &data,
        &[
            "simulate",
            "--employees",
            "40",
            "--days",
            "7",
            "--out",
            sim.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        &data,
        &["ingest", sim.join("events.jsonl").to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    // The alert the console must put on top when sorted by score.
    let o = run(&data, &["alerts", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let alerts: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect();
    let best = alerts
        .iter()
        .filter_map(|a| a["score"].as_f64())
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(best.is_finite(), "the simulation raises no alerts");
    let o = run(
        &data,
        &["token", "create", "--role", "admin", "--name", "browser"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let token = stdout(&o).trim().to_owned();

    let (_server, addr) = serve_demo(&data);
    let base = format!("http://{addr}");
    let (_driver, driver_url) = start_driver(&driver);
    let downloads = dir.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let c = browser(&driver_url, &dir.path().join("profile"), &downloads).await;

    // Sign in.
    c.goto(&format!("{base}/")).await.unwrap();
    wait(&c, "#token").await.send_keys(&token).await.unwrap();
    c.find(Locator::Css("#signin-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The overview: a severity chart with bars, and the ledger status.
    wait(&c, "#sev-chart svg [data-point]").await;
    wait(&c, "#ledger-status dl").await;
    wait(&c, "#top-risk table").await;
    shoot(&c, "01-overview").await;

    // The queue sorted by score: its first row is the top alert.
    c.goto(&format!("{base}/alerts?sort=score&dir=desc&status=all"))
        .await
        .unwrap();
    let first = wait(&c, "#alert-table tbody tr").await;
    let top_id = first.attr("data-alert").await.unwrap().unwrap();
    let top = alerts
        .iter()
        .find(|a| a["id"] == top_id.as_str())
        .unwrap_or_else(|| {
            panic!("the queue shows `{top_id}`, which `custos alerts` does not list")
        })
        .clone();
    assert_eq!(
        top["score"].as_f64(),
        Some(best),
        "the queue sorted by score does not start with the highest-scoring alert"
    );
    shoot(&c, "02-alert-queue").await;
    first
        .find(Locator::Css("td a[href^='/alerts/']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The alert page: its explanation and a chart with data points.
    wait(&c, "#explain dl").await;
    wait(&c, "#activity-chart svg").await;
    let points = c
        .find_all(Locator::Css("#activity-chart svg circle[data-point]"))
        .await
        .unwrap();
    assert!(
        points.len() >= 2,
        "the activity chart has {} data points",
        points.len()
    );
    wait(&c, "#evidence ol.timeline li").await;
    assert!(c.current_url().await.unwrap().path().ends_with(&top_id));
    shoot(&c, "03-alert").await;

    // Open a case from it: the browser lands on the case page.
    c.find(Locator::Css("#open-case"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(&c, "#scope-form").await;
    let case_path = c.current_url().await.unwrap().path().to_owned();
    assert!(case_path.starts_with("/cases/case-"), "{case_path}");
    let case_id = case_path.trim_start_matches("/cases/").to_owned();
    let title = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(title.contains(&case_id), "{title}");

    // Attach a scope (the form is filled with the case's employees) and
    // see its records.
    c.find(Locator::Css("#scope-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait(&c, "#scope-table tbody tr").await;
    shoot(&c, "04-case").await;

    // Download the breach report and check the file.
    c.find(Locator::Css("button[data-dl$='/report?format=md']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let report = downloads.join(format!("{case_id}-breach-report.md"));
    let deadline = Instant::now() + PAGE;
    let text = loop {
        // Chromium writes `.crdownload` first and renames it when done.
        if let Ok(t) = std::fs::read_to_string(&report) {
            if !t.is_empty() {
                break t;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no report downloaded; the download dir holds {:?}",
            std::fs::read_dir(&downloads)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(text.contains(&case_id), "the report does not name the case");
    assert!(
        text.starts_with('#'),
        "not a Markdown report: {}",
        &text[..text.len().min(200)]
    );
    std::fs::copy(&report, artifacts().join("breach-report.md")).unwrap();

    // The other pages draw real content from the same data.
    let employee = top["employee"].as_str().unwrap();
    for (path, css, name) in [
        (
            format!("/employees/{employee}"),
            "#activity-chart svg [data-point]",
            "05-employee",
        ),
        (
            format!("/scope?employee={employee}"),
            "#scope-table tbody tr",
            "06-scope",
        ),
        ("/cases".to_owned(), "#cases table tbody tr", "07-cases"),
        (
            "/ledger?event=".to_owned() + top["evidence"][0].as_str().unwrap(),
            "#proof-verdict.ok",
            "08-ledger",
        ),
        (
            "/approvals".to_owned(),
            "#approvals p, #approvals table",
            "09-approvals",
        ),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        wait(&c, css).await;
        shoot(&c, name).await;
    }
    if let Some(seller) = top["sellers"][0].as_str() {
        c.goto(&format!("{base}/sellers/{seller}")).await.unwrap();
        wait(&c, "#seller table tbody tr").await;
        shoot(&c, "10-seller").await;
    }

    c.close().await.unwrap();
}
