//! `custos publish`: validate event files and publish them to the NATS
//! JetStream bus that `custos serve --bus` nodes consume. One thread reads
//! and validates; the async side publishes with acknowledgements
//! pipelined.

use crate::output::{self, Context, UsageError};
use crate::{input, Outcome};
use anyhow::{Context as _, Result};
use custos_bus::{Bus, BusConfig, BusError, Outbound, PublishCounts};
use custos_ingest::{LineRejection, Location};
use std::io::BufRead;

#[derive(clap::Args)]
pub struct PublishArgs {
    /// Event files (JSON Lines, optionally gzip or zstd), or `-` for stdin.
    #[arg(required = true)]
    files: Vec<String>,
    /// NATS server URL.
    #[arg(long, env = "CUSTOS_BUS", default_value = custos_bus::DEFAULT_URL)]
    bus: String,
    /// JetStream stream name.
    #[arg(long, env = "CUSTOS_BUS_STREAM", default_value = custos_bus::DEFAULT_STREAM)]
    stream: String,
    /// Subjects of the stream are `PREFIX.<partition>`.
    #[arg(long, env = "CUSTOS_BUS_SUBJECTS", default_value = custos_bus::DEFAULT_SUBJECT_PREFIX)]
    subject_prefix: String,
    /// Partition count: fixed when the stream is created (default 8);
    /// refused if an existing stream has another. Omit to use the stream's.
    #[arg(long, env = "CUSTOS_BUS_PARTITIONS")]
    partitions: Option<u32>,
    /// Messages awaiting their JetStream acknowledgement at most.
    #[arg(long, default_value_t = custos_bus::DEFAULT_MAX_IN_FLIGHT)]
    in_flight: usize,
}

/// Lines handed from the reader thread to the publisher at a time.
const CHUNK: usize = 1024;

type Chunk = Vec<Result<Outbound, LineRejection>>;

pub fn run(ctx: &Context, args: PublishArgs) -> Result<Outcome> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let format = ctx.format;
    let (counts, failure) = runtime.block_on(publish(args))?;
    output::record(format, &counts)?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(if counts.rejected > 0 {
        Outcome::Problem
    } else {
        Outcome::Ok
    })
}

/// Publishes every file; returns the counts and, if an input or the bus
/// failed part of the way, that error (what came before it is published).
async fn publish(args: PublishArgs) -> Result<(PublishCounts, Option<anyhow::Error>)> {
    let config = BusConfig {
        url: args.bus.clone(),
        stream: args.stream.clone(),
        subject_prefix: args.subject_prefix.clone(),
        partitions: args.partitions,
        ..BusConfig::default()
    };
    let bus = Bus::connect(&config).await.map_err(|e| match e {
        BusError::Config(_)
        | BusError::PartitionMismatch { .. }
        | BusError::SubjectMismatch { .. }
        | BusError::ForeignStream { .. } => anyhow::Error::new(UsageError(e.to_string())),
        other => anyhow::Error::new(other),
    })?;
    let partitions = bus.topology().partitions;
    let mut publisher = bus.publisher_with(args.in_flight);

    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Chunk>>(8);
    let bar = input::progress_bar();
    let reader_bar = bar.clone();
    let files = args.files;
    let reader = std::thread::spawn(move || {
        for file in &files {
            if let Err(e) = read_file(file, partitions, reader_bar.as_ref(), &tx) {
                let _ = tx.blocking_send(Err(e));
                return;
            }
        }
    });
    let mut failure = None;
    'chunks: while let Some(chunk) = rx.recv().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        for item in chunk {
            match item {
                Ok(event) => {
                    if let Err(e) = publisher.publish(event).await {
                        failure = Some(anyhow::Error::new(e));
                        break 'chunks;
                    }
                }
                Err(r) => {
                    eprintln!("rejected {r}");
                    publisher.count_rejected(1);
                }
            }
        }
        if let Some(bar) = &bar {
            bar.set_message(format!("{} published", publisher.counts().published));
        }
    }
    // Stops the reader if the bus failed before the input ended.
    drop(rx);
    let counts = if failure.is_some() {
        publisher.counts()
    } else {
        match publisher.finish().await {
            Ok(c) => c,
            Err(e) => return Err(e).context("cannot finish publishing"),
        }
    };
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let _ = reader.join();
    Ok((counts, failure))
}

fn read_file(
    file: &str,
    partitions: u32,
    bar: Option<&indicatif::ProgressBar>,
    tx: &tokio::sync::mpsc::Sender<Result<Chunk>>,
) -> Result<()> {
    let mut input = input::open(file, bar)?;
    let mut chunk: Chunk = Vec::with_capacity(CHUNK);
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
        let reject = |field: String, reason: String| LineRejection {
            location: Location {
                source: input.name.clone(),
                line: line_no,
            },
            field,
            reason,
        };
        match crate::input::check_line(&buf) {
            Ok(None) => continue,
            Ok(Some(text)) => chunk
                .push(Outbound::from_line(text, partitions).map_err(|r| reject(r.field, r.reason))),
            Err(reason) => chunk.push(Err(reject("-".to_owned(), reason))),
        }
        if chunk.len() >= CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
            if tx.blocking_send(Ok(full)).is_err() {
                return Ok(());
            }
        }
    }
    let _ = tx.blocking_send(Ok(chunk));
    Ok(())
}
