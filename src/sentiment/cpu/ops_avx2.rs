//! The row kernels of `ops` and the attention of `attend`, for CPUs with AVX2 and FMA but no
//! AVX-512 (most laptops and desktops, AMD's EPYC before Zen 4). The same arithmetic in eight
//! lanes instead of sixteen: exp, erf and GELU give the same bits; sums are added in another
//! order, so layer norm and softmax differ in the last place. Every function here needs
//! `avx2` and `fma`; `Isa::available` checks them once before a model is built.

use super::ops::{ERF_P, ERF_POLY, EXP_POLY, LN2_PARTS};
use std::arch::x86_64::*;

/// e^x for 8 lanes: `ops::exp16`'s polynomial; 2^n is built in the exponent bits (n lies in
/// −126..=127 after the clamp, so the scaling is exact, as `scalef` is).
#[inline]
#[target_feature(enable = "avx2,fma")]
fn exp8(x: __m256) -> __m256 {
    let x = _mm256_max_ps(
        _mm256_set1_ps(-87.0),
        _mm256_min_ps(x, _mm256_set1_ps(88.0)),
    );
    let n = _mm256_round_ps::<{ _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC }>(_mm256_mul_ps(
        x,
        _mm256_set1_ps(std::f32::consts::LOG2_E),
    ));
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_PARTS[0]), x);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_PARTS[1]), r);
    let mut p = _mm256_set1_ps(EXP_POLY[0]);
    for c in &EXP_POLY[1..] {
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(*c));
    }
    let y = _mm256_fmadd_ps(
        _mm256_mul_ps(p, r),
        r,
        _mm256_add_ps(r, _mm256_set1_ps(1.0)),
    );
    let two_n = _mm256_slli_epi32::<23>(_mm256_add_epi32(
        _mm256_cvtps_epi32(n),
        _mm256_set1_epi32(127),
    ));
    _mm256_mul_ps(y, _mm256_castsi256_ps(two_n))
}

/// erf(x) for 8 lanes: Abramowitz & Stegun 7.1.26, as `ops::erf16`.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn erf8(x: __m256) -> __m256 {
    let sign_bit = _mm256_castsi256_ps(_mm256_set1_epi32(i32::MIN));
    let a = _mm256_andnot_ps(sign_bit, x);
    let t = _mm256_div_ps(
        _mm256_set1_ps(1.0),
        _mm256_fmadd_ps(a, _mm256_set1_ps(ERF_P), _mm256_set1_ps(1.0)),
    );
    let mut p = _mm256_set1_ps(ERF_POLY[0]);
    for c in &ERF_POLY[1..] {
        p = _mm256_fmadd_ps(p, t, _mm256_set1_ps(*c));
    }
    p = _mm256_mul_ps(p, t);
    let e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), _mm256_mul_ps(a, a)));
    let y = _mm256_fnmadd_ps(p, e, _mm256_set1_ps(1.0));
    _mm256_or_ps(y, _mm256_and_ps(x, sign_bit))
}

/// gelu(x) = x/2 (1 + erf(x/√2)) for 8 lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
pub(super) fn gelu8(x: __m256) -> __m256 {
    let e = erf8(_mm256_mul_ps(
        x,
        _mm256_set1_ps(std::f32::consts::FRAC_1_SQRT_2),
    ));
    _mm256_mul_ps(
        _mm256_mul_ps(x, _mm256_set1_ps(0.5)),
        _mm256_add_ps(e, _mm256_set1_ps(1.0)),
    )
}

/// The sum of 8 lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn reduce_add(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_shuffle_ps::<1>(s, s)))
}

/// The largest of 8 lanes.
#[inline]
#[target_feature(enable = "avx2,fma")]
fn reduce_max(v: __m256) -> f32 {
    let s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    _mm_cvtss_f32(_mm_max_ss(s, _mm_shuffle_ps::<1>(s, s)))
}

/// One row: row ← (row - mean) / sqrt(var + eps) · weight + bias.
#[target_feature(enable = "avx2,fma")]
pub(super) fn layer_norm(row: &mut [f32], weight: &[f32], bias: &[f32], eps: f32) {
    let n = row.len() as f32;
    let mut chunks = row.chunks_exact(8);
    let mut acc = _mm256_setzero_ps();
    for c in &mut chunks {
        // SAFETY: 8 floats.
        acc = _mm256_add_ps(acc, unsafe { _mm256_loadu_ps(c.as_ptr()) });
    }
    let mean = (reduce_add(acc) + chunks.remainder().iter().sum::<f32>()) / n;
    let m = _mm256_set1_ps(mean);
    let mut acc = _mm256_setzero_ps();
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        // SAFETY: 8 floats.
        let d = _mm256_sub_ps(unsafe { _mm256_loadu_ps(c.as_ptr()) }, m);
        acc = _mm256_fmadd_ps(d, d, acc);
    }
    let var = reduce_add(acc)
        + chunks
            .remainder()
            .iter()
            .map(|v| (v - mean) * (v - mean))
            .sum::<f32>();
    let inv = 1.0 / (var / n + eps).sqrt();
    for ((v, w), b) in row.iter_mut().zip(weight).zip(bias) {
        *v = (*v - mean) * inv * w + b;
    }
}

