//! Ranking: leave-one-out of each user's latest rating; HR@10 and NDCG@10 against 99 sampled
//! unrated movies (the NCF protocol), and Recall@20 and NDCG@20 over all unrated movies, for
//! every model. Every model is fitted on the training part only.

use super::Setup;
use crate::dataset::{Catalog, Rating, Ratings};
use crate::models::collab::fold_in::{fold_in, DEFAULT_FOLD_IN_REG};
use crate::models::collab::{tune, ImplicitModel, ImplicitPart, MfModel};
use crate::models::holdout::{leave_latest_out, ndcg_at};
use crate::models::hybrid::{self, BlendParams, Model, Profile, Signals};
use crate::models::popularity;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};

/// How well one model ranked each user's held-out movie, averaged over users.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ranks {
    /// Hit rate in the top 10 of the held-out movie and 99 sampled ones.
    pub hr10: f64,
    /// NDCG@10 among the same 100.
    pub ndcg10: f64,
    /// Recall@20 over every unrated movie.
    pub recall20: f64,
    /// NDCG@20 over every unrated movie.
    pub ndcg20: f64,
}

impl Ranks {
    /// The held-out movie's rank among the 100 sampled (`sampled`) and among all (`full`).
    fn of(sampled: usize, full: usize) -> Self {
        Ranks {
            hr10: (sampled < 10) as u8 as f64,
            ndcg10: ndcg_at(sampled, 10),
            recall20: (full < 20) as u8 as f64,
            ndcg20: ndcg_at(full, 20),
        }
    }

    fn add(&mut self, other: &Ranks) {
        self.hr10 += other.hr10;
        self.ndcg10 += other.ndcg10;
        self.recall20 += other.recall20;
        self.ndcg20 += other.ndcg20;
    }

    fn divided(self, n: f64) -> Self {
        Ranks {
            hr10: self.hr10 / n,
            ndcg10: self.ndcg10 / n,
            recall20: self.recall20 / n,
            ndcg20: self.ndcg20 / n,
        }
    }
}

/// What the ranking protocol measured.
pub(super) struct RankingReport {
    pub metrics: BTreeMap<Model, Ranks>,
    /// Per model: how its top 20s look beyond accuracy.
    pub beyond: BTreeMap<Model, Beyond>,
    pub users: usize,
    /// EASE^R's λ, chosen on a validation split cut from the training part.
    pub ease_lambda: Option<f32>,
    /// The hybrid's implicit part, described.
    pub implicit: Option<String>,
}

/// Every model after leave-latest-out, the hybrid with the blend of `setup`.
pub(super) fn ranking(setup: &Setup) -> RankingReport {
    let run = run(setup, std::slice::from_ref(setup.blend), None);
    let mut metrics = run.models;
    metrics.insert(Model::Hybrid, run.blends[0]);
    let mut beyond = run.beyond;
    beyond.insert(Model::Hybrid, run.blends_beyond[0]);
    RankingReport {
        metrics,
        beyond,
        users: run.users,
        ease_lambda: run.ease_lambda,
        implicit: run.implicit,
    }
}

/// The single models, and the hybrid under each of `blends`, on a validation split cut from
/// the training part of the ranking protocol (its test items are never seen). `back` (1 or
/// more) is how many of each user's latest ratings are dropped first: 1 makes the
/// second-latest the target, 2 the third-latest. With `history: Some(k)` every user is scored
/// from their first k ratings only, as a new member would be (the models still learn from
/// everyone).
pub fn validate_blends(
    setup: &Setup,
    blends: &[BlendParams],
    back: usize,
    history: Option<usize>,
) -> (BTreeMap<Model, Ranks>, Vec<Ranks>) {
    let ratings = setup.ratings;
    let mut train = ratings.entries.clone();
    for _ in 0..back.max(1) {
        train = leave_latest_out(&train, ratings.n_users()).0;
    }
    let train = Ratings {
        user_ids: ratings.user_ids.clone(),
        entries: train,
        n_items: ratings.n_items,
    };
    let run = run(
        &Setup {
            ratings: &train,
            // Imported factors learnt these targets (they were trained without the test cut only).
            item_factors: None,
            ..*setup
        },
        blends,
        history,
    );
    (run.models, run.blends)
}

/// Beyond accuracy, over every user's top 20 of the whole catalog.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Beyond {
    /// Share of the catalog that is in at least one user's top 20.
    pub coverage20: f64,
    /// Mean popularity percentile (by training rating count) of what is recommended: 100 is
    /// the most rated film.
    pub popularity_percentile: f64,
    /// Intra-list diversity: 1 − the genres' Jaccard similarity, averaged over the pairs of
    /// films in a top 20, then over users.
    pub genre_diversity: f64,
}

