//! iALS (Hu, Koren, Volinsky 2008; Rendle et al. 2021, "Revisiting the Performance of iALS on
//! Item Recommendation Benchmarks"): matrix factorisation of who rated what, for data too large
//! for EASE^R's dense matrix. Time is linear in the ratings and memory in users + items.
//!
//! Loss, with x_u a user's vector, y_i an item's and c = 1 + α:
//!
//!   Σ_{(u,i) rated} c·(1 − x_u·y_i)² + Σ_{(u,i) not rated} (x_u·y_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²)
//!
//! Each half-step solves, for every user (then every item), the normal equations
//! (YᵀY + λI + α Σ_{i∈I_u} y_i y_iᵀ) x_u = c Σ_{i∈I_u} y_i with a few conjugate-gradient steps
//! from the current vector (Takács, Pilászy, Tikk 2011), so no per-user k×k matrix is formed.
//! A user the model never saw is solved exactly from their rated items (a k×k Cholesky): fold-in
//! without retraining, as EASE^R's.

use crate::dataset::Rating;
use anyhow::{bail, Result};
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Hyper-parameters of the fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IalsParams {
    pub factors: usize,
    /// Full passes (users, then items).
    pub iterations: usize,
    /// Extra confidence of a rated pair over an unrated one.
    pub alpha: f32,
    pub lambda: f32,
    /// Conjugate-gradient steps per vector and half-step.
    pub cg_steps: usize,
    pub seed: u64,
}

impl Default for IalsParams {
    fn default() -> Self {
        IalsParams {
            factors: 64,
            iterations: 12,
            alpha: 10.0,
            lambda: 10.0,
            cg_steps: 3,
            seed: 42,
        }
    }
}

/// How λ enters a new user's system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Solve {
    /// λ as it is: the loss above, as `fit` trains.
    Fixed,
    /// λ times the user's number of rated items: Spark MLlib's ALS, whose factors
    /// `spark::SparkFactors` imports.
    PerRating,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IalsModel {
    pub params: IalsParams,
    pub solve: Solve,
    n_items: usize,
    /// Item vectors, row-major items × factors.
    items: Vec<f32>,
    /// YᵀY + λI (`Solve::Fixed`) or YᵀY (`Solve::PerRating`), factors × factors.
    gram: Vec<f32>,
}

/// Rows of column indices (compressed sparse rows, no values: every pair counts the same).
struct Csr {
    offsets: Vec<usize>,
    cols: Vec<u32>,
}

impl Csr {
    /// From (row, col) pairs; each row's columns sorted, duplicates dropped.
    fn from_pairs(pairs: impl Iterator<Item = (u32, u32)> + Clone, rows: usize) -> Csr {
        let mut offsets = vec![0usize; rows + 1];
        for (r, _) in pairs.clone() {
            offsets[r as usize + 1] += 1;
        }
        for r in 0..rows {
            offsets[r + 1] += offsets[r];
        }
        let mut cols = vec![0u32; offsets[rows]];
        let mut next = offsets.clone();
        for (r, c) in pairs {
            cols[next[r as usize]] = c;
            next[r as usize] += 1;
        }
        // Sort and de-duplicate each row, compacting in place.
        let mut write = 0;
        let mut start = 0;
        for r in 0..rows {
            let end = offsets[r + 1];
            cols[start..end].sort_unstable();
            let row_start = write;
            for k in start..end {
                if k == start || cols[k] != cols[k - 1] {
                    cols[write] = cols[k];
                    write += 1;
                }
            }
            offsets[r] = row_start;
            start = end;
        }
        offsets[rows] = write;
        cols.truncate(write);
        cols.shrink_to_fit();
        Csr { offsets, cols }
    }

    fn row(&self, r: usize) -> &[u32] {
        &self.cols[self.offsets[r]..self.offsets[r + 1]]
    }

    fn transpose(&self, cols: usize) -> Csr {
        let rows = self.offsets.len() - 1;
        Csr::from_pairs(
            (0..rows).flat_map(|r| self.row(r).iter().map(move |&c| (c, r as u32))),
            cols,
        )
    }
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f32>() + tail
}

