//! The checksums of inputs read before, kept in `index/input-checksums.json` by where each file
//! is and what `stat` says of it, so a start with unchanged inputs does not read them again
//! (8.5 GB of CSV at 10x, most of a cold start). A file whose size, modification or change time
//! or inode differs is read again, as is one changed just before it was read.

use super::checksum::Checksum;
use crate::atomic_file;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::Metadata;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// The known checksums; a cache that cannot be read or written is only slower.
#[derive(Serialize, Deserialize)]
pub(super) struct KnownChecksums {
    files: BTreeMap<PathBuf, Known>,
    #[serde(skip)]
    changed: bool,
    /// A file changed within this long before it was checked may change again with the same
    /// times (coarse file-system clocks), so its checksum is not kept.
    #[serde(skip, default = "settle_ns")]
    settle_ns: i128,
}

fn settle_ns() -> i128 {
    2_000_000_000
}

impl Default for KnownChecksums {
    fn default() -> Self {
        KnownChecksums {
            files: BTreeMap::new(),
            changed: false,
            settle_ns: settle_ns(),
        }
    }
}

#[derive(Serialize, Deserialize, PartialEq)]
struct Known {
    stat: Stat,
    checksum: String,
}

/// What says a file was not written since it was checked.
#[derive(Serialize, Deserialize, PartialEq, Clone, Copy)]
struct Stat {
    len: u64,
    modified_ns: i128,
    changed_ns: i128,
    inode: u64,
}

impl KnownChecksums {
    const FILE: &'static str = "input-checksums.json";

    pub(super) fn load(index_dir: &Path) -> Self {
        std::fs::read(index_dir.join(Self::FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes the cache when it learned something; failing to (a read-only index) is fine.
    pub(super) fn save(&self, index_dir: &Path) {
        if !self.changed || !index_dir.is_dir() {
            return;
        }
        if let Ok(bytes) = serde_json::to_vec(self) {
            let _ = atomic_file::write(&index_dir.join(Self::FILE), &bytes);
        }
    }

    /// The file's length and checksum: the known checksum when the file is as it was, else
    /// read.
    pub(super) fn of_file(&mut self, path: &Path) -> std::io::Result<(u64, String)> {
        let file = std::fs::File::open(path)?;
        let key = std::fs::canonicalize(path)?;
        let before = Stat::of(&file.metadata()?);
        if let Some(known) = self.files.get(&key) {
            if known.stat == before {
                return Ok((before.len, known.checksum.clone()));
            }
        }
        let checksum = Checksum::of_reader(&file)?;
        let after = Stat::of(&file.metadata()?);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        let settled = now - after.modified_ns.max(after.changed_ns) > self.settle_ns;
        if before == after && settled {
            self.files.insert(
                key,
                Known {
                    stat: after,
                    checksum: checksum.clone(),
                },
            );
            self.changed = true;
        } else if self.files.remove(&key).is_some() {
            self.changed = true;
        }
        Ok((after.len, checksum))
    }
}

impl Stat {
    fn of(meta: &Metadata) -> Self {
        let ns = |t: std::io::Result<SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128)
        };
        #[cfg(unix)]
        let (changed_ns, inode) = {
            use std::os::unix::fs::MetadataExt;
            (
                meta.ctime() as i128 * 1_000_000_000 + meta.ctime_nsec() as i128,
                meta.ino(),
            )
        };
        #[cfg(not(unix))]
        let (changed_ns, inode) = (0, 0);
        Stat {
            len: meta.len(),
            modified_ns: ns(meta.modified()),
            changed_ns,
            inode,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_file_is_not_read_again_and_a_changed_one_is() {
        let dir = std::env::temp_dir().join(format!("known-checksums-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ratings.csv");
        std::fs::write(&path, b"1,2,3.5,100\n").unwrap();
        let sum = Checksum::of_bytes(b"1,2,3.5,100\n");

        // Written just now: not settled, so not kept.
        let mut known = KnownChecksums::default();
        assert_eq!(known.of_file(&path).unwrap().1, sum);
        assert!(known.files.is_empty());

        // Settled: kept and saved; what comes back next time is the stored checksum, so a
        // wrong one stored by hand shows the file was not read.
        let mut known = KnownChecksums {
            settle_ns: 0,
            ..Default::default()
        };
        assert_eq!(known.of_file(&path).unwrap().1, sum);
        known.files.values_mut().next().unwrap().checksum = "0badf00d".into();
        known.save(&dir);
        assert_eq!(
            KnownChecksums::load(&dir).of_file(&path).unwrap().1,
            "0badf00d"
        );

        // Same length, new bytes: the file's times differ (past the file system's clock tick),
        // so it is read again.
        std::thread::sleep(std::time::Duration::from_millis(50));
        std::fs::write(&path, b"1,2,4.5,100\n").unwrap();
        let mut again = KnownChecksums::load(&dir);
        assert_eq!(
            again.of_file(&path).unwrap().1,
            Checksum::of_bytes(b"1,2,4.5,100\n")
        );

        // A cache that cannot be parsed is an empty one.
        std::fs::write(dir.join(KnownChecksums::FILE), b"{not json").unwrap();
        assert!(KnownChecksums::load(&dir).files.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
