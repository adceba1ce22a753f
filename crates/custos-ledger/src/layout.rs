//! Where things live in a C2SP tlog-tiles directory (tile height 8).
//!
//! `tlog_tiles::Tile::path` writes the Go sumdb layout (`tile/8/0/...`,
//! `tile/8/data/...`); C2SP drops the height and names entry bundles
//! `tile/entries/...`, so the paths are built here. Pure: no I/O.

/// Hashes (or entries) in a full tile: 2^8.
pub const TILE_WIDTH: u64 = 256;
/// log2 of [`TILE_WIDTH`].
pub const TILE_HEIGHT: u32 = 8;
/// Bytes of one hash in a tile.
pub const HASH_LEN: usize = 32;
/// Bytes of a full hash tile.
pub const FULL_TILE_BYTES: usize = TILE_WIDTH as usize * HASH_LEN;
/// The largest entry a bundle can frame (its length is a big-endian u16).
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// The file of the latest signed checkpoint.
pub const CHECKPOINT: &str = "checkpoint";
/// The file of the log's public (verifier) key.
pub const VERIFIER_KEY: &str = "key.vkey";
/// Present while a writer has the ledger open (or crashed with it open):
/// the size it last committed. Files past the checkpoint are then an
/// append's under way or interrupted; without it they mean the checkpoint
/// was rolled back.
pub const WRITER: &str = "writer";

/// Which column of tiles: hash tiles of one level, or the entry bundles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TileKind {
    /// Hash tile at this tile level (0 = leaf hashes).
    Hash(u8),
    /// Entry bundle.
    Entries,
}

impl TileKind {
    fn dir(self) -> String {
        match self {
            TileKind::Hash(level) => format!("tile/{level}"),
            TileKind::Entries => "tile/entries".to_owned(),
        }
    }
}

/// `n` in 3-digit groups, all but the last prefixed with `x`:
/// 1234067 is `x001/x234/067`.
fn index_path(n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

/// The path of tile `n` of `kind` holding `width` (1..=256) items:
/// `tile/0/x001/234` for a full tile, `tile/0/x001/234.p/17` for a partial one.
pub fn tile_path(kind: TileKind, n: u64, width: u64) -> String {
    let base = format!("{}/{}", kind.dir(), index_path(n));
    if width >= TILE_WIDTH {
        base
    } else {
        format!("{base}.p/{width}")
    }
}

/// The directory holding the partial versions of tile `n`: `tile/0/x001/234.p`.
pub fn partial_dir(kind: TileKind, n: u64) -> String {
    format!("{}/{}.p", kind.dir(), index_path(n))
}

/// How many hashes the tree of `size` leaves has at tile level `level`:
/// the number of complete subtrees of 256^level leaves.
pub fn level_count(size: u64, level: u8) -> u64 {
    let shift = TILE_HEIGHT * u32::from(level);
    if shift >= 64 {
        0
    } else {
        size >> shift
    }
}

/// The tile levels a tree of `size` leaves uses (0 for the empty tree).
pub fn levels(size: u64) -> u8 {
    let mut l = 0u8;
    while level_count(size, l) > 0 {
        l += 1;
    }
    l
}

/// The right-edge tile of a level of the tree of `size`: its index and
/// width (0 when the level has only full tiles).
pub fn edge_tile(size: u64, level: u8) -> (u64, u64) {
    let c = level_count(size, level);
    (c / TILE_WIDTH, c % TILE_WIDTH)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_follow_c2sp() {
        assert_eq!(tile_path(TileKind::Hash(0), 0, 256), "tile/0/000");
        assert_eq!(
            tile_path(TileKind::Hash(0), 1_234_067, 256),
            "tile/0/x001/x234/067"
        );
        assert_eq!(tile_path(TileKind::Hash(2), 1000, 5), "tile/2/x001/000.p/5");
        assert_eq!(
            tile_path(TileKind::Entries, 67, 255),
            "tile/entries/067.p/255"
        );
        assert_eq!(tile_path(TileKind::Entries, 999, 256), "tile/entries/999");
        assert_eq!(partial_dir(TileKind::Hash(1), 3), "tile/1/003.p");
        assert_eq!(
            tile_path(TileKind::Hash(0), u64::MAX, 256),
            "tile/0/x018/x446/x744/x073/x709/x551/615"
        );
    }

    #[test]
    fn edge_geometry() {
        assert_eq!(levels(0), 0);
        assert_eq!(levels(1), 1);
        assert_eq!(levels(255), 1);
        assert_eq!(levels(256), 2);
        assert_eq!(levels(65_536), 3);
        assert_eq!(edge_tile(300, 0), (1, 44));
        assert_eq!(edge_tile(300, 1), (0, 1));
        assert_eq!(edge_tile(512, 0), (2, 0));
        assert_eq!(level_count(u64::MAX, 8), 0);
    }
}
