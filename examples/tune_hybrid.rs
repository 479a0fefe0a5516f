//! Chooses the hybrid's blend on a validation split: `cinesense eval`'s leave-latest-out
//! protocol run on its own training part (each user's second-latest rating is the target), so
//! the test items of `eval` are never seen. It runs twice: scoring users from all their
//! ratings, and from their first five only, as a new member (the protocol's users all have 20
//! or more). Prints the single models and every blend's HR@10, NDCG@10, Recall@20 and NDCG@20
//! in both, then the choice: the blend whose smallest relative gain over EASE^R across the
//! eight figures is largest (ties: higher NDCG@20 with all ratings).
//! Run: cargo run --release --example tune_hybrid

use cinesense::config::Settings;
use cinesense::eval::validate_blends;
use cinesense::index;
use cinesense::models::hybrid::BlendParams;

fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let a = index::load_or_build(&settings, true)?;
    let mut blends = Vec::new();
    for prior_half_at in [1.0f32, 2.0, 5.0] {
        for popularity_floor in [0.0f32, 0.05] {
            for content in [0.1f32, 0.2, 0.3] {
                for mf in [0.1f32, 0.2] {
                    for content_half_at in [5.0f32, 10.0, 20.0] {
                        blends.push(BlendParams {
                            prior_half_at,
                            popularity_floor,
                            content,
                            content_half_at,
                            mf,
                            ..settings.blend
                        });
                    }
                }
            }
        }
    }
    let validate = |history| {
        validate_blends(
            &a.catalog,
            &a.similarity,
            &a.ratings,
            &settings.mf,
            &blends,
            settings.popularity_quantile,
            42,
            history,
        )
    };
    let (singles, all) = validate(None);
    let (singles_new, first_five) = validate(Some(5));
    for (label, singles) in [("all ratings", &singles), ("first five", &singles_new)] {
        for (name, m) in singles {
            println!(
                "{label:<12} {name:<8} {:>7.4} {:>8.4} {:>9.4} {:>8.4}",
                m[0], m[1], m[2], m[3]
            );
        }
    }
    let worst = |m: &[f64; 4], e: Option<&[f64; 4]>| match e {
        Some(e) => (0..4)
            .map(|k| m[k] / e[k] - 1.0)
            .fold(f64::INFINITY, f64::min),
        None => m[3],
    };
    let (ease, ease_new) = (singles.get("ease"), singles_new.get("ease"));
    let gain = |(m, n): &([f64; 4], [f64; 4])| worst(m, ease).min(worst(n, ease_new));
    let mut rows: Vec<_> = blends.iter().zip(all.into_iter().zip(first_five)).collect();
    rows.sort_by(|x, y| {
        gain(&y.1)
            .total_cmp(&gain(&x.1))
            .then(y.1 .0[3].total_cmp(&x.1 .0[3]))
    });
    println!(
        "{:>5} {:>5} {:>7} {:>6} {:>4} | all: HR@10 NDCG@10 Recall@20 NDCG@20 | first five: HR@10 NDCG@10 Recall@20 NDCG@20",
        "half", "floor", "content", "c-half", "mf"
    );
    for (b, r) in &rows {
        let (m, n) = r;
        println!(
            "{:>5} {:>5} {:>7} {:>6} {:>4} | {:.4} {:.4} {:.4} {:.4} | {:.4} {:.4} {:.4} {:.4} | worst gain over EASE^R {:+.4}",
            b.prior_half_at,
            b.popularity_floor,
            b.content,
            b.content_half_at,
            b.mf,
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
