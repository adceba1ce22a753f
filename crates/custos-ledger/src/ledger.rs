//! The ledger on disk: open, append, read, prove.

use crate::bundle::{push_entry, BundleDefect, BundleEntries};
use crate::error::LedgerError;
use crate::fsio::{self, BatchWriter};
use crate::layout::{
    edge_tile, level_count, levels, partial_dir, tile_path, TileKind, CHECKPOINT, FULL_TILE_BYTES,
    HASH_LEN, MAX_ENTRY_LEN, TILE_WIDTH, VERIFIER_KEY, WRITER,
};
use crate::merkle::{edge_root, hash_at, leaf_hash, perfect_root, TileHashReader, TileSource};
use crate::note::{self, LogKey, SignedCheckpoint};
use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use tlog_tiles::{stored_hash_index, Hash, HashReader, EMPTY_HASH};

/// What one [`Ledger::append`] committed.
#[derive(Clone, Debug, PartialEq)]
pub struct Appended {
    /// The index of the first entry of the batch (the ledger size before it).
    pub first_index: u64,
    /// The checkpoint signed for the tree that includes the batch.
    pub checkpoint: SignedCheckpoint,
}

/// The right edge of the tree, kept in memory so appends need no reads:
/// the partial tile of each level and the partial entry bundle.
#[derive(Clone, Debug, Default)]
struct Edge {
    size: u64,
    /// The framed entries of the partial bundle (`size % 256` of them).
    bundle: Vec<u8>,
    /// `tiles[L]`: the hashes of the partial tile at level `L`.
    tiles: Vec<Vec<u8>>,
}

struct Writer {
    key: LogKey,
    /// The ledger directory, held open with an exclusive lock.
    _lock: File,
    /// The `writer` marker file, held open to update it in place.
    marker: File,
    /// Set while an append is under way; left set if it fails.
    poisoned: bool,
}

/// An append-only, tamper-evident log of entries: an RFC 6962 Merkle
/// tree stored as C2SP tlog-tiles under one directory, with a signed
/// checkpoint (see the crate docs for the layout and the guarantees).
pub struct Ledger {
    dir: PathBuf,
    origin: String,
    vkey: String,
    writer: Option<Writer>,
    checkpoint: SignedCheckpoint,
    edge: Edge,
    known_dirs: HashSet<PathBuf>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("dir", &self.dir)
            .field("origin", &self.origin)
            .field("size", &self.checkpoint.size)
            .field("writable", &self.writer.is_some())
            .finish()
    }
}

fn read_text(path: &Path) -> Result<Option<String>, LedgerError> {
    match fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| LedgerError::Corrupt {
                path: path.display().to_string(),
                reason: "it is not UTF-8 text".into(),
            }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LedgerError::io("read", path)(e)),
    }
}

/// Reads the checkpoint of the ledger in `dir` and checks its signature.
fn read_checkpoint(dir: &Path, vkey: &str) -> Result<Option<SignedCheckpoint>, LedgerError> {
    match read_text(&dir.join(CHECKPOINT))? {
        Some(text) => note::verify_checkpoint_note(&text, vkey).map(Some),
        None => Ok(None),
    }
}

fn corrupt(path: impl Into<String>, reason: impl Into<String>) -> LedgerError {
    LedgerError::Corrupt {
        path: path.into(),
        reason: reason.into(),
    }
}

