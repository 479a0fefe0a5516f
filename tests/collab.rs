//! Matrix factorisation and fold-in on the shipped MovieLens ratings.

use cinesense::dataset::{load_catalog, DataFiles};
use cinesense::dataset::{Rating, Ratings};
use cinesense::models::collab::{fold_in, MfModel, MfParams};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::collections::HashSet;
use std::path::PathBuf;

fn ratings() -> Ratings {
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let files = DataFiles::new(&data.join("movielens-ml-latest-small"), &data).unwrap();
    let catalog = load_catalog(&files).unwrap();
    Ratings::load(&files.movielens, &catalog).unwrap()
}

fn rmse(pairs: &[(f32, f32)]) -> f64 {
    (pairs
        .iter()
        .map(|(p, r)| ((p - r) as f64).powi(2))
        .sum::<f64>()
        / pairs.len() as f64)
        .sqrt()
}

/// Users who were never trained on, folded in from 70% of their ratings, predict the other 30%
/// about as well as the same users trained with the model.
#[test]
fn folded_in_users_predict_like_trained_ones() {
    let data = ratings();
    let mut users: Vec<u32> = (0..data.n_users() as u32).collect();
    users.shuffle(&mut StdRng::seed_from_u64(7));
    let held: HashSet<u32> = users.into_iter().take(60).collect();
    let mut by_user: Vec<Vec<Rating>> = vec![Vec::new(); data.n_users()];
    for r in &data.entries {
        by_user[r.user as usize].push(*r);
    }
    let (mut known, mut test, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for (u, mut list) in by_user.into_iter().enumerate() {
        if !held.contains(&(u as u32)) {
            rest.extend(list);
            continue;
        }
        list.shuffle(&mut StdRng::seed_from_u64(u as u64));
        let cut = list.len() * 7 / 10;
        test.extend_from_slice(&list[cut..]);
        known.extend_from_slice(&list[..cut]);
    }
    let params = MfParams::default();
    let (nu, ni) = (data.n_users(), data.n_items);

    // A: the held-out users' known ratings are part of training.
    let mut train_a = rest.clone();
    train_a.extend_from_slice(&known);
    let a = MfModel::train(&train_a, nu, ni, &params, None);
    let trained: Vec<(f32, f32)> = test
        .iter()
        .map(|r| (a.predict(r.user as usize, r.item as usize), r.value))
        .collect();

    // B: the held-out users are unknown to training and folded in afterwards.
    let b = MfModel::train(&rest, nu, ni, &params, None);
    let mut folded = Vec::new();
    for &u in &held {
        let mine: Vec<(usize, f32)> = known
            .iter()
            .filter(|r| r.user == u)
            .map(|r| (r.item as usize, r.value))
            .collect();
        let v = fold_in(
            &b,
            &mine,
            cinesense::models::collab::fold_in::DEFAULT_FOLD_IN_REG,
        );
        folded.extend(
            test.iter()
                .filter(|r| r.user == u)
                .map(|r| (b.predict_with(&v, r.item as usize), r.value)),
        );
    }
    let global = b.global_mean;
    let baseline: Vec<(f32, f32)> = test.iter().map(|r| (global, r.value)).collect();
    let (rt, rf, rb) = (rmse(&trained), rmse(&folded), rmse(&baseline));
    eprintln!("held-out users: trained RMSE {rt:.4}, folded-in RMSE {rf:.4}, global mean {rb:.4}");
    assert!(
        rf < rb - 0.1,
        "fold-in must beat the global mean by far: {rf} vs {rb}"
    );
    assert!(
        (rf - rt).abs() < 0.03,
        "fold-in {rf} should be close to trained {rt}"
    );
}

#[test]
fn fold_in_of_a_few_ratings_moves_predictions_the_right_way() {
    let data = ratings();
    let model = MfModel::train(
        &data.entries,
        data.n_users(),
        data.n_items,
        &MfParams {
            epochs: 20,
            ..MfParams::default()
        },
        None,
    );
    // Items the model knows well.
    let mut counts = vec![0u32; data.n_items];
    for r in &data.entries {
        counts[r.item as usize] += 1;
    }
    let mut popular: Vec<usize> = (0..data.n_items).collect();
    popular.sort_by_key(|&i| std::cmp::Reverse(counts[i]));
    let liked: Vec<(usize, f32)> = popular[..5].iter().map(|&i| (i, 5.0)).collect();
    let hated: Vec<(usize, f32)> = popular[..5].iter().map(|&i| (i, 1.0)).collect();
    let (vl, vh) = (fold_in(&model, &liked, 8.0), fold_in(&model, &hated, 8.0));
    for &i in &popular[..5] {
        assert!(model.predict_with(&vl, i) > model.predict_with(&vh, i) + 0.5);
    }
    // An empty profile falls back to the item's own bias.
    let empty = fold_in(&model, &[], 8.0);
    assert_eq!(empty.bias, 0.0);
    assert!(empty.factors.iter().all(|f| *f == 0.0));
}
