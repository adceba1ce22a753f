//! RFC 6962 Merkle maths over tiles. Pure: no I/O; tiles come from a
//! [`TileSource`] the caller implements.

use crate::error::LedgerError;
use crate::layout::{level_count, HASH_LEN, TILE_HEIGHT, TILE_WIDTH};
use std::cell::RefCell;
use tlog_tiles::{node_hash, split_stored_hash_index, Hash, HashReader, EMPTY_HASH};

/// The leaf hash of an entry: SHA-256(0x00 ‖ entry).
pub fn leaf_hash(entry: &[u8]) -> Hash {
    tlog_tiles::record_hash(entry)
}

/// The `i`th 32-byte hash of concatenated hashes.
pub(crate) fn hash_at(hashes: &[u8], i: usize) -> Hash {
    let mut h = [0u8; HASH_LEN];
    h.copy_from_slice(&hashes[i * HASH_LEN..(i + 1) * HASH_LEN]);
    Hash(h)
}

/// The root of the perfect subtree whose leaves are `hashes`
/// (concatenated, a power-of-two count, at least one).
pub(crate) fn perfect_root(hashes: &[u8]) -> Hash {
    let n = hashes.len() / HASH_LEN;
    if n <= 1 {
        return if n == 1 {
            hash_at(hashes, 0)
        } else {
            EMPTY_HASH
        };
    }
    let mut row: Vec<Hash> = (0..n / 2)
        .map(|i| node_hash(hash_at(hashes, 2 * i), hash_at(hashes, 2 * i + 1)))
        .collect();
    while row.len() > 1 {
        let half = row.len() / 2;
        for i in 0..half {
            row[i] = node_hash(row[2 * i], row[2 * i + 1]);
        }
        row.truncate(half);
    }
    row[0]
}

/// The root of the tree whose right edge is `edge`: `edge[L]` holds the
/// hashes of the partial tile at tile level `L` (possibly none). Every
/// hash left of the right edge is inside some complete subtree whose root
/// sits in a partial tile further up, so the edge alone fixes the root.
pub(crate) fn edge_root<T: AsRef<[u8]>>(edge: &[T]) -> Hash {
    // The complete subtrees of the tree, largest (leftmost) first.
    let mut parts = Vec::new();
    for tile in edge.iter().rev() {
        let tile = tile.as_ref();
        let width = tile.len() / HASH_LEN;
        let mut off = 0;
        for k in (0..TILE_HEIGHT).rev() {
            let span = 1usize << k;
            if width & span != 0 {
                parts.push(perfect_root(&tile[off * HASH_LEN..(off + span) * HASH_LEN]));
                off += span;
            }
        }
    }
    let mut root = match parts.pop() {
        Some(h) => h,
        None => return EMPTY_HASH,
    };
    while let Some(left) = parts.pop() {
        root = node_hash(left, root);
    }
    root
}

/// Checks that `proof` shows the entry with `leaf_hash` at `index` in the
/// tree of `size` leaves with root `root` (RFC 6962 audit path).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    root: &Hash,
    proof: &[Hash],
) -> Result<(), LedgerError> {
    if index >= size {
        return Err(LedgerError::InvalidProof(format!(
            "index {index} is not below tree size {size}"
        )));
    }
    tlog_tiles::check_record(&proof.to_vec(), size, *root, index, *leaf_hash)
        .map_err(|e| LedgerError::InvalidProof(e.to_string()))
}

/// Checks that `proof` shows the tree of `old_size` leaves with root
/// `old_root` is a prefix of the tree of `new_size` with root `new_root`
/// (RFC 6962 consistency proof). Needs `1 <= old_size <= new_size`: every
/// tree extends the empty one, so a proof from size 0 proves nothing.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), LedgerError> {
    if old_size == 0 || old_size > new_size {
        return Err(LedgerError::InvalidProof(format!(
            "a consistency proof needs 1 <= old size ({old_size}) <= new size ({new_size})"
        )));
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, *new_root, old_size, *old_root)
        .map_err(|e| LedgerError::InvalidProof(e.to_string()))
}

/// Gives the hashes of hash tiles of some tree.
pub(crate) trait TileSource {
    /// The first `width` hashes of tile `n` at tile level `level`,
    /// concatenated (exactly `width * 32` bytes).
    fn hash_tile(&self, level: u8, n: u64, width: u64) -> Result<Vec<u8>, LedgerError>;
}

