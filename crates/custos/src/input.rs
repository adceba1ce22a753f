//! Reading event files: plain, gzip or zstd JSON Lines, or stdin.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::Path;

/// A source of event lines with its display name for error messages.
pub struct Input {
    pub name: String,
    pub reader: Box<dyn BufRead + Send>,
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// Opens `-` (stdin) or a file; compression is recognised by its magic
/// bytes, so a `.gz` or `.zst` file works whatever its name.
pub fn open(arg: &str, progress: Option<&ProgressBar>) -> Result<Input> {
    let (name, raw): (String, Box<dyn Read + Send>) = if arg == "-" {
        ("stdin".to_owned(), Box::new(io::stdin()))
    } else {
        let path = Path::new(arg);
        let file =
            File::open(path).with_context(|| format!("cannot open `{arg}`; check the path"))?;
        let raw: Box<dyn Read + Send> = match progress {
            Some(bar) => {
                if let Ok(meta) = file.metadata() {
                    bar.inc_length(meta.len());
                }
                Box::new(bar.wrap_read(file))
            }
            None => Box::new(file),
        };
        (arg.to_owned(), raw)
    };
    let mut buffered = BufReader::with_capacity(1 << 20, raw);
    let head = buffered
        .fill_buf()
        .with_context(|| format!("cannot read `{name}`"))?;
    let reader: Box<dyn BufRead + Send> = if head.starts_with(&GZIP_MAGIC) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else if head.starts_with(&ZSTD_MAGIC) {
        let dec = zstd::stream::read::Decoder::with_buffer(buffered)
            .with_context(|| format!("cannot start zstd decoding of `{name}`"))?;
        Box::new(BufReader::with_capacity(1 << 20, dec))
    } else {
        Box::new(buffered)
    };
    Ok(Input { name, reader })
}

/// A byte-count progress bar on a terminal; nothing when stderr is piped.
pub fn progress_bar() -> Option<ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta}) {msg}",
    ) {
        bar.set_style(style);
    }
    Some(bar)
}

/// A line longer than this cannot hold a valid event: an entry is at
/// most 65,535 bytes, and JSON escapes can at most multiply that a few
/// times.
const MAX_LINE_BYTES: usize = 1 << 20;

/// The text of a line without its line ending; `None` for a blank line.
pub fn check_line(buf: &[u8]) -> std::result::Result<Option<&str>, String> {
    if buf.len() > MAX_LINE_BYTES {
        return Err(format!(
            "the line is {} bytes, above the limit of {MAX_LINE_BYTES}; an event's entry holds at most 65,535 bytes, so split bulk actions into events sharing `attrs.batch`",
            buf.len()
        ));
    }
    let text =
        std::str::from_utf8(buf).map_err(|e| format!("not UTF-8 ({e}); events are UTF-8 JSON"))?;
    let text = text.trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(text))
}
