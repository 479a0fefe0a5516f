//! `bench load`: many clients at once against the app over loopback, the mix a crowd makes:
//! search-as-you-type (nine requests in ten) while members write ratings (one in ten). Prints
//! throughput, p50/p99 per kind as the clients saw them and as the server spent them
//! (`Server-Timing`), server errors and client timeouts.
//! Server and clients share this machine's cores, as they did in the finding it checks.

use super::{percentile, round3, spawn_app, Http};
use anyhow::{Context, Result};
use cinesense::config::Settings;
use cinesense::index;
use cinesense::store::scratch::ScratchDatabase;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::time::{Duration, Instant};

/// Members who write the ratings.
const MEMBERS: usize = 50;
/// A request not answered by then counts as a client timeout.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(10);

/// What one request measured: milliseconds as the client saw them, and as the server spent
/// them (its `Server-Timing` header).
enum Outcome {
    Search(f64, f64),
    Rating(f64, f64),
    ServerError,
    Timeout,
    OtherError,
}

/// The store behind the app under load.
#[derive(Debug, Clone, Copy, PartialEq, clap::ValueEnum)]
pub(crate) enum StoreKind {
    Sqlite,
    Postgres,
}

/// Loads the app this process starts over `store`, or with `against` a server already
/// running (another build, to compare in the same run).
pub(super) fn run(
    settings: &Settings,
    connections: usize,
    seconds: u64,
    store: StoreKind,
    against: Option<String>,
) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let dir = std::env::temp_dir().join(format!("cinesense-bench-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // What people type: the first 1 to 8 letters of popular titles.
    let mut movies: Vec<_> = a.catalog.movies().iter().collect();
    movies.sort_by_key(|m| std::cmp::Reverse(m.rating_count));
    let prefixes: Vec<String> = movies
        .iter()
        .take(300)
        .flat_map(|m| {
            let t: Vec<char> = m.title.chars().collect();
            (1..=t.len().min(8)).map(move |n| t[..n].iter().collect::<String>())
        })
        .collect();
    let ids: Vec<u32> = movies.iter().take(1000).map(|m| m.id).collect();
    let scratch = match store {
        StoreKind::Postgres if against.is_none() => {
            Some(ScratchDatabase::create("bench load").context("no PostgreSQL server answers")?)
        }
        _ => None,
    };
    let database_url = match &scratch {
        Some(db) => db.url.clone(),
        None => dir.join("store.sqlite").display().to_string(),
    };
    let http = match &against {
        Some(base) => Http::to(base.trim_end_matches('/'))?,
        None => spawn_app(settings, a, &database_url)?,
    };
    let mut tokens = Vec::new();
    for u in 0..MEMBERS {
        let name = format!("load-{}-{u}", std::process::id());
        tokens.push(http.signup(&name)?);
    }
    let base = http.base.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .timeout(CLIENT_TIMEOUT)
        .pool_max_idle_per_host(connections)
        .tcp_nodelay(true)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let outcomes: Vec<Outcome> = runtime.block_on(async {
        let mut clients = tokio::task::JoinSet::new();
        for c in 0..connections {
            let (client, base) = (client.clone(), base.clone());
            let (prefixes, ids, tokens) = (prefixes.clone(), ids.clone(), tokens.clone());
            clients.spawn(async move {
                let mut rng = StdRng::seed_from_u64(c as u64);
                let mut out = Vec::new();
                while Instant::now() < deadline {
                    let rating = rng.gen_range(0..10) == 0;
                    let request = if rating {
                        let id = ids[rng.gen_range(0..ids.len())];
                        let stars = rng.gen_range(1..=10) as f64 / 2.0;
                        client
                            .put(format!("{base}/api/me/ratings/{id}"))
                            .bearer_auth(&tokens[rng.gen_range(0..tokens.len())])
                            .json(&json!({ "rating": stars }))
                    } else {
                        let q = &prefixes[rng.gen_range(0..prefixes.len())];
                        client.get(format!("{base}/api/search")).query(&[("q", q)])
                    };
                    let t = Instant::now();
                    let answer = request.send().await;
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    out.push(match answer {
                        Ok(r) if r.status().is_server_error() => Outcome::ServerError,
                        Ok(r) if r.status().is_success() => {
                            let server_ms = server_timing(&r).unwrap_or(f64::NAN);
                            let _ = r.bytes().await;
                            if rating {
                                Outcome::Rating(ms, server_ms)
                            } else {
                                Outcome::Search(ms, server_ms)
                            }
                        }
                        Ok(_) => Outcome::OtherError,
                        Err(e) if e.is_timeout() => Outcome::Timeout,
                        Err(_) => Outcome::OtherError,
                    });
                }
                out
            });
        }
        clients.join_all().await.into_iter().flatten().collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let (mut search, mut rating) = (Vec::new(), Vec::new());
    let (mut search_server, mut rating_server) = (Vec::new(), Vec::new());
    let (mut server_errors, mut timeouts, mut other) = (0usize, 0usize, 0usize);
    for o in &outcomes {
        match o {
            Outcome::Search(ms, server) => {
                search.push(*ms);
                search_server.push(*server);
            }
            Outcome::Rating(ms, server) => {
                rating.push(*ms);
                rating_server.push(*server);
            }
            Outcome::ServerError => server_errors += 1,
            Outcome::Timeout => timeouts += 1,
            Outcome::OtherError => other += 1,
        }
    }
    for v in [
        &mut search,
        &mut rating,
        &mut search_server,
        &mut rating_server,
    ] {
        v.sort_by(f64::total_cmp);
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        json!({"store": against.clone().unwrap_or_else(|| format!("{store:?}").to_lowercase()), "connections": connections, "seconds": round3(elapsed), "requests": outcomes.len(),
               "requests_per_second": round3(outcomes.len() as f64 / elapsed),
               "search_p50_ms": round3(percentile(&search, 0.5)), "search_p99_ms": round3(percentile(&search, 0.99)),
               "rating_p50_ms": round3(percentile(&rating, 0.5)), "rating_p99_ms": round3(percentile(&rating, 0.99)),
               "server_side": {"search_p50_ms": round3(percentile(&search_server, 0.5)), "search_p99_ms": round3(percentile(&search_server, 0.99)),
                               "rating_p50_ms": round3(percentile(&rating_server, 0.5)), "rating_p99_ms": round3(percentile(&rating_server, 0.99))},
               "server_errors": server_errors, "client_timeouts": timeouts, "other_errors": other})
    );
    drop(scratch);
    Ok(())
}

/// The server's own time for a request, from `Server-Timing: app;dur=MS`.
fn server_timing(r: &reqwest::Response) -> Option<f64> {
    let v = r.headers().get("server-timing")?.to_str().ok()?;
    v.split(';')
        .find_map(|p| p.trim().strip_prefix("dur=")?.parse().ok())
}