/// The first `width` hashes of hash tile `n` at `level`, from its own file
/// or, for a partial tile whose file is gone (a newer full tile replaced
/// it), from the start of the full tile. `None` if neither exists.
pub(crate) fn read_hash_tile(
    dir: &Path,
    level: u8,
    n: u64,
    width: u64,
) -> Result<Option<(String, Vec<u8>)>, LedgerError> {
    let kind = TileKind::Hash(level);
    let want = width as usize * HASH_LEN;
    let path = tile_path(kind, n, width);
    if let Some(data) = fsio::read_optional(dir, &path)? {
        if data.len() != want {
            return Err(corrupt(
                path,
                format!("it holds {} bytes, not {want} ({width} hashes)", data.len()),
            ));
        }
        return Ok(Some((path, data)));
    }
    if width < TILE_WIDTH {
        let full = tile_path(kind, n, TILE_WIDTH);
        if let Some(mut data) = fsio::read_optional(dir, &full)? {
            if data.len() != FULL_TILE_BYTES {
                return Err(corrupt(
                    full,
                    format!("it holds {} bytes, not {FULL_TILE_BYTES}", data.len()),
                ));
            }
            data.truncate(want);
            return Ok(Some((full, data)));
        }
    }
    Ok(None)
}

/// The byte length of the first `count` framed entries of `bundle`.
pub(crate) fn bundle_prefix_len(bundle: &[u8], count: u64) -> Option<usize> {
    let mut pos = 0usize;
    for item in BundleEntries::new(bundle, count).take(count as usize) {
        pos += 2 + item.ok()?.len();
    }
    Some(pos)
}

/// The raw bytes of entry bundle `n` holding `width` entries (a partial
/// one falls back to the start of the full bundle). Not parsed.
pub(crate) fn read_bundle(
    dir: &Path,
    n: u64,
    width: u64,
) -> Result<Option<(String, Vec<u8>)>, LedgerError> {
    let path = tile_path(TileKind::Entries, n, width);
    if let Some(data) = fsio::read_optional(dir, &path)? {
        return Ok(Some((path, data)));
    }
    if width < TILE_WIDTH {
        let full = tile_path(TileKind::Entries, n, TILE_WIDTH);
        if let Some(mut data) = fsio::read_optional(dir, &full)? {
            let cut = bundle_prefix_len(&data, width)
                .ok_or_else(|| corrupt(full.clone(), "its entries are truncated"))?;
            data.truncate(cut);
            return Ok(Some((full, data)));
        }
    }
    Ok(None)
}

fn describe(defect: &BundleDefect, base: u64, width: u64) -> String {
    match defect {
        BundleDefect::Truncated { k } => format!(
            "entry {} is truncated (the bundle should hold {width} entries)",
            base + k
        ),
        BundleDefect::Trailing { extra } => {
            format!("{extra} bytes follow its last entry (it should hold {width} entries)")
        }
    }
}

/// Loads the right edge of the tree of `cp` and checks it hashes to the
/// checkpoint root.
fn load_edge(dir: &Path, cp: &SignedCheckpoint) -> Result<Edge, LedgerError> {
    let size = cp.size;
    let mut edge = Edge {
        size,
        bundle: Vec::new(),
        tiles: Vec::new(),
    };
    for level in 0..levels(size) {
        let (n, w) = edge_tile(size, level);
        let mut tile = Vec::with_capacity(FULL_TILE_BYTES);
        if w > 0 {
            let (_, data) = read_hash_tile(dir, level, n, w)?
                .ok_or_else(|| corrupt(tile_path(TileKind::Hash(level), n, w), "it is missing"))?;
            tile.extend_from_slice(&data);
        }
        edge.tiles.push(tile);
    }
    let (n, w) = edge_tile(size, 0);
    if w > 0 {
        let (path, data) = read_bundle(dir, n, w)?
            .ok_or_else(|| corrupt(tile_path(TileKind::Entries, n, w), "it is missing"))?;
        for (k, item) in BundleEntries::new(&data, w).enumerate() {
            let entry = item.map_err(|d| corrupt(path.clone(), describe(&d, n * TILE_WIDTH, w)))?;
            if leaf_hash(entry) != hash_at(&edge.tiles[0], k) {
                return Err(corrupt(
                    tile_path(TileKind::Hash(0), n, w),
                    format!(
                        "the hash of entry {} does not match its entry in `{path}`",
                        n * TILE_WIDTH + k as u64
                    ),
                ));
            }
        }
        edge.bundle = data;
    }
    if edge_root(&edge.tiles) != cp.root {
        return Err(corrupt(
            CHECKPOINT,
            "its root hash does not match the right edge of the tiles",
        ));
    }
    Ok(edge)
}

