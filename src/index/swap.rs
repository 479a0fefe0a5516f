//! Swapping a finished build in as index/current, and clearing what interrupted builds left.

use anyhow::{Context, Result};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Runs `write` into a fresh temporary folder beside `current` and swaps the folder in only
/// when `write` succeeds, so an interrupted or failed build leaves the old index untouched.
pub(super) fn replace_dir<T>(
    index_dir: &Path,
    current: &Path,
    write: impl FnOnce(&Path) -> Result<T>,
) -> Result<T> {
    std::fs::create_dir_all(index_dir)
        .with_context(|| format!("cannot create {}", index_dir.display()))?;
    remove_leftovers(index_dir);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let tmp = index_dir.join(format!(
        ".building-{}-{}",
        std::process::id(),
        stamp.as_nanos()
    ));
    std::fs::create_dir(&tmp).with_context(|| {
        format!(
            "cannot write the index in {} (a read-only copy can be served but not rebuilt: \
             run `cinesense build` where it can be written)",
            index_dir.display()
        )
    })?;
    match write(&tmp) {
        Ok(value) => {
            let old = index_dir.join(format!(".old-{}", stamp.as_nanos()));
            if current.exists() {
                std::fs::rename(current, &old).context("cannot move the old index aside")?;
            }
            std::fs::rename(&tmp, current).context("cannot move the new index in place")?;
            let _ = std::fs::remove_dir_all(&old);
            Ok(value)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

/// Temporary folders of builds that were interrupted.
fn remove_leftovers(index_dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(index_dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with(".old-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
            if let Some(rest) = name.strip_prefix(".building-") {
                // Leave a build that another live process is writing.
                let pid: Option<u32> = rest.split('-').next().and_then(|p| p.parse().ok());
                let alive = pid
                    .map(|p| Path::new(&format!("/proc/{p}")).exists())
                    .unwrap_or(false);
                if !alive {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
}
