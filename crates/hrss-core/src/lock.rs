//! Writer locks: one `hrss` process writes a given table at a time, so two loads never interleave.
//!
//! Delta's optimistic concurrency would let two appends of the same file both commit (a duplicate), so
//! writers take a lock file first. A lock left by a process that was killed is recognised by its dead
//! process id and taken over. The warehouse is a local folder today; a shared S3 deployment will need
//! a conditional-put lock instead.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::error::{CoreError, Result};
use crate::warehouse::Warehouse;

/// Held while a table is written; removing the lock file on drop.
#[derive(Debug)]
pub struct WriterLock {
    path: Option<PathBuf>,
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        if let Some(path) = &self.path {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default()
}

/// Whether the process that wrote `holder` (`pid host started`) is gone, so its lock is stale.
fn holder_is_gone(holder: &str) -> bool {
    let mut parts = holder.split_whitespace();
    let (Some(pid), Some(host)) = (parts.next(), parts.next()) else { return true };
    host == host_name() && !Path::new("/proc").join(pid).exists()
}

impl Warehouse {
    /// Takes the writer lock of `name`, waiting up to `wait` for another writer to finish.
    pub fn lock_writer(&self, name: &str, wait: Duration) -> Result<WriterLock> {
        let Ok(root) = self.root().to_file_path() else {
            // An in-memory warehouse lives in one process: nothing else can write it.
            return Ok(WriterLock { path: None });
        };
        let dir = root.join("_locks");
        std::fs::create_dir_all(&dir).map_err(|source| CoreError::Io { path: dir.clone(), source })?;
        let path = dir.join(format!("{name}.lock"));
        let started = Instant::now();
        loop {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    let holder = format!("{} {} {}\n", std::process::id(), host_name(), chrono::Utc::now().to_rfc3339());
                    file.write_all(holder.as_bytes()).map_err(|source| CoreError::Io { path: path.clone(), source })?;
                    return Ok(WriterLock { path: Some(path) });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    if holder_is_gone(&holder) {
                        // Killed mid-write: its commit never happened, so the table is intact; take over.
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    if started.elapsed() >= wait {
                        return Err(CoreError::Locked { table: name.to_string(), holder: holder.trim().to_string(), path });
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(source) => return Err(CoreError::Io { path, source }),
            }
        }
    }
}
