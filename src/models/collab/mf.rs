//! Biased matrix factorisation (Funk/Koren SVD): r̂(u,i) = μ + b_u + b_i + p_u·q_i, trained by
//! SGD.
//!
//! Parallel and still reproducible: users and items are split into `BLOCKS` groups each, and in
//! every sub-epoch the blocks on one diagonal (no two sharing a user or an item group) are
//! trained at the same time (DSGD). Each block's order comes from the seed alone, so the result
//! does not depend on the number of threads.

use crate::dataset::Rating;
use indicatif::ProgressBar;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_distr_normal::sample_normal;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const BLOCKS: usize = 8;

/// Training settings. The defaults were tuned by 5-fold CV on ml-latest-small (see README).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MfParams {
    pub factors: usize,
    pub epochs: usize,
    pub learning_rate: f32,
    /// Regularisation of the latent factors.
    pub regularization: f32,
    /// Regularisation of the biases.
    pub bias_regularization: f32,
    /// Multiplies the learning rate after each epoch.
    pub decay: f32,
    pub init_std: f32,
    pub seed: u64,
}

impl Default for MfParams {
    fn default() -> Self {
        MfParams {
            factors: 100,
            epochs: 40,
            learning_rate: 0.02,
            regularization: 0.06,
            bias_regularization: 0.02,
            decay: 0.96,
            init_std: 0.05,
            seed: 42,
        }
    }
}

/// A trained model. Factors are row-major: `item_factors[i*k..(i+1)*k]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MfModel {
    pub factors: usize,
    pub global_mean: f32,
    pub user_bias: Vec<f32>,
    pub item_bias: Vec<f32>,
    pub user_factors: Vec<f32>,
    pub item_factors: Vec<f32>,
    pub params: MfParams,
}

/// A user's bias and latent vector, trained or folded in.
#[derive(Debug, Clone, PartialEq)]
pub struct UserVector {
    pub bias: f32,
    pub factors: Vec<f32>,
}

