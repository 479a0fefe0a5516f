//! ratings.bin: the training ratings grouped by user, in a flat little-endian layout that `serve`
//! memory-maps instead of reading onto the heap. At 320 M ratings the file is 5 GB; mapped, a
//! request touches only the pages of the user it reads, and none of it counts against the heap.
//!
//! Layout, every section starting on 8 bytes:
//! `MAGIC`, n_users, n_ratings, n_items (u64 each) | user_ids: u32 per dense user (MovieLens
//! userId) | by_id: dense users sorted by MovieLens userId, u32 | offsets: u64, n_users + 1 |
//! items: u32 | values: f32 | timestamps: i64.
//! A user's ratings keep the order they had in the input (MovieLens files list them grouped
//! by user already, so there the order is the input's).
//!
//! The map is only sound while nobody rewrites the file; index folders are never rewritten in
//! place (a build writes a new folder and swaps it in), so a mapped file stays as it was.

use super::checksum::Checksum;
use crate::atomic_file;
use crate::dataset::{Rating, Ratings};
use anyhow::{bail, Context, Result};
use memmap2::Mmap;
use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

const MAGIC: &[u8; 8] = b"CSRATE01";
const HEADER: usize = 32;

/// The ratings of an index, memory-mapped and grouped by user.
pub struct StoredRatings {
    map: Mmap,
    n_items: usize,
    user_ids: Range<usize>,
    by_id: Range<usize>,
    offsets: Range<usize>,
    items: Range<usize>,
    values: Range<usize>,
    timestamps: Range<usize>,
}

/// Byte ranges of the sections after the header, for `n_users` users and `n` ratings.
fn sections(n_users: usize, n: usize) -> [Range<usize>; 6] {
    let lengths = [
        4 * n_users,
        4 * n_users,
        8 * (n_users + 1),
        4 * n,
        4 * n,
        8 * n,
    ];
    let mut at = HEADER;
    lengths.map(|len| {
        let range = at..at + len;
        at = (at + len).next_multiple_of(8);
        range
    })
}

/// A writer that checksums what it writes (the manifest's checksum).
struct Hashing<W> {
    inner: W,
    sum: Checksum,
    written: usize,
}

impl<W: Write> Hashing<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.sum.update(bytes);
        self.written += bytes.len();
        self.inner.write_all(bytes)
    }

    fn pad(&mut self) -> std::io::Result<()> {
        let zeros = [0u8; 8];
        self.put(&zeros[..self.written.next_multiple_of(8) - self.written])
    }
}

/// Writes `ratings` to `path` (through `atomic_file`, so `path` is whole or absent) and returns
/// the file's checksum. Streams: the one extra allocation is the order of the ratings by user,
/// and only where the input does not list them grouped by user.
pub(super) fn write(path: &Path, ratings: &Ratings) -> Result<String> {
    let entries = &ratings.entries;
    let n_users = ratings.n_users();
    let mut offsets = vec![0u64; n_users + 1];
    for r in entries {
        offsets[r.user as usize + 1] += 1;
    }
    for u in 0..n_users {
        offsets[u + 1] += offsets[u];
    }
    let grouped = entries.windows(2).all(|w| w[0].user <= w[1].user);
    // A stable counting sort by user where the input is not grouped already.
    let order: Option<Vec<u32>> = (!grouped).then(|| {
        let mut next = offsets.clone();
        let mut order = vec![0u32; entries.len()];
        for (i, r) in entries.iter().enumerate() {
            let slot = &mut next[r.user as usize];
            order[*slot as usize] = i as u32;
            *slot += 1;
        }
        order
    });
    let sorted = |f: &mut dyn FnMut(&Rating) -> std::io::Result<()>| -> std::io::Result<()> {
        match &order {
            Some(order) => order.iter().try_for_each(|&i| f(&entries[i as usize])),
            None => entries.iter().try_for_each(f),
        }
    };
    let mut by_id: Vec<u32> = (0..n_users as u32).collect();
    by_id.sort_by_key(|&u| ratings.user_ids[u as usize]);

    atomic_file::write_with(path, |file| {
        let mut out = Hashing {
            inner: file,
            sum: Checksum::default(),
            written: 0,
        };
        out.put(MAGIC)?;
        for n in [n_users, entries.len(), ratings.n_items] {
            out.put(&(n as u64).to_le_bytes())?;
        }
        for &id in &ratings.user_ids {
            out.put(&id.to_le_bytes())?;
        }
        out.pad()?;
        for &u in &by_id {
            out.put(&u.to_le_bytes())?;
        }
        out.pad()?;
        for &o in &offsets {
            out.put(&o.to_le_bytes())?;
        }
        sorted(&mut |r| out.put(&r.item.to_le_bytes()))?;
        out.pad()?;
        sorted(&mut |r| out.put(&r.value.to_le_bytes()))?;
        out.pad()?;
        sorted(&mut |r| out.put(&r.timestamp.to_le_bytes()))?;
        Ok(out.sum.hex())
    })
}