fn axpy(a: f32, x: &[f32], y: &mut [f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// out = M v for a k × k row-major M.
fn matvec(m: &[f32], v: &[f32], out: &mut [f32]) {
    let k = v.len();
    for (o, row) in out.iter_mut().zip(m.chunks_exact(k)) {
        *o = dot(row, v);
    }
}

/// YᵀY + λI of row-major `y` with `k` columns.
fn gram(y: &[f32], k: usize, lambda: f32) -> Vec<f32> {
    let mut g = y
        .par_chunks(k * 1024)
        .map(|block| {
            let mut g = vec![0f32; k * k];
            for row in block.chunks_exact(k) {
                for (a, &ra) in row.iter().enumerate() {
                    axpy(ra, row, &mut g[a * k..(a + 1) * k]);
                }
            }
            g
        })
        .reduce(
            || vec![0f32; k * k],
            |mut a, b| {
                axpy(1.0, &b, &mut a);
                a
            },
        );
    for d in 0..k {
        g[d * k + d] += lambda;
    }
    g
}

/// Scratch vectors of one conjugate-gradient solve.
struct Scratch {
    r: Vec<f32>,
    p: Vec<f32>,
    ap: Vec<f32>,
}

/// A few CG steps on (G + α Σ_{i∈rated} y_i y_iᵀ) x = (1 + α) Σ_{i∈rated} y_i, from `x`.
fn cg_solve(
    x: &mut [f32],
    rated: &[u32],
    y: &[f32],
    g: &[f32],
    alpha: f32,
    steps: usize,
    s: &mut Scratch,
) {
    let k = x.len();
    let Scratch { r, p, ap } = s;
    // r = b − A x
    matvec(g, x, r);
    r.iter_mut().for_each(|v| *v = -*v);
    for &i in rated {
        let yi = &y[i as usize * k..(i as usize + 1) * k];
        axpy((1.0 + alpha) - alpha * dot(yi, x), yi, r);
    }
    p.copy_from_slice(r);
    let mut rs = dot(r, r);
    for _ in 0..steps {
        if rs < 1e-12 {
            break;
        }
        matvec(g, p, ap);
        for &i in rated {
            let yi = &y[i as usize * k..(i as usize + 1) * k];
            axpy(alpha * dot(yi, p), yi, ap);
        }
        let step = rs / dot(p, ap).max(1e-20);
        axpy(step, p, x);
        axpy(-step, ap, r);
        let rs_new = dot(r, r);
        let beta = rs_new / rs;
        for (pi, ri) in p.iter_mut().zip(r.iter()) {
            *pi = ri + beta * *pi;
        }
        rs = rs_new;
    }
}

/// Solves every row of `solve` against the fixed side `fixed`.
fn half_step(solve: &mut [f32], fixed: &[f32], rows: &Csr, p: &IalsParams) {
    let k = p.factors;
    let g = gram(fixed, k, p.lambda);
    solve.par_chunks_mut(k).enumerate().for_each_init(
        || Scratch {
            r: vec![0f32; k],
            p: vec![0f32; k],
            ap: vec![0f32; k],
        },
        |s, (u, x)| cg_solve(x, rows.row(u), fixed, &g, p.alpha, p.cg_steps, s),
    );
}

impl IalsModel {
    /// Fits on who rated what in `ratings` (stars ignored); `progress` counts iterations.
    pub fn fit(
        ratings: &[Rating],
        n_users: usize,
        n_items: usize,
        params: &IalsParams,
        progress: Option<&ProgressBar>,
    ) -> Result<Self> {
        let valid = params.factors > 0
            && params.iterations > 0
            && params.lambda.is_finite()
            && params.lambda > 0.0
            && params.alpha.is_finite()
            && params.alpha >= 0.0;
        if !valid {
            bail!("iALS needs factors and iterations > 0, lambda > 0 and alpha >= 0: {params:?}");
        }
        let k = params.factors;
        let by_user = Csr::from_pairs(ratings.iter().map(|r| (r.user, r.item)), n_users);
        let by_item = by_user.transpose(n_items);
        let mut rng = StdRng::seed_from_u64(params.seed);
        let scale = 0.1 / (k as f32).sqrt();
        let mut items: Vec<f32> = (0..n_items * k)
            .map(|_| rng.gen_range(-scale..scale))
            .collect();
        let mut users = vec![0f32; n_users * k];
        for _ in 0..params.iterations {
            half_step(&mut users, &items, &by_user, params);
            half_step(&mut items, &users, &by_item, params);
            if let Some(p) = progress {
                p.inc(1);
            }
        }
        Ok(IalsModel {
            params: *params,
            solve: Solve::Fixed,
            n_items,
            gram: gram(&items, k, params.lambda),
            items,
        })
    }

    /// A model from item vectors trained elsewhere (row-major, `n_items` × `params.factors`).
    pub fn from_item_factors(
        params: IalsParams,
        solve: Solve,
        n_items: usize,
        items: Vec<f32>,
    ) -> Result<Self> {
        if params.factors == 0 || items.len() != n_items * params.factors {
            bail!(
                "{} numbers are not {n_items} items of {} factors",
                items.len(),
                params.factors
            );
        }
        let lambda = match solve {
            Solve::Fixed => params.lambda,
            Solve::PerRating => 0.0,
        };
        Ok(IalsModel {
            params,
            solve,
            n_items,
            gram: gram(&items, params.factors, lambda),
            items,
        })
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    fn item(&self, i: usize) -> &[f32] {
        let k = self.params.factors;
        &self.items[i * k..(i + 1) * k]
    }

    /// The Cholesky factor of a new user's system and its right-hand side, from `rated`
    /// (item, weight): a weight scales that pair's extra confidence.
    fn system(&self, rated: &[(usize, f32)]) -> (Vec<f32>, Vec<f32>) {
        let k = self.params.factors;
        let alpha = self.params.alpha;
        let mut a = self.gram.clone();
        if self.solve == Solve::PerRating {
            let n = rated.iter().filter(|p| p.0 < self.n_items).count().max(1);
            for d in 0..k {
                a[d * k + d] += self.params.lambda * n as f32;
            }
        }
        let mut b = vec![0f32; k];
        for &(i, w) in rated.iter().filter(|p| p.0 < self.n_items) {
            let yi = self.item(i);
            for (r, &yr) in yi.iter().enumerate() {
                axpy(alpha * w * yr, yi, &mut a[r * k..(r + 1) * k]);
            }
            axpy(1.0 + alpha * w, yi, &mut b);
        }
        cholesky(&mut a, k);
        (a, b)
    }

    /// A new user's vector: the exact solve for `rated` (item, weight).
    fn user_vector(&self, rated: &[(usize, f32)]) -> Vec<f32> {
        let (l, mut b) = self.system(rated);
        cholesky_solve(&l, &mut b);
        b
    }

    /// The score of every item for a user who rated `rated` (item rows).
    pub fn scores(&self, rated: &[usize]) -> Vec<f32> {
        let weighted: Vec<(usize, f32)> = rated.iter().map(|&i| (i, 1.0)).collect();
        self.weighted_scores(&weighted)
    }

    /// As `scores`, each rated item's confidence scaled by its weight.
    pub fn weighted_scores(&self, rated: &[(usize, f32)]) -> Vec<f32> {
        let x = self.user_vector(rated);
        self.items
            .chunks_exact(self.params.factors)
            .map(|y| dot(y, &x))
            .collect()
    }

    /// Of the `rated` items, the one that adds most to `item`'s score: with A x = Σ c_i y_i,
    /// item's score is Σ_i c_i·y_iᵀA⁻¹y_item, so each rated i adds c_i·y_i·(A⁻¹y_item).
    pub fn strongest_source(&self, rated: &[usize], item: usize) -> Option<usize> {
        if item >= self.n_items {
            return None;
        }
        let weighted: Vec<(usize, f32)> = rated.iter().map(|&i| (i, 1.0)).collect();
        let (l, _) = self.system(&weighted);
        let mut v = self.item(item).to_vec();
        cholesky_solve(&l, &mut v);
        rated
            .iter()
            .filter(|&&i| i < self.n_items && i != item)
            .map(|&i| (i, dot(self.item(i), &v)))
            .filter(|p| p.1 > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|p| p.0)
    }
}

/// In place: the lower triangle of `a` (k × k, symmetric positive definite) becomes L, A = LLᵀ.
fn cholesky(a: &mut [f32], k: usize) {
    for j in 0..k {
        for i in 0..j {
            let s = dot(&a[j * k..j * k + i], &a[i * k..i * k + i]);
            a[j * k + i] = (a[j * k + i] - s) / a[i * k + i];
        }
        let s = dot(&a[j * k..j * k + j], &a[j * k..j * k + j]);
        a[j * k + j] = (a[j * k + j] - s).max(1e-9).sqrt();
    }
}

/// Solves L Lᵀ x = b in place.
fn cholesky_solve(l: &[f32], b: &mut [f32]) {
    let k = b.len();
    for i in 0..k {
        let s = dot(&l[i * k..i * k + i], &b[..i]);
        b[i] = (b[i] - s) / l[i * k + i];
    }
    for i in (0..k).rev() {
        let s: f32 = (i + 1..k).map(|t| l[t * k + i] * b[t]).sum();
        b[i] = (b[i] - s) / l[i * k + i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::collab::seen as rating;

    #[test]
    fn rows_are_sorted_and_deduplicated() {
        let csr = Csr::from_pairs([(1, 5), (0, 2), (1, 3), (1, 5), (0, 2)].into_iter(), 3);
        assert_eq!(csr.row(0), &[2]);
        assert_eq!(csr.row(1), &[3, 5]);
        assert!(csr.row(2).is_empty());
        let t = csr.transpose(6);
        assert_eq!(t.row(5), &[1]);
        assert_eq!(t.row(2), &[0]);
    }

    #[test]
    fn cholesky_solves_a_small_system() {
        let a = vec![4.0f32, 2.0, 0.0, 2.0, 5.0, 1.0, 0.0, 1.0, 3.0];
        let mut l = a.clone();
        cholesky(&mut l, 3);
        let mut x = vec![1.0f32, 2.0, 3.0];
        cholesky_solve(&l, &mut x);
        for r in 0..3 {
            let v: f32 = (0..3).map(|c| a[r * 3 + c] * x[c]).sum();
            assert!((v - [1.0, 2.0, 3.0][r]).abs() < 1e-4, "{x:?}");
        }
    }

    /// CG from zero with k steps solves a k-dimensional system exactly (up to rounding).
    #[test]
    fn conjugate_gradient_matches_the_exact_solve() {
        let data: Vec<Rating> = (0..30u32)
            .flat_map(|u| [(u, u % 7), (u, (u * 3) % 11), (u, 12)])
            .map(|(u, i)| rating(u, i))
            .collect();
        let params = IalsParams {
            factors: 4,
            iterations: 3,
            ..Default::default()
        };
        let model = IalsModel::fit(&data, 30, 13, &params, None).unwrap();
        let rated = [2usize, 5, 12];
        let exact = model.user_vector(&rated.map(|i| (i, 1.0)));
        let mut x = vec![0f32; 4];
        let ids: Vec<u32> = rated.iter().map(|&i| i as u32).collect();
        let mut s = Scratch {
            r: vec![0.0; 4],
            p: vec![0.0; 4],
            ap: vec![0.0; 4],
        };
        cg_solve(
            &mut x,
            &ids,
            &model.items,
            &model.gram,
            params.alpha,
            4,
            &mut s,
        );
        for (a, b) in x.iter().zip(&exact) {
            assert!((a - b).abs() < 1e-3 * (1.0 + b.abs()), "{x:?} {exact:?}");
        }
    }

    #[test]
    fn items_rated_together_score_each_other() {
        // Two groups of users: items 0-2 go together, items 3-5 go together.
        let mut data = Vec::new();
        for u in 0..40u32 {
            let base = if u < 20 { 0 } else { 3 };
            for i in 0..3 {
                if (u + i) % 4 != 0 {
                    data.push(rating(u, base + i));
                }
            }
        }
        // Two factors: room for the two groups, not for each item on its own.
        let params = IalsParams {
            factors: 2,
            iterations: 10,
            lambda: 1.0,
            ..Default::default()
        };
        let model = IalsModel::fit(&data, 40, 6, &params, None).unwrap();
        let s = model.scores(&[0]);
        assert!(s[1] > s[3] + 0.2 && s[2] > s[4] + 0.2, "{s:?}");
        assert_eq!(model.strongest_source(&[0, 4], 1), Some(0));
        assert_eq!(model.strongest_source(&[0, 4], 5), Some(4));
    }

    #[test]
    fn bad_parameters_are_refused() {
        let data = vec![rating(0, 0)];
        let params = IalsParams {
            lambda: 0.0,
            ..Default::default()
        };
        assert!(IalsModel::fit(&data, 1, 1, &params, None).is_err());
    }
}