mod rand_distr_normal {
    use rand::Rng;
    /// Box-Muller: one N(0, std²) sample.
    pub(crate) fn sample_normal(rng: &mut impl Rng, std: f32) -> f32 {
        let u1: f32 = rng.gen_range(f32::EPSILON..1.0);
        let u2: f32 = rng.gen();
        std * (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
    }
}

/// Pointer to factor storage shared by the threads of one sub-epoch; each thread only touches
/// the rows of its own user and item groups.
#[derive(Clone, Copy)]
struct Shared(*mut f32);
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight lanes so the compiler vectorises the sum.
    let mut acc = [0f32; 8];
    let chunks = a.len() / 8;
    for c in 0..chunks {
        for l in 0..8 {
            acc[l] += a[c * 8 + l] * b[c * 8 + l];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for j in chunks * 8..a.len() {
        s += a[j] * b[j];
    }
    s
}

impl MfModel {
    pub(crate) fn n_items(&self) -> usize {
        self.item_bias.len()
    }

    pub(crate) fn item(&self, i: usize) -> &[f32] {
        &self.item_factors[i * self.factors..(i + 1) * self.factors]
    }

    pub(crate) fn user(&self, u: usize) -> UserVector {
        UserVector {
            bias: self.user_bias[u],
            factors: self.user_factors[u * self.factors..(u + 1) * self.factors].to_vec(),
        }
    }

    /// Predicted rating of item `i` for a user vector, clamped to the MovieLens scale.
    pub fn predict_with(&self, user: &UserVector, i: usize) -> f32 {
        let raw =
            self.global_mean + user.bias + self.item_bias[i] + dot(&user.factors, self.item(i));
        raw.clamp(0.5, 5.0)
    }

    /// Predicted rating for a trained user.
    pub fn predict(&self, u: usize, i: usize) -> f32 {
        let k = self.factors;
        let raw = self.global_mean
            + self.user_bias[u]
            + self.item_bias[i]
            + dot(&self.user_factors[u * k..(u + 1) * k], self.item(i));
        raw.clamp(0.5, 5.0)
    }

    /// Trains on `ratings`; `progress`, when given, advances one step per epoch.
    pub fn train(
        ratings: &[Rating],
        n_users: usize,
        n_items: usize,
        params: &MfParams,
        progress: Option<&ProgressBar>,
    ) -> MfModel {
        let k = params.factors;
        let mut rng = StdRng::seed_from_u64(params.seed);
        let global_mean = if ratings.is_empty() {
            0.0
        } else {
            (ratings.iter().map(|r| r.value as f64).sum::<f64>() / ratings.len() as f64) as f32
        };
        let mut user_factors: Vec<f32> = (0..n_users * k)
            .map(|_| sample_normal(&mut rng, params.init_std))
            .collect();
        let mut item_factors: Vec<f32> = (0..n_items * k)
            .map(|_| sample_normal(&mut rng, params.init_std))
            .collect();
        let mut user_bias = vec![0f32; n_users];
        let mut item_bias = vec![0f32; n_items];

        // Random (seeded) group of every user and item, then the ratings of each block.
        let user_group: Vec<u8> = (0..n_users)
            .map(|_| rng.gen_range(0..BLOCKS) as u8)
            .collect();
        let item_group: Vec<u8> = (0..n_items)
            .map(|_| rng.gen_range(0..BLOCKS) as u8)
            .collect();
        let mut blocks: Vec<Vec<(u32, u32, f32)>> = vec![Vec::new(); BLOCKS * BLOCKS];
        for r in ratings {
            let b = user_group[r.user as usize] as usize * BLOCKS
                + item_group[r.item as usize] as usize;
            blocks[b].push((r.user, r.item, r.value));
        }
        // Each block is shuffled once (seeded, in parallel) and visited in that order every
        // epoch: a fresh permutation per epoch cost more time than it gained accuracy.
        let block_seeds: Vec<u64> = (0..BLOCKS * BLOCKS).map(|_| rng.gen()).collect();
        // Within a block, one user's ratings are visited together (the user's row stays in
        // cache), users in a random order and each user's items shuffled.
        let user_rank: Vec<u32> = {
            let mut order: Vec<u32> = (0..n_users as u32).collect();
            order.shuffle(&mut rng);
            let mut rank = vec![0u32; n_users];
            for (pos, &u) in order.iter().enumerate() {
                rank[u as usize] = pos as u32;
            }
            rank
        };
        blocks
            .par_iter_mut()
            .zip(block_seeds.par_iter())
            .for_each(|(block, seed)| {
                block.shuffle(&mut StdRng::seed_from_u64(*seed));
                block.sort_by_key(|r| user_rank[r.0 as usize]);
            });

        let mut lr = params.learning_rate;
        for _epoch in 0..params.epochs {
            let pu = Shared(user_factors.as_mut_ptr());
            let qi = Shared(item_factors.as_mut_ptr());
            let bu = Shared(user_bias.as_mut_ptr());
            let bi = Shared(item_bias.as_mut_ptr());
            for shift in 0..BLOCKS {
                (0..BLOCKS).into_par_iter().for_each(|g| {
                    let block = &blocks[g * BLOCKS + (g + shift) % BLOCKS];
                    // SAFETY: blocks on one diagonal share no user group and no item group,
                    // so no two threads touch the same rows.
                    unsafe { sgd_block(block, k, global_mean, lr, params, pu, qi, bu, bi) };
                });
            }
            lr *= params.decay;
            if let Some(p) = progress {
                p.inc(1);
            }
        }
        MfModel {
            factors: k,
            global_mean,
            user_bias,
            item_bias,
            user_factors,
            item_factors,
            params: *params,
        }
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn sgd_block(
    block: &[(u32, u32, f32)],
    k: usize,
    mu: f32,
    lr: f32,
    params: &MfParams,
    pu: Shared,
    qi: Shared,
    bu: Shared,
    bi: Shared,
) {
    let reg = params.regularization;
    let reg_b = params.bias_regularization;
    for &(u, i, r) in block {
        let (u, i) = (u as usize, i as usize);
        let p = std::slice::from_raw_parts_mut(pu.0.add(u * k), k);
        let q = std::slice::from_raw_parts_mut(qi.0.add(i * k), k);
        let b_u = &mut *bu.0.add(u);
        let b_i = &mut *bi.0.add(i);
        let err = r - (mu + *b_u + *b_i + dot(p, q));
        *b_u += lr * (err - reg_b * *b_u);
        *b_i += lr * (err - reg_b * *b_i);
        for f in 0..k {
            let (pf, qf) = (p[f], q[f]);
            p[f] += lr * (err * qf - reg * pf);
            q[f] += lr * (err * pf - reg * qf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Vec<Rating> {
        // Two tastes: users 0-9 like items 0-4, users 10-19 like items 5-9.
        let mut out = Vec::new();
        for u in 0..20u32 {
            for i in 0..10u32 {
                if (u + i) % 3 == 0 {
                    continue; // leave holes to predict
                }
                let likes = (u < 10) == (i < 5);
                out.push(Rating {
                    user: u,
                    item: i,
                    value: if likes { 4.5 } else { 1.5 },
                    timestamp: 0,
                });
            }
        }
        out
    }

    #[test]
    fn learns_two_tastes_and_is_reproducible() {
        let data = toy();
        let params = MfParams {
            factors: 8,
            epochs: 300,
            learning_rate: 0.02,
            decay: 1.0,
            ..MfParams::default()
        };
        let a = MfModel::train(&data, 20, 10, &params, None);
        let b = MfModel::train(&data, 20, 10, &params, None);
        assert_eq!(a.user_factors, b.user_factors, "same seed, same model");
        // (0, 0) was held out: user 0 likes items 0-4
        assert!(a.predict(0, 0) > 3.5, "{}", a.predict(0, 0));
        assert!(a.predict(0, 6) < 2.5, "{}", a.predict(0, 6));
    }
}
