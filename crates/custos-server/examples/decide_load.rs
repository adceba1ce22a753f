//! Open-loop load on `POST /v1/decide` of a running `custos serve`.
//!
//! Request `i` is scheduled at `start + i / rate` and sent on keep-alive
//! HTTP/1.1 connection `i % connections`; each connection is one OS
//! thread that sleeps to its next scheduled time, sends, and blocks for
//! the answer. Latency runs from the scheduled time, not from the send,
//! so a slow answer that makes the next request on its connection leave
//! late is counted (no coordinated omission); the time from the actual
//! send is printed beside it. A thread per connection costs the machine
//! two wake-ups per request (the timer, the answer); an earlier version,
//! a pacer thread feeding async tasks, cost twice the CPU per request at
//! 5,000/s (the same at 10,000/s), CPU the measured server shares.
//!
//! ```sh
//! cargo run --release -p custos-server --example decide_load -- \
//!     --url http://127.0.0.1:8080 --token cst_... --rate 10000 --seconds 30 [--connections 64] [--seed]
//! ```
//! `--seed` first posts HR facts and one assigned ticket for each of 100
//! benchmark employees (needs an `ingest` token, which `/v1/decide` needs
//! too), so decisions are real allows in ticket scope. `TRACE=FILE`
//! writes each answer's scheduled time and latency (µs) to FILE.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

const EMPLOYEES: usize = 100;

struct Args {
    addr: SocketAddr,
    host: String,
    token: String,
    rate: f64,
    seconds: f64,
    connections: usize,
    seed: bool,
}

fn args() -> Args {
    let mut url = "http://127.0.0.1:8080".to_owned();
    let mut token = std::env::var("CUSTOS_TOKEN").unwrap_or_default();
    let (mut rate, mut seconds, mut connections, mut seed) = (10_000.0, 30.0, 64, false);
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut v = || it.next().expect("a value after the flag");
        match a.as_str() {
            "--url" => url = v(),
            "--token" => token = v(),
            "--rate" => rate = v().parse().expect("--rate N"),
            "--seconds" => seconds = v().parse().expect("--seconds N"),
            "--connections" => connections = v().parse().expect("--connections N"),
            "--seed" => seed = true,
            other => panic!("unknown flag `{other}`"),
        }
    }
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&host)
        .expect("--url host:port")
        .next()
        .expect("an address");
    assert!(!token.is_empty(), "--token or CUSTOS_TOKEN is needed");
    Args {
        addr,
        host,
        token,
        rate,
        seconds,
        connections,
        seed,
    }
}