/// Softmax of one row in place.
#[target_feature(enable = "avx2,fma")]
pub(super) fn softmax(row: &mut [f32]) {
    let mut acc = _mm256_set1_ps(f32::NEG_INFINITY);
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        // SAFETY: 8 floats.
        acc = _mm256_max_ps(acc, unsafe { _mm256_loadu_ps(c.as_ptr()) });
    }
    let tail = chunks
        .remainder()
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    let m = _mm256_set1_ps(reduce_max(acc).max(tail));
    let mut total = _mm256_setzero_ps();
    let mut chunks = row.chunks_exact_mut(8);
    for c in &mut chunks {
        // SAFETY: 8 floats.
        unsafe {
            let e = exp8(_mm256_sub_ps(_mm256_loadu_ps(c.as_ptr()), m));
            total = _mm256_add_ps(total, e);
            _mm256_storeu_ps(c.as_mut_ptr(), e);
        }
    }
    let rest = chunks.into_remainder();
    let mut tail_total = 0.0;
    if !rest.is_empty() {
        // The tail through an 8-float buffer; the lanes past it are dropped.
        let mut buf = [0f32; 8];
        buf[..rest.len()].copy_from_slice(rest);
        // SAFETY: 8 floats.
        unsafe {
            let e = exp8(_mm256_sub_ps(_mm256_loadu_ps(buf.as_ptr()), m));
            _mm256_storeu_ps(buf.as_mut_ptr(), e);
        }
        rest.copy_from_slice(&buf[..rest.len()]);
        tail_total = rest.iter().sum::<f32>();
    }
    let inv = 1.0 / (reduce_add(total) + tail_total);
    for v in row.iter_mut() {
        *v *= inv;
    }
}

