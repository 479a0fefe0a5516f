//! `cinesense bench ...`: benchmarks that print one JSON line of figures. Targets live here and
//! in the README, not in timed tests.

use anyhow::{Context, Result};
use cinesense::config::Settings;
use cinesense::dataset::Ratings;
use cinesense::dataset::{load_catalog, DataFiles};
use cinesense::index;
use cinesense::index::Artifacts;
use cinesense::models::collab::{fold_in, synthetic::synthetic_ratings, MfModel, MfParams};
use cinesense::models::content::{documents, feature_matrix, top_k_cosine, ContentDoc};
use cinesense::services::recommendations::Recommendations;
use cinesense::startup::Application;
use clap::Subcommand;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::io::{BufRead, BufReader, Read, Write};
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Build the content model for N movies (real ones, then seeded recombinations).
    Content {
        #[arg(long, default_value_t = 9742)]
        movies: usize,
    },
    /// Replay every prefix of 300 catalog titles (and one-typo variants) against the index.
    Search {
        #[arg(long, default_value_t = 300)]
        titles: usize,
    },
    /// Train MF on N synthetic ratings, or on a MovieLens-format file.
    Collab {
        #[arg(long, conflicts_with = "file")]
        ratings: Option<usize>,
        #[arg(long)]
        file: Option<std::path::PathBuf>,
        #[arg(long, default_value_t = 100)]
        factors: usize,
        #[arg(long, default_value_t = 20)]
        epochs: usize,
    },
    /// Fold-in and hybrid top-10 latency over the built index.
    Recommend,
    /// Classify 500 aclImdb reviews with the sentiment model.
    Sentiment {
        #[arg(long, default_value_t = 500)]
        reviews: usize,
    },
    /// Personal recommendations over HTTP with a few hundred users in a SQLite store.
    Accounts {
        #[arg(long, default_value_t = 300)]
        users: usize,
    },
}

/// Peak resident memory of this process so far, in MiB (Linux; 0 elsewhere).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub fn run(command: BenchCommand, settings: &Settings) -> Result<()> {
    match command {
        BenchCommand::Content { movies } => content(settings, movies),
        BenchCommand::Search { titles } => search(settings, titles),
        BenchCommand::Collab {
            ratings,
            file,
            factors,
            epochs,
        } => collab(ratings, file, factors, epochs, settings),
        BenchCommand::Recommend => recommend(settings),
        BenchCommand::Accounts { users } => accounts(settings, users),
        BenchCommand::Sentiment { reviews } => sentiment(settings, reviews),
    }
}

/// `n` documents: the real catalog first, then seeded recombinations of real fields.
pub fn synthetic_documents(real: &[ContentDoc], n: usize, seed: u64) -> Vec<ContentDoc> {
    let mut out: Vec<ContentDoc> = real.iter().take(n).cloned().collect();
    let mut rng = StdRng::seed_from_u64(seed);
    while out.len() < n {
        let mut pick = || &real[rng.gen_range(0..real.len())];
        out.push(ContentDoc {
            genres: pick().genres.clone(),
            keywords: pick().keywords.clone(),
            tags: pick().tags.clone(),
            overview: pick().overview.clone(),
            title: pick().title.clone(),
        });
    }
    out
}

fn content(settings: &Settings, n: usize) -> Result<()> {
    let catalog = load_catalog(&DataFiles::in_dir(&settings.data_dir))?;
    let docs = synthetic_documents(&documents(&catalog), n, 7);
    let started = Instant::now();
    let features = feature_matrix(&docs, &settings.field_weights)?;
    let sim = top_k_cosine(&features, settings.similar_k);
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"movies": n, "k": sim.k, "threads": rayon::current_num_threads(), "seconds": round3(seconds), "peak_rss_mib": round3(peak_rss_mib())})
    );
    Ok(())
}

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