/// One keep-alive connection: sends a request, reads one response.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(8192),
        })
    }

    /// Status and body of the next response.
    fn read_response(&mut self) -> std::io::Result<(u16, Vec<u8>)> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = std::str::from_utf8(&self.buf[..end]).unwrap_or("");
                let status: u16 = head
                    .split(' ')
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                let total = end + 4 + len;
                if self.buf.len() >= total {
                    let body = self.buf[end + 4..total].to_vec();
                    self.buf.drain(..total);
                    return Ok((status, body));
                }
            }
            let mut chunk = [0u8; 8192];
            match self.stream.read(&mut chunk)? {
                0 => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the server closed the connection",
                    ))
                }
                n => self.buf.extend_from_slice(&chunk[..n]),
            }
        }
    }

    fn post(
        &mut self,
        host: &str,
        path: &str,
        token: &str,
        ctype: &str,
        body: &[u8],
    ) -> std::io::Result<(u16, Vec<u8>)> {
        let mut req = format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(body);
        self.stream.write_all(&req)?;
        self.read_response()
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn employee(i: usize) -> String {
    format!("emp-bench-{i}")
}

fn seed_events() -> String {
    let mut out = String::new();
    for i in 0..EMPLOYEES {
        let e = employee(i);
        for v in [
            serde_json::json!({"id": format!("bench-h-{i}"), "time": "2026-01-01T08:00:00Z", "actor": {"type": "system", "id": "hr"},
                "action": "employee.hire", "target": {"type": "employee", "id": e}, "attrs": {"role": "cs-agent", "team": "cs-bench"}}),
            serde_json::json!({"id": format!("bench-t-{i}"), "time": "2026-01-01T09:00:00Z", "actor": {"type": "customer", "id": format!("cus-bench-{i}")},
                "action": "ticket.open", "target": {"type": "ticket", "id": format!("tkt-bench-{i}")}, "attrs": {"customer": format!("cus-bench-{i}"), "kind": "order_issue"}}),
            serde_json::json!({"id": format!("bench-a-{i}"), "time": "2026-01-01T09:01:00Z", "actor": {"type": "employee", "id": e},
                "action": "ticket.assign", "target": {"type": "ticket", "id": format!("tkt-bench-{i}")}}),
        ] {
            out.push_str(&v.to_string());
            out.push('\n');
        }
    }
    out
}

/// The request of each benchmark employee; request `i` is employee
/// `i % EMPLOYEES`'s. Built once, so the generator spends its CPU on
/// the exchange, not on JSON (it shares the cores with the server).
fn bodies() -> Vec<Vec<u8>> {
    (0..EMPLOYEES)
        .map(|k| {
            serde_json::json!({"actor": {"type": "employee", "id": employee(k)}, "action": "customer.view",
                "target": {"type": "customer", "id": format!("cus-bench-{k}")}, "fields": ["name", "email"],
                "purpose": {"ticket": format!("tkt-bench-{k}"), "code": "customer_request"}})
            .to_string()
            .into_bytes()
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    /// Scheduled send (ns after the start) and latency from it, per answer.
    trace: Vec<(u64, u64)>,
    service_ns: Vec<u64>,
    errors: u64,
    non_200: u64,
    allow: u64,
    other_verdict: u64,
}

fn pct(v: &mut [u64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_unstable();
    let i = ((v.len() as f64 - 1.0) * q).round() as usize;
    v[i] as f64 / 1e6
}

/// Sends connection `k`'s share of the requests (`k`, `k + n`, ...) at
/// their scheduled times.
fn connection(a: &Args, k: usize, start: Instant, total: u64, bodies: &[Vec<u8>]) -> Tally {
    let mut t = Tally::default();
    let mut conn = Conn::open(a.addr).ok();
    let mut i = k as u64;
    while i < total {
        let at = start + Duration::from_secs_f64(i as f64 / a.rate);
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
        let sent = Instant::now();
        let body = &bodies[i as usize % EMPLOYEES];
        i += a.connections as u64;
        let c = match conn.as_mut() {
            Some(c) => c,
            None => match Conn::open(a.addr) {
                Ok(c) => conn.insert(c),
                Err(_) => {
                    t.errors += 1;
                    continue;
                }
            },
        };
        match c.post(&a.host, "/v1/decide", &a.token, "application/json", body) {
            Ok((status, b)) => {
                let done = Instant::now();
                let latency = done.duration_since(at).as_nanos() as u64;
                t.trace
                    .push((at.duration_since(start).as_nanos() as u64, latency));
                t.service_ns
                    .push(done.duration_since(sent).as_nanos() as u64);
                if status != 200 {
                    t.non_200 += 1;
                } else if find(&b, b"\"decision\":\"allow\"").is_some() {
                    t.allow += 1;
                } else {
                    t.other_verdict += 1;
                }
            }
            Err(_) => {
                t.errors += 1;
                conn = None;
            }
        }
    }
    t
}

fn main() {
    let a = args();
    if a.seed {
        let mut c = Conn::open(a.addr).expect("connect");
        let (status, b) = c
            .post(
                &a.host,
                "/v1/events",
                &a.token,
                "application/x-ndjson",
                seed_events().as_bytes(),
            )
            .expect("seed");
        assert_eq!(
            status,
            200,
            "seeding failed: {}",
            String::from_utf8_lossy(&b)
        );
    }
    let total = (a.rate * a.seconds) as u64;
    let bodies = bodies();
    let start = Instant::now() + Duration::from_millis(200);
    let mut all = Tally::default();
    std::thread::scope(|scope| {
        let threads: Vec<_> = (0..a.connections)
            .map(|k| {
                let (a, bodies) = (&a, &bodies);
                scope.spawn(move || connection(a, k, start, total, bodies))
            })
            .collect();
        for thread in threads {
            let t = thread.join().unwrap();
            all.trace.extend(t.trace);
            all.service_ns.extend(t.service_ns);
            all.errors += t.errors;
            all.non_200 += t.non_200;
            all.allow += t.allow;
            all.other_verdict += t.other_verdict;
        }
    });
    let elapsed = start.elapsed().as_secs_f64();
    let n = all.trace.len();
    println!(
        "target {:.0}/s for {:.0} s over {} connections: {} answered in {:.1} s = {:.0}/s achieved; errors {}, non-200 {}, allow {}, other verdicts {}",
        a.rate, a.seconds, a.connections, n, elapsed, n as f64 / elapsed, all.errors, all.non_200, all.allow, all.other_verdict
    );
    if let Ok(path) = std::env::var("TRACE") {
        all.trace.sort_unstable();
        let lines: String = all
            .trace
            .iter()
            .map(|(at, l)| format!("{} {}\n", at / 1000, l / 1000))
            .collect();
        std::fs::write(path, lines).expect("write the trace");
    }
    let l = &mut all.trace.iter().map(|x| x.1).collect::<Vec<_>>();
    println!(
        "latency from scheduled send (ms): p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        pct(l, 0.5),
        pct(l, 0.99),
        pct(l, 0.999),
        pct(l, 1.0)
    );
    let s = &mut all.service_ns;
    println!(
        "latency from actual send (ms):    p50 {:.3}  p99 {:.3}  p99.9 {:.3}  max {:.3}",
        pct(s, 0.5),
        pct(s, 0.99),
        pct(s, 0.999),
        pct(s, 1.0)
    );
}