/// One head of one sequence's attention, as `cpu::attend`: softmax(q·kᵀ/√d)·v into `out`
/// (`len × d`), four queries at a time. `LANES` is the head size in 8-float registers (even).
#[target_feature(enable = "avx2,fma")]
pub(super) fn attend<const LANES: usize>(
    qkv: &[f32],
    len: usize,
    hidden: usize,
    head: usize,
    out: &mut [f32],
) {
    let d = LANES * 8;
    assert!(LANES.is_multiple_of(2), "a head of whole register pairs");
    assert!((head + 1) * d <= hidden && qkv.len() == len * 3 * hidden && out.len() == len * d);
    let scale = _mm256_set1_ps(1.0 / (d as f32).sqrt());
    let stride = 3 * hidden;
    let padded = len.div_ceil(16) * 16;
    // Keys transposed (`d × padded`, zero past `len`), and four rows of scores.
    let mut keys_t = vec![0f32; d * padded];
    let mut scores = vec![0f32; 4 * padded];
    let (q_at, k_at, v_at) = (head * d, hidden + head * d, 2 * hidden + head * d);
    for j in 0..len {
        for e in 0..d {
            keys_t[e * padded + j] = qkv[j * stride + k_at + e];
        }
    }
    for first in (0..len).step_by(4) {
        let rows = (len - first).min(4);
        // Rows past the end repeat the last one; their results are not stored.
        let q: [usize; 4] = std::array::from_fn(|r| (first + r.min(rows - 1)) * stride + q_at);
        // SAFETY: every offset is inside `qkv`, `keys_t` and `scores` by the shapes above.
        // Two blocks of 8 keys at a time: eight independent sums in 16 registers.
        unsafe {
            for block in (0..padded).step_by(16) {
                let mut acc = [[_mm256_setzero_ps(); 2]; 4];
                for e in 0..d {
                    let at = keys_t.as_ptr().add(e * padded + block);
                    let k = [_mm256_loadu_ps(at), _mm256_loadu_ps(at.add(8))];
                    for (acc, &q) in acc.iter_mut().zip(&q) {
                        let qe = _mm256_set1_ps(*qkv.get_unchecked(q + e));
                        acc[0] = _mm256_fmadd_ps(qe, k[0], acc[0]);
                        acc[1] = _mm256_fmadd_ps(qe, k[1], acc[1]);
                    }
                }
                for (r, acc) in acc.iter().enumerate() {
                    let at = scores.as_mut_ptr().add(r * padded + block);
                    _mm256_storeu_ps(at, _mm256_mul_ps(acc[0], scale));
                    _mm256_storeu_ps(at.add(8), _mm256_mul_ps(acc[1], scale));
                }
            }
        }
        for r in 0..rows {
            softmax(&mut scores[r * padded..r * padded + len]);
        }
        // Two registers of the head at a time (eight sums), so nothing spills.
        // SAFETY: as above; `out` rows `first..first + rows` exist.
        unsafe {
            for lane in (0..LANES).step_by(2) {
                let mut acc = [[_mm256_setzero_ps(); 2]; 4];
                for j in 0..len {
                    let v = qkv.as_ptr().add(j * stride + v_at + lane * 8);
                    let v = [_mm256_loadu_ps(v), _mm256_loadu_ps(v.add(8))];
                    for (r, acc) in acc.iter_mut().enumerate() {
                        let p = _mm256_set1_ps(*scores.get_unchecked(r * padded + j));
                        acc[0] = _mm256_fmadd_ps(p, v[0], acc[0]);
                        acc[1] = _mm256_fmadd_ps(p, v[1], acc[1]);
                    }
                }
                for (r, acc) in acc.iter().enumerate().take(rows) {
                    let o = out.as_mut_ptr().add((first + r) * d + lane * 8);
                    _mm256_storeu_ps(o, acc[0]);
                    _mm256_storeu_ps(o.add(8), acc[1]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ops::reference_erf;
    use super::*;

    fn avx2() -> bool {
        is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
    }

    /// `f` over `xs`, 8 at a time.
    fn lanes(xs: &[f32], f: impl Fn(__m256) -> __m256) -> Vec<f32> {
        xs.chunks(8)
            .flat_map(|c| {
                let mut buf = [0f32; 8];
                buf[..c.len()].copy_from_slice(c);
                // SAFETY: avx2 checked by the callers.
                unsafe { _mm256_storeu_ps(buf.as_mut_ptr(), f(_mm256_loadu_ps(buf.as_ptr()))) };
                buf[..c.len()].to_vec()
            })
            .collect()
    }

    #[test]
    fn exp_and_gelu_match_the_scalar_functions() {
        if !avx2() {
            return;
        }
        let xs: Vec<f32> = (0..401).map(|i| -20.0 + i as f32 * 0.1).collect();
        // SAFETY: avx2 and fma checked above.
        for (x, got) in xs.iter().zip(lanes(&xs, |v| unsafe { exp8(v) })) {
            let want = x.exp();
            assert!(
                (got - want).abs() <= want * 2e-6,
                "exp({x}) = {got}, want {want}"
            );
        }
        // SAFETY: as above.
        for (x, got) in xs.iter().zip(lanes(&xs, |v| unsafe { gelu8(v) })) {
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
        if !avx2() {
            return;
        }
        let mut row: Vec<f32> = (0..37).map(|i| ((i * 7) % 11) as f32 - 3.0).collect();
        let mean = row.iter().sum::<f32>() / 37.0;
        let var = row.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 37.0;
        let plain: Vec<f32> = row
            .iter()
            .map(|v| (v - mean) / (var + 1e-12).sqrt() * 2.0 + 1.0)
            .collect();
        // SAFETY: avx2 and fma checked above.
        unsafe { layer_norm(&mut row, &[2.0; 37], &[1.0; 37], 1e-12) };
        for (a, b) in row.iter().zip(&plain) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        let mut s: Vec<f32> = (0..21).map(|i| i as f32 * 0.3 - 2.0).collect();
        let max = s.iter().copied().fold(f32::MIN, f32::max);
        let total: f32 = s.iter().map(|v| (v - max).exp()).sum();
        let want: Vec<f32> = s.iter().map(|v| (v - max).exp() / total).collect();
        // SAFETY: avx2 and fma checked above.
        unsafe { softmax(&mut s) };
        for (a, b) in s.iter().zip(&want) {
            assert!((a - b).abs() < 1e-6, "{a} vs {b}");
        }
    }

    #[test]
    fn attention_matches_plain_arithmetic() {
        if !avx2() {
            return;
        }
        // Two heads of 16; 7 tokens: a partial block of keys and of queries.
        let (len, hidden, d) = (7, 32, 16);
        let qkv: Vec<f32> = (0..len * 3 * hidden)
            .map(|i| ((i * 29 % 53) as f32 - 26.0) / 13.0)
            .collect();
        for head in 0..2 {
            let mut out = vec![f32::NAN; len * d];
            // SAFETY: avx2 and fma checked above.
            unsafe { attend::<2>(&qkv, len, hidden, head, &mut out) };
            let at = |j: usize, part: usize, e: usize| {
                qkv[j * 3 * hidden + part * hidden + head * d + e]
            };
            for i in 0..len {
                let scores: Vec<f32> = (0..len)
                    .map(|j| {
                        (0..d).map(|e| at(i, 0, e) * at(j, 1, e)).sum::<f32>() / (d as f32).sqrt()
                    })
                    .collect();
                let max = scores.iter().copied().fold(f32::MIN, f32::max);
                let total: f32 = scores.iter().map(|s| (s - max).exp()).sum();
                for e in 0..d {
                    let want: f32 = (0..len)
                        .map(|j| (scores[j] - max).exp() / total * at(j, 2, e))
                        .sum();
                    let got = out[i * d + e];
                    assert!(
                        (got - want).abs() < 1e-4,
                        "head {head} ({i},{e}): {got} vs {want}"
                    );
                }
            }
        }
    }
}
