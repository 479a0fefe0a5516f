//! Synthetic ratings that look like MovieLens, for benchmarks: long-tailed user and item
//! activity (a few users rate thousands of movies, most rate tens), half-star values from a
//! hidden taste model, reproducible from a seed.

use crate::dataset::{Rating, Ratings};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

/// `n` ratings over about n/150 users and n/400 items (the shape of ML-25M).
pub fn synthetic_ratings(n: usize, seed: u64) -> Ratings {
    let n_users = (n / 150).max(10);
    let n_items = (n / 400).max(10);
    let chunk = 1 << 16;
    let entries: Vec<Rating> = (0..n.div_ceil(chunk))
        .into_par_iter()
        .flat_map_iter(|c| {
            let mut rng =
                StdRng::seed_from_u64(seed ^ (c as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let len = chunk.min(n - c * chunk);
            (0..len).map(move |_| {
                // Power-law draws: low indices are the heavy raters and the blockbusters.
                let u = ((n_users as f64) * rng.gen::<f64>().powf(2.2)) as usize;
                let i = ((n_items as f64) * rng.gen::<f64>().powf(3.0)) as usize;
                let taste = ((u * 31 + i * 17) % 7) as f32 / 6.0 - 0.5; // -0.5..0.5
                let quality = 0.8 * (1.0 - i as f32 / n_items as f32);
                let noise: f32 = rng.gen_range(-1.0..1.0);
                let stars = (3.0 + taste * 2.0 + quality + noise).clamp(0.5, 5.0);
                Rating {
                    user: u.min(n_users - 1) as u32,
                    item: i.min(n_items - 1) as u32,
                    value: (stars * 2.0).round() / 2.0,
                    timestamp: 0,
                }
            })
        })
        .collect();
    Ratings {
        user_ids: (1..=n_users as u32).collect(),
        entries,
        n_items,
    }
}