/// A [`HashReader`] over the tiles of the tree of `size` leaves, for
/// `tlog_tiles`' proof functions. A read error is kept in `error` (the
/// trait's error type cannot carry it) and the read reports failure.
pub(crate) struct TileHashReader<'a, S: TileSource> {
    pub source: &'a S,
    pub size: u64,
    pub error: RefCell<Option<LedgerError>>,
}

impl<'a, S: TileSource> TileHashReader<'a, S> {
    pub fn new(source: &'a S, size: u64) -> Self {
        TileHashReader {
            source,
            size,
            error: RefCell::new(None),
        }
    }

    /// The error behind a failed read, or `fallback` when there was none.
    pub fn take_error(&self, fallback: tlog_tiles::Error) -> LedgerError {
        self.error
            .borrow_mut()
            .take()
            .unwrap_or_else(|| LedgerError::Internal(fallback.to_string()))
    }

    fn read_one(
        &self,
        index: u64,
        cache: &mut Vec<((u8, u64), Vec<u8>)>,
    ) -> Result<Hash, LedgerError> {
        let (level, n) = split_stored_hash_index(index);
        let tile_level = level / TILE_HEIGHT as u8;
        let within = u32::from(level % TILE_HEIGHT as u8);
        let first = n << within;
        let count = 1u64 << within;
        let tile = first / TILE_WIDTH;
        let off = first % TILE_WIDTH;
        let available = level_count(self.size, tile_level).saturating_sub(tile * TILE_WIDTH);
        let width = available.min(TILE_WIDTH);
        if off + count > width {
            return Err(LedgerError::Internal(format!(
                "hash ({level}, {n}) is not in the tree of size {}",
                self.size
            )));
        }
        let key = (tile_level, tile);
        let pos = match cache.iter().position(|(k, _)| *k == key) {
            Some(pos) => pos,
            None => {
                let data = self.source.hash_tile(tile_level, tile, width)?;
                cache.push((key, data));
                cache.len() - 1
            }
        };
        let data = &cache[pos].1;
        let (start, end) = (off as usize * HASH_LEN, (off + count) as usize * HASH_LEN);
        match data.get(start..end) {
            Some(hashes) => Ok(perfect_root(hashes)),
            None => Err(LedgerError::Internal("short tile from tile source".into())),
        }
    }
}

impl<S: TileSource> HashReader for TileHashReader<'_, S> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let mut cache = Vec::new();
        let mut out = Vec::with_capacity(indexes.len());
        for &index in indexes {
            match self.read_one(index, &mut cache) {
                Ok(h) => out.push(h),
                Err(e) => {
                    *self.error.borrow_mut() = Some(e);
                    return Err(tlog_tiles::Error::IndexesNotInTree);
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use tlog_tiles::record_hash;

    /// MTH from RFC 6962 section 2.1, written out directly.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => EMPTY_HASH,
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(mth(&leaves[..k]), mth(&leaves[k..]))
            }
        }
    }

    fn concat(hashes: &[Hash]) -> Vec<u8> {
        hashes.iter().flat_map(|h| h.0).collect()
    }

    #[test]
    fn perfect_root_matches_mth() {
        let leaves: Vec<Hash> = (0..256u32).map(|i| record_hash(&i.to_be_bytes())).collect();
        for n in [1usize, 2, 4, 8, 64, 256] {
            assert_eq!(perfect_root(&concat(&leaves[..n])), mth(&leaves[..n]));
        }
    }

    #[test]
    fn edge_root_matches_mth() {
        let leaves: Vec<Hash> = (0..70_000u32)
            .map(|i| record_hash(&i.to_be_bytes()))
            .collect();
        for size in [
            0usize, 1, 2, 3, 255, 256, 257, 300, 511, 512, 65_535, 65_536, 65_537, 70_000,
        ] {
            // Build the right edge the slow way: roots of full tiles per level.
            let mut level: Vec<Hash> = leaves[..size].to_vec();
            let mut edge = Vec::new();
            while !level.is_empty() {
                let full = level.len() / 256 * 256;
                edge.push(concat(&level[full..]));
                level = level[..full]
                    .chunks(256)
                    .map(|c| perfect_root(&concat(c)))
                    .collect();
            }
            assert_eq!(edge_root(&edge), mth(&leaves[..size]), "size {size}");
        }
    }
}
