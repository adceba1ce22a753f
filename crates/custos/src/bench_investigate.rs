//! `custos bench investigate`: breach scope and leak attribution over a
//! large SQLite store, each beside a naive full scan of the disclosures
//! table in the same run.
//!
//! Ingesting 100 million events through `custos ingest` takes hours, so the
//! store is built by a bulk path instead: the store's own schema (created
//! by `SqliteStore::open`, i.e. the migrations), deterministic synthetic
//! disclosure rows inserted in large transactions with the secondary
//! indexes of `disclosures` dropped during the load and re-created
//! afterwards from the exact DDL the migration wrote, and `journal_mode=OFF,
//! synchronous=OFF` for the build only. The `events` table holds only the
//! events of the scoped employee (the scope path reads them for event ids
//! and evidence; attribution never reads `events`), so that 100 million
//! full ledger entries (~600 B each) need not be written.
//!
//! Synthetic data: support sessions in time order over one year; each
//! session is one employee (uniform) working on one customer drawn with
//! density ∝ 1/√rank (most customers touched by one or two employees, the
//! first few hundred by thousands), 1 to 6 views, 70 % with a ticket, and
//! one session in ten opens with a search that discloses five customers.
//! The scoped employee also views 3,000 extra customers, without tickets,
//! over thirty days (the "insider"); the leaked sample is 90 % of those and
//! 10 % widely viewed customers (popularity ranks 100, 200, ..., each seen
//! by dozens to hundreds of employees).

use crate::output::{self, Context};
use crate::Outcome;
use anyhow::{bail, Context as _, Result};
use custos_core::Timestamp;
use custos_investigate::{attribute, breach_scope, ScopeQuery};
use custos_store::{SqliteStore, TimeWindow};
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args)]
pub struct InvestigateArgs {
    /// Disclosure rows to generate.
    #[arg(long, default_value_t = 100_000_000)]
    disclosures: u64,
    #[arg(long, default_value_t = 20_000)]
    employees: u64,
    #[arg(long, default_value_t = 10_000_000)]
    customers: u64,
    /// Leaked sample size (distinct customer ids).
    #[arg(long, default_value_t = 1000)]
    sample: usize,
    /// Where the store is built (`WORK_DIR/store.sqlite`) and kept.
    #[arg(long)]
    work_dir: PathBuf,
    /// Reuse the store already built in WORK_DIR with the same parameters.
    #[arg(long)]
    reuse: bool,
    /// Warm repetitions of each measurement (the median is reported).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Skip the naive attribution scan (minutes at 100M rows).
    #[arg(long)]
    no_naive_attribution: bool,
    /// Build (or check) the store and stop.
    #[arg(long)]
    build_only: bool,
}

/// What the build wrote, kept beside the store for `--reuse`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Built {
    disclosures: u64,
    employees: u64,
    customers: u64,
    sample: usize,
    events: u64,
    target_events: u64,
    target: String,
    from: i64,
    to: i64,
    build_secs: f64,
    index_secs: f64,
}

const TARGET: u64 = 42;
/// 2025-01-01T00:00:00Z.
const YEAR_START: i64 = 1_735_689_600_000;
const YEAR_MS: i64 = 365 * 86_400_000;
const INSIDER_EXTRA: u64 = 3000;
const ROWS_PER_TX: u64 = 1_000_000;

/// splitmix64: small, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

struct Ids {
    customers: u64,
}

impl Ids {
    /// Customer of popularity rank `rank` (0: most viewed); a bijection of
    /// `0..customers` so that popularity is not in id order.
    fn customer(&self, rank: u64) -> String {
        let c = (u128::from(rank) * 1_000_003 + 7_777) % u128::from(self.customers);
        format!("cus-{c:08}")
    }
    /// A popularity rank with density ∝ 1/√rank.
    fn popular_rank(&self, rng: &mut Rng) -> u64 {
        let u = rng.unit();
        ((u * u) * self.customers as f64) as u64 % self.customers
    }
}

fn employee_id(e: u64) -> String {
    format!("emp-{e:05}")
}

