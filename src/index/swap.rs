//! One build at a time per index folder (a lock), the folder a build writes into (kept when the
//! build is killed or fails, so the next build with the same inputs resumes it), swapping a
//! finished build in as index/current, and clearing what other builds left.

use anyhow::{Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Held while a build writes into an index folder (an advisory lock on the folder itself,
/// so nothing is left beside it); released on drop.
pub(super) struct BuildLock(#[allow(dead_code)] File);

/// Waits until no other process builds into `index_dir`, then holds it.
pub(super) fn lock(index_dir: &Path) -> Result<BuildLock> {
    std::fs::create_dir_all(index_dir)
        .with_context(|| format!("cannot create {}", index_dir.display()))?;
    let dir =
        File::open(index_dir).with_context(|| format!("cannot open {}", index_dir.display()))?;
    if dir.try_lock().is_err() {
        log::info!(
            "another build is writing {}; waiting for it",
            index_dir.display()
        );
        dir.lock()
            .with_context(|| format!("cannot lock {}", index_dir.display()))?;
    }
    Ok(BuildLock(dir))
}

/// Runs `write` in the folder `.building-{key}` of `index_dir` (what an earlier build with the
/// same key finished is still there) and swaps it in as `current` when `write` succeeds. A
/// failed or killed build leaves the old index untouched. Needs the `BuildLock`.
pub(super) fn replace_dir<T>(
    _lock: &BuildLock,
    index_dir: &Path,
    current: &Path,
    key: &str,
    write: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    let name = format!(".building-{key}");
    remove_leftovers(index_dir, &name);
    let partial = index_dir.join(&name);
    std::fs::create_dir_all(&partial).with_context(|| {
        format!(
            "cannot write the index in {} (a read-only copy can be served but not rebuilt: \
             run `cinesense build` where it can be written)",
            index_dir.display()
        )
    })?;
    let value = write(&partial)?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let old = index_dir.join(format!(".old-{}", stamp.as_nanos()));
    if current.exists() {
        std::fs::rename(current, &old).context("cannot move the old index aside")?;
    }
    std::fs::rename(&partial, current).context("cannot move the new index in place")?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(value)
}

/// Old indexes moved aside, and the folders of builds of other inputs (under the lock, no
/// other build is running).
fn remove_leftovers(index_dir: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(index_dir) else {
        return;
    };
    let leftovers: Vec<PathBuf> = entries
        .flatten()
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name != keep && (name.starts_with(".old-") || name.starts_with(".building-"))
        })
        .map(|e| e.path())
        .collect();
    for path in leftovers {
        let _ = std::fs::remove_dir_all(path);
    }
}
