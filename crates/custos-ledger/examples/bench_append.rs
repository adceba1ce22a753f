//! `cargo run --release -p custos-ledger --example bench_append -- [ENTRIES] [BATCH] [ENTRY_LEN] [DIR]`
//!
//! One `bench_append` pass: durable appends/s against SHA-256 leaf hashes/s
//! of the same bytes. DIR (default: a temporary directory) must not hold a
//! ledger; pick one on the file system to measure.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize, default: u64| -> Result<u64, std::num::ParseIntError> {
        args.get(i).map_or(Ok(default), |a| a.parse())
    };
    let (entries, batch, len) = (num(0, 1_000_000)?, num(1, 4_096)?, num(2, 300)?);
    let tmp = tempfile::tempdir()?;
    let dir = args
        .get(3)
        .map_or_else(|| tmp.path().to_path_buf(), std::path::PathBuf::from);
    let s = custos_ledger::bench_append(&dir, entries, batch as usize, len as usize)?;
    println!(
        "{} entries of {} B, {} per append: {:.0} durable appends/s in {:.2} s \
         ({} s CPU); SHA-256 leaf hashes of the same bytes {:.0}/s ({} s CPU); ratio {:.3}",
        s.entries,
        s.entry_len,
        s.batch,
        s.appends_per_sec,
        s.append_secs,
        s.append_cpu_secs
            .map_or_else(|| "?".to_owned(), |c| format!("{c:.2}")),
        s.leaf_hashes_per_sec,
        s.hash_cpu_secs
            .map_or_else(|| "?".to_owned(), |c| format!("{c:.2}")),
        s.ratio
    );
    let ledger = custos_ledger::Ledger::open_read_only(&dir.join("ledger"), None)?;
    let start = std::time::Instant::now();
    let report = ledger.verify();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "verify: ok={} {} entries in {:.2} s ({:.0} entries/s)",
        report.ok,
        report.size,
        secs,
        report.size as f64 / secs
    );
    Ok(())
}
