//! The checksum of an index file or an input: CRC-32 (crc32fast, which tantivy uses too), at
//! memory speed where the CPU has carry-less multiply. With FNV-1a (one multiply per byte) serve
//! took 35 s to start at 10x, checking 15 GB of inputs, ratings and factors; with CRC-32, 6.8 s.

use std::io::Read;
use std::path::Path;

#[derive(Default)]
pub(super) struct Checksum(crc32fast::Hasher);

impl Checksum {
    pub(super) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    pub(super) fn hex(self) -> String {
        format!("{:08x}", self.0.finalize())
    }

    pub(super) fn of_bytes(bytes: &[u8]) -> String {
        let mut c = Checksum::default();
        c.update(bytes);
        c.hex()
    }

    /// Reads the file a piece at a time: an input (a 10x ratings.csv is 8.5 GB) need not fit in
    /// memory to be checked.
    pub(super) fn of_file(path: &Path) -> std::io::Result<String> {
        Self::of_reader(std::fs::File::open(path)?)
    }

    pub(super) fn of_reader(mut reader: impl Read) -> std::io::Result<String> {
        let mut c = Checksum::default();
        let mut buf = vec![0u8; 1 << 20];
        loop {
            match reader.read(&mut buf)? {
                0 => return Ok(c.hex()),
                n => c.update(&buf[..n]),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_read_in_pieces_has_the_checksum_of_its_bytes() {
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let path = std::env::temp_dir().join(format!("checksum-{}.bin", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let from_file = Checksum::of_file(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(from_file, Checksum::of_bytes(&bytes));
        // The standard CRC-32 check value, so another tool can verify a file.
        assert_eq!(Checksum::of_bytes(b"123456789"), "cbf43926");
        let mut flipped = bytes.clone();
        flipped[1_500_000] ^= 1;
        assert_ne!(Checksum::of_bytes(&flipped), from_file);
    }
}
