//! Durable file writes: temp file, rename, fsync; and the writer lock.

use crate::error::LedgerError;
use std::collections::{BTreeSet, HashSet};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

/// A batch that wrote at least this many files is made durable with one
/// `syncfs` of the ledger's file system instead of an fsync per file and
/// directory: on ext4 one journal commit instead of dozens (measured ~2x
/// faster for a 4,096-entry group commit). Small appends keep per-file
/// fsyncs so they do not wait for other programs' dirty data.
const SYNCFS_THRESHOLD: usize = 16;

/// Reads a file under `root`; `None` when it does not exist.
pub fn read_optional(root: &Path, rel: &str) -> Result<Option<Vec<u8>>, LedgerError> {
    let path = root.join(rel);
    match fs::read(&path) {
        Ok(data) => Ok(Some(data)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(LedgerError::io("read", &path)(e)),
    }
}

/// Whether `rel` under `root` exists (an unreadable path counts as present).
pub fn exists(root: &Path, rel: &str) -> bool {
    !matches!(fs::symlink_metadata(root.join(rel)), Err(e) if e.kind() == ErrorKind::NotFound)
}

/// The numeric file names in directory `rel` (the widths of partial
/// tiles), sorted; names that are not plain numbers are returned apart.
pub fn list_partials(root: &Path, rel: &str) -> Result<(Vec<u64>, Vec<String>), LedgerError> {
    let path = root.join(rel);
    let rd = match fs::read_dir(&path) {
        Ok(rd) => rd,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(LedgerError::io("list", &path)(e)),
    };
    let mut widths = Vec::new();
    let mut other = Vec::new();
    for item in rd {
        let item = item.map_err(LedgerError::io("list", &path))?;
        let name = item.file_name().to_string_lossy().into_owned();
        match name.parse::<u64>() {
            Ok(w) if w.to_string() == name => widths.push(w),
            _ => other.push(name),
        }
    }
    widths.sort_unstable();
    other.sort();
    Ok((widths, other))
}

fn fsync_dir(dir: &Path) -> Result<(), LedgerError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(LedgerError::io("sync directory", dir))
}

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Creates the temp file of `path` holding `data` (not yet durable).
/// `mode` is its Unix permission.
fn write_temp(path: &Path, data: &[u8], mode: u32) -> Result<(PathBuf, File), LedgerError> {
    let tmp = temp_name(path);
    // A stale temp file would keep its old permissions: start afresh.
    remove_file(&tmp)?;
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = options
        .open(&tmp)
        .map_err(LedgerError::io("create", &tmp))?;
    f.write_all(data).map_err(LedgerError::io("write", &tmp))?;
    Ok((tmp, f))
}

