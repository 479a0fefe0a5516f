//! Sweeps the hybrid's blend parameters with the leave-latest-out protocol of `cinesense eval`
//! and prints HR@10 and NDCG@20 for each. Run: cargo run --release --example tune_hybrid

use cinesense::config::Settings;
use cinesense::eval::ranking;
use cinesense::index;
use cinesense::models::hybrid::BlendParams;

fn main() -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let a = index::load_or_build(&settings, true)?;
    println!(
        "{:>9} {:>8} {:>8} {:>8} {:>8}",
        "pop_many", "pop_half", "mf_half", "HR@10", "NDCG@20"
    );
    for popularity_many in [0.85f32, 0.9] {
        for popularity_half_at in [5.0f32, 10.0, 15.0] {
            for mf_half_at in [5.0f32, 10.0, 15.0] {
                let blend = BlendParams {
                    popularity_many,
                    popularity_half_at,
                    mf_half_at,
                    ..settings.blend
                };
                let (r, _) = ranking(
                    &a.catalog,
                    &a.similarity,
                    &a.ratings,
                    &settings.mf,
                    &blend,
                    settings.popularity_quantile,
                    42,
                    None,
                );
                let h = r["hybrid"];
                println!("{popularity_many:>9.2} {popularity_half_at:>8.0} {mf_half_at:>8.0} {:>8.4} {:>8.4}", h[0], h[3]);
            }
        }
    }
    let (r, _) = ranking(
        &a.catalog,
        &a.similarity,
        &a.ratings,
        &settings.mf,
        &settings.blend,
        settings.popularity_quantile,
        42,
        None,
    );
    println!(
        "popular {:?}\nmf {:?}\nhybrid with the settings' blend {:?}",
        r["popular"], r["mf"], r["hybrid"]
    );
    Ok(())
}
