//! Full verification of a ledger from disk, streaming tile by tile.

use crate::bundle::BundleEntries;
use crate::error::LedgerError;
use crate::fsio;
use crate::layout::{
    edge_tile, levels, partial_dir, tile_path, TileKind, CHECKPOINT, HASH_LEN, TILE_WIDTH,
    VERIFIER_KEY, WRITER,
};
use crate::ledger::{files_beyond, read_bundle, read_hash_tile, writer_marker};
use crate::merkle::{edge_root, hash_at, leaf_hash, perfect_root};
use crate::note::{verify_checkpoint_note, SignedCheckpoint};
use crate::to_hex;
use std::io::ErrorKind;
use std::path::Path;
use tlog_tiles::Hash;

/// The outcome of [`Ledger::verify`](crate::Ledger::verify) and [`verify_dir`](crate::verify_dir).
#[derive(Clone, Debug, PartialEq)]
pub struct VerifyReport {
    /// True when no problem was found.
    pub ok: bool,
    /// The size of the checkpoint checked against.
    pub size: u64,
    /// The root hash of the checkpoint checked against.
    pub root: Hash,
    /// One sentence per problem, naming the file (its path under the
    /// ledger directory) and the entry or hash index where there is one.
    pub problems: Vec<String>,
}

/// Past this many problems verification stops: the ledger is broken and
/// a longer list helps nobody.
const MAX_PROBLEMS: usize = 100;

struct Check<'a> {
    dir: &'a Path,
    problems: Vec<String>,
    stopped: bool,
}

/// One sentence for a read error: `<path>: <reason>` where it has a path.
fn sentence(e: &LedgerError) -> String {
    match e {
        LedgerError::Corrupt { path, reason } => format!("{path}: {reason}"),
        other => other.to_string(),
    }
}

impl Check<'_> {
    fn problem(&mut self, p: String) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(p);
        } else if !self.stopped {
            self.problems.push(format!(
                "verification stopped after {MAX_PROBLEMS} problems; there may be more"
            ));
            self.stopped = true;
        }
    }

    /// Reads hash tile (`level`, `n`) of `width` hashes, reporting why not.
    fn hash_tile(&mut self, level: u8, n: u64, width: u64) -> Option<Vec<u8>> {
        match read_hash_tile(self.dir, level, n, width) {
            Ok(Some((_, data))) => Some(data),
            Ok(None) => {
                let path = tile_path(TileKind::Hash(level), n, width);
                self.problem(format!("{path}: missing"));
                None
            }
            Err(e) => {
                self.problem(sentence(&e));
                None
            }
        }
    }

    /// Checks the older partial versions of a tile kept for readers of
    /// older checkpoints: each must be a prefix of the tile. `prefix(w)`
    /// gives the expected bytes of the first `w` items.
    fn stale_partials(
        &mut self,
        kind: TileKind,
        n: u64,
        width: u64,
        prefix: &dyn Fn(u64) -> Option<Vec<u8>>,
    ) {
        let pdir = partial_dir(kind, n);
        let widths = match fsio::list_partials(self.dir, &pdir) {
            Ok((widths, _)) => widths,
            Err(e) => {
                self.problem(sentence(&e));
                return;
            }
        };
        let main = tile_path(kind, n, width);
        for w in widths {
            // The tile itself, or a wider one past the checkpoint (reported
            // with the files past the checkpoint).
            if w >= width && width < TILE_WIDTH {
                continue;
            }
            let path = tile_path(kind, n, w);
            if w >= TILE_WIDTH {
                self.problem(format!("{pdir}/{w}: not a valid partial tile width"));
                continue;
            }
            let Some(expected) = prefix(w) else { continue };
            match fsio::read_optional(self.dir, &path) {
                Ok(Some(data)) if data == expected => {}
                Ok(Some(_)) => {
                    let what = match kind {
                        TileKind::Entries => "entries",
                        TileKind::Hash(_) => "hashes",
                    };
                    self.problem(format!(
                        "{path}: differs from the first {w} {what} of {main}"
                    ));
                }
                // Removed since listed: a writer replaced it by the full tile.
                Ok(None) => {}
                Err(e) => self.problem(sentence(&e)),
            }
        }
    }

    /// Checks a hash tile at `level` >= 1 against the roots computed from
    /// the level below (`below[i]` is the root of lower tile `n*256 + i`),
    /// returns the tile to build on: as stored, else as computed.
    fn upper_tile(&mut self, level: u8, n: u64, below: &[Option<Hash>]) -> Option<Vec<u8>> {
        let width = below.len() as u64;
        let stored = self.hash_tile(level, n, width);
        if let Some(stored) = &stored {
            let path = tile_path(TileKind::Hash(level), n, width);
            for (i, want) in below.iter().enumerate() {
                if let Some(want) = want {
                    if hash_at(stored, i) != *want {
                        let lower = tile_path(
                            TileKind::Hash(level - 1),
                            n * TILE_WIDTH + i as u64,
                            TILE_WIDTH,
                        );
                        self.problem(format!(
                            "{path}: hash {} does not match the root of {lower}",
                            n * TILE_WIDTH + i as u64
                        ));
                    }
                }
            }
        }
        let tile = stored.or_else(|| {
            below
                .iter()
                .map(|h| h.map(|h| h.0))
                .collect::<Option<Vec<_>>>()
                .map(|hs| hs.concat())
        });
        if let Some(t) = &tile {
            self.stale_partials(TileKind::Hash(level), n, width, &|w| {
                t.get(..w as usize * HASH_LEN).map(<[u8]>::to_vec)
            });
        }
        tile
    }
}

