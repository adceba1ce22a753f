//! `custos ingest`: read, validate on one thread, commit on another.

use crate::output::{self, Context};
use crate::{input, Outcome};
use anyhow::{Context as _, Result};
use custos_ingest::{prepare, IngestSummary, LineRejection, Location, Pipeline, Prepared};
use std::io::BufRead;
use std::sync::mpsc;

#[derive(clap::Args)]
pub struct IngestArgs {
    /// Event files (JSON Lines, optionally gzip or zstd), or `-` for stdin.
    #[arg(required = true)]
    files: Vec<String>,
    /// Events per group commit (default 50000, or `ingest.batch` of the config file).
    #[arg(long)]
    batch: Option<usize>,
}

/// What the reader thread hands to the committer.
struct Chunk {
    prepared: Vec<Prepared>,
    rejected: Vec<LineRejection>,
}

pub fn run(ctx: &Context, args: IngestArgs) -> Result<Outcome> {
    let mut pipeline = ctx.open_detecting()?;
    let (summary, failure) = ingest_files(
        &mut pipeline,
        args.files,
        args.batch.unwrap_or(ctx.config.batch),
        true,
    )?;
    pipeline
        .snapshot_detection()
        .context("cannot save the detection state")?;
    output::record(ctx.format, &summary)?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(if summary.rejected > 0 {
        Outcome::Problem
    } else {
        Outcome::Ok
    })
}

/// Ingests files into an open pipeline: one thread reads and validates,
/// this one commits. Returns the summary of what was committed and, if an
/// input could not be read to its end, that error (what came before it
/// is committed).
pub fn ingest_files(
    pipeline: &mut Pipeline,
    files: Vec<String>,
    batch: usize,
    report_rejections: bool,
) -> Result<(IngestSummary, Option<anyhow::Error>)> {
    let bar = input::progress_bar();
    let (tx, rx) = mpsc::sync_channel::<Result<Chunk>>(4);
    let batch = batch.max(1);
    let reader_bar = bar.clone();
    let reader = std::thread::spawn(move || {
        for file in &files {
            if let Err(e) = read_file(file, batch, reader_bar.as_ref(), &tx) {
                let _ = tx.send(Err(e));
                return;
            }
        }
    });
    let mut summary = pipeline.state();
    let mut failure = None;
    for chunk in rx {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        summary.rejected += chunk.rejected.len() as u64;
        if report_rejections {
            for r in &chunk.rejected {
                eprintln!("rejected {r}");
            }
        }
        let committed = pipeline
            .submit(chunk.prepared)
            .context("cannot commit a batch")?;
        if report_rejections {
            for r in &committed.rejections {
                eprintln!("rejected {r}");
            }
        }
        summary.absorb(committed);
        if let Some(bar) = &bar {
            bar.set_message(format!("{} accepted", summary.accepted));
        }
    }
    // Nothing is acknowledged before the store holds it too.
    pipeline.flush().context("cannot finish indexing")?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let _ = reader.join();
    Ok((summary, failure))
}

fn read_file(
    file: &str,
    batch: usize,
    bar: Option<&indicatif::ProgressBar>,
    tx: &mpsc::SyncSender<Result<Chunk>>,
) -> Result<()> {
    let mut input = input::open(file, bar)?;
    let mut chunk = Chunk {
        prepared: Vec::with_capacity(batch),
        rejected: Vec::new(),
    };
    let mut buf = Vec::with_capacity(1024);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = input
            .reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read `{}` after line {line_no}", input.name))?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let location = Location {
            source: input.name.clone(),
            line: line_no,
        };
        match crate::input::check_line(&buf) {
            Ok(None) => continue,
            Ok(Some(text)) => match prepare(location, text) {
                Ok(p) => chunk.prepared.push(p),
                Err(r) => chunk.rejected.push(r),
            },
            Err(reason) => chunk.rejected.push(LineRejection {
                location,
                field: "-".to_owned(),
                reason,
            }),
        }
        if chunk.prepared.len() >= batch {
            let full = std::mem::replace(
                &mut chunk,
                Chunk {
                    prepared: Vec::with_capacity(batch),
                    rejected: Vec::new(),
                },
            );
            if tx.send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    let _ = tx.send(Ok(chunk));
    Ok(())
}