/// Writes `data` to `path` so that it is complete and durable when this
/// returns: temp file, fsync, rename, fsync of the directory. `mode` is the
/// Unix permission of a new file.
pub fn write_durable(path: &Path, data: &[u8], mode: u32) -> Result<(), LedgerError> {
    let (tmp, f) = write_temp(path, data, mode)?;
    f.sync_all().map_err(LedgerError::io("write", &tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(LedgerError::io("rename into", path))?;
    fsync_dir(path.parent().unwrap_or(Path::new(".")))
}

/// Writes the files of one append; [`BatchWriter::finish`] then makes all
/// of them durable at once.
///
/// Files are written in place, not via a temp name and a rename: a tile or
/// bundle is immutable once a checkpoint covers it, and until then no
/// checkpoint names it, so no reader of any checkpoint can see it half
/// written; a crash leaves it past the checkpoint, where recovery deletes
/// it. That saves one metadata operation per file. The one file replaced
/// in place, the checkpoint, goes through [`BatchWriter::replace`]: its
/// temp file is made durable by the same sync as the tiles, so a commit
/// waits for the disk twice (the batch, then the rename), not three times.
pub struct BatchWriter<'a> {
    root: &'a Path,
    known_dirs: &'a mut HashSet<PathBuf>,
    /// The files written, still open so a per-file sync need not reopen them.
    files: Vec<(PathBuf, File)>,
    dirs: BTreeSet<PathBuf>,
    /// Temp files (still open) to rename over their targets once all files
    /// are durable.
    renames: Vec<(PathBuf, File, PathBuf)>,
}

impl<'a> BatchWriter<'a> {
    pub fn new(root: &'a Path, known_dirs: &'a mut HashSet<PathBuf>) -> Self {
        BatchWriter {
            root,
            known_dirs,
            files: Vec::new(),
            dirs: BTreeSet::new(),
            renames: Vec::new(),
        }
    }

    fn ensure_dir(&mut self, dir: &Path) -> Result<(), LedgerError> {
        if self.known_dirs.contains(dir) {
            return Ok(());
        }
        let created = match fs::create_dir(dir) {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if let Some(parent) = dir.parent() {
                    self.ensure_dir(parent)?;
                }
                match fs::create_dir(dir) {
                    Ok(()) => true,
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
                    Err(e) => return Err(LedgerError::io("create directory", dir)(e)),
                }
            }
            Err(e) => return Err(LedgerError::io("create directory", dir)(e)),
        };
        if created {
            if let Some(parent) = dir.parent() {
                self.dirs.insert(parent.to_path_buf());
            }
        }
        self.known_dirs.insert(dir.to_path_buf());
        Ok(())
    }

    /// Writes `data` as `rel` (not yet durable).
    pub fn write(&mut self, rel: &str, data: &[u8]) -> Result<(), LedgerError> {
        let path = self.root.join(rel);
        let parent = path.parent().unwrap_or(self.root).to_path_buf();
        self.ensure_dir(&parent)?;
        let mut f = File::create(&path).map_err(LedgerError::io("create", &path))?;
        f.write_all(data).map_err(LedgerError::io("write", &path))?;
        start_writeback(&f);
        self.dirs.insert(parent);
        self.files.push((path, f));
        Ok(())
    }

    /// Stages `data` to replace the file `path` (which must lie in a
    /// directory that exists): written now to a temp file that is made
    /// durable with the batch, renamed over `path` by `finish` only after
    /// that, so `path` holds the old or the new bytes, never a mix.
    pub fn replace(&mut self, path: &Path, data: &[u8], mode: u32) -> Result<(), LedgerError> {
        let (tmp, f) = write_temp(path, data, mode)?;
        self.renames.push((tmp, f, path.to_path_buf()));
        Ok(())
    }

    /// Makes every file written, and its directory entry, durable; then
    /// renames each staged replacement into place and makes that durable.
    pub fn finish(self) -> Result<(), LedgerError> {
        self.sync_files()?;
        let mut rename_dirs = BTreeSet::new();
        for (tmp, _, path) in &self.renames {
            fs::rename(tmp, path).map_err(LedgerError::io("rename into", path))?;
            rename_dirs.insert(path.parent().unwrap_or(Path::new(".")));
        }
        for dir in rename_dirs {
            fsync_dir(dir)?;
        }
        Ok(())
    }

    fn sync_files(&self) -> Result<(), LedgerError> {
        if self.files.is_empty() && self.dirs.is_empty() && self.renames.is_empty() {
            return Ok(());
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if self.files.len() + self.renames.len() >= SYNCFS_THRESHOLD {
            let root = File::open(self.root).map_err(LedgerError::io("open", self.root))?;
            return rustix::fs::syncfs(&root)
                .map_err(|e| LedgerError::io("sync the file system of", self.root)(e.into()));
        }
        for (path, f) in &self.files {
            f.sync_data().map_err(LedgerError::io("sync", path))?;
        }
        // A replacement's mode must be durable too, not only its bytes.
        for (tmp, f, _) in &self.renames {
            f.sync_all().map_err(LedgerError::io("sync", tmp))?;
        }
        for dir in &self.dirs {
            fsync_dir(dir)?;
        }
        Ok(())
    }
}

/// Asks the kernel to start writing `f` back now, while the caller hashes
/// on, so the sync at the end of the batch finds less to do. (DONTNEED
/// starts writeback of dirty pages; pages still under writeback stay
/// cached.)
fn start_writeback(f: &File) {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let _ = rustix::fs::fadvise(f, 0, None, rustix::fs::Advice::DontNeed);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let _ = f;
}

/// Writes a small file in place and makes it durable (no rename: a torn
/// write is detected by its reader). Returns it open for writing, so later
/// updates need not reopen it.
pub fn write_in_place_durable(path: &Path, data: &[u8]) -> Result<File, LedgerError> {
    let mut f = File::create(path).map_err(LedgerError::io("create", path))?;
    f.write_all(data)
        .and_then(|()| f.sync_data())
        .map_err(LedgerError::io("write", path))?;
    fsync_dir(path.parent().unwrap_or(Path::new(".")))?;
    Ok(f)
}

/// Takes an exclusive, non-blocking lock on `file` for as long as it stays
/// open: one writer per ledger.
pub fn lock_exclusive(file: &File, path: &Path) -> Result<(), LedgerError> {
    #[cfg(unix)]
    {
        use rustix::fs::{flock, FlockOperation};
        match flock(file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => Ok(()),
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => Err(LedgerError::Locked {
                path: path.to_path_buf(),
            }),
            Err(e) => Err(LedgerError::io("lock", path)(e.into())),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        Ok(())
    }
}

/// Removes a file; a missing one is fine.
pub fn remove_file(path: &Path) -> Result<(), LedgerError> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(LedgerError::io("remove", path)(e)),
    }
}

/// Removes a directory tree; a missing one is fine.
pub fn remove_dir_all(path: &Path) -> Result<(), LedgerError> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(LedgerError::io("remove", path)(e)),
    }
}

/// fsyncs a directory, for removals that must be durable.
pub fn sync_dir(dir: &Path) -> Result<(), LedgerError> {
    fsync_dir(dir)
}
