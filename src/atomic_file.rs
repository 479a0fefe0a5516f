//! Files written whole or not at all: the bytes go to `PATH.PID.partial` beside the target (this
//! process's own, so two writers never share one), are synced, then renamed into place, and the
//! folder is synced so that the rename itself survives a power cut. A reader sees the old file
//! or the new one, never half of one, and a failed write leaves nothing behind.
//! Every file the project writes for later (index files, caches, models and checkpoints,
//! exports, generated releases) goes through here.

use anyhow::{Context, Result};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path`.
pub fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    write_with(path, |w| Ok(w.write_all(bytes)?))
}

/// Writes `path` through `body`, which streams into a buffered temporary file; `path` appears
/// only when `body` and the sync succeed. Returns what `body` returns (a checksum, a count).
pub fn write_with<T>(path: &Path, body: impl FnOnce(&mut Writer) -> Result<T>) -> Result<T> {
    replace(path, |_, file| {
        let mut w = Writer {
            inner: BufWriter::with_capacity(1 << 20, file),
            path: path.to_owned(),
        };
        let value = body(&mut w)?;
        w.flush()?;
        Ok(value)
    })
}

/// The buffered file `write_with` hands its body. Its I/O errors name the file they are about
/// (a full disk says "cannot write releases/ratings.csv: No space left on device"), however
/// deep the body's own writers sit.
pub struct Writer<W: Write = File> {
    inner: BufWriter<W>,
    path: PathBuf,
}

impl<W: Write> Writer<W> {
    fn named(&self, e: std::io::Error) -> std::io::Error {
        std::io::Error::new(
            e.kind(),
            format!("cannot write {}: {e}", self.path.display()),
        )
    }
}

impl<W: Write> Write for Writer<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.inner.write(bytes).map_err(|e| self.named(e))
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.inner.write_all(bytes).map_err(|e| self.named(e))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush().map_err(|e| self.named(e))
    }
}

/// Writes `path` through `make`, given the temporary file's path to write (for writers that
/// only take a path, like a safetensors save); then syncs and renames it as the others do.
/// The file gets the permissions a plain create gives, also where the writer replaced it with a
/// private file of its own (safetensors does: 0600, unreadable to a server run as another user).
pub fn write_via<T>(path: &Path, make: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    replace(path, |tmp, file| {
        drop(file); // closed before another writer takes the path
        make(tmp)
    })
}

/// The one place a file is replaced: `make` gets the temporary file's path and the file itself,
/// created empty; then the file is synced and renamed over `path`, or removed on failure.
fn replace<T>(path: &Path, make: impl FnOnce(&Path, File) -> Result<T>) -> Result<T> {
    let tmp = partial(path);
    let written = File::create(&tmp)
        .and_then(|file| Ok((file.metadata()?, file)))
        .with_context(|| format!("cannot write {}", tmp.display()))
        .and_then(|(created, file)| {
            let value = make(&tmp, file)?;
            std::fs::set_permissions(&tmp, created.permissions())
                .and_then(|()| File::open(&tmp)?.sync_all())
                .with_context(|| format!("cannot write {}", tmp.display()))?;
            std::fs::rename(&tmp, path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            sync_folder_of(path)?;
            Ok(value)
        });
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Writes one JSON object per line to `path` (its folder made if missing).
pub(crate) fn write_jsonl<T: Serialize>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    write_with(path, |out| {
        for row in rows {
            serde_json::to_writer(&mut *out, &row)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    })
}

/// Syncs the folder holding `path`, so that a rename or a new name in it is on the disk (a
/// file's own sync does not cover its name). Where folders cannot be opened (Windows), nothing.
pub fn sync_folder_of(path: &Path) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if cfg!(unix) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .with_context(|| format!("cannot sync the folder {}", dir.display()))?;
    }
    Ok(())
}

/// The names in a folder, sorted: what tests of files written whole expect to find.
#[cfg(test)]
pub(crate) fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn partial(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.partial", std::process::id()));
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    use names_in as names;

    #[test]
    fn a_whole_file_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write(&path, b"old").unwrap();
        let n = write_with(&path, |w| {
            w.write_all(b"new and longer")?;
            Ok(14)
        })
        .unwrap();
        assert_eq!(n, 14);
        assert_eq!(std::fs::read(&path).unwrap(), b"new and longer");
        assert_eq!(names(dir.path()), ["a.bin"]);
    }

    /// A disk that is always full.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::StorageFull.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_io_error_names_the_file_and_a_message_stays_as_it_is() {
        let full = || Writer {
            inner: BufWriter::with_capacity(4, Full),
            path: PathBuf::from("releases/ratings.csv"),
        };
        let named = |e: &dyn std::error::Error| {
            let text = e.to_string();
            assert!(
                text.starts_with("cannot write releases/ratings.csv: "),
                "{text}"
            );
        };
        named(&full().write_all(b"more than four bytes").unwrap_err());
        named(&writeln!(full(), "userId,movieId,rating,timestamp").unwrap_err());
        let json = serde_json::to_writer(&mut full(), &["a row longer than the buffer"]);
        named(&json.unwrap_err());
        let mut w = full();
        w.write_all(b"abc").unwrap(); // buffered, not yet on the disk
        named(&w.flush().unwrap_err());

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ratings.csv");
        let own = write_with(&path, |_| -> Result<()> { anyhow::bail!("no films") }).unwrap_err();
        assert_eq!(format!("{own:#}"), "no films");
        assert!(names(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        write(&path, b"old").unwrap();
        let failed = write_with(&path, |w| -> Result<()> {
            w.write_all(&[7; 3 << 20])?;
            anyhow::bail!("the source ran dry")
        });
        assert!(failed.unwrap_err().to_string().contains("ran dry"));
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["a.bin"]);
        let failed = write_via(&path, |tmp| -> Result<()> {
            std::fs::write(tmp, b"half")?;
            anyhow::bail!("the library gave up")
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["a.bin"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let private = dir.path().join("private.bin");
            write_via(&private, |tmp| {
                std::fs::write(tmp, b"weights")?;
                Ok(std::fs::set_permissions(
                    tmp,
                    std::fs::Permissions::from_mode(0o600),
                )?)
            })
            .unwrap();
            let plain = std::fs::metadata(&path).unwrap().permissions().mode();
            let mode = std::fs::metadata(&private).unwrap().permissions().mode();
            assert_eq!(mode, plain, "{mode:o} against {plain:o}");
            std::fs::remove_file(&private).unwrap();
        }
        let missing = dir.path().join("no-such-folder").join("b.bin");
        let err = write(&missing, b"x").unwrap_err().to_string();
        assert!(
            err.contains("cannot write") && err.contains("no-such-folder"),
            "{err}"
        );
    }
}
