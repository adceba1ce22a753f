//! Runs the engine over a simulated marketplace and scores it:
//! `cargo run --release -p custos-detect --example eval_sim -- \
//!    --employees 300 --days 30 --seed 7 [--customers N] [--sellers N] \
//!    [--insiders N] [--intensity X] [--cover X] [--fixed] [--config detect.json] \
//!    [--rules DIR] [-v]`.
//! `--fixed` gives every insider exactly `--intensity` and `--cover`
//! (instead of drawing them around those values); `--config` reads a
//! JSON `DetectConfig` (missing keys take their defaults); `--rules` loads
//! the Sigma rules of a folder (e.g. the repository's `rules/`).
//! Prints the evaluation, per-detector false alerts and throughput of
//! `observe` alone (parsing excluded); `-v` adds the missed insiders
//! (with their intensity, cover and number of malicious events) and every
//! alert, a false one with its `explain` (all of them with `EXPLAIN=1`).
//! `KEEP=1` keeps the simulated events and writes the truth beside them
//! (`custos-detect-eval-E-D-S.jsonl` and `.truth.json` in the temp dir).
//! `--events FILE --truth FILE` scores a marketplace made elsewhere
//! (any generator writing the event contract and its `truth.json`)
//! instead of simulating one.

use custos_detect::{DetectConfig, Engine};
use custos_sim::{evaluate, EvalAlert, SimConfig};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, BufWriter};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = SimConfig::default();
    let mut verbose = false;
    let mut detect = DetectConfig::default();
    let mut rules_dir: Option<String> = None;
    let mut given: (Option<String>, Option<String>) = (None, None);
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--employees" => cfg.employees = v.parse()?,
            "--customers" => cfg.customers = v.parse()?,
            "--sellers" => cfg.sellers = v.parse()?,
            "--days" => cfg.days = v.parse()?,
            "--seed" => cfg.seed = v.parse()?,
            "--insiders" => cfg.insiders_per_scenario = v.parse()?,
            "--intensity" => cfg.insider.intensity = v.parse()?,
            "--cover" => cfg.insider.cover = v.parse()?,
            "--fixed" => {
                cfg.randomize_insiders = false;
                i += 1;
                continue;
            }
            "--rules" => rules_dir = Some(v),
            "--events" => given.0 = Some(v),
            "--truth" => given.1 = Some(v),
            "--config" => detect = serde_json::from_str(&std::fs::read_to_string(&v)?)?,
            "-v" => {
                verbose = true;
                i += 1;
                continue;
            }
            other => return Err(format!("unknown argument `{other}`").into()),
        }
        i += 2;
    }
    let simulated = given.0.is_none();
    let (path, truth) = match given {
        (Some(events), Some(truth)) => {
            let text = std::fs::read_to_string(&truth)
                .map_err(|e| format!("cannot read the truth file `{truth}`: {e}"))?;
            let truth: custos_sim::Truth = serde_json::from_str(&text)
                .map_err(|e| format!("`{truth}` is not a truth.json of INTERFACE.md: {e}"))?;
            (std::path::PathBuf::from(events), truth)
        }
        (None, None) => {
            let path = std::env::temp_dir().join(format!(
                "custos-detect-eval-{}-{}-{}.jsonl",
                cfg.employees, cfg.days, cfg.seed
            ));
            let t = Instant::now();
            let mut f = BufWriter::new(std::fs::File::create(&path)?);
            let truth = custos_sim::simulate(&cfg, &mut f)?;
            eprintln!("simulated in {:.1}s", t.elapsed().as_secs_f64());
            (path, truth)
        }
        _ => return Err("`--events` and `--truth` go together".into()),
    };
    let mut engine = Engine::try_new(detect)?;
    if let Some(dir) = &rules_dir {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let p = entry?.path();
            if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                files.push((p.display().to_string(), std::fs::read_to_string(&p)?));
            }
        }
        files.sort();
        let rules = custos_detect::SigmaRules::parse(&files)?;
        eprintln!("{} Sigma rules from {dir}", rules.len());
        engine.set_sigma_rules(&rules)?;
    }
    let mut latest: BTreeMap<String, custos_detect::Alert> = BTreeMap::new();
    let mut n = 0u64;
    let mut observe_time = std::time::Duration::ZERO;
    let file =
        std::fs::File::open(&path).map_err(|e| format!("cannot open `{}`: {e}", path.display()))?;
    for (at, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        // The engine sees only valid events, as behind `custos ingest`;
        // a marketplace with a bad line is refused, naming it.
        let ev = custos_core::parse_event(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), at + 1))?;
        let t0 = Instant::now();
        let out = engine.observe(&ev);
        observe_time += t0.elapsed();
        n += 1;
        for a in out {
            latest.insert(a.id.clone(), a);
        }
    }
    let secs = observe_time.as_secs_f64();
    eprintln!(
        "{n} events, observe {:.2}s = {:.0} events/s ({:.2} us/event); snapshot {} bytes; {:?}",
        secs,
        n as f64 / secs,
        secs * 1e6 / n as f64,
        engine.snapshot().len(),
        engine.stats()
    );
    let evals: Vec<EvalAlert> = latest
        .values()
        .map(|a| EvalAlert {
            employee: a.employee.clone(),
            time: a.time,
            detector: a.detector.clone(),
        })
        .collect();
    let report = evaluate(&truth, &evals);
    println!("{}", report.to_table());
    if verbose {
        for (ins, res) in truth.insiders.iter().zip(&report.insider_results) {
            if !res.detected {
                println!(
                    "MISSED {} {} intensity {:.1} cover {:.2} malicious events {}",
                    ins.employee,
                    ins.scenario,
                    ins.intensity.unwrap_or(f64::NAN),
                    ins.cover.unwrap_or(f64::NAN),
                    ins.events.unwrap_or(0)
                );
            }
        }
        let insiders: std::collections::BTreeSet<&str> =
            truth.insiders.iter().map(|i| i.employee.as_str()).collect();
        for a in latest.values() {
            let tag = if insiders.contains(a.employee.as_str()) {
                "TP"
            } else {
                "FP"
            };
            println!(
                "{tag} {} {} {} {} {}",
                a.time, a.employee, a.detector, a.severity, a.summary
            );
            if tag == "FP" || std::env::var_os("EXPLAIN").is_some() {
                println!("   explain: {}", a.explain);
            }
        }
    }
    if simulated && std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_file(&path);
    } else if simulated {
        let truth_path = path.with_extension("truth.json");
        std::fs::write(&truth_path, serde_json::to_vec_pretty(&truth)?)?;
        eprintln!("kept {} and {}", path.display(), truth_path.display());
    }
    Ok(())
}