/// The first file past the tree of `size` leaves: a wider partial tile, a
/// full tile, or a next tile, at any level. Appends never leave such files
/// once their checkpoint is written, so one means an interrupted append or
/// a rolled-back checkpoint.
pub(crate) fn files_beyond(dir: &Path, size: u64) -> Result<Vec<String>, LedgerError> {
    let mut found = Vec::new();
    for level in 0..=levels(size) {
        let (n, w) = edge_tile(size, level);
        let mut kinds = vec![TileKind::Hash(level)];
        if level == 0 {
            kinds.push(TileKind::Entries);
        }
        for kind in kinds {
            for path in [
                tile_path(kind, n, TILE_WIDTH),
                tile_path(kind, n + 1, TILE_WIDTH),
            ] {
                if fsio::exists(dir, &path) {
                    found.push(path);
                }
            }
            let (widths, _) = fsio::list_partials(dir, &partial_dir(kind, n))?;
            for width in widths.into_iter().filter(|&x| x > w) {
                found.push(tile_path(kind, n, width));
            }
            let next = partial_dir(kind, n + 1);
            if fsio::exists(dir, &next) {
                found.push(next);
            }
        }
    }
    Ok(found)
}

/// Deletes everything past the tree of `size` leaves that an interrupted
/// append left: at each level the full version and wider partials of the
/// edge tile, and the tiles after it while they exist (an append writes
/// them in order, so they are contiguous).
fn remove_beyond(dir: &Path, size: u64) -> Result<(), LedgerError> {
    let mut touched: HashSet<PathBuf> = HashSet::new();
    // The tiles at level L past the tree: stop at the first level with none.
    for level in 0..=u8::MAX {
        let c = level_count(size, level);
        let (first, w) = (c / TILE_WIDTH, c % TILE_WIDTH);
        let mut kinds = vec![TileKind::Hash(level)];
        if level == 0 {
            kinds.push(TileKind::Entries);
        }
        let mut removed_any = false;
        for kind in kinds {
            let mut n = first;
            loop {
                let full = dir.join(tile_path(kind, n, TILE_WIDTH));
                let pdir = dir.join(partial_dir(kind, n));
                if n > first && !full.exists() && !pdir.exists() {
                    break;
                }
                if full.exists() {
                    fsio::remove_file(&full)?;
                    removed_any = true;
                    if let Some(parent) = full.parent() {
                        touched.insert(parent.to_path_buf());
                    }
                }
                if n > first {
                    if pdir.exists() {
                        fsio::remove_dir_all(&pdir)?;
                        removed_any = true;
                        if let Some(parent) = pdir.parent() {
                            touched.insert(parent.to_path_buf());
                        }
                    }
                } else {
                    let (widths, _) = fsio::list_partials(dir, &partial_dir(kind, n))?;
                    for width in widths.into_iter().filter(|&x| x > w) {
                        fsio::remove_file(&dir.join(tile_path(kind, n, width)))?;
                        removed_any = true;
                        touched.insert(pdir.clone());
                    }
                }
                n += 1;
            }
        }
        if !removed_any && c == 0 {
            break;
        }
    }
    for d in touched {
        if d.exists() {
            fsio::sync_dir(&d)?;
        }
    }
    Ok(())
}

/// What the writer marker says: `None` if there is none, `Some(None)` if
/// it is unreadable (torn by a crash), else the size last committed.
pub(crate) fn writer_marker(dir: &Path) -> Result<Option<Option<u64>>, LedgerError> {
    Ok(fsio::read_optional(dir, WRITER)?.map(|bytes| {
        std::str::from_utf8(&bytes)
            .ok()
            .and_then(|t| t.strip_suffix('\n'))
            .and_then(|t| t.parse::<u64>().ok())
    }))
}