pub fn run(ctx: &Context, args: InvestigateArgs) -> Result<Outcome> {
    std::fs::create_dir_all(&args.work_dir)
        .with_context(|| format!("cannot create `{}`", args.work_dir.display()))?;
    let path = args.work_dir.join(SqliteStore::FILE_NAME);
    let meta_path = args.work_dir.join("bench-investigate.json");
    let sample_path = args.work_dir.join("sample.txt");
    let built = if args.reuse && meta_path.exists() {
        let b: Built = serde_json::from_slice(&std::fs::read(&meta_path)?)?;
        // The build stops after the session that reaches the row count.
        let rows_differ = b.disclosures < args.disclosures || b.disclosures > args.disclosures + 64;
        if rows_differ
            || (b.employees, b.customers, b.sample) != (args.employees, args.customers, args.sample)
        {
            bail!("the store in `{}` was built with other parameters ({b:?}); drop --reuse or pass them", args.work_dir.display());
        }
        b
    } else {
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", path.display()));
            if p.exists() {
                std::fs::remove_file(&p)?;
            }
        }
        let b = build(&args, &path, &sample_path)?;
        std::fs::write(&meta_path, serde_json::to_vec_pretty(&b)?)?;
        b
    };
    if args.build_only {
        return Ok(Outcome::Ok);
    }
    // Pending migrations run here, not inside a measurement.
    drop(SqliteStore::open(&path)?);
    let sample = custos_investigate::parse_sample(&std::fs::read_to_string(&sample_path)?);
    let window = TimeWindow::new(Timestamp(built.from), Timestamp(built.to));
    let bytes = store_bytes(&path);
    eprintln!(
        "store: {} disclosure rows, {} events rows, {:.2} GB on disk; load {}",
        built.disclosures,
        built.events,
        bytes as f64 / 1e9,
        load()
    );
    plans(&path, &built)?;

    // Breach scope: the real path and a full scan, cold then warm.
    let query = ScopeQuery::new([built.target.clone()], window);
    let scope_real = measure(&path, args.repeat, "scope real", |path| {
        let store = SqliteStore::open(path)?;
        let s = breach_scope(&store, &query)?;
        Ok(s.records.iter().map(|r| r.accesses).sum::<u64>())
    })?;
    let scope_naive = measure(&path, args.repeat, "scope naive", |path| {
        naive_scope(path, &built.target, window)
    })?;
    if scope_real.answer != scope_naive.answer {
        bail!(
            "scope disagrees with the full scan: {} vs {} disclosures",
            scope_real.answer,
            scope_naive.answer
        );
    }

    // Attribution.
    let mut top_real = Vec::new();
    let attr_real = measure(&path, args.repeat, "attribution real", |path| {
        let store = SqliteStore::open(path)?;
        let a = attribute(&store, &sample, window)?;
        top_real = a
            .suspects
            .iter()
            .take(5)
            .map(|s| (s.employee.clone(), s.matched, s.disclosed))
            .collect();
        eprintln!(
            "  {} suspects, disclosures {}, employees {}, top {:?}",
            a.suspects.len(),
            a.disclosures,
            a.employees,
            top_real
        );
        Ok(a.suspects.len() as u64)
    })?;
    let attr_naive = if args.no_naive_attribution {
        None
    } else {
        let mut top_naive = Vec::new();
        let m = measure(&path, 1, "attribution naive", |path| {
            let n = naive_attribution(path, &sample, window)?;
            top_naive = n.top.clone();
            eprintln!(
                "  {} suspects, population {}, pairs {}, employees {}, top {:?}",
                n.suspects, n.population, n.pairs, n.employees, n.top
            );
            Ok(n.suspects as u64)
        })?;
        if top_naive.first().map(|t| &t.0) != top_real.first().map(|t| &t.0) {
            eprintln!("warning: the real and naive attributions rank different employees first");
        }
        Some(m)
    };

    let ratio = |naive: f64, real: f64| (naive / real * 10.0).round() / 10.0;
    let report = Report {
        disclosures: built.disclosures,
        events_rows: built.events,
        employees: built.employees,
        customers: built.customers,
        store_gb: (bytes as f64 / 1e7).round() / 100.0,
        build_secs: built.build_secs.round(),
        index_secs: built.index_secs.round(),
        scope_disclosures: scope_real.answer,
        scope_cold_ms: ms(scope_real.cold),
        scope_warm_ms: ms(scope_real.warm),
        scope_naive_cold_ms: ms(scope_naive.cold),
        scope_naive_warm_ms: ms(scope_naive.warm),
        scope_naive_rows_scanned: built.disclosures,
        scope_ratio_warm: ratio(scope_naive.warm, scope_real.warm),
        scope_ratio_cold: ratio(scope_naive.cold, scope_real.cold),
        sample: sample.len(),
        attribution_suspects: attr_real.answer,
        attribution_cold_ms: ms(attr_real.cold),
        attribution_warm_ms: ms(attr_real.warm),
        attribution_naive_cold_ms: attr_naive.as_ref().map(|m| ms(m.cold)),
        attribution_naive_rows_scanned: attr_naive.as_ref().map(|_| built.disclosures),
        attribution_ratio_cold: attr_naive.as_ref().map(|m| ratio(m.cold, attr_real.cold)),
        load_after: load(),
    };
    output::record(ctx.format, &report)?;
    Ok(Outcome::Ok)
}

