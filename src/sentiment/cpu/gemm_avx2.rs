//! `gemm`'s tile kernel for CPUs with AVX2 but no AVX-512 VNNI.
//!
//! AVX2's byte product (`vpmaddubsw`) clips its pair sums at 16 bits, which 255 × 127 × 2
//! passes, so values are widened to 16 bits instead (weights once when packed, inputs as they
//! are quantized) and multiplied with `vpmaddwd`: two pairs per 32-bit lane, exact, so the
//! sums and the outputs are the bits `gemm_vnni` gives. A tile is 6 rows × 16 columns in 12
//! of the 16 registers.

use super::gemm::{Kernel, Tile};
use super::ops_avx2::gelu8;
use std::arch::x86_64::*;

/// The kernel for CPUs with AVX2 and FMA.
pub(super) struct Avx2;

impl Kernel for Avx2 {
    const MR: usize = 6;
    /// Two registers of 8 sums.
    const NR: usize = 16;
    const KG: usize = 2;
    type Input = i16;
    type Weight = i16;

    fn available() -> bool {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }

    /// Rounded as `gemm_vnni` rounds (a fused multiply-add, then to the nearest even).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn quantize_row(x: &[f32], values: &mut [i16]) -> (f32, f32) {
        let mut chunks = x.chunks_exact(8);
        let (mut lo8, mut hi8) = (_mm256_setzero_ps(), _mm256_setzero_ps());
        for c in &mut chunks {
            // SAFETY: 8 floats.
            let v = unsafe { _mm256_loadu_ps(c.as_ptr()) };
            lo8 = _mm256_min_ps(lo8, v);
            hi8 = _mm256_max_ps(hi8, v);
        }
        let (mut lo, mut hi) = ([0f32; 8], [0f32; 8]);
        // SAFETY: 8 floats each.
        unsafe {
            _mm256_storeu_ps(lo.as_mut_ptr(), lo8);
            _mm256_storeu_ps(hi.as_mut_ptr(), hi8);
        }
        let rest = chunks.remainder();
        let lo = lo.iter().chain(rest).fold(0f32, |m, &v| m.min(v));
        let hi = hi.iter().chain(rest).fold(0f32, |m, &v| m.max(v));
        let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
        let zero = (-lo / scale).round();
        let inv = 1.0 / scale;
        let (inv8, zero8) = (_mm256_set1_ps(inv), _mm256_set1_ps(zero));
        let (floor, ceil) = (_mm256_setzero_si256(), _mm256_set1_epi32(255));
        let whole = x.len() / 8 * 8;
        for at in (0..whole).step_by(8) {
            // SAFETY: 8 floats in `x` and 8 values in `values` (as long as `x`) from `at`.
            unsafe {
                let v = _mm256_loadu_ps(x.as_ptr().add(at));
                let q = _mm256_cvtps_epi32(_mm256_fmadd_ps(v, inv8, zero8));
                let q = _mm256_min_epi32(_mm256_max_epi32(q, floor), ceil);
                // Eight 32-bit values to 16 bits: pack (per 128-bit half), then the halves together.
                let q = _mm256_permute4x64_epi64::<0b1000>(_mm256_packs_epi32(q, q));
                _mm_storeu_si128(
                    values.as_mut_ptr().add(at) as *mut __m128i,
                    _mm256_castsi256_si128(q),
                );
            }
        }
        for (q, v) in values[whole..x.len()].iter_mut().zip(&x[whole..]) {
            *q = v.mul_add(inv, zero).round_ties_even().clamp(0.0, 255.0) as i16;
        }
        (scale, zero)
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile(a: *const i16, groups: usize, b: *const i16, t: &Tile) {
        const MR: usize = Avx2::MR;
        let (nr, kg) = (Avx2::NR, Avx2::KG);
        unsafe {
            let mut acc = [[_mm256_setzero_si256(); 2]; MR];
            for g in 0..groups {
                let b = b.add(g * nr * kg);
                let b0 = _mm256_loadu_si256(b as *const __m256i);
                let b1 = _mm256_loadu_si256(b.add(16) as *const __m256i);
                let a = a.add(g * MR * kg) as *const i32;
                for (i, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_set1_epi32(a.add(i).read_unaligned());
                    acc[0] = _mm256_add_epi32(acc[0], _mm256_madd_epi16(av, b0));
                    acc[1] = _mm256_add_epi32(acc[1], _mm256_madd_epi16(av, b1));
                }
            }
            let load = |p: *const f32| [_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))];
            let (scale, sum, bias) = (load(t.col_scale), load(t.col_sum), load(t.bias));
            let widths = [t.cols.min(8), t.cols.saturating_sub(8)];
            for (i, acc) in acc.iter().enumerate().take(t.rows) {
                let zero = _mm256_set1_ps(*t.row_zero.add(i));
                let rs = _mm256_set1_ps(*t.row_scale.add(i));
                let row = t.c.add(i * t.ldc);
                for h in 0..2 {
                    let v = _mm256_fnmadd_ps(zero, sum[h], _mm256_cvtepi32_ps(acc[h]));
                    let mut v = _mm256_fmadd_ps(v, _mm256_mul_ps(rs, scale[h]), bias[h]);
                    if t.gelu {
                        v = gelu8(v);
                    }
                    let at = row.add(h * 8);
                    match widths[h] {
                        8 => _mm256_storeu_ps(at, v),
                        0 => {}
                        n => {
                            let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
                            let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n as i32), lanes);
                            _mm256_maskstore_ps(at, mask, v);
                        }
                    }
                }
            }
        }
    }
}
