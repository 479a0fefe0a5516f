//! 64-bit FNV-1a: a stable hash to combine the build's inputs, key texts and split datasets
//! reproducibly. Not for security; files are checked with CRC-32 (`index::checksum`).

/// 64-bit FNV-1a, enough to notice changed inputs and damaged files.
#[derive(Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub(crate) fn update(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(crate) fn value(self) -> u64 {
        self.0
    }

    pub(crate) fn hex(self) -> String {
        format!("{:016x}", self.0)
    }
}
