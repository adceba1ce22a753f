//! WAL checkpoints on a thread of their own.
//!
//! A checkpoint copies committed pages from the WAL into the database
//! file and syncs it. Run inline after a commit (SQLite's default,
//! `wal_autocheckpoint`), it took a fifth to a quarter of the writer's
//! time in `examples/index_bench.rs`. Here the writer only nudges a thread
//! holding its own connection, which checkpoints while the writer's caller
//! prepares the next batch. Should the log keep growing regardless
//! (readers pinning old snapshots, the thread falling behind), the writer
//! runs a checkpoint itself once the WAL passes a hard limit.

use crate::{Result, StoreError};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

/// Past this WAL file size the writer checkpoints before going on.
const WAL_HARD_LIMIT: u64 = 1 << 30;

/// Size the WAL file is cut back to when the log restarts.
const WAL_KEEP_BYTES: i64 = 64 << 20;

pub struct Checkpointer {
    nudge: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
    wal_path: PathBuf,
}

impl Checkpointer {
    /// Takes checkpointing over from the writer connection.
    pub fn start(writer: &Connection, path: &Path) -> Result<Checkpointer> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        writer.pragma_update(None, "wal_autocheckpoint", 0)?;
        writer.pragma_update(None, "journal_size_limit", WAL_KEEP_BYTES)?;
        // Capacity one: nudges that arrive during a checkpoint collapse
        // into one more round.
        let (nudge, wakeups) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("custos-store-checkpoint".into())
            .spawn(move || {
                while wakeups.recv().is_ok() {
                    // A failure (the database busy) leaves the frames for
                    // the next round or for the writer's hard limit.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .map_err(StoreError::Checkpointer)?;
        let mut wal_path = path.as_os_str().to_owned();
        wal_path.push("-wal");
        Ok(Checkpointer {
            nudge: Some(nudge),
            thread: Some(thread),
            wal_path: PathBuf::from(wal_path),
        })
    }

    /// Called by the writer after each commit.
    pub fn after_commit(&self, writer: &Connection) -> Result<()> {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
        let wal_bytes = std::fs::metadata(&self.wal_path).map_or(0, |m| m.len());
        if wal_bytes > WAL_HARD_LIMIT {
            // RESTART waits for readers to leave the log, so that the next
            // commit writes it from the start (and truncates the file).
            writer.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()))?;
        }
        Ok(())
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel ends the thread after its current round.
        drop(self.nudge.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