fn search(settings: &Settings, titles: usize) -> Result<()> {
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
    let addr = spawn_app(settings, a, &db)?;
    let mut http_times = Vec::with_capacity(queries.len());
    let stream = connect(addr)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let http_started = Instant::now();
    for q in &queries {
        let t = Instant::now();
        let status = http_get(
            &mut writer,
            &mut reader,
            &format!("/api/search?q={}&limit=8", url_encode(q)),
        )?;
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

/// The app on a free loopback port over a loaded index and a fresh store, wired by
/// `Application` exactly as `serve` wires it (no review panel: no benchmark here reads it).
fn spawn_app(
    settings: &Settings,
    a: Artifacts,
    db: &std::path::Path,
) -> Result<std::net::SocketAddr> {
    let mut settings = settings.clone();
    settings.addr = "127.0.0.1:0".parse()?;
    settings.database_url = db.display().to_string();
    let app = Application::build_with(settings, std::sync::Arc::new(a), None)?;
    Ok(std::net::SocketAddr::from(([127, 0, 0, 1], app.spawn())))
}

fn connect(addr: std::net::SocketAddr) -> Result<std::net::TcpStream> {
    for _ in 0..100 {
        if let Ok(s) = std::net::TcpStream::connect(addr) {
            s.set_nodelay(true)?;
            return Ok(s);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    anyhow::bail!("server on {addr} did not start")
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

/// One keep-alive HTTP/1.1 GET; returns the status and drains the body.
fn http_get(
    w: &mut std::net::TcpStream,
    r: &mut BufReader<std::net::TcpStream>,
    path: &str,
) -> Result<u16> {
    http_request(w, r, "GET", path, None, None).map(|(s, _)| s)
}

/// One keep-alive HTTP/1.1 request with an optional bearer token and JSON body.
fn http_request(
    w: &mut std::net::TcpStream,
    r: &mut BufReader<std::net::TcpStream>,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Result<(u16, Vec<u8>)> {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let body = body.unwrap_or("");
    write!(
        w,
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: keep-alive\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut line = String::new();
    r.read_line(&mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .context("bad status line")?;
    let mut len = 0usize;
    loop {
        line.clear();
        r.read_line(&mut line)?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse()?;
        }
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    Ok((status, body))
}

fn collab(
    n: Option<usize>,
    file: Option<std::path::PathBuf>,
    factors: usize,
    epochs: usize,
    settings: &Settings,
) -> Result<()> {
    let ratings = match (n, file) {
        (_, Some(path)) => Ratings::load_raw(&path)?,
        (Some(n), None) => synthetic_ratings(n, 25),
        (None, None) => anyhow::bail!("give --ratings N or --file ratings.csv"),
    };
    let params = MfParams {
        factors,
        epochs,
        ..settings.mf
    };
    let started = Instant::now();
    let model = MfModel::train(
        &ratings.entries,
        ratings.n_users(),
        ratings.n_items,
        &params,
        None,
    );
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(&model);
    println!(
        "{}",
        json!({"ratings": ratings.len(), "users": ratings.n_users(), "items": ratings.n_items, "factors": factors, "epochs": epochs,
               "threads": rayon::current_num_threads(), "seconds": round3(seconds), "peak_rss_mib": round3(peak_rss_mib())})
    );
    Ok(())
}

fn recommend(settings: &Settings) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let by_user = a.ratings.by_user();
    let user = by_user
        .iter()
        .find(|r| r.len() >= 40)
        .context("no user with 40 ratings")?;
    let rated: Vec<(usize, f32)> = user
        .iter()
        .take(20)
        .map(|&(i, r, _)| (i as usize, r))
        .collect();
    let reps = 200;
    let mut fold = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(fold_in(&a.mf, &rated, settings.fold_in_reg));
        fold.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    fold.sort_by(f64::total_cmp);
    // What GET /api/me/recommendations computes: fold-in, then the hybrid over the catalog.
    let member: Vec<(u32, f32)> = rated
        .iter()
        .map(|&(row, stars)| (a.catalog.at(row).id, stars))
        .collect();
    let genres = vec![
        "Comedy".to_string(),
        "Drama".to_string(),
        "Action".to_string(),
    ];
    let catalog_len = a.catalog.len();
    let recommendations = Recommendations::new(std::sync::Arc::new(a), settings);
    let mut top = Vec::new();
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(recommendations.for_member(&member, &genres, &[], 10));
        top.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    top.sort_by(f64::total_cmp);
    println!(
        "{}",
        json!({"fold_in_ratings": rated.len(), "fold_in_p50_ms": round3(percentile(&fold, 0.5)), "fold_in_p99_ms": round3(percentile(&fold, 0.99)),
               "member_top10_p50_ms": round3(percentile(&top, 0.5)), "member_top10_p99_ms": round3(percentile(&top, 0.99)), "catalog": catalog_len})
    );
    Ok(())
}

/// Signs up `users` users with 5 to 20 ratings each through the API, then times one more
/// user's signup, 5 ratings and recommendations calls over loopback.
fn accounts(settings: &Settings, users: usize) -> Result<()> {
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
    let addr = spawn_app(settings, a, &dir.join("store.sqlite"))?;
    let stream = connect(addr)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut w = stream;
    let mut rng = StdRng::seed_from_u64(4);
    let signup = |name: &str,
                  w: &mut std::net::TcpStream,
                  r: &mut BufReader<std::net::TcpStream>|
     -> Result<String> {
        let body = json!({"username": name, "password": "a good password", "genres": ["Drama", "Comedy", "Thriller"]}).to_string();
        let (status, bytes) = http_request(w, r, "POST", "/api/users", None, Some(&body))?;
        anyhow::ensure!(status == 201, "signup answered {status}");
        let v: serde_json::Value = serde_json::from_slice(&bytes)?;
        Ok(v["token"].as_str().context("token")?.to_string())
    };
    for u in 0..users {
        let token = signup(&format!("user{u}"), &mut w, &mut reader)?;
        for _ in 0..rng.gen_range(5..=20) {
            let id = popular[rng.gen_range(0..popular.len())];
            let body = json!({"rating": rng.gen_range(1..=10) as f64 / 2.0}).to_string();
            http_request(
                &mut w,
                &mut reader,
                "PUT",
                &format!("/api/me/ratings/{id}"),
                Some(&token),
                Some(&body),
            )?;
        }
    }
    let (mut signup_ms, mut rate_ms, mut recs) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..50 {
        let t = Instant::now();
        let token = signup(&format!("timed{round}"), &mut w, &mut reader)?;
        signup_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        for i in 0..5 {
            let id = popular[(round * 5 + i) % popular.len()];
            let t = Instant::now();
            http_request(
                &mut w,
                &mut reader,
                "PUT",
                &format!("/api/me/ratings/{id}"),
                Some(&token),
                Some("{\"rating\": 4.5}"),
            )?;
            rate_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        for _ in 0..4 {
            let t = Instant::now();
            let (status, _) = http_request(
                &mut w,
                &mut reader,
                "GET",
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

fn sentiment(settings: &Settings, n: usize) -> Result<()> {
    use cinesense::sentiment::Classifier;
    let classifier =
        cinesense::sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device)?;
    let (_, held) = cinesense::sentiment::data::aclimdb(&settings.data_dir.join("sentiment"))?;
    let texts: Vec<String> = held.into_iter().take(n).map(|r| r.0).collect();
    let started = Instant::now();
    let labels = classifier.classify(&texts)?;
    let seconds = started.elapsed().as_secs_f64();
    std::hint::black_box(labels);
    println!(
        "{}",
        json!({"reviews": texts.len(), "seconds": round3(seconds), "reviews_per_second": round3(texts.len() as f64 / seconds),
               "device": classifier.hardware(), "threads": rayon::current_num_threads()})
    );
    Ok(())
}
