//! EASE^R (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): a linear
//! item-to-item model on the binary matrix X of who rated what (any star counts),
//!
//!   B = I − P·diag(1/diag P),  P = (XᵀX + λI)⁻¹,  diag B = 0,
//!
//! scoring a user who rated the set S as s_j = Σ_{i∈S} B_ij. A user the model never saw needs no
//! fitting: their rated set is all it reads, so fold-in is free.
//!
//! The model is kept in whichever form is smaller for the data:
//! - items form (items ≤ users): B itself, items × items.
//! - users form (users < items), through the Woodbury identity: P = (I − XᵀMX)/λ with
//!   M = (λI + XXᵀ)⁻¹, a users × users inverse. With z = Σ_{i∈S} x_i (x_i: the users who rated i)
//!   and w = Mz, s_j = (x_jᵀw − [j∈S]·x_jᵀMx_j) / (1 − x_jᵀMx_j).
//!
//! Both forms hold a dense matrix of the smaller side, so `fit` refuses data whose smaller side
//! exceeds `MAX_DENSE`.

use crate::dataset::Rating;
use anyhow::{bail, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Largest side of the dense matrix the model may hold (8,000² f64 while fitting: 512 MB).
pub const MAX_DENSE: usize = 8_000;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EaseModel {
    pub lambda: f32,
    n_items: usize,
    form: Form,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Form {
    /// B, row-major items × items.
    Items { b: Vec<f32> },
    /// M = (λI + XXᵀ)⁻¹ row-major users × users, the users of each item, and 1 − x_jᵀMx_j.
    Users {
        n_users: usize,
        m: Vec<f32>,
        item_users: Vec<Vec<u32>>,
        denominators: Vec<f32>,
    },
}

/// Distinct items of each user and distinct users of each item.
fn incidence(ratings: &[Rating], n_users: usize, n_items: usize) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let mut user_items = vec![Vec::new(); n_users];
    for r in ratings {
        user_items[r.user as usize].push(r.item);
    }
    let mut item_users = vec![Vec::new(); n_items];
    for (u, items) in user_items.iter_mut().enumerate() {
        items.sort_unstable();
        items.dedup();
        for &i in items.iter() {
            item_users[i as usize].push(u as u32);
        }
    }
    (user_items, item_users)
}

/// The Gram matrix of a set of 0/1 vectors given as index lists, plus λ on the diagonal.
fn gram(lists: &[Vec<u32>], dim: usize, lambda: f64) -> Vec<f64> {
    let mut g = vec![0f64; dim * dim];
    for list in lists {
        for &a in list {
            let row = &mut g[a as usize * dim..(a as usize + 1) * dim];
            for &b in list {
                row[b as usize] += 1.0;
            }
        }
    }
    for d in 0..dim {
        g[d * dim + d] += lambda;
    }
    g
}

impl EaseModel {
    /// Fits the model on `ratings` (dense users and items) with regularisation `lambda`.
    pub fn fit(ratings: &[Rating], n_users: usize, n_items: usize, lambda: f32) -> Result<Self> {
        if n_users.min(n_items) > MAX_DENSE {
            bail!(
                "EASE^R needs a dense {0}×{0} matrix for {n_users} users and {n_items} items; \
                 more than {MAX_DENSE} on the smaller side is not supported",
                n_users.min(n_items)
            );
        }
        let (user_items, item_users) = incidence(ratings, n_users, n_items);
        let form = if n_items <= n_users {
            let p = spd_inverse(gram(&user_items, n_items, lambda as f64), n_items);
            let mut b = vec![0f32; n_items * n_items];
            b.par_chunks_mut(n_items).enumerate().for_each(|(i, row)| {
                for (j, v) in row.iter_mut().enumerate() {
                    if i != j {
                        *v = (-p[i * n_items + j] / p[j * n_items + j]) as f32;
                    }
                }
            });
            Form::Items { b }
        } else {
            let m = spd_inverse(gram(&item_users, n_users, lambda as f64), n_users);
            let denominators = item_users
                .iter()
                .map(|users| {
                    let mut quad = 0f64;
                    for &a in users {
                        for &b in users {
                            quad += m[a as usize * n_users + b as usize];
                        }
                    }
                    (1.0 - quad) as f32
                })
                .collect();
            Form::Users {
                n_users,
                m: m.into_iter().map(|v| v as f32).collect(),
                item_users,
                denominators,
            }
        };
        Ok(EaseModel {
            lambda,
            n_items,
            form,
        })
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    /// The score of every item for a user who rated `rated` (item rows; stars are ignored).
    pub fn scores(&self, rated: &[usize]) -> Vec<f32> {
        let weighted: Vec<(usize, f32)> = rated.iter().map(|&i| (i, 1.0)).collect();
        self.weighted_scores(&weighted)
    }

    /// As `scores`, with each rated item counting `weight` times: s_j = Σ_i w_i·B_ij.
    pub fn weighted_scores(&self, rated: &[(usize, f32)]) -> Vec<f32> {
        let n = self.n_items;
        let mut s = vec![0f32; n];
        let rated = rated.iter().filter(|p| p.0 < n);
        match &self.form {
            Form::Items { b } => {
                for &(i, w) in rated {
                    for (acc, v) in s.iter_mut().zip(&b[i * n..(i + 1) * n]) {
                        *acc += w * v;
                    }
                }
            }
            Form::Users {
                n_users,
                m,
                item_users,
                denominators,
            } => {
                let u = *n_users;
                let mut z = vec![0f32; u];
                for &(i, w) in rated.clone() {
                    for &a in &item_users[i] {
                        z[a as usize] += w;
                    }
                }
                let touched: Vec<usize> = (0..u).filter(|&a| z[a] != 0.0).collect();
                let mz: Vec<f32> = m
                    .par_chunks(u)
                    .map(|row| touched.iter().map(|&a| row[a] * z[a]).sum())
                    .collect();
                for (j, users) in item_users.iter().enumerate() {
                    s[j] = users.iter().map(|&a| mz[a as usize]).sum::<f32>();
                }
                for &(i, w) in rated {
                    // x_iᵀMx_i = 1 − denominator: the item's own part, which B's zero diagonal drops.
                    s[i] -= w * (1.0 - denominators[i]);
                }
                for (v, d) in s.iter_mut().zip(denominators) {
                    *v /= d.max(1e-6);
                }
            }
        }
        s
    }
}

impl EaseModel {
    /// Of the `rated` items, the one that adds most to `item`'s score (its B entry).
    pub fn strongest_source(&self, rated: &[usize], item: usize) -> Option<usize> {
        let n = self.n_items;
        if item >= n {
            return None;
        }
        // B_i,item for each rated i, up to the positive factor 1/(1 − x_itemᵀMx_item) in the
        // users form: x_iᵀ(M x_item), with M x_item computed once.
        let weights: Vec<(usize, f32)> = match &self.form {
            Form::Items { b } => rated
                .iter()
                .filter(|&&i| i < n)
                .map(|&i| (i, b[i * n + item]))
                .collect(),
            Form::Users {
                n_users,
                m,
                item_users,
                ..
            } => {
                let mut v = vec![0f32; *n_users];
                for &a in &item_users[item] {
                    for (acc, x) in v
                        .iter_mut()
                        .zip(&m[a as usize * n_users..(a as usize + 1) * n_users])
                    {
                        *acc += x;
                    }
                }
                rated
                    .iter()
                    .filter(|&&i| i < n)
                    .map(|&i| (i, item_users[i].iter().map(|&a| v[a as usize]).sum()))
                    .collect()
            }
        };
        weights
            .into_iter()
            .filter(|&(i, w)| i != item && w > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|p| p.0)
    }
}

/// The inverse of a symmetric positive definite matrix (row-major, `n` × `n`) by Cholesky.
fn spd_inverse(mut a: Vec<f64>, n: usize) -> Vec<f64> {
    // A = L Lᵀ, L in the lower triangle.
    for j in 0..n {
        let (done, rest) = a.split_at_mut(j * n);
        let row_j = &mut rest[..n];
        for k in 0..j {
            let row_k = &done[k * n..k * n + n];
            let s: f64 = row_j[..k].iter().zip(&row_k[..k]).map(|(x, y)| x * y).sum();
            row_j[k] = (row_j[k] - s) / row_k[k];
        }
        let s: f64 = row_j[..j].iter().map(|x| x * x).sum();
        row_j[j] = (row_j[j] - s).max(1e-12).sqrt();
    }
    // Column k of A⁻¹ solves L Lᵀ x = e_k; the columns are independent.
    let columns: Vec<Vec<f64>> = (0..n)
        .into_par_iter()
        .map(|k| {
            let mut y = vec![0f64; n];
            for i in k..n {
                let row = &a[i * n..i * n + n];
                let s: f64 = (k..i).map(|t| row[t] * y[t]).sum();
                y[i] = (if i == k { 1.0 } else { 0.0 } - s) / row[i];
            }
            for i in (0..n).rev() {
                let s: f64 = (i + 1..n).map(|t| a[t * n + i] * y[t]).sum();
                y[i] = (y[i] - s) / a[i * n + i];
            }
            y
        })
        .collect();
    let mut inv = vec![0f64; n * n];
    for (k, col) in columns.into_iter().enumerate() {
        for (i, v) in col.into_iter().enumerate() {
            inv[i * n + k] = v;
        }
    }
    inv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::collab::seen as rating;

    #[test]
    fn inverts_a_small_matrix() {
        let a = vec![4.0, 2.0, 0.0, 2.0, 5.0, 1.0, 0.0, 1.0, 3.0];
        let inv = spd_inverse(a.clone(), 3);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-9, "{inv:?}");
            }
        }
    }

    /// Both forms are the same model: the users form must score exactly like the items form.
    #[test]
    fn the_users_form_scores_like_the_items_form() {
        // 4 users, 6 items: users < items, so `fit` picks the users form.
        let data: Vec<Rating> = [
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 1),
            (1, 2),
            (1, 3),
            (2, 3),
            (2, 4),
        ]
        .into_iter()
        .chain([(3, 0), (3, 4), (3, 5), (2, 5)])
        .map(|(u, i)| rating(u, i))
        .collect();
        let users = EaseModel::fit(&data, 4, 6, 2.0).unwrap();
        assert!(matches!(users.form, Form::Users { .. }));
        // The same data with 7 users (one who rated nothing) and B built directly.
        let (user_items, _) = incidence(&data, 7, 6);
        let p = spd_inverse(gram(&user_items, 6, 2.0), 6);
        for rated in [vec![0usize], vec![1, 3], vec![0, 4, 5]] {
            let got = users.scores(&rated);
            for j in 0..6 {
                let want: f64 = rated
                    .iter()
                    .filter(|&&i| i != j)
                    .map(|&i| -p[i * 6 + j] / p[j * 6 + j])
                    .sum();
                assert!(
                    (got[j] as f64 - want).abs() < 1e-4,
                    "{rated:?} j={j}: {got:?}"
                );
            }
        }
        // Weights scale each rated item's contribution, in both forms.
        let w = [(1usize, 2.0f32), (3, 0.5)];
        let got = users.weighted_scores(&w);
        for j in 0..6 {
            let want: f64 = w
                .iter()
                .filter(|&&(i, _)| i != j)
                .map(|&(i, x)| -x as f64 * p[i * 6 + j] / p[j * 6 + j])
                .sum();
            assert!((got[j] as f64 - want).abs() < 1e-4, "j={j}: {got:?}");
        }
        let items = EaseModel::fit(&data, 7, 6, 2.0).unwrap();
        let via_items = items.weighted_scores(&w);
        for j in 0..6 {
            assert!(
                (via_items[j] - got[j]).abs() < 1e-4,
                "{via_items:?} {got:?}"
            );
        }
        assert!(matches!(items.form, Form::Items { .. }));
        for rated in [vec![0usize], vec![1, 3]] {
            let (a, b) = (users.scores(&rated), items.scores(&rated));
            for j in 0..6 {
                assert!((a[j] - b[j]).abs() < 1e-4, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn the_strongest_source_is_the_item_rated_alongside() {
        let mut data = Vec::new();
        for u in 0..10 {
            data.extend([rating(u, 0), rating(u, 1)]);
            data.extend([rating(u + 10, 2), rating(u + 10, 3)]);
        }
        // Users form (20 users < 30 items) and items form (40 users > 4 items).
        for (users, items) in [(20, 30), (40, 4)] {
            let model = EaseModel::fit(&data, users, items, 1.0).unwrap();
            assert_eq!(model.strongest_source(&[0, 2], 1), Some(0));
            assert_eq!(model.strongest_source(&[0, 2], 3), Some(2));
            assert_eq!(model.strongest_source(&[2], 1), None);
        }
    }

    #[test]
    fn items_rated_together_score_each_other() {
        // Items 0 and 1 always go together; item 2 never with them.
        let mut data = Vec::new();
        for u in 0..20 {
            data.push(rating(u, 0));
            data.push(rating(u, 1));
            data.push(rating(u + 20, 2));
        }
        let model = EaseModel::fit(&data, 40, 3, 1.0).unwrap();
        let s = model.scores(&[0]);
        assert!(s[1] > 0.5 && s[2].abs() < 1e-3, "{s:?}");
    }
}
