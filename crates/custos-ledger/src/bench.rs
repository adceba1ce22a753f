//! A throughput benchmark of durable appends, compared with raw SHA-256
//! leaf hashing of the same bytes on the same machine.

use crate::error::LedgerError;
use crate::ledger::Ledger;
use std::path::Path;
use std::time::{Duration, Instant};

/// What [`bench_append`] measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchStats {
    /// Entries appended.
    pub entries: u64,
    /// Entries per append call (one group commit each).
    pub batch: usize,
    /// Bytes per entry.
    pub entry_len: usize,
    /// Time spent inside `append` calls, seconds.
    pub append_secs: f64,
    /// CPU time (user + system) of the appending thread inside `append`
    /// calls, seconds, where the OS reports it (Linux). Unlike
    /// `append_secs` it does not grow when other programs share the cores;
    /// it leaves out the kernel's writeback threads and time spent waiting
    /// for the disk.
    pub append_cpu_secs: Option<f64>,
    /// Durable appends per second.
    pub appends_per_sec: f64,
    /// SHA-256 leaf hashes per second of the same entries (the ceiling).
    pub leaf_hashes_per_sec: f64,
    /// CPU time of that hashing, seconds (as `append_cpu_secs`).
    pub hash_cpu_secs: Option<f64>,
    /// `appends_per_sec / leaf_hashes_per_sec`.
    pub ratio: f64,
}

/// CPU time the calling thread has used so far (Linux: the first field of
/// `/proc/thread-self/schedstat`, in nanoseconds); `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse::<u64>().ok()?;
    Some(Duration::from_nanos(ns))
}

/// `total` plus the CPU time used since `start` (a [`thread_cpu`] reading).
fn add_cpu_since(total: Option<Duration>, start: Option<Duration>) -> Option<Duration> {
    Some(total? + thread_cpu()?.saturating_sub(start?))
}

/// Entry `i`: JSON-like text of exactly `len` bytes that differs per entry.
fn fill_entry(buf: &mut Vec<u8>, i: u64, len: usize) {
    buf.clear();
    buf.extend_from_slice(
        format!("{{\"id\":\"bench-{i:012}\",\"action\":\"customer.view\",\"pad\":\"").as_bytes(),
    );
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    while buf.len() + 2 < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let room = (len - 2 - buf.len()).min(8);
        buf.extend(x.to_le_bytes()[..room].iter().map(|b| b'a' + b % 26));
    }
    buf.extend_from_slice(b"\"}");
    buf.truncate(len);
}

/// Appends `entries` entries of `entry_len` bytes to a new ledger in
/// `dir` (which must not hold one), `batch` per append call, timing only
/// the appends; then times SHA-256 leaf hashing of the same entries.
pub fn bench_append(
    dir: &Path,
    entries: u64,
    batch: usize,
    entry_len: usize,
) -> Result<BenchStats, LedgerError> {
    let batch = batch.max(1);
    let entry_len = entry_len.clamp(1, crate::layout::MAX_ENTRY_LEN);
    let mut ledger = Ledger::open(
        &dir.join("ledger"),
        &dir.join("ledger.key"),
        "custos.local/bench",
    )?;
    let mut bufs: Vec<Vec<u8>> = vec![Vec::with_capacity(entry_len); batch];
    let mut spent = Duration::ZERO;
    let mut cpu = Some(Duration::ZERO);
    let mut done = 0u64;
    while done < entries {
        let k = usize::try_from(entries - done)
            .unwrap_or(usize::MAX)
            .min(batch);
        for (j, buf) in bufs.iter_mut().take(k).enumerate() {
            fill_entry(buf, done + j as u64, entry_len);
        }
        let cpu_start = thread_cpu();
        let start = Instant::now();
        ledger.append(&bufs[..k])?;
        spent += start.elapsed();
        cpu = add_cpu_since(cpu, cpu_start);
        done += k as u64;
    }

    let mut hashing = Duration::ZERO;
    let mut hash_cpu = Some(Duration::ZERO);
    let mut sink = 0u8;
    let mut buf = Vec::with_capacity(entry_len);
    let mut i = 0u64;
    while i < entries {
        let k = (entries - i).min(batch as u64);
        let chunk: Vec<Vec<u8>> = (i..i + k)
            .map(|j| {
                fill_entry(&mut buf, j, entry_len);
                buf.clone()
            })
            .collect();
        let cpu_start = thread_cpu();
        let start = Instant::now();
        for e in &chunk {
            sink ^= crate::leaf_hash(e).0[0];
        }
        hashing += start.elapsed();
        hash_cpu = add_cpu_since(hash_cpu, cpu_start);
        i += k;
    }
    std::hint::black_box(sink);

    let secs = spent.as_secs_f64().max(1e-9);
    let appends_per_sec = entries as f64 / secs;
    let leaf_hashes_per_sec = entries as f64 / hashing.as_secs_f64().max(1e-9);
    Ok(BenchStats {
        entries,
        batch,
        entry_len,
        append_secs: secs,
        append_cpu_secs: cpu.map(|d| d.as_secs_f64()),
        appends_per_sec,
        leaf_hashes_per_sec,
        hash_cpu_secs: hash_cpu.map(|d| d.as_secs_f64()),
        ratio: appends_per_sec / leaf_hashes_per_sec,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn entries_have_the_asked_length_and_differ() {
        let (mut a, mut b) = (Vec::new(), Vec::new());
        fill_entry(&mut a, 1, 300);
        fill_entry(&mut b, 2, 300);
        assert_eq!(a.len(), 300);
        assert_ne!(a, b);
        fill_entry(&mut a, 1, 10);
        assert_eq!(a.len(), 10);
    }
}