struct Run {
    /// The single models.
    models: BTreeMap<Model, Ranks>,
    beyond: BTreeMap<Model, Beyond>,
    /// The hybrid under each blend.
    blends: Vec<Ranks>,
    blends_beyond: Vec<Beyond>,
    users: usize,
    ease_lambda: Option<f32>,
    implicit: Option<String>,
}

/// Holds out each user's latest rating, fits every model on the rest, and ranks. With
/// `history: Some(k)`, each user is scored from their first k training ratings (MF folds them
/// in); the candidates still leave out everything they rated.
fn run(setup: &Setup, blends: &[BlendParams], history: Option<usize>) -> Run {
    let (catalog, ratings) = (setup.catalog, setup.ratings);
    let (nu, ni) = (ratings.n_users(), ratings.n_items);
    let (train, test) = leave_latest_out(&ratings.entries, nu);
    let mf = MfModel::train(&train, nu, ni, setup.mf, None);
    // The hybrid's implicit part as the build chooses it; its models alone are rows of their own.
    let implicit = match tune::fit_implicit(&train, nu, ni, setup.item_factors.cloned()) {
        Ok(model) => Some(model),
        Err(e) => {
            log::warn!("the implicit model left out of the evaluation: {e:#}");
            None
        }
    };
    let has = |part| implicit.as_ref().is_some_and(|m| m.has(part));
    let (has_ease, has_ials) = (has(ImplicitPart::Ease), has(ImplicitPart::Ials));
    // Popularity from the training ratings only.
    let mut train_catalog = catalog.clone();
    let train_ratings = Ratings {
        user_ids: ratings.user_ids.clone(),
        entries: train.clone(),
        n_items: ni,
    };
    let stats = popularity::apply(&mut train_catalog, &train_ratings, setup.quantile_of_votes);
    let pop = popularity::blend_scores(&train_catalog, &stats);
    // Per blend, the prior with the audience in it where the blend weighs it.
    let pops: Vec<Vec<f32>> = blends
        .iter()
        .map(|b| match setup.audience {
            Some(a) if b.audience != 0.0 => popularity::with_audience(&pop, a, b.audience),
            _ => pop.clone(),
        })
        .collect();
    // The single models take the plain prior (None), blend k its own (Some(k)).
    let signals_with = |blend: BlendParams, k: Option<usize>| Signals {
        catalog: &train_catalog,
        similarity: setup.similarity,
        mf: &mf,
        implicit: implicit.as_ref(),
        popularity: k.map_or(&pop, |k| &pops[k]),
        params: blend,
    };
    let mut rated: Vec<Vec<(usize, f32)>> = vec![Vec::new(); nu];
    for r in &train {
        rated[r.user as usize].push((r.item as usize, r.value));
    }
    // The single models, then the hybrid under each blend.
    let mut scorers: Vec<(Model, Signals)> = Model::ALL
        .into_iter()
        .filter(|&m| match m {
            Model::Hybrid => false,
            Model::Ease => has_ease,
            Model::Ials => has_ials,
            _ => true,
        })
        .map(|m| (m, signals_with(BlendParams::default(), None)))
        .collect();
    let singles = scorers.len();
    scorers.extend(
        blends
            .iter()
            .enumerate()
            .map(|(k, &b)| (Model::Hybrid, signals_with(b, Some(k)))),
    );
    let per_user: Vec<Vec<(Ranks, Vec<usize>)>> = test
        .par_iter()
        .map(|held| {
            let u = held.user as usize;
            let seen: HashSet<usize> = rated[u].iter().map(|p| p.0).collect();
            let sampled = sampled_candidates(held, &seen, ni, setup.seed);
            let all: Vec<usize> = (0..ni).filter(|j| !seen.contains(j)).collect();
            let (profile_ratings, vector) = match history {
                Some(k) => {
                    let first = &rated[u][..k.min(rated[u].len())];
                    (first, fold_in(&mf, first, DEFAULT_FOLD_IN_REG))
                }
                None => (&rated[u][..], mf.user(u)),
            };
            let profile = Profile {
                ratings: profile_ratings,
                genres: &[],
                vector: Some(&vector),
            };
            scorers
                .iter()
                .map(|(m, signals)| {
                    let (sampled_rank, _) = rank_of(signals, &profile, *m, held, &sampled);
                    let (full_rank, top20) = rank_of(signals, &profile, *m, held, &all);
                    (Ranks::of(sampled_rank, full_rank), top20)
                })
                .collect()
        })
        .collect();
    let mean_of = |k: usize| -> Ranks {
        let mut sum = Ranks::default();
        for u in &per_user {
            sum.add(&u[k].0);
        }
        sum.divided(per_user.len().max(1) as f64)
    };
    let percentile = popularity_percentiles(&train, ni);
    let beyond_of = |k: usize| -> Beyond {
        let lists: Vec<&Vec<usize>> = per_user.iter().map(|u| &u[k].1).collect();
        beyond(&lists, &percentile, &train_catalog)
    };
    Run {
        models: scorers[..singles]
            .iter()
            .enumerate()
            .map(|(k, (model, _))| (*model, mean_of(k)))
            .collect(),
        beyond: scorers[..singles]
            .iter()
            .enumerate()
            .map(|(k, (model, _))| (*model, beyond_of(k)))
            .collect(),
        blends: (singles..scorers.len()).map(mean_of).collect(),
        blends_beyond: (singles..scorers.len()).map(beyond_of).collect(),
        users: per_user.len(),
        ease_lambda: match &implicit {
            Some(ImplicitModel::Ease(e) | ImplicitModel::Both { ease: e, .. }) => Some(e.lambda),
            _ => None,
        },
        implicit: implicit.as_ref().map(ImplicitModel::describe),
    }
}

