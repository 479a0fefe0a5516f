//! One build at a time per index folder (a lock), the folder a build writes into (kept when the
//! build is killed or fails, so the next build with the same inputs resumes it), swapping a
//! finished build in as index/current, and clearing what other builds left.

use anyhow::{Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Names in an index folder: an old index moved aside (`.old-` and the time in nanoseconds,
/// so the newest sorts last by number) and a build's folder (`.building-` and its key).
const ASIDE: &str = ".old-";
const BUILDING: &str = ".building-";

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
    let name = format!("{BUILDING}{key}");
    restore_moved_aside(index_dir, current)?;
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
    let old = index_dir.join(format!("{ASIDE}{}", stamp.as_nanos()));
    if current.exists() {
        std::fs::rename(current, &old).context("cannot move the old index aside")?;
    }
    std::fs::rename(&partial, current).context("cannot move the new index in place")?;
    crate::atomic_file::sync_folder_of(current)?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(value)
}

/// A build killed between its two renames left no `current`, and the old index aside as
/// `.old-N`: it goes back in place (the newest, should there be several), before anything
/// clears leftovers.
fn restore_moved_aside(index_dir: &Path, current: &Path) -> Result<()> {
    if current.exists() {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(index_dir) else {
        return Ok(());
    };
    let newest = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            let stamp: u128 = name.strip_prefix(ASIDE)?.parse().ok()?;
            Some((stamp, e.path()))
        })
        .max();
    if let Some((_, old)) = newest {
        log::warn!(
            "an earlier build stopped while swapping indexes; putting the old index back in {}",
            current.display()
        );
        std::fs::rename(&old, current).context("cannot put the old index back")?;
        crate::atomic_file::sync_folder_of(current)?;
    }
    Ok(())
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
            name != keep && (name.starts_with(ASIDE) || name.starts_with(BUILDING))
        })
        .map(|e| e.path())
        .collect();
    for path in leftovers {
        let _ = std::fs::remove_dir_all(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic_file::names_in as names;

    fn build(index: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
        let lock = lock(index)?;
        replace_dir(&lock, index, &index.join("current"), "k", write)
    }

    #[test]
    fn a_finished_build_replaces_the_index_and_a_failed_one_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path();
        build(index, |d| Ok(std::fs::write(d.join("manifest"), "one")?)).unwrap();
        build(index, |d| Ok(std::fs::write(d.join("manifest"), "two")?)).unwrap();
        assert_eq!(
            std::fs::read_to_string(index.join("current/manifest")).unwrap(),
            "two"
        );
        assert_eq!(names(index), ["current"]);
        let failed = build(index, |d| {
            std::fs::write(d.join("manifest"), "half")?;
            anyhow::bail!("killed")
        });
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read_to_string(index.join("current/manifest")).unwrap(),
            "two"
        );
    }

    #[test]
    fn an_index_left_aside_by_a_killed_swap_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path();
        // Killed between the renames: the old index aside (two of them, the newest wins), the new
        // one still in its build folder, no `current`.
        for (stamp, text) in [(100, "older"), (200, "old")] {
            let aside = index.join(format!(".old-{stamp}"));
            std::fs::create_dir_all(&aside).unwrap();
            std::fs::write(aside.join("manifest"), text).unwrap();
        }
        std::fs::create_dir_all(index.join(".building-k")).unwrap();
        let failed = build(index, |_| anyhow::bail!("the source is gone"));
        assert!(failed.is_err());
        assert_eq!(
            std::fs::read_to_string(index.join("current/manifest")).unwrap(),
            "old"
        );
        assert_eq!(names(index), [".building-k", "current"]);
    }
}
