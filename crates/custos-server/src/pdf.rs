//! The breach report as PDF (`custos report breach --format pdf`,
//! `GET /v1/cases/{id}/report?format=pdf`): the report's own HTML printed
//! by the system's headless Chromium, in a private temporary directory,
//! under a time limit.
//!
//! No kept Rust crate lays out HTML for print; a browser does it well,
//! and the HTML is the document the DPO already reads, so the PDF is that
//! very document with the print style it carries (A4, page numbers).
//! Chromium is found through `CUSTOS_CHROMIUM` (a path, or a name looked
//! up on `PATH`), else as `chromium`, `chromium-browser` or
//! `google-chrome` on `PATH`.
//!
//! Chromium runs without its sandbox: as root (a container, CI) it does
//! not start otherwise. What it opens is our own escaped text whose
//! Content-Security-Policy forbids every fetch and every script, and it
//! runs with a throwaway profile, `HOME` and temp dir of its own.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium's names on `PATH`, in the order tried.
const NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// How long one rendering may take. Chromium prints a report in about
/// 2 s on an idle machine; this leaves room for a busy one.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Flags for a one-shot print with nothing else started: no first-run
/// setup, no extensions, no background fetches (updates, sync, safe
/// browsing lists), no header or footer from the browser (the page
/// numbers come from the document's `@page` rule).
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-pdf-header-footer",
    // The same switch before Chromium 111; newer ones ignore it.
    "--print-to-pdf-no-header",
];

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no Chromium to print the PDF with (`CUSTOS_CHROMIUM` is unset and none of chromium, chromium-browser, google-chrome is on PATH): install chromium or set CUSTOS_CHROMIUM")]
    NoChromium,
    #[error("`CUSTOS_CHROMIUM` is `{0}`, which is not an executable file: install chromium or set CUSTOS_CHROMIUM to its path")]
    NotExecutable(String),
    #[error("cannot prepare the PDF rendering: {0}")]
    Io(#[from] std::io::Error),
    #[error("`{0}` did not print the PDF within {1} s")]
    Timeout(String, u64),
    #[error("`{chromium}` printed no PDF ({status}); its last words: {log}")]
    Failed {
        chromium: String,
        status: String,
        log: String,
    },
}

impl PdfError {
    /// True when there is no Chromium to run: the server's operator can
    /// fix it, the request cannot.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, PdfError::NoChromium | PdfError::NotExecutable(_))
    }
}

/// A Chromium binary that prints HTML to PDF.
#[derive(Clone, Debug)]
pub struct Chromium {
    path: PathBuf,
}

impl Chromium {
    /// `CUSTOS_CHROMIUM` if set, else the first of [`NAMES`] on `PATH`.
    pub fn find() -> Result<Chromium, PdfError> {
        let path = std::env::var_os("PATH").unwrap_or_default();
        match std::env::var_os("CUSTOS_CHROMIUM").filter(|v| !v.is_empty()) {
            Some(v) => Chromium::named(&v, &path)
                .ok_or_else(|| PdfError::NotExecutable(v.to_string_lossy().into_owned())),
            None => NAMES
                .iter()
                .find_map(|n| Chromium::named(OsStr::new(n), &path))
                .ok_or(PdfError::NoChromium),
        }
    }

