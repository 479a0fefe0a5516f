//! Chooses the hybrid's blend on a validation split: `cinesense eval`'s leave-latest-out
//! protocol run on its own training part (each user's second-latest rating is the target), so
//! the test items of `eval` are never seen. Prints the single models and every blend's HR@10,
//! NDCG@10, Recall@20 and NDCG@20, then the choice: the blend whose smallest relative gain over
//! EASE^R across the four metrics is largest (ties: higher NDCG@20).
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
                for mf in [0.1f32, 0.2, 0.3] {
                    blends.push(BlendParams {
                        prior_half_at,
                        popularity_floor,
                        content,
                        mf,
                        ..settings.blend
                    });
                }
            }
        }
    }
    let (singles, results) = validate_blends(
        &a.catalog,
        &a.similarity,
        &a.ratings,
        &settings.mf,
        &blends,
        settings.popularity_quantile,
        42,
    );
    for (name, m) in &singles {
        println!(
            "{name:<28} {:>7.4} {:>8.4} {:>9.4} {:>8.4}",
            m[0], m[1], m[2], m[3]
        );
    }
    let ease = singles.get("ease").copied();
    let gain = |m: &[f64; 4]| match ease {
        Some(e) => (0..4)
            .map(|k| m[k] / e[k] - 1.0)
            .fold(f64::INFINITY, f64::min),
        None => m[3],
    };
    let mut rows: Vec<_> = blends.iter().zip(results).collect();
    rows.sort_by(|x, y| {
        gain(&y.1)
            .total_cmp(&gain(&x.1))
            .then(y.1[3].total_cmp(&x.1[3]))
    });
    println!(
        "{:>6} {:>6} {:>7} {:>5} {:>7} {:>8} {:>9} {:>8}",
        "half", "floor", "content", "mf", "HR@10", "NDCG@10", "Recall@20", "NDCG@20"
    );
    for (b, m) in &rows {
        println!(
            "{:>6} {:>6} {:>7} {:>5} {:>7.4} {:>8.4} {:>9.4} {:>8.4}  worst gain over EASE^R {:+.4}",
            b.prior_half_at, b.popularity_floor, b.content, b.mf, m[0], m[1], m[2], m[3], gain(m)
        );
    }
    if let Some((b, _)) = rows.first() {
        println!("chosen: {b:?}");
    }
    Ok(())
}