impl StoredRatings {
    /// Maps a file `write` wrote; its size and sections are checked, not its checksum.
    pub(super) fn open(path: &Path) -> Result<Self> {
        if !cfg!(target_endian = "little") {
            bail!("ratings.bin is little-endian; this machine is not");
        }
        let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        // SAFETY: index files are never rewritten in place (module doc).
        let map = unsafe { Mmap::map(&file)? };
        if map.len() < HEADER || &map[..8] != MAGIC {
            bail!("{} is not a ratings file of this version", path.display());
        }
        let word = |i: usize| {
            let bytes: [u8; 8] = map[8 + 8 * i..16 + 8 * i].try_into().expect("8 bytes");
            u64::from_le_bytes(bytes) as usize
        };
        let (n_users, n, n_items) = (word(0), word(1), word(2));
        let [user_ids, by_id, offsets, items, values, timestamps] = sections(n_users, n);
        if timestamps.end != map.len() {
            bail!("{} has the wrong size for its counts", path.display());
        }
        let stored = StoredRatings {
            map,
            n_items,
            user_ids,
            by_id,
            offsets,
            items,
            values,
            timestamps,
        };
        let offsets = stored.offsets();
        if offsets[0] != 0
            || offsets[n_users] as usize != n
            || offsets.windows(2).any(|w| w[0] > w[1])
        {
            bail!("{} has inconsistent offsets", path.display());
        }
        Ok(stored)
    }

    fn section<T: bytemuck::Pod>(&self, range: &Range<usize>) -> &[T] {
        bytemuck::cast_slice(&self.map[range.clone()])
    }

    fn offsets(&self) -> &[u64] {
        self.section(&self.offsets)
    }

    /// Dense user index -> MovieLens userId.
    pub fn user_ids(&self) -> &[u32] {
        self.section(&self.user_ids)
    }

    pub fn n_users(&self) -> usize {
        self.user_ids.len() / 4
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn len(&self) -> usize {
        self.items.len() / 4
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Dense index of a MovieLens userId.
    pub fn user_index(&self, movielens_user_id: u32) -> Option<usize> {
        let ids = self.user_ids();
        let by_id: &[u32] = self.section(&self.by_id);
        let at = by_id
            .binary_search_by_key(&movielens_user_id, |&u| ids[u as usize])
            .ok()?;
        Some(by_id[at] as usize)
    }

    /// The ratings of dense user `user`, in the input's order.
    pub fn of_user(&self, user: usize) -> impl ExactSizeIterator<Item = Rating> + '_ {
        let offsets = self.offsets();
        let range = offsets[user] as usize..offsets[user + 1] as usize;
        let items: &[u32] = &self.section(&self.items)[range.clone()];
        let values: &[f32] = &self.section(&self.values)[range.clone()];
        let timestamps: &[i64] = &self.section(&self.timestamps)[range];
        (0..items.len()).map(move |i| Rating {
            user: user as u32,
            item: items[i],
            value: values[i],
            timestamp: timestamps[i],
        })
    }

    /// Every rating on the heap, grouped by user, for training and evaluation.
    pub fn to_ratings(&self) -> Ratings {
        let mut entries = Vec::with_capacity(self.len());
        for u in 0..self.n_users() {
            entries.extend(self.of_user(u));
        }
        Ratings {
            user_ids: self.user_ids().to_vec(),
            entries,
            n_items: self.n_items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rating(user: u32, item: u32, value: f32, timestamp: i64) -> Rating {
        Rating {
            user,
            item,
            value,
            timestamp,
        }
    }

    #[test]
    fn ratings_come_back_grouped_by_user_whatever_the_input_order() {
        let dir = tempfile::tempdir().unwrap();
        let ratings = Ratings {
            user_ids: vec![50, 7, 12],
            entries: vec![
                rating(0, 3, 4.0, 10),
                rating(1, 0, 2.5, 11),
                rating(0, 1, 5.0, 12),
                rating(2, 2, 1.0, 13),
                rating(1, 4, 3.5, 9),
            ],
            n_items: 5,
        };
        let path = dir.path().join("ratings.bin");
        let sum = write(&path, &ratings).unwrap();
        assert_eq!(sum, Checksum::of_file(&path).unwrap());
        let stored = StoredRatings::open(&path).unwrap();
        assert_eq!(
            (stored.len(), stored.n_users(), stored.n_items()),
            (5, 3, 5)
        );
        assert_eq!(stored.user_index(7), Some(1));
        assert_eq!(stored.user_index(50), Some(0));
        assert_eq!(stored.user_index(13), None);
        let user1: Vec<Rating> = stored.of_user(1).collect();
        assert_eq!(user1, vec![ratings.entries[1], ratings.entries[4]]);
        let back = stored.to_ratings();
        assert_eq!(back.user_ids, ratings.user_ids);
        let order = [0, 2, 1, 4, 3];
        let expected: Vec<Rating> = order.iter().map(|&i| ratings.entries[i]).collect();
        assert_eq!(back.entries, expected);
    }

    #[test]
    fn a_cut_or_foreign_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ratings.bin");
        let ratings = Ratings {
            user_ids: vec![1],
            entries: vec![rating(0, 0, 3.0, 1)],
            n_items: 1,
        };
        write(&path, &ratings).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 8]).unwrap();
        assert!(StoredRatings::open(&path).is_err());
        std::fs::write(&path, b"not ratings at all, just some text").unwrap();
        assert!(StoredRatings::open(&path).is_err());
    }
}
