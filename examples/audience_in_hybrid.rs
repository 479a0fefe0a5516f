//! Does reviewers' sentiment help the hybrid rank? The served blend with the audience share
//! of the offline reviews (`index/reviews.bin`, films with 5 or more) mixed into its
//! popularity prior at several weights (`BLEND_AUDIENCE`, `popularity::with_audience`), on
//! the validation splits `tune_hybrid` uses: `eval`'s leave-latest-out protocol run on its own
//! training part, each user's second-, third- and fourth-latest rating the target, averaged;
//! scored from all ratings and from the first five (a new member). `eval`'s test items are
//! never seen.
//! Run: cargo run --release --example audience_in_hybrid

use cinesense::config::Settings;
use cinesense::eval::{validate_blends, Ranks, Setup};
use cinesense::index;
use cinesense::models::hybrid::BlendParams;

const WEIGHTS: [f32; 6] = [0.0, 0.05, 0.1, 0.2, 0.4, 0.8];

fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let a = index::load_or_build(&settings, true)?;
    let ratings = a.ratings.to_ratings();
    let audience = a.audience_shares();
    let known = audience.iter().flatten().count();
    println!(
        "{known} of {} films have an audience share (5+ classified offline reviews)",
        audience.len()
    );
    let blends: Vec<BlendParams> = WEIGHTS
        .iter()
        .map(|&w| BlendParams {
            audience: w,
            ..settings.blend
        })
        .collect();
    let four = |r: &Ranks| [r.hr10, r.ndcg10, r.recall20, r.ndcg20];
    let validate = |history| -> Vec<[f64; 4]> {
        let mut sum = vec![[0f64; 4]; blends.len()];
        for back in 1..=3 {
            let setup = Setup::new(&a.catalog, &a.similarity, &ratings, &settings, 42)
                .with_audience(&audience);
            let (_, ranks) = validate_blends(&setup, &blends, back, history);
            for (s, r) in sum.iter_mut().zip(&ranks) {
                for (k, v) in four(r).into_iter().enumerate() {
                    s[k] += v / 3.0;
                }
            }
        }
        sum
    };
    for (label, history) in [("all ratings", None), ("first five", Some(5))] {
        let rows = validate(history);
        println!("\n{label}: weight | HR@10 NDCG@10 Recall@20 NDCG@20 | change against weight 0");
        for (w, m) in WEIGHTS.iter().zip(&rows) {
            let change: Vec<String> = (0..4)
                .map(|k| format!("{:+.1}%", 100.0 * (m[k] / rows[0][k] - 1.0)))
                .collect();
            println!(
                "{w:>6} | {:.4} {:.4} {:.4} {:.4} | {}",
                m[0],
                m[1],
                m[2],
                m[3],
                change.join(" ")
            );
        }
    }
    Ok(())
}