#[derive(Serialize)]
struct Report {
    disclosures: u64,
    events_rows: u64,
    employees: u64,
    customers: u64,
    store_gb: f64,
    build_secs: f64,
    index_secs: f64,
    scope_disclosures: u64,
    scope_cold_ms: f64,
    scope_warm_ms: f64,
    scope_naive_cold_ms: f64,
    scope_naive_warm_ms: f64,
    scope_naive_rows_scanned: u64,
    scope_ratio_warm: f64,
    scope_ratio_cold: f64,
    sample: usize,
    attribution_suspects: u64,
    attribution_cold_ms: f64,
    attribution_warm_ms: f64,
    attribution_naive_cold_ms: Option<f64>,
    attribution_naive_rows_scanned: Option<u64>,
    attribution_ratio_cold: Option<f64>,
    load_after: String,
}

fn ms(secs: f64) -> f64 {
    (secs * 10_000.0).round() / 10.0
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

fn store_bytes(path: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

/// Drops the store file's pages from the OS page cache
/// (`posix_fadvise(DONTNEED)` through GNU dd), so that the next run reads
/// from disk.
fn drop_cache(path: &Path) -> Result<()> {
    for s in ["", "-wal"] {
        let p = format!("{}{s}", path.display());
        if Path::new(&p).exists() {
            let status = std::process::Command::new("dd")
                .args([
                    format!("if={p}"),
                    "iflag=nocache".into(),
                    "count=0".into(),
                    "status=none".into(),
                ])
                .status()
                .context("cannot run dd to drop the page cache")?;
            if !status.success() {
                bail!("dd could not drop the page cache of `{p}`");
            }
        }
    }
    Ok(())
}

struct Measured {
    cold: f64,
    warm: f64,
    answer: u64,
}

/// One cold run (page cache of the store dropped, fresh connection) and
/// `repeat` warm ones (median).
fn measure(
    path: &Path,
    repeat: usize,
    what: &str,
    mut f: impl FnMut(&Path) -> Result<u64>,
) -> Result<Measured> {
    drop_cache(path)?;
    let t = Instant::now();
    let answer = f(path)?;
    let cold = t.elapsed().as_secs_f64();
    eprintln!(
        "{what}: cold {:.1} ms (answer {answer}; load {})",
        cold * 1e3,
        load()
    );
    let mut warm = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        f(path)?;
        warm.push(t.elapsed().as_secs_f64());
    }
    warm.sort_by(f64::total_cmp);
    let w = warm[warm.len() / 2];
    eprintln!(
        "{what}: warm {:.1} ms median of {:?} (load {})",
        w * 1e3,
        warm.iter()
            .map(|x| (x * 1e4).round() / 10.0)
            .collect::<Vec<_>>(),
        load()
    );
    Ok(Measured {
        cold,
        warm: w,
        answer,
    })
}

/// The full-scan baseline of scope: every disclosure row read, the
/// employee's kept (no index).
fn naive_scope(path: &Path, employee: &str, w: TimeWindow) -> Result<u64> {
    let conn = Connection::open(path)?;
    let mut stmt = conn.prepare(
        "SELECT key, customer, employee, time, action, fields, purpose_ticket, purpose_code
         FROM disclosures NOT INDEXED WHERE employee = ?1 AND time >= ?2 AND time < ?3",
    )?;
    let mut rows = stmt.query(params![employee, w.from.0, w.to.0])?;
    let mut n = 0u64;
    let mut customers = HashSet::new();
    while let Some(r) = rows.next()? {
        customers.insert(r.get::<_, String>(1)?);
        n += 1;
    }
    Ok(n)
}

struct NaiveAttribution {
    suspects: usize,
    population: usize,
    pairs: usize,
    employees: usize,
    /// (employee, matched, |D_e|) of the best five by the distinct-customer
    /// score ln(T / (a(c)·|D_e|)).
    top: Vec<(String, usize, usize)>,
}

/// The full-scan baseline of attribution: one pass over every disclosure
/// row computing a(c), |D_e|, P, T and N exactly, then the model's score.
fn naive_attribution(path: &Path, sample: &[String], w: TimeWindow) -> Result<NaiveAttribution> {
    let conn = Connection::open(path)?;
    let mut stmt = conn.prepare(
        "SELECT employee, customer FROM disclosures NOT INDEXED WHERE time >= ?1 AND time < ?2",
    )?;
    let wanted: HashMap<&str, usize> = sample
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    let mut employees: HashMap<String, u32> = HashMap::new();
    let mut customers: HashMap<String, u32> = HashMap::new();
    let mut pairs: HashSet<u64> = HashSet::new();
    let mut disclosed: Vec<usize> = Vec::new();
    let mut shown: Vec<HashSet<u32>> = vec![HashSet::new(); sample.len()];
    let mut rows = stmt.query(params![w.from.0, w.to.0])?;
    while let Some(r) = rows.next()? {
        let e: &str = r.get_ref(0)?.as_str()?;
        let c: &str = r.get_ref(1)?.as_str()?;
        let next_e = employees.len() as u32;
        let ei = *employees.entry(e.to_owned()).or_insert(next_e);
        let ci = match customers.get(c) {
            Some(i) => *i,
            None => {
                let i = customers.len() as u32;
                customers.insert(c.to_owned(), i);
                i
            }
        };
        if pairs.insert((u64::from(ei) << 32) | u64::from(ci)) {
            if disclosed.len() <= ei as usize {
                disclosed.resize(ei as usize + 1, 0);
            }
            disclosed[ei as usize] += 1;
        }
        if let Some(&i) = wanted.get(c) {
            shown[i].insert(ei);
        }
    }
    let t = pairs.len().max(1) as f64;
    let mut score: HashMap<u32, (usize, f64)> = HashMap::new();
    for who in &shown {
        for &e in who {
            let d = disclosed[e as usize].max(1) as f64;
            let s = score.entry(e).or_default();
            s.0 += 1;
            s.1 += (t / (who.len().max(1) as f64 * d)).ln();
        }
    }
    let names: HashMap<u32, &str> = employees.iter().map(|(k, v)| (*v, k.as_str())).collect();
    let mut ranked: Vec<(u32, usize, f64)> = score.iter().map(|(e, (m, s))| (*e, *m, *s)).collect();
    ranked.sort_by(|a, b| b.2.total_cmp(&a.2));
    Ok(NaiveAttribution {
        suspects: ranked.len(),
        population: customers.len(),
        pairs: pairs.len(),
        employees: employees.len(),
        top: ranked
            .iter()
            .take(5)
            .map(|(e, m, _)| {
                (
                    names.get(e).copied().unwrap_or_default().to_owned(),
                    *m,
                    disclosed[*e as usize],
                )
            })
            .collect(),
    })
}

/// Prints the query plans of the statements the measured paths run.
fn plans(path: &Path, b: &Built) -> Result<()> {
    let conn = Connection::open(path)?;
    let queries = [
        ("disclosures_by_employee", "SELECT key, customer, employee, time, action, fields, purpose_ticket, purpose_code FROM disclosures INDEXED BY disclosures_by_employee WHERE employee = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, key"),
        ("disclosures_by_customer", "SELECT key, customer, employee, time, action, fields, purpose_ticket, purpose_code FROM disclosures INDEXED BY disclosures_by_customer WHERE customer = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, key"),
        ("events_by_employee", "SELECT idx, id, time FROM events WHERE actor_type = 'employee' AND actor_id = ?1 AND time >= ?2 AND time < ?3 ORDER BY time, idx LIMIT ?4"),
        ("naive scope", "SELECT key FROM disclosures NOT INDEXED WHERE employee = ?1 AND time >= ?2 AND time < ?3"),
    ];
    for (name, q) in queries {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {q}"))?;
        let n = stmt.parameter_count();
        let values: Vec<rusqlite::types::Value> = (0..n)
            .map(|i| match i {
                0 => rusqlite::types::Value::Text(b.target.clone()),
                _ => rusqlite::types::Value::Integer(0),
            })
            .collect();
        let mut rows = stmt.query(rusqlite::params_from_iter(values))?;
        let mut plan = Vec::new();
        while let Some(r) = rows.next()? {
            plan.push(r.get::<_, String>(3)?);
        }
        eprintln!("plan {name}: {}", plan.join("; "));
    }
    Ok(())
}

/// One generated event: employee number, action, customers disclosed,
/// field bits, ticket.
type SyntheticEvent = (u64, &'static str, Vec<String>, i64, Option<String>);

/// Builds the store: schema by `SqliteStore::open`, rows in bulk, the
/// disclosures indexes re-created from the migration's own DDL after.
fn build(args: &InvestigateArgs, path: &Path, sample_path: &Path) -> Result<Built> {
    drop(SqliteStore::open(path)?);
    let mut conn = Connection::open(path)?;
    conn.pragma_update_and_check(None, "journal_mode", "OFF", |r| r.get::<_, String>(0))?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", -1_000_000i64)?;
    conn.pragma_update(None, "threads", 2)?;
    let ddl: Vec<(String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'disclosures' AND sql IS NOT NULL",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (name, _) in &ddl {
        conn.execute_batch(&format!("DROP INDEX {name}"))?;
    }

    let started = Instant::now();
    let ids = Ids {
        customers: args.customers,
    };
    let target = employee_id(TARGET);
    let mut rng = Rng(0x5eed_0fc0_5705);
    let n = args.disclosures;
    let (mut rows, mut idx, mut target_events, mut session) = (0u64, 0u64, 0u64, 0u64);
    // The insider's extra views: spread over days 200..230.
    let leak_from = (n as f64 * 200.0 / 365.0) as u64;
    let leak_to = (n as f64 * 230.0 / 365.0) as u64;
    let leak_every = ((leak_to - leak_from) / INSIDER_EXTRA).max(1);
    let mut next_leak = leak_from;
    let mut leaked: Vec<String> = Vec::new();
    let time_of = |row: u64| {
        YEAR_START + (i128::from(row) * i128::from(YEAR_MS) / i128::from(n.max(1))) as i64
    };
    let pad = "x".repeat(420);
    while rows < n {
        let tx = conn.transaction()?;
        {
            let mut dis = tx.prepare_cached(
                "INSERT INTO disclosures (key, customer, employee, time, action, fields, purpose_ticket, purpose_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut ev = tx.prepare_cached(
                "INSERT INTO events (idx, id, time, actor_type, actor_id, action, target_type, target_id, seller, outcome, purpose_ticket, purpose_code, leaf_hash, entry) VALUES (?1, ?2, ?3, 'employee', ?4, ?5, 'customer', ?6, NULL, 'allowed', ?7, ?8, ?9, ?10)",
            )?;
            let stop = (rows + ROWS_PER_TX).min(n);
            while rows < stop {
                // One event: (employee, action, customers, fields, ticket).
                let insider_turn = rows >= next_leak && (leaked.len() as u64) < INSIDER_EXTRA;
                if insider_turn {
                    next_leak += leak_every;
                }
                let mut events: Vec<SyntheticEvent> = Vec::new();
                if insider_turn {
                    let c = ids.customer(rng.below(args.customers));
                    leaked.push(c.clone());
                    events.push((TARGET, "customer.view", vec![c], 0b1111, None));
                } else {
                    session += 1;
                    let e = rng.below(args.employees);
                    let c = ids.customer(ids.popular_rank(&mut rng));
                    let ticket = (rng.below(10) < 7).then(|| format!("tkt-{session}"));
                    if rng.below(10) == 0 {
                        let mut hits = vec![c.clone()];
                        while hits.len() < 5 {
                            let h = ids.customer(ids.popular_rank(&mut rng));
                            if !hits.contains(&h) {
                                hits.push(h);
                            }
                        }
                        events.push((e, "customer.search", hits, 0, ticket.clone()));
                    }
                    for _ in 0..1 + rng.below(6) {
                        let action = if rng.below(3) == 0 {
                            "order.view"
                        } else {
                            "customer.view"
                        };
                        let fields = (1 + rng.below(63)) as i64;
                        events.push((e, action, vec![c.clone()], fields, ticket.clone()));
                    }
                }
                for (e, action, customers, fields, ticket) in events {
                    let time = time_of(rows);
                    let emp = employee_id(e);
                    let code = ticket.as_ref().map(|_| "customer_request");
                    for (pos, c) in customers.iter().enumerate() {
                        dis.execute(params![
                            ((idx << 16) | pos as u64) as i64,
                            c,
                            emp,
                            time,
                            action,
                            fields,
                            ticket,
                            code
                        ])?;
                        rows += 1;
                    }
                    if e == TARGET {
                        let id = format!("ev-{idx:010}");
                        let entry = format!(
                            r#"{{"id":"{id}","time":{time},"actor":{{"type":"employee","id":"{emp}","site":"lisbon"}},"action":"{action}","target":{{"type":"customer","id":"{}"}},"pad":"{pad}"}}"#,
                            customers[0]
                        );
                        let hash = [(idx & 0xff) as u8; 32];
                        ev.execute(params![
                            idx as i64,
                            id,
                            time,
                            emp,
                            action,
                            customers[0],
                            ticket,
                            code,
                            &hash[..],
                            entry.as_bytes()
                        ])?;
                        target_events += 1;
                    }
                    idx += 1;
                }
            }
        }
        tx.commit()?;
        eprint!(
            "\rbuild: {rows}/{n} rows, {:.0} s, load {}   ",
            started.elapsed().as_secs_f64(),
            load()
        );
    }
    eprintln!();
    {
        let tx = conn.transaction()?;
        let mut stmt = tx.prepare(
            "INSERT INTO employees (id, role, team, site, status, from_hr, first_seen) VALUES (?1, 'agent', 'support', 'lisbon', 'active', 0, ?2)",
        )?;
        for e in 0..args.employees {
            stmt.execute(params![employee_id(e), YEAR_START])?;
        }
        drop(stmt);
        tx.execute(
            "INSERT INTO ledger_head (one, size, root_hash) VALUES (1, ?1, 'synthetic')",
            params![idx as i64],
        )?;
        tx.commit()?;
    }
    let build_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for (name, sql) in &ddl {
        let t = Instant::now();
        conn.execute_batch(sql)?;
        eprintln!(
            "index {name}: {:.0} s, load {}",
            t.elapsed().as_secs_f64(),
            load()
        );
    }
    drop(conn);
    // The disclosure volume counters, as the migration computes them.
    SqliteStore::open(path)?.rebuild_disclosure_volume()?;
    let index_secs = started.elapsed().as_secs_f64();

    // The sample: 90 % the insider's extra customers, 10 % the most
    // widely viewed customers.
    // Widely viewed: popularity ranks 100, 200, ..., viewed by dozens to
    // hundreds of employees each.
    let popular = args.sample / 10;
    let mut sample: Vec<String> = (1..=popular as u64)
        .map(|i| ids.customer(100 * i))
        .collect();
    let mut seen: HashSet<String> = sample.iter().cloned().collect();
    for c in leaked {
        if sample.len() >= args.sample {
            break;
        }
        if seen.insert(c.clone()) {
            sample.push(c);
        }
    }
    std::fs::write(sample_path, sample.join("\n") + "\n")?;
    Ok(Built {
        disclosures: rows,
        employees: args.employees,
        customers: args.customers,
        sample: args.sample,
        events: target_events,
        target_events,
        target,
        from: YEAR_START,
        to: YEAR_START + YEAR_MS,
        build_secs,
        index_secs,
    })
}
