//! `bench serve`: `cinesense serve` as its own process, measured from outside as its users and
//! its operator would: the time until `/api/health/ready` answers, the process's RSS then and
//! after the requests (and its peak), and over HTTP a member's recommendations, "more like
//! this" and search-as-you-type.

use super::{percentile, round3, Http};
use anyhow::{bail, Context, Result};
use cinesense::config::Settings;
use cinesense::index::{self, Freshness};
use reqwest::Method;
use serde_json::{json, Value};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest wait for the server to become ready.
const READY_WITHIN: Duration = Duration::from_secs(600);

/// Kills the server when the benchmark ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// VmRSS and VmHWM of a process, in MiB.
fn memory_mib(pid: u32) -> Result<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .context("this benchmark reads the server's memory from /proc (Linux)")?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some((kib / 1024.0).round())
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(rss), Some(peak)) => Ok((rss, peak)),
        _ => bail!("/proc/{pid}/status does not say the server's memory"),
    }
}

/// p50 and p99 of `times` (ms), as JSON.
fn summary(mut times: Vec<f64>) -> Value {
    times.sort_by(f64::total_cmp);
    json!({"p50_ms": round3(percentile(&times, 0.5)), "p99_ms": round3(percentile(&times, 0.99)), "requests": times.len()})
}

/// Times each of `paths` (ms), after one untimed warm-up round where `warm_up`.
fn timed(http: &Http, paths: &[String], token: Option<&str>, warm_up: bool) -> Result<Vec<f64>> {
    let mut times = Vec::with_capacity(paths.len());
    for round in usize::from(!warm_up)..2 {
        times.clear();
        for path in paths {
            let t = Instant::now();
            let (status, _) = http.send(Method::GET, path, token, None)?;
            anyhow::ensure!(status == 200, "{path} answered {status} (round {round})");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    Ok(times)
}

pub(super) fn run(settings: &Settings, requests: usize) -> Result<()> {
    if index::freshness(settings)? != Freshness::Fresh {
        bail!("index/ is missing or stale: run `cinesense build` first (this times serve's start, not a build)");
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let dir = std::env::temp_dir().join(format!("cinesense-bench-serve-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let started = Instant::now();
    let server = Server(
        Command::new(std::env::current_exe()?)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("DATABASE_URL", dir.join("store.sqlite"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start cinesense serve")?,
    );
    let pid = server.0.id();
    let http = Http::to(&format!("http://127.0.0.1:{port}"))?;
    let ready_seconds = loop {
        if let Ok((200, _)) = http.send(Method::GET, "/api/health/ready", None, None) {
            break started.elapsed().as_secs_f64();
        }
        if started.elapsed() > READY_WITHIN {
            bail!("serve was not ready within {} s", READY_WITHIN.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (rss_ready, peak_ready) = memory_mib(pid)?;

    // The most rated films of a few genres: the costliest ones to find more like.
    let mut films: Vec<(u64, String)> = Vec::new();
    for genre in ["", "Drama", "Comedy", "Action", "Horror", "Sci-Fi"] {
        let path = format!("/api/popular?limit=100&genre={genre}");
        let path = if genre.is_empty() {
            "/api/popular?limit=100"
        } else {
            &path
        };
        let (status, body) = http.send(Method::GET, path, None, None)?;
        anyhow::ensure!(status == 200, "{path} answered {status}");
        let v: Value = serde_json::from_slice(&body)?;
        for m in v["movies"].as_array().into_iter().flatten() {
            if let (Some(id), Some(title)) = (m["id"].as_u64(), m["title"].as_str()) {
                if !films.iter().any(|f| f.0 == id) {
                    films.push((id, title.to_string()));
                }
            }
        }
    }
    anyhow::ensure!(
        films.len() >= 20,
        "the catalog has too few popular films to ask about"
    );

    // A member with 20 ratings, as after onboarding.
    let token = http.signup("bench-serve")?;
    for (i, (id, _)) in films.iter().step_by(3).take(20).enumerate() {
        let stars = [5.0, 4.0, 3.5, 4.5][i % 4];
        let body = json!({ "rating": stars });
        let (status, _) = http.send(
            Method::PUT,
            &format!("/api/me/ratings/{id}"),
            Some(&token),
            Some(body),
        )?;
        anyhow::ensure!(status == 200, "rating answered {status}");
    }
    let repeat = |path: &str| vec![path.to_string(); requests];
    let recommendations = timed(
        &http,
        &repeat("/api/me/recommendations?limit=10"),
        Some(&token),
        true,
    )?;
    let similar: Vec<String> = (0..requests)
        .map(|i| format!("/api/movies/{}/similar", films[i % films.len()].0))
        .collect();
    let similar = timed(&http, &similar, None, true)?;
    // Every prefix of the titles, as typed; each asked once (the server keeps recent answers).
    let search: Vec<String> = films
        .iter()
        .flat_map(|(_, title)| {
            let chars: Vec<char> = title.chars().collect();
            (1..=chars.len().min(12))
                .map(move |n| chars[..n].iter().collect::<String>())
                .collect::<Vec<_>>()
        })
        .take(requests)
        .map(|q| {
            let q: String = q
                .bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => (b as char).to_string(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("/api/search?q={q}")
        })
        .collect();
    let search = timed(&http, &search, None, false)?;
    let (rss_after, peak) = memory_mib(pid)?;
    let (_, body) = http.send(Method::GET, "/api/health", None, None)?;
    let health: Value = serde_json::from_slice(&body)?;
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{}",
        json!({
            "movies": health["movies"],
            "ratings": health["ratings"],
            "ready_seconds": round3(ready_seconds),
            "rss_mib_when_ready": rss_ready,
            "peak_rss_mib_when_ready": peak_ready,
            "rss_mib_after_requests": rss_after,
            "peak_rss_mib": peak,
            "member_recommendations": summary(recommendations),
            "more_like_this": summary(similar),
            "search": summary(search),
        })
    );
    Ok(())
}
