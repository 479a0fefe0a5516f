//! Row-wise kernels of the encoder in AVX-512: layer norm, erf GELU, softmax and the vector
//! `exp` they share. Every function here needs `avx512f`; `Isa::available` checks it once
//! before a model is built, which is what makes the `unsafe` calls sound. `ops_avx2` is the
//! same in AVX2.

use std::arch::x86_64::*;

/// Cephes' e^x: x - n ln 2 in two parts (high, low), then the polynomial's coefficients,
/// highest power first. Shared with `ops_avx2`, which must give the same bits.
pub(super) const LN2_PARTS: [f32; 2] = [0.693_359_4, -2.121_944_4e-4];
pub(super) const EXP_POLY: [f32; 6] = [
    1.987_569_1e-4,
    1.398_199_9e-3,
    8.333_452e-3,
    4.166_579_6e-2,
    0.166_666_65,
    0.5,
];
/// Abramowitz & Stegun 7.1.26: p, then the coefficients of t, highest power first.
pub(super) const ERF_P: f32 = 0.327_591_1;
pub(super) const ERF_POLY: [f32; 5] = [
    1.061_405_4,
    -1.453_152_1,
    1.421_413_7,
    -0.284_496_72,
    0.254_829_6,
];

/// e^x for 16 lanes (Cephes' polynomial on x - n ln 2, then scaled by 2^n; relative error
/// ~1e-7, same as `f32::exp` to within a rounding or two).
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) fn exp16(x: __m512) -> __m512 {
    let x = _mm512_max_ps(
        _mm512_set1_ps(-87.0),
        _mm512_min_ps(x, _mm512_set1_ps(88.0)),
    );
    let n = _mm512_roundscale_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(
        _mm512_mul_ps(x, _mm512_set1_ps(std::f32::consts::LOG2_E)),
    );
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_PARTS[0]), x);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_PARTS[1]), r);
    let mut p = _mm512_set1_ps(EXP_POLY[0]);
    for c in &EXP_POLY[1..] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(*c));
    }
    let y = _mm512_fmadd_ps(
        _mm512_mul_ps(p, r),
        r,
        _mm512_add_ps(r, _mm512_set1_ps(1.0)),
    );
    _mm512_scalef_ps(y, n)
}

/// erf(x) for 16 lanes: Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
#[inline]
#[target_feature(enable = "avx512f")]
fn erf16(x: __m512) -> __m512 {
    let a = _mm512_abs_ps(x);
    let t = _mm512_div_ps(
        _mm512_set1_ps(1.0),
        _mm512_fmadd_ps(a, _mm512_set1_ps(ERF_P), _mm512_set1_ps(1.0)),
    );
    let mut p = _mm512_set1_ps(ERF_POLY[0]);
    for c in &ERF_POLY[1..] {
        p = _mm512_fmadd_ps(p, t, _mm512_set1_ps(*c));
    }
    p = _mm512_mul_ps(p, t);
    let e = exp16(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));
    let y = _mm512_fnmadd_ps(p, e, _mm512_set1_ps(1.0));
    // Copy x's sign onto y.
    let sign = _mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(i32::MIN));
    _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(y), sign))
}

/// Loads `n < 16` trailing floats, zeros after them.
#[inline]
#[target_feature(enable = "avx512f")]
unsafe fn load_tail(p: *const f32, n: usize) -> __m512 {
    _mm512_maskz_loadu_ps(((1u32 << n) - 1) as u16, p)
}

/// gelu(x) = x/2 (1 + erf(x/√2)) for 16 lanes.
#[inline]
#[target_feature(enable = "avx512f")]
pub(super) fn gelu16(x: __m512) -> __m512 {
    let e = erf16(_mm512_mul_ps(
        x,
        _mm512_set1_ps(std::f32::consts::FRAC_1_SQRT_2),
    ));
    _mm512_mul_ps(
        _mm512_mul_ps(x, _mm512_set1_ps(0.5)),
        _mm512_add_ps(e, _mm512_set1_ps(1.0)),
    )
}

/// Sum of a slice, 16 lanes at a time.
#[inline]
#[target_feature(enable = "avx512f")]
fn sum(x: &[f32]) -> f32 {
    let mut acc = _mm512_setzero_ps();
    let mut chunks = x.chunks_exact(16);
    for c in &mut chunks {
        // SAFETY: 16 floats.
        acc = _mm512_add_ps(acc, unsafe { _mm512_loadu_ps(c.as_ptr()) });
    }
    _mm512_reduce_add_ps(acc) + chunks.remainder().iter().sum::<f32>()
}

/// One row: row ← (row - mean) / sqrt(var + eps) · weight + bias.
#[target_feature(enable = "avx512f")]
pub(super) fn layer_norm(row: &mut [f32], weight: &[f32], bias: &[f32], eps: f32) {
    let n = row.len() as f32;
    let mean = sum(row) / n;
    let mut var = 0.0f32;
    {
        let m = _mm512_set1_ps(mean);
        let mut acc = _mm512_setzero_ps();
        let mut chunks = row.chunks_exact(16);
        for c in &mut chunks {
            // SAFETY: 16 floats.
            let d = _mm512_sub_ps(unsafe { _mm512_loadu_ps(c.as_ptr()) }, m);
            acc = _mm512_fmadd_ps(d, d, acc);
        }
        var += _mm512_reduce_add_ps(acc);
        var += chunks
            .remainder()
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum::<f32>();
    }
    let inv = 1.0 / (var / n + eps).sqrt();
    for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
        *v = (*v - mean) * inv * w + b;
    }
}

