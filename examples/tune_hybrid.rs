//! Chooses the hybrid's blend on validation splits: `cinesense eval`'s leave-latest-out
//! protocol run on its own training part, three times (each user's second-, third- and
//! fourth-latest rating the target, with only the ratings before it), averaged, so the test
//! items of `eval` are never seen. It scores users from all their ratings, and from their
//! first five only, as a new member (the protocol's users all have 20 or more). Prints the
//! single models and every blend's HR@10, NDCG@10, Recall@20 and NDCG@20 in both, then the
//! choice: the blend whose smallest relative gain over EASE^R across the four figures with all
//! ratings is largest (ties: higher NDCG@20).
//! Run: cargo run --release --example tune_hybrid

use cinesense::config::Settings;
use cinesense::eval::{validate_blends, Ranks, Setup};
use cinesense::index;
use cinesense::models::hybrid::{BlendParams, Model};

fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let a = index::load_or_build(&settings, true)?;
    let ratings = a.ratings.to_ratings();
    let mut blends = vec![settings.blend];
    for ials in [0.0f32, 0.15, 0.3, 0.5] {
        for recent in [0.0f32, 3.0, 10.0] {
            blends.push(BlendParams {
                ials,
                recent,
                recent_half_at: 5.0,
                ..settings.blend
            });
        }
    }
    // Three validation targets per user (the second-, third- and fourth-latest rating, each
    // with only the ratings before it), averaged: one target per user is too noisy to choose by.
    let validate = |history| {
        let runs: Vec<_> = (1..=3)
            .map(|back| {
                let setup = Setup::new(&a.catalog, &a.similarity, &ratings, &settings, 42);
                let (singles, blends) = validate_blends(&setup, &blends, back, history);
                let four = |r: &Ranks| [r.hr10, r.ndcg10, r.recall20, r.ndcg20];
                (
                    singles
                        .iter()
                        .map(|(m, r)| (*m, four(r)))
                        .collect::<std::collections::BTreeMap<Model, [f64; 4]>>(),
                    blends.iter().map(four).collect::<Vec<_>>(),
                )
            })
            .collect();
        let mean = |ms: Vec<&[f64; 4]>| {
            let n = ms.len() as f64;
            let mut out = [0f64; 4];
            for m in ms {
                for k in 0..4 {
                    out[k] += m[k] / n;
                }
            }
            out
        };
        let singles: std::collections::BTreeMap<Model, [f64; 4]> = runs[0]
            .0
            .keys()
            .map(|model| (*model, mean(runs.iter().map(|r| &r.0[model]).collect())))
            .collect();
        let blends: Vec<[f64; 4]> = (0..blends.len())
            .map(|b| mean(runs.iter().map(|r| &r.1[b]).collect()))
            .collect();
        (singles, blends)
    };
    let (singles, all) = validate(None);
    let (singles_new, first_five) = validate(Some(5));
    for (label, singles) in [("all ratings", &singles), ("first five", &singles_new)] {
        for (model, m) in singles {
            println!(
                "{label:<12} {:<8} {:>7.4} {:>8.4} {:>9.4} {:>8.4}",
                model.name(),
                m[0],
                m[1],
                m[2],
                m[3]
            );
        }
    }
    let worst = |m: &[f64; 4], e: Option<&[f64; 4]>| match e {
        Some(e) => (0..4)
            .map(|k| m[k] / e[k] - 1.0)
            .fold(f64::INFINITY, f64::min),
        None => m[3],
    };
    // Chosen on all ratings; the first-five figures show what it costs a new member.
    let ease = singles.get(&Model::Ease);
    let gain = |(m, _): &([f64; 4], [f64; 4])| worst(m, ease);
    let mut rows: Vec<_> = blends.iter().zip(all.into_iter().zip(first_five)).collect();
    rows.sort_by(|x, y| {
        gain(&y.1)
            .total_cmp(&gain(&x.1))
            .then(y.1 .0[3].total_cmp(&x.1 .0[3]))
    });
    println!(
        "{:>5} {:>5} {:>7} {:>6} {:>4} {:>6} {:>6} {:>5} | all: HR@10 NDCG@10 Recall@20 NDCG@20 | first five: HR@10 NDCG@10 Recall@20 NDCG@20",
        "half", "floor", "content", "c-half", "mf", "recent", "r-half", "ials"
    );
    for (b, r) in &rows {
        let (m, n) = r;
        println!(
            "{:>5} {:>5} {:>7} {:>6} {:>4} {:>6} {:>6} {:>5} | {:.4} {:.4} {:.4} {:.4} | {:.4} {:.4} {:.4} {:.4} | worst gain over EASE^R {:+.4}",
            b.prior_half_at,
            b.popularity_floor,
            b.content,
            b.content_half_at,
            b.mf,
            b.recent,
            b.recent_half_at,
            b.ials,
            m[0],
            m[1],
            m[2],
            m[3],
            n[0],
            n[1],
            n[2],
            n[3],
            gain(r)
        );
    }
    if let Some((b, _)) = rows.first() {
        println!("chosen: {b:?}");
    }
    Ok(())
}