impl Ledger {
    /// Opens the ledger in `dir` for appending, creating an empty one (and
    /// its key) on first use. `key_path` is the private key file, kept
    /// outside `dir` because `dir` is published as it is; it is created
    /// with mode 0600 if missing. `origin` is the log's name, the first
    /// line of its checkpoints and the key name (no spaces or `+`).
    ///
    /// Reopening verifies the checkpoint signature, removes what an
    /// interrupted append left past the checkpoint, refuses files past the
    /// checkpoint that no interrupted append explains (a rolled-back
    /// checkpoint), and checks the right edge of the tiles hashes to the
    /// checkpoint root. Only one `Ledger` may hold a ledger open this way:
    /// the directory is locked (`flock`) while it lives.
    pub fn open(dir: &Path, key_path: &Path, origin: &str) -> Result<Ledger, LedgerError> {
        if !signed_note::is_key_name_valid(origin) {
            return Err(LedgerError::InvalidOrigin(origin.to_owned()));
        }
        if !dir.is_dir() {
            fs::create_dir_all(dir).map_err(LedgerError::io("create directory", dir))?;
            if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
                fsio::sync_dir(parent)?;
            }
        }
        // One writer per ledger: lock the directory itself, before the key
        // exists, so two first opens cannot both create one.
        let lock = File::open(dir).map_err(LedgerError::io("open", dir))?;
        fsio::lock_exclusive(&lock, dir)?;
        let has_checkpoint = dir.join(CHECKPOINT).exists();