/// Roots of full tiles waiting for their tile one level up to fill.
struct Pending {
    levels: Vec<Vec<Option<Hash>>>,
}

impl Pending {
    /// Adds the root of full tile `n` at `level - 1` to `level`, checking
    /// the tile at `level` when it fills up, and so on upwards.
    fn push(&mut self, c: &mut Check<'_>, mut level: u8, mut n: u64, mut root: Option<Hash>) {
        loop {
            let l = usize::from(level);
            if self.levels.len() <= l {
                self.levels.resize(l + 1, Vec::new());
            }
            self.levels[l].push(root);
            if self.levels[l].len() < TILE_WIDTH as usize {
                return;
            }
            let below = std::mem::take(&mut self.levels[l]);
            n /= TILE_WIDTH;
            root = c.upper_tile(level, n, &below).map(|t| perfect_root(&t));
            level += 1;
        }
    }
}

fn read_disk_checkpoint(dir: &Path, vkey: &str) -> Result<SignedCheckpoint, String> {
    let text = match std::fs::read(dir.join(CHECKPOINT)) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_owned())?,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err("missing".into()),
        Err(e) => return Err(format!("cannot be read: {e}")),
    };
    verify_checkpoint_note(&text, vkey).map_err(|e| match e {
        LedgerError::BadCheckpoint(reason) => format!("does not verify: {reason}"),
        other => other.to_string(),
    })
}

/// Checks entries, tiles and root of the tree of `cp`.
fn check_tree(c: &mut Check<'_>, cp: &SignedCheckpoint) {
    let size = cp.size;
    let top = levels(size);
    let mut pending = Pending { levels: Vec::new() };
    // The hashes of the right-edge tile of each level, once known.
    let mut edge: Vec<Option<Vec<u8>>> = vec![Some(Vec::new()); usize::from(top)];

    for n in 0..size.div_ceil(TILE_WIDTH) {
        if c.stopped {
            return;
        }
        let width = if n < size / TILE_WIDTH {
            TILE_WIDTH
        } else {
            size % TILE_WIDTH
        };
        let base = n * TILE_WIDTH;

        // The entry bundle: parse it and hash its entries.
        let mut leaves: Vec<u8> = Vec::with_capacity(width as usize * HASH_LEN);
        let mut ends: Vec<usize> = Vec::with_capacity(width as usize);
        let mut complete = false;
        let bundle = match read_bundle(c.dir, n, width) {
            Ok(Some((path, data))) => {
                complete = true;
                let mut pos = 0;
                for item in BundleEntries::new(&data, width) {
                    match item {
                        Ok(entry) => {
                            leaves.extend_from_slice(&leaf_hash(entry).0);
                            pos += 2 + entry.len();
                            ends.push(pos);
                        }
                        Err(defect) => {
                            complete = false;
                            let what = match defect {
                                crate::bundle::BundleDefect::Truncated { k } => format!(
                                    "entry {} is truncated (the bundle should hold {width} entries)",
                                    base + k
                                ),
                                crate::bundle::BundleDefect::Trailing { extra } => format!(
                                    "{extra} bytes follow entry {} (the bundle should hold {width} entries)",
                                    base + width - 1
                                ),
                            };
                            c.problem(format!("{path}: {what}"));
                        }
                    }
                }
                Some((path, data))
            }
            Ok(None) => {
                let path = tile_path(TileKind::Entries, n, width);
                c.problem(format!("{path}: missing"));
                None
            }
            Err(e) => {
                c.problem(sentence(&e));
                None
            }
        };

        // The level-0 tile against the entries.
        let stored = c.hash_tile(0, n, width);
        if let (Some(stored), Some((bundle_path, _))) = (&stored, &bundle) {
            let tile = tile_path(TileKind::Hash(0), n, width);
            for i in 0..leaves.len() / HASH_LEN {
                if hash_at(stored, i) != hash_at(&leaves, i) {
                    c.problem(format!(
                        "{tile}: hash of entry {} does not match its entry in {bundle_path}",
                        base + i as u64
                    ));
                }
            }
        }
        if let Some((_, data)) = &bundle {
            c.stale_partials(TileKind::Entries, n, width, &|w| {
                ends.get((w as usize).checked_sub(1)?)
                    .map(|&end| data[..end].to_vec())
            });
        }
        let up = stored.or(complete.then_some(leaves));
        if let Some(t) = &up {
            c.stale_partials(TileKind::Hash(0), n, width, &|w| {
                t.get(..w as usize * HASH_LEN).map(<[u8]>::to_vec)
            });
        }
        if width == TILE_WIDTH {
            pending.push(c, 1, n, up.as_deref().map(perfect_root));
        } else {
            edge[0] = up;
        }
    }
    if c.stopped {
        return;
    }

    // The right-edge tiles above level 0.
    for level in 1..top {
        let (n, width) = edge_tile(size, level);
        let below = pending
            .levels
            .get(usize::from(level))
            .cloned()
            .unwrap_or_default();
        if below.len() as u64 != width {
            c.problem(format!(
                "internal: {} roots pending at level {level}, expected {width}",
                below.len()
            ));
            return;
        }
        edge[usize::from(level)] = if width == 0 {
            Some(Vec::new())
        } else {
            c.upper_tile(level, n, &below)
        };
    }

    match edge.into_iter().collect::<Option<Vec<_>>>() {
        Some(edge) => {
            let computed = edge_root(&edge);
            if computed != cp.root {
                c.problem(format!(
                    "{CHECKPOINT}: its root hash {} does not match the root {} computed from the tiles",
                    to_hex(&cp.root),
                    to_hex(&computed)
                ));
            }
        }
        None => c.problem(format!(
            "{CHECKPOINT}: its root hash cannot be checked because tiles of the right edge are unreadable"
        )),
    }
}