/// The held-out movie and 99 unrated ones drawn for its user (every unrated movie where the
/// catalog has fewer), the same draw for every model.
fn sampled_candidates(held: &Rating, seen: &HashSet<usize>, ni: usize, seed: u64) -> Vec<usize> {
    let u = held.user as usize;
    let mut rng = StdRng::seed_from_u64(seed ^ (u as u64) << 20);
    let mut sampled = Vec::with_capacity(100);
    let negatives = 99.min(ni.saturating_sub(seen.len() + 1));
    while sampled.len() < negatives {
        let j = rng.gen_range(0..ni);
        if j != held.item as usize && !seen.contains(&j) && !sampled.contains(&j) {
            sampled.push(j);
        }
    }
    sampled.push(held.item as usize);
    sampled
}

/// Where `model` ranks the held-out movie among `rows` (0 = first; ties count against it), and
/// its top 20 of them.
fn rank_of(
    signals: &Signals,
    profile: &Profile,
    model: Model,
    held: &Rating,
    rows: &[usize],
) -> (usize, Vec<usize>) {
    let target_row = held.item as usize;
    let mut scores = hybrid::score_rows(signals, profile, model, rows);
    let target = scores
        .iter()
        .find(|s| s.row == target_row)
        .map(|s| s.score)
        .unwrap_or(f32::MIN);
    let rank = scores
        .iter()
        .filter(|s| s.row != target_row && s.score >= target)
        .count();
    let k = 20.min(scores.len());
    if k > 0 {
        scores.select_nth_unstable_by(k - 1, |a, b| {
            b.score.total_cmp(&a.score).then(a.row.cmp(&b.row))
        });
    }
    (rank, scores[..k].iter().map(|s| s.row).collect())
}

/// Each row's popularity percentile by training rating count: the share of catalog rows rated
/// by fewer people, times 100.
fn popularity_percentiles(train: &[Rating], n_items: usize) -> Vec<f64> {
    let mut counts = vec![0u32; n_items];
    for r in train {
        counts[r.item as usize] += 1;
    }
    let mut sorted = counts.clone();
    sorted.sort_unstable();
    counts
        .iter()
        .map(|c| 100.0 * sorted.partition_point(|x| x < c) as f64 / n_items.max(1) as f64)
        .collect()
}

fn beyond(lists: &[&Vec<usize>], percentile: &[f64], catalog: &Catalog) -> Beyond {
    let distinct: HashSet<usize> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    let shown: usize = lists.iter().map(|l| l.len()).sum();
    let pop: f64 = lists
        .iter()
        .flat_map(|l| l.iter())
        .map(|&r| percentile[r])
        .sum();
    let diversity: f64 = lists
        .iter()
        .map(|l| {
            let mut total = 0.0;
            let mut pairs = 0usize;
            for (a, &x) in l.iter().enumerate() {
                for &y in &l[a + 1..] {
                    let (mx, my) = (catalog.at(x), catalog.at(y));
                    // Two films without genres say nothing about diversity: count 0.
                    if !(mx.genres.is_empty() && my.genres.is_empty()) {
                        total += 1.0 - mx.genre_jaccard(my);
                    }
                    pairs += 1;
                }
            }
            if pairs == 0 {
                0.0
            } else {
                total / pairs as f64
            }
        })
        .sum();
    Beyond {
        coverage20: distinct.len() as f64 / catalog.len().max(1) as f64,
        popularity_percentile: pop / shown.max(1) as f64,
        genre_diversity: diversity / lists.len().max(1) as f64,
    }
}