        let key_text = match read_text(key_path)? {
            Some(text) => text,
            None if has_checkpoint => {
                return Err(LedgerError::MissingKey {
                    key: key_path.to_path_buf(),
                    dir: dir.to_path_buf(),
                })
            }
            None => {
                let (skey, _) = note::generate_key(origin);
                if let Some(parent) = key_path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    fs::create_dir_all(parent)
                        .map_err(LedgerError::io("create directory", parent))?;
                }
                fsio::write_durable(key_path, format!("{skey}\n").as_bytes(), 0o600)?;
                skey
            }
        };
        let (key_name, key) = note::parse_private_key(&key_text, key_path)?;
        if key_name != origin {
            return Err(LedgerError::KeyForOtherLog {
                path: key_path.to_path_buf(),
                key_name,
                origin: origin.to_owned(),
            });
        }

        let vkey_path = dir.join(VERIFIER_KEY);
        let vkey_line = format!("{}\n", key.vkey);
        match read_text(&vkey_path)? {
            Some(text) if text == vkey_line => {}
            Some(_) => {
                return Err(LedgerError::VerifierKeyMismatch {
                    path: vkey_path,
                    key: key_path.to_path_buf(),
                })
            }
            None => fsio::write_durable(&vkey_path, vkey_line.as_bytes(), 0o644)?,
        }

        let existing = read_checkpoint(dir, &key.vkey)?;
        let size = existing.as_ref().map_or(0, |cp| cp.size);
        match writer_marker(dir)? {
            // A writer crashed: what lies past its checkpoint is the append
            // it was making. Unless the checkpoint went back in time.
            Some(committed) => {
                if let Some(committed) = committed.filter(|&c| c > size) {
                    return Err(LedgerError::RolledBack { size, committed });
                }
                remove_beyond(dir, size)?;
            }
            None => {
                if let Some(path) = files_beyond(dir, size)?.into_iter().next() {
                    return Err(LedgerError::BeyondCheckpoint { path, size });
                }
            }
        }
        let checkpoint = match existing {
            Some(cp) => cp,
            None => {
                let cp = note::sign_checkpoint(&key, origin, 0, EMPTY_HASH)?;
                fsio::write_durable(&dir.join(CHECKPOINT), cp.note_text.as_bytes(), 0o644)?;
                cp
            }
        };
        let edge = load_edge(dir, &checkpoint)?;
        let marker = fsio::write_in_place_durable(
            &dir.join(WRITER),
            format!("{}\n", checkpoint.size).as_bytes(),
        )?;
        Ok(Ledger {
            dir: dir.to_path_buf(),
            origin: origin.to_owned(),
            vkey: key.vkey.clone(),
            writer: Some(Writer {
                key,
                _lock: lock,
                marker,
                poisoned: false,
            }),
            checkpoint,
            edge,
            known_dirs: HashSet::new(),
        })
    }

    /// Opens the ledger in `dir` for reading only: no key, no lock, no
    /// writes, so it works beside a running writer (it sees the checkpoint
    /// of the moment it opened). The checkpoint is verified with
    /// `trusted_vkey` if given, else with the `key.vkey` found in `dir`
    /// (which only proves the files agree with each other).
    pub fn open_read_only(dir: &Path, trusted_vkey: Option<&str>) -> Result<Ledger, LedgerError> {
        let vkey = match trusted_vkey {
            Some(v) => v.to_owned(),
            None => {
                let path = dir.join(VERIFIER_KEY);
                let text = read_text(&path)?.ok_or_else(|| LedgerError::NotALedger {
                    dir: dir.to_path_buf(),
                })?;
                text.strip_suffix('\n')
                    .filter(|v| !v.contains('\n'))
                    .ok_or_else(|| corrupt(VERIFIER_KEY, "it is not one line"))?
                    .to_owned()
            }
        };
        let checkpoint = read_checkpoint(dir, &vkey)?.ok_or_else(|| LedgerError::NotALedger {
            dir: dir.to_path_buf(),
        })?;
        let edge = load_edge(dir, &checkpoint)?;
        Ok(Ledger {
            dir: dir.to_path_buf(),
            origin: checkpoint.origin.clone(),
            vkey,
            writer: None,
            checkpoint,
            edge,
            known_dirs: HashSet::new(),
        })
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The log's name (checkpoint origin and key name).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of entries.
    pub fn size(&self) -> u64 {
        self.checkpoint.size
    }

    /// The root hash of all entries.
    pub fn root(&self) -> Hash {
        self.checkpoint.root
    }

    /// The latest signed checkpoint.
    pub fn checkpoint(&self) -> &SignedCheckpoint {
        &self.checkpoint
    }

    /// Whether this `Ledger` was opened for appending.
    pub fn is_writer(&self) -> bool {
        self.writer.is_some()
    }

    /// The log's public key as a note verifier key
    /// (`<name>+<hex key id>+<base64 of 0x01 ‖ Ed25519 public key>`).
    pub fn verifier_key(&self) -> &str {
        &self.vkey
    }

    /// Appends `entries` (each at most 65,535 bytes) as one group commit
    /// and returns once they and a checkpoint covering them are durable.
    ///
    /// The new tiles are written and synced first, the signed checkpoint
    /// last, so a crash at any point leaves the previous checkpoint and
    /// everything it covers intact. If this fails the ledger refuses
    /// further appends until reopened (which cleans up).
    pub fn append<E: AsRef<[u8]>>(&mut self, entries: &[E]) -> Result<Appended, LedgerError> {
        let hashed: Vec<(&[u8], Hash)> = entries
            .iter()
            .map(|e| (e.as_ref(), leaf_hash(e.as_ref())))
            .collect();
        self.append_hashed(&hashed)
    }

    /// [`Ledger::append`] for entries whose leaf hashes
    /// ([`crate::leaf_hash`]) the caller already computed, as ingest does
    /// to recognise duplicates, so that no entry is hashed twice. A hash
    /// that is not its entry's would make a tree that `verify` refuses;
    /// debug builds check each one.
    pub fn append_hashed(&mut self, entries: &[(&[u8], Hash)]) -> Result<Appended, LedgerError> {
        let first_index = self.edge.size;
        match &self.writer {
            None => return Err(LedgerError::ReadOnly),
            Some(w) if w.poisoned => return Err(LedgerError::Poisoned),
            Some(_) => {}
        }
        for (position, (e, _)) in entries.iter().enumerate() {
            let len = e.len();
            if len > MAX_ENTRY_LEN {
                return Err(LedgerError::EntryTooLarge { position, len });
            }
        }
        if entries.is_empty() {
            return Ok(Appended {
                first_index,
                checkpoint: self.checkpoint.clone(),
            });
        }
        self.set_poisoned(true);
        let checkpoint = self.commit(entries)?;
        self.set_poisoned(false);
        Ok(Appended {
            first_index,
            checkpoint,
        })
    }

    fn set_poisoned(&mut self, poisoned: bool) {
        if let Some(w) = &mut self.writer {
            w.poisoned = poisoned;
        }
    }

    fn commit(&mut self, entries: &[(&[u8], Hash)]) -> Result<SignedCheckpoint, LedgerError> {
        let old = self.edge.size;
        let new = old + entries.len() as u64;
        let Ledger {
            dir,
            origin,
            writer,
            edge,
            known_dirs,
            ..
        } = self;
        let key = match writer {
            Some(w) => &w.key,
            None => return Err(LedgerError::ReadOnly),
        };

        let mut batch = BatchWriter::new(dir, known_dirs);
        let mut completed: Vec<(TileKind, u64)> = Vec::new();
        if edge.tiles.is_empty() {
            edge.tiles.push(Vec::with_capacity(FULL_TILE_BYTES));
        }
        for &(e, hash) in entries {
            debug_assert_eq!(hash, leaf_hash(e), "a leaf hash given to append_hashed");
            push_entry(&mut edge.bundle, e);
            edge.tiles[0].extend_from_slice(&hash.0);
            edge.size += 1;
            if edge.tiles[0].len() == FULL_TILE_BYTES {
                let n = (edge.size - 1) / TILE_WIDTH;
                batch.write(&tile_path(TileKind::Entries, n, TILE_WIDTH), &edge.bundle)?;
                edge.bundle.clear();
                completed.push((TileKind::Entries, n));
                complete_tiles(edge, &mut batch, &mut completed, n)?;
            }
        }
        for level in 0..levels(new) {
            let (n, w) = edge_tile(new, level);
            if w > 0 && level_count(new, level) != level_count(old, level) {
                batch.write(
                    &tile_path(TileKind::Hash(level), n, w),
                    &edge.tiles[usize::from(level)],
                )?;
            }
        }
        let (n, w) = edge_tile(new, 0);
        if w > 0 {
            batch.write(&tile_path(TileKind::Entries, n, w), &edge.bundle)?;
        }
        // Signed now, but only renamed into place once every tile above
        // is durable (see `BatchWriter::replace`).
        let cp = note::sign_checkpoint(key, origin, new, edge_root(&edge.tiles))?;
        batch.replace(&dir.join(CHECKPOINT), cp.note_text.as_bytes(), 0o644)?;
        batch.finish()?;
        self.checkpoint = cp.clone();

        // After the commit point; failures here lose nothing. The marker
        // need not be durable: it only has to be no newer than the
        // checkpoint, which is written first. It is overwritten in place
        // (one seek and one write, no truncation or new blocks): the size
        // only grows, so the new text is never shorter than the old.
        if let Some(w) = &mut self.writer {
            let _ = w
                .marker
                .seek(SeekFrom::Start(0))
                .and_then(|_| w.marker.write_all(format!("{new}\n").as_bytes()));
        }
        for (kind, n) in completed {
            let pdir = self.dir.join(partial_dir(kind, n));
            self.known_dirs.remove(&pdir);
            let _ = fsio::remove_dir_all(&pdir);
        }
        Ok(cp)
    }

    /// The entry at `index`.
    pub fn read_entry(&self, index: u64) -> Result<Vec<u8>, LedgerError> {
        if index >= self.size() {
            return Err(LedgerError::IndexOutOfRange {
                index,
                size: self.size(),
            });
        }
        self.entries(index..index + 1)?
            .next()
            .unwrap_or_else(|| Err(LedgerError::Internal("entry iterator ended early".into())))
    }

    /// The entries `range` in order, reading each bundle file once: for
    /// re-indexing the whole log. Entries are not checked against the
    /// tree here; [`Ledger::verify`] does that.
    pub fn entries(&self, range: Range<u64>) -> Result<Entries<'_>, LedgerError> {
        if range.start > range.end || range.end > self.size() {
            return Err(LedgerError::SizeOutOfRange {
                requested: range.end,
                size: self.size(),
            });
        }
        Ok(Entries {
            ledger: self,
            next: range.start,
            end: range.end,
            bundle: Vec::new(),
            bundle_index: None,
            pos: 0,
            failed: false,
        })
    }

    /// The inclusion proof (audit path) of entry `index` in the tree of
    /// the first `tree_size` entries.
    pub fn prove_inclusion(&self, index: u64, tree_size: u64) -> Result<Vec<Hash>, LedgerError> {
        if tree_size > self.size() {
            return Err(LedgerError::SizeOutOfRange {
                requested: tree_size,
                size: self.size(),
            });
        }
        if index >= tree_size {
            return Err(LedgerError::IndexOutOfRange {
                index,
                size: tree_size,
            });
        }
        let reader = TileHashReader::new(self, self.size());
        let proof = tlog_tiles::prove_record(tree_size, index, &reader)
            .map_err(|e| reader.take_error(e))?;
        if tree_size == self.size() {
            // Check the tiles against the signed root before handing out
            // a proof built from them.
            let leaf = reader
                .read_hashes(&[stored_hash_index(0, index)])
                .map_err(|e| reader.take_error(e))?;
            let leaf = leaf.first().copied().unwrap_or_default();
            crate::merkle::verify_inclusion(&leaf, index, tree_size, &self.root(), &proof)
                .map_err(|_| {
                    corrupt(
                        "tile/",
                        "the tiles do not hash to the checkpoint root; run `custos verify`",
                    )
                })?;
        }
        Ok(proof)
    }

    /// The consistency proof that the tree of `old_size` entries is a
    /// prefix of the tree of `new_size` (`1 <= old_size <= new_size <=
    /// size`).
    pub fn prove_consistency(
        &self,
        old_size: u64,
        new_size: u64,
    ) -> Result<Vec<Hash>, LedgerError> {
        if new_size > self.size() {
            return Err(LedgerError::SizeOutOfRange {
                requested: new_size,
                size: self.size(),
            });
        }
        if old_size == 0 || old_size > new_size {
            return Err(LedgerError::SizeOutOfRange {
                requested: old_size,
                size: new_size,
            });
        }
        let reader = TileHashReader::new(self, self.size());
        let proof = tlog_tiles::prove_tree(new_size, old_size, &reader)
            .map_err(|e| reader.take_error(e))?;
        if new_size == self.size() {
            let old_root = self.root_at(old_size)?;
            crate::merkle::verify_consistency(old_size, new_size, &old_root, &self.root(), &proof)
                .map_err(|_| {
                    corrupt(
                        "tile/",
                        "the tiles do not hash to the checkpoint root; run `custos verify`",
                    )
                })?;
        }
        Ok(proof)
    }

    /// The root hash of the tree of the first `tree_size` entries.
    pub fn root_at(&self, tree_size: u64) -> Result<Hash, LedgerError> {
        if tree_size > self.size() {
            return Err(LedgerError::SizeOutOfRange {
                requested: tree_size,
                size: self.size(),
            });
        }
        let reader = TileHashReader::new(self, self.size());
        tlog_tiles::tree_hash(tree_size, &reader).map_err(|e| reader.take_error(e))
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        // A clean close: no append under way. After a failed append the
        // marker stays, so the next open cleans up what it left.
        if matches!(&self.writer, Some(w) if !w.poisoned) {
            let _ = fs::remove_file(self.dir.join(WRITER));
        }
    }
}