/// Verifies the ledger in `dir` against the verifier key `vkey`.
/// `loaded` is the checkpoint an open ledger holds, if any: the one on
/// disk must not be older, and the tiles are checked against it if the one
/// on disk does not verify.
///
/// `quiescent` says no append can be under way (the caller is the writer):
/// then files past the checkpoint are a problem even with a writer marker.
pub(crate) fn run(
    dir: &Path,
    vkey: &str,
    loaded: Option<&SignedCheckpoint>,
    quiescent: bool,
) -> VerifyReport {
    let mut c = Check {
        dir,
        problems: Vec::new(),
        stopped: false,
    };

    match std::fs::read(dir.join(VERIFIER_KEY)) {
        Ok(bytes) if bytes == format!("{vkey}\n").as_bytes() => {}
        Ok(_) => c.problem(format!(
            "{VERIFIER_KEY}: does not hold the log's verifier key `{vkey}`"
        )),
        Err(e) if e.kind() == ErrorKind::NotFound => c.problem(format!("{VERIFIER_KEY}: missing")),
        Err(e) => c.problem(format!("{VERIFIER_KEY}: cannot be read: {e}")),
    }

    let cp = match (read_disk_checkpoint(dir, vkey), loaded) {
        (Ok(cp), Some(loaded)) => {
            if cp.size < loaded.size {
                c.problem(format!(
                    "{CHECKPOINT}: its size {} is below the size {} this ledger reached; it was rolled back",
                    cp.size, loaded.size
                ));
            } else if cp.size == loaded.size && cp.root != loaded.root {
                c.problem(format!(
                    "{CHECKPOINT}: its root hash differs from the one this ledger signed for size {}",
                    cp.size
                ));
            }
            cp
        }
        (Ok(cp), None) => cp,
        (Err(reason), Some(loaded)) => {
            // Check the tiles against the checkpoint this ledger holds.
            c.problem(format!("{CHECKPOINT}: {reason}"));
            loaded.clone()
        }
        (Err(reason), None) => {
            c.problem(format!("{CHECKPOINT}: {reason}"));
            return VerifyReport {
                ok: false,
                size: 0,
                root: tlog_tiles::EMPTY_HASH,
                problems: c.problems,
            };
        }
    };

    // A writer has the ledger open (or crashed with it open): files past
    // the checkpoint are its append's, but it never committed more than
    // the marker says.
    let marker = writer_marker(dir);
    if let Ok(Some(Some(committed))) = marker {
        // Re-read: the writer may have committed since we read the checkpoint.
        let moved_on = read_disk_checkpoint(dir, vkey).is_ok_and(|now| now.size >= committed);
        if committed > cp.size && !moved_on {
            c.problem(format!(
                "{CHECKPOINT}: its size {} is below the size {committed} the ledger's writer committed (see `{WRITER}`); it was rolled back",
                cp.size
            ));
        }
    }
    let writer_busy = matches!(marker, Ok(Some(_))) && !quiescent;
    match (marker, files_beyond(dir, cp.size)) {
        (Ok(_), Ok(_)) if writer_busy => {}
        (Ok(_), Ok(paths)) => {
            for path in paths {
                c.problem(format!(
                    "{path}: holds data past the signed checkpoint (size {}); the checkpoint may have been rolled back",
                    cp.size
                ));
            }
        }
        (Err(e), _) | (_, Err(e)) => c.problem(sentence(&e)),
    }

    check_tree(&mut c, &cp);
    VerifyReport {
        ok: c.problems.is_empty(),
        size: cp.size,
        root: cp.root,
        problems: c.problems,
    }
}
