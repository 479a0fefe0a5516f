//! `bench accounts`: sign-up, ratings and personal recommendations over HTTP with a few hundred
//! users in a SQLite store.

use super::{percentile, round3, spawn_app};
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::index;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::Method;
use serde_json::json;
use std::time::Instant;

/// Signs up `users` users with 5 to 20 ratings each through the API, then times one more
/// user's signup, 5 ratings and recommendations calls over loopback.
pub(super) fn run(settings: &Settings, users: usize) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let dir = std::env::temp_dir().join(format!("cinesense-bench-accounts-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let popular: Vec<u32> = {
        let mut m: Vec<_> = a
            .catalog
            .movies()
            .iter()
            .filter(|m| m.rating_count >= 20)
            .collect();
        m.sort_by_key(|m| std::cmp::Reverse(m.rating_count));
        m.into_iter().take(400).map(|m| m.id).collect()
    };
    let http = spawn_app(settings, a, &dir.join("store.sqlite").display().to_string())?;
    let mut rng = StdRng::seed_from_u64(4);
    let rate = |token: &str, id: u32, stars: f64| -> Result<()> {
        let path = format!("/api/me/ratings/{id}");
        let (status, _) = http.send(
            Method::PUT,
            &path,
            Some(token),
            Some(json!({"rating": stars})),
        )?;
        anyhow::ensure!(status == 200, "rating answered {status}");
        Ok(())
    };
    for u in 0..users {
        let token = http.signup(&format!("user{u}"))?;
        for _ in 0..rng.gen_range(5..=20) {
            let id = popular[rng.gen_range(0..popular.len())];
            rate(&token, id, rng.gen_range(1..=10) as f64 / 2.0)?;
        }
    }
    let (mut signup_ms, mut rate_ms, mut recs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..50 {
        let t = Instant::now();
        let token = http.signup(&format!("timed{round}"))?;
        signup_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        for i in 0..5 {
            let id = popular[(round * 5 + i) % popular.len()];
            let t = Instant::now();
            rate(&token, id, 4.5)?;
            rate_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        for _ in 0..4 {
            let t = Instant::now();
            let (status, _) = http.send(
                Method::GET,
                "/api/me/recommendations?limit=10",
                Some(&token),
                None,
            )?;
            anyhow::ensure!(status == 200, "recommendations answered {status}");
            recs.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for v in [&mut signup_ms, &mut rate_ms, &mut recs] {
        v.sort_by(f64::total_cmp);
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        json!({"users_in_store": users + 50, "recommendations_p50_ms": round3(percentile(&recs, 0.5)), "recommendations_p99_ms": round3(percentile(&recs, 0.99)),
               "rating_put_p50_ms": round3(percentile(&rate_ms, 0.5)), "rating_put_p99_ms": round3(percentile(&rate_ms, 0.99)),
               "signup_p50_ms": round3(percentile(&signup_ms, 0.5)), "calls": recs.len()})
    );
    Ok(())
}