/// Writes the full hash tile at level 0 with index `n` and every tile
/// above it that it completes, moving each one's root up a level.
fn complete_tiles(
    edge: &mut Edge,
    batch: &mut BatchWriter<'_>,
    completed: &mut Vec<(TileKind, u64)>,
    mut n: u64,
) -> Result<(), LedgerError> {
    let mut level = 0usize;
    loop {
        let kind = TileKind::Hash(level as u8);
        batch.write(&tile_path(kind, n, TILE_WIDTH), &edge.tiles[level])?;
        completed.push((kind, n));
        let root = perfect_root(&edge.tiles[level]);
        edge.tiles[level].clear();
        if edge.tiles.len() == level + 1 {
            edge.tiles.push(Vec::with_capacity(FULL_TILE_BYTES));
        }
        edge.tiles[level + 1].extend_from_slice(&root.0);
        if edge.tiles[level + 1].len() < FULL_TILE_BYTES {
            return Ok(());
        }
        level += 1;
        n /= TILE_WIDTH;
    }
}

impl TileSource for Ledger {
    fn hash_tile(&self, level: u8, n: u64, width: u64) -> Result<Vec<u8>, LedgerError> {
        let (edge_n, edge_w) = edge_tile(self.edge.size, level);
        if n == edge_n && width == edge_w {
            return self
                .edge
                .tiles
                .get(usize::from(level))
                .cloned()
                .ok_or_else(|| LedgerError::Internal("right edge shorter than the tree".into()));
        }
        read_hash_tile(&self.dir, level, n, width)?
            .map(|(_, data)| data)
            .ok_or_else(|| corrupt(tile_path(TileKind::Hash(level), n, width), "it is missing"))
    }
}

