//! `gemm`'s tile kernel in AVX-512 VNNI: `vpdpbusd` multiplies four byte pairs (an input in
//! 0..255 by a weight in −127..127) and adds them into a 32-bit sum, four times the work of
//! an f32 FMA per instruction. A tile is 12 rows × 32 columns in 24 of the 32 registers.

use super::gemm::{Kernel, Tile};
use std::arch::x86_64::*;

/// The kernel for CPUs with AVX-512 F and VNNI.
pub(super) struct Vnni;

impl Kernel for Vnni {
    const MR: usize = 12;
    /// Two registers of 16 sums.
    const NR: usize = 32;
    const KG: usize = 4;
    type Input = u8;
    type Weight = i8;

    fn available() -> bool {
        is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vnni")
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn quantize_row(x: &[f32], bytes: &mut [u8]) -> (f32, f32) {
        let k = x.len();
        let mask = |n: usize| ((1u32 << n.min(16)) - 1) as u16;
        let (mut lo, mut hi) = (_mm512_setzero_ps(), _mm512_setzero_ps());
        for at in (0..k).step_by(16) {
            // SAFETY: the mask keeps the load inside `x`.
            let v = unsafe { _mm512_maskz_loadu_ps(mask(k - at), x.as_ptr().add(at)) };
            lo = _mm512_min_ps(lo, v);
            hi = _mm512_max_ps(hi, v);
        }
        let (lo, hi) = (_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
        let scale = if hi > lo { (hi - lo) / 255.0 } else { 1.0 };
        let zero = (-lo / scale).round();
        let (inv, z) = (_mm512_set1_ps(1.0 / scale), _mm512_set1_ps(zero));
        let (floor, ceil) = (_mm512_setzero_si512(), _mm512_set1_epi32(255));
        for at in (0..k).step_by(16) {
            let m = mask(k - at);
            // SAFETY: the mask keeps the load inside `x` and the store inside `bytes`.
            unsafe {
                let v = _mm512_maskz_loadu_ps(m, x.as_ptr().add(at));
                let q = _mm512_cvtps_epi32(_mm512_fmadd_ps(v, inv, z));
                let q = _mm512_min_epi32(_mm512_max_epi32(q, floor), ceil);
                _mm512_mask_cvtepi32_storeu_epi8(bytes.as_mut_ptr().add(at) as *mut i8, m, q);
            }
        }
        (scale, zero)
    }

    #[target_feature(enable = "avx512f,avx512vnni")]
    unsafe fn tile(a: *const u8, groups: usize, b: *const i8, t: &Tile) {
        const MR: usize = Vnni::MR;
        let (nr, kg) = (Vnni::NR, Vnni::KG);
        unsafe {
            let mut acc = [[_mm512_setzero_si512(); 2]; MR];
            for g in 0..groups {
                let b0 = _mm512_loadu_si512(b.add(g * nr * kg) as *const _);
                let b1 = _mm512_loadu_si512(b.add(g * nr * kg + 64) as *const _);
                let a = a.add(g * MR * kg) as *const i32;
                for (i, acc) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_epi32(a.add(i).read_unaligned());
                    acc[0] = _mm512_dpbusd_epi32(acc[0], av, b0);
                    acc[1] = _mm512_dpbusd_epi32(acc[1], av, b1);
                }
            }
            let load = |p: *const f32| [_mm512_loadu_ps(p), _mm512_loadu_ps(p.add(16))];
            let (scale, sum, bias) = (load(t.col_scale), load(t.col_sum), load(t.bias));
            let widths = [t.cols.min(16), t.cols.saturating_sub(16)];
            let mask = |n: usize| ((1u32 << n) - 1) as u16;
            for (i, acc) in acc.iter().enumerate().take(t.rows) {
                let zero = _mm512_set1_ps(*t.row_zero.add(i));
                let rs = _mm512_set1_ps(*t.row_scale.add(i));
                let row = t.c.add(i * t.ldc);
                for h in 0..2 {
                    let v = _mm512_fnmadd_ps(zero, sum[h], _mm512_cvtepi32_ps(acc[h]));
                    let mut v = _mm512_fmadd_ps(v, _mm512_mul_ps(rs, scale[h]), bias[h]);
                    if t.gelu {
                        v = super::ops::gelu16(v);
                    }
                    if widths[h] > 0 {
                        _mm512_mask_storeu_ps(row.add(h * 16), mask(widths[h]), v);
                    }
                }
            }
        }
    }
}