/// Softmax of one row in place.
#[target_feature(enable = "avx512f")]
pub(super) fn softmax(row: &mut [f32]) {
    let m = {
        let mut acc = _mm512_set1_ps(f32::NEG_INFINITY);
        let mut chunks = row.chunks_exact(16);
        for c in &mut chunks {
            // SAFETY: 16 floats.
            acc = _mm512_max_ps(acc, unsafe { _mm512_loadu_ps(c.as_ptr()) });
        }
        let tail = chunks
            .remainder()
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        _mm512_set1_ps(_mm512_reduce_max_ps(acc).max(tail))
    };
    let mut total = _mm512_setzero_ps();
    let mut tail_total = 0.0f32;
    let mut chunks = row.chunks_exact_mut(16);
    for c in &mut chunks {
        // SAFETY: 16 floats.
        unsafe {
            let e = exp16(_mm512_sub_ps(_mm512_loadu_ps(c.as_ptr()), m));
            total = _mm512_add_ps(total, e);
            _mm512_storeu_ps(c.as_mut_ptr(), e);
        }
    }
    let rest = chunks.into_remainder();
    if !rest.is_empty() {
        let n = rest.len();
        let mask = ((1u32 << n) - 1) as u16;
        // SAFETY: masked to the n floats that exist.
        unsafe {
            let e = exp16(_mm512_sub_ps(load_tail(rest.as_ptr(), n), m));
            tail_total = _mm512_mask_reduce_add_ps(mask, e);
            _mm512_mask_storeu_ps(rest.as_mut_ptr(), mask, e);
        }
    }
    let inv = 1.0 / (_mm512_reduce_add_ps(total) + tail_total);
    for v in row.iter_mut() {
        *v *= inv;
    }
}

#[cfg(test)]
/// erf in double precision, the tests' reference: its Taylor series below 3, and beyond that
/// the asymptotic series of erfc (both far more precise than the f32 under test).
pub(super) fn reference_erf(x: f64) -> f64 {
    let a = x.abs();
    if a >= 3.0 {
        let a2 = a * a;
        let erfc = (-a2).exp() / (a * std::f64::consts::PI.sqrt())
            * (1.0 - 1.0 / (2.0 * a2) + 3.0 / (4.0 * a2 * a2) - 15.0 / (8.0 * a2 * a2 * a2));
        return x.signum() * (1.0 - erfc);
    }
    let mut term = x;
    let mut total = x;
    for n in 1..200 {
        term *= -x * x / n as f64;
        total += term / (2 * n + 1) as f64;
    }
    total * 2.0 / std::f64::consts::PI.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn avx512() -> bool {
        is_x86_feature_detected!("avx512f")
    }

    #[test]
    fn exp_and_gelu_match_the_scalar_functions() {
        if !avx512() {
            return;
        }
        let xs: Vec<f32> = (0..401).map(|i| -20.0 + i as f32 * 0.1).collect();
        for chunk in xs.chunks(16) {
            let mut buf = [0f32; 16];
            buf[..chunk.len()].copy_from_slice(chunk);
            // SAFETY: avx512f checked above.
            let got = unsafe {
                let mut out = [0f32; 16];
                _mm512_storeu_ps(out.as_mut_ptr(), exp16(_mm512_loadu_ps(buf.as_ptr())));
                out
            };
            for (x, g) in chunk.iter().zip(got) {
                let want = x.exp();
                assert!(
                    (g - want).abs() <= want * 2e-6,
                    "exp({x}) = {g}, want {want}"
                );
            }
        }
        let mut g = xs.clone();
        for c in g.chunks_mut(16) {
            let mut buf = [0f32; 16];
            buf[..c.len()].copy_from_slice(c);
            // SAFETY: avx512f checked above.
            unsafe { _mm512_storeu_ps(buf.as_mut_ptr(), gelu16(_mm512_loadu_ps(buf.as_ptr()))) };
            let n = c.len();
            c.copy_from_slice(&buf[..n]);
        }
        for (x, got) in xs.iter().zip(g) {
            let want =
                0.5 * *x as f64 * (1.0 + reference_erf(*x as f64 / std::f64::consts::SQRT_2));
            assert!(
                (got as f64 - want).abs() < 1e-5,
                "gelu({x}) = {got}, want {want}"
            );
        }
    }

    #[test]
    fn layer_norm_and_softmax_match_plain_arithmetic() {
        if !avx512() {
            return;
        }
        let mut row: Vec<f32> = (0..37).map(|i| ((i * 7) % 11) as f32 - 3.0).collect();
        let plain = {
            let mean = row.iter().sum::<f32>() / 37.0;
            let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 37.0;
            row.iter()
                .map(|v| (v - mean) / (var + 1e-12).sqrt() * 2.0 + 1.0)
                .collect::<Vec<_>>()
        };
        // SAFETY: avx512f checked above.
        unsafe { layer_norm(&mut row, &[2.0; 37], &[1.0; 37], 1e-12) };
        for (a, b) in row.iter().zip(&plain) {
            assert!((a - b).abs() < 1e-5);
        }
        let mut s: Vec<f32> = (0..21).map(|i| i as f32 * 0.3 - 2.0).collect();
        let max = s.iter().copied().fold(f32::MIN, f32::max);
        let total: f32 = s.iter().map(|v| (v - max).exp()).sum();
        let want: Vec<f32> = s.iter().map(|v| (v - max).exp() / total).collect();
        // SAFETY: avx512f checked above.
        unsafe { softmax(&mut s) };
        for (a, b) in s.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6);
        }
        assert!((s.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}