    /// `name` as a path when it has a slash, else looked up on `path`.
    fn named(name: &OsStr, path: &OsStr) -> Option<Chromium> {
        let name = Path::new(name);
        let found = if name.components().count() > 1 || name.is_absolute() {
            is_executable(name).then(|| name.to_path_buf())
        } else {
            std::env::split_paths(path)
                .map(|d| d.join(name))
                .find(|p| is_executable(p))
        };
        found.map(|path| Chromium { path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Prints `html` (a self-contained document) to PDF and answers the
    /// PDF's bytes. Blocks for the whole rendering, a second or more: an
    /// async caller runs it on a blocking thread.
    pub fn print_to_pdf(&self, html: &str, timeout: Duration) -> Result<Vec<u8>, PdfError> {
        // Owner-only (0700), removed with everything in it when dropped.
        let dir = tempfile::Builder::new().prefix("custos-pdf-").tempdir()?;
        let page = dir.path().join("report.html");
        let out = dir.path().join("report.pdf");
        let log_path = dir.path().join("chromium.log");
        std::fs::write(&page, html)?;
        let log = File::create(&log_path)?;
        let mut cmd = Command::new(&self.path);
        cmd.args(FLAGS)
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg(format!("--print-to-pdf={}", out.display()))
            .arg(file_url(&page))
            // Whatever Chromium keeps outside its profile (caches, the NSS
            // database, crash reports) lands in the throwaway directory
            // too, not in the home of the account running Custos.
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_CACHE_HOME", dir.path())
            .env("TMPDIR", dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log);
        {
            use std::os::unix::process::CommandExt;
            // A group of its own, so that its helper processes can be
            // ended with it.
            cmd.process_group(0);
        }
        let chromium = self.path.display().to_string();
        let mut child = cmd.spawn().map_err(|e| PdfError::Failed {
            chromium: chromium.clone(),
            status: "did not start".into(),
            log: e.to_string(),
        })?;
        let deadline = Instant::now() + timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    end_group(&mut child);
                    return Err(PdfError::Timeout(chromium, timeout.as_secs()));
                }
                Err(e) => {
                    end_group(&mut child);
                    return Err(e.into());
                }
            }
        };
        // Helpers left behind (a crash handler) go with the browser.
        end_group(&mut child);
        match std::fs::read(&out) {
            Ok(pdf) if status.success() && pdf.starts_with(b"%PDF-") => Ok(pdf),
            _ => Err(PdfError::Failed {
                chromium,
                status: status.to_string(),
                log: last_lines(&std::fs::read_to_string(&log_path).unwrap_or_default()),
            }),
        }
    }
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Kills the child's process group and reaps the child.
fn end_group(child: &mut Child) {
    use rustix::process::{kill_process_group, Pid, Signal};
    // The group may be gone already, which is what we want.
    let _ = kill_process_group(Pid::from_child(child), Signal::KILL);
    let _ = child.kill();
    let _ = child.wait();
}

/// A `file://` URL for an absolute path, every byte but the unreserved
/// ones and `/` percent-encoded (`TMPDIR` may hold anything).
fn file_url(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut url = String::from("file://");
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

/// The end of Chromium's log, for an error message: its last three lines
/// that are not the D-Bus complaints of a machine without a session bus.
fn last_lines(log: &str) -> String {
    let lines: Vec<&str> = log
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.contains("dbus"))
        .collect();
    let tail = lines[lines.len().saturating_sub(3)..].join(" / ");
    if tail.is_empty() {
        "(none)".to_owned()
    } else {
        tail.chars().take(600).collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    #[test]
    fn file_urls_escape_what_a_path_may_hold() {
        assert_eq!(
            file_url(Path::new("/tmp/custos-pdf-Ab1/report.html")),
            "file:///tmp/custos-pdf-Ab1/report.html"
        );
        assert_eq!(
            file_url(Path::new("/tmp/a b#?%/r.html")),
            "file:///tmp/a%20b%23%3F%25/r.html"
        );
    }

    #[test]
    fn chromium_is_looked_up_on_the_path_or_taken_as_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("chromium-browser");
        std::fs::write(&bin, "#!/bin/sh\n").unwrap();
        let path = std::env::join_paths([dir.path()]).unwrap();
        // Not executable yet: not found.
        assert!(Chromium::named(OsStr::new("chromium-browser"), &path).is_none());
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = Chromium::named(OsStr::new("chromium-browser"), &path);
        assert_eq!(found.map(|c| c.path), Some(bin.clone()));
        let found = Chromium::named(bin.as_os_str(), OsStr::new(""));
        assert_eq!(found.map(|c| c.path), Some(bin));
        assert!(Chromium::named(OsStr::new("chromium"), &path).is_none());
    }

    /// Stand-ins for a broken and a hung browser (the real one is driven
    /// by crates/custos/tests/report_pdf.rs). One test, so that no other
    /// thread of this process forks while a script is open for writing.
    #[test]
    fn a_browser_that_fails_or_hangs_is_reported_and_ended() {
        let dir = tempfile::tempdir().unwrap();
        let broken = script(
            dir.path(),
            "broken",
            "echo '[1:2:ERROR:dbus/bus.cc] no bus' >&2; echo 'cannot open display' >&2; exit 3",
        );
        let pid_file = dir.path().join("sleep.pid");
        let hung = script(
            dir.path(),
            "hung",
            &format!("sleep 30 & echo $! > '{}'; wait", pid_file.display()),
        );
        let wrong = script(
            dir.path(),
            "wrong",
            "for a; do case $a in --print-to-pdf=*) echo hello > ${a#--print-to-pdf=};; esac; done",
        );

        let e = Chromium { path: broken }
            .print_to_pdf("<p>x</p>", TIMEOUT)
            .unwrap_err();
        let msg = e.to_string();
        assert!(matches!(e, PdfError::Failed { .. }), "{msg}");
        assert!(
            msg.contains("exit status: 3") && msg.contains("cannot open display"),
            "{msg}"
        );
        assert!(!msg.contains("dbus"), "{msg}");

        // Exits 0 but writes something that is not a PDF.
        let e = Chromium { path: wrong }
            .print_to_pdf("<p>x</p>", TIMEOUT)
            .unwrap_err();
        assert!(matches!(e, PdfError::Failed { .. }), "{e}");

        let started = Instant::now();
        let e = Chromium { path: hung }
            .print_to_pdf("<p>x</p>", Duration::from_millis(300))
            .unwrap_err();
        assert!(matches!(e, PdfError::Timeout(_, _)), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10));
        // The browser's own child went with it (gone, or a zombie that
        // only its new parent can reap).
        let pid = std::fs::read_to_string(&pid_file).unwrap();
        let stat = format!("/proc/{}/stat", pid.trim());
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let ended = std::fs::read_to_string(&stat).map_or(true, |s| {
                s.rsplit(')')
                    .next()
                    .is_some_and(|r| r.trim_start().starts_with('Z'))
            });
            if ended {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the hung browser's child {pid} lives on"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_failed_rendering_names_the_last_log_lines_not_the_dbus_noise() {
        let log = "a\n[1:2:ERROR:dbus/bus.cc:405] Failed to connect to the bus\nb\nc\nd\n[3:4:ERROR:dbus/x] y\n";
        assert_eq!(last_lines(log), "b / c / d");
        assert_eq!(last_lines(""), "(none)");
    }
}
