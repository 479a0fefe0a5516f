//! `bench search`: every prefix of seeded titles plus one-typo variants, in-process and over
//! HTTP with one keep-alive client.

use super::{percentile, round3, spawn_app};
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::index;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::Instant;

/// The query with one letter replaced, at a seeded position.
fn with_typo(prefix: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    let letters: Vec<usize> = (0..chars.len())
        .filter(|&i| chars[i].is_alphabetic())
        .collect();
    if letters.is_empty() {
        return prefix.to_string();
    }
    let i = letters[rng.gen_range(0..letters.len())];
    let replacement = (b'a' + rng.gen_range(0..26u8)) as char;
    chars[i] = if chars[i].eq_ignore_ascii_case(&replacement) {
        'x'
    } else {
        replacement
    };
    chars.into_iter().collect()
}

pub(super) fn run(settings: &Settings, titles: usize) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let mut rng = StdRng::seed_from_u64(300);
    let mut queries = Vec::new();
    for _ in 0..titles {
        let title = a
            .catalog
            .at(rng.gen_range(0..a.catalog.len()))
            .title
            .clone();
        let ends: Vec<usize> = title
            .char_indices()
            .map(|(i, c)| i + c.len_utf8())
            .collect();
        for end in ends {
            let prefix = &title[..end];
            queries.push(prefix.to_string());
            queries.push(with_typo(prefix, &mut rng));
        }
    }
    // In-process.
    let mut times = Vec::with_capacity(queries.len());
    let started = Instant::now();
    for q in &queries {
        let t = Instant::now();
        std::hint::black_box(a.search.search(q, 8)?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = started.elapsed().as_secs_f64();
    times.sort_by(f64::total_cmp);

    // Over HTTP on loopback, one keep-alive client.
    let db = std::env::temp_dir().join(format!("cinesense-bench-{}.sqlite", std::process::id()));
    let http = spawn_app(settings, a, &db.display().to_string())?;
    let mut http_times = Vec::with_capacity(queries.len());
    let http_started = Instant::now();
    for q in &queries {
        let path = format!("/api/search?q={}&limit=8", url_encode(q));
        let t = Instant::now();
        let (status, _) = http.send(reqwest::Method::GET, &path, None, None)?;
        anyhow::ensure!(
            status == 200,
            "search over HTTP answered {status} for {q:?}"
        );
        http_times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let http_total = http_started.elapsed().as_secs_f64();
    http_times.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({
            "count": queries.len(),
            "p50_ms": round3(percentile(&times, 0.5)),
            "p99_ms": round3(percentile(&times, 0.99)),
            "queries_per_second": (queries.len() as f64 / total).round(),
            "http": {
                "p50_ms": round3(percentile(&http_times, 0.5)),
                "p99_ms": round3(percentile(&http_times, 0.99)),
                "queries_per_second": (queries.len() as f64 / http_total).round(),
            }
        })
    );
    Ok(())
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