/// The entries of a range, in order; see [`Ledger::entries`].
pub struct Entries<'a> {
    ledger: &'a Ledger,
    next: u64,
    end: u64,
    bundle: Vec<u8>,
    bundle_index: Option<u64>,
    pos: usize,
    failed: bool,
}

impl Entries<'_> {
    fn load(&mut self, n: u64) -> Result<(), LedgerError> {
        let edge = &self.ledger.edge;
        let (edge_n, edge_w) = edge_tile(edge.size, 0);
        let (path, data) = if n == edge_n && edge_w > 0 {
            (tile_path(TileKind::Entries, n, edge_w), edge.bundle.clone())
        } else {
            read_bundle(&self.ledger.dir, n, TILE_WIDTH)?.ok_or_else(|| {
                corrupt(tile_path(TileKind::Entries, n, TILE_WIDTH), "it is missing")
            })?
        };
        let skip = self.next % TILE_WIDTH;
        self.pos = bundle_prefix_len(&data, skip)
            .ok_or_else(|| corrupt(path, "its entries are truncated"))?;
        self.bundle = data;
        self.bundle_index = Some(n);
        Ok(())
    }
}

impl Iterator for Entries<'_> {
    type Item = Result<Vec<u8>, LedgerError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next >= self.end {
            return None;
        }
        let n = self.next / TILE_WIDTH;
        if self.bundle_index != Some(n) {
            if let Err(e) = self.load(n) {
                self.failed = true;
                return Some(Err(e));
            }
        }
        let rest = &self.bundle[self.pos..];
        let entry = match rest {
            [hi, lo, body @ ..] => body.get(..usize::from(u16::from_be_bytes([*hi, *lo]))),
            _ => None,
        };
        match entry {
            Some(entry) => {
                self.pos += 2 + entry.len();
                self.next += 1;
                Some(Ok(entry.to_vec()))
            }
            None => {
                self.failed = true;
                Some(Err(corrupt(
                    tile_path(TileKind::Entries, n, TILE_WIDTH),
                    format!("entry {} is truncated", self.next),
                )))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.end - self.next).unwrap_or(usize::MAX);
        (0, Some(left))
    }
}
