//! `bench import`: a 10,000-row IMDb ratings export through `POST /api/me/import`, then the
//! same file again, against its peer in the same run: the same films rated one
//! `PUT /api/me/ratings/{id}` at a time, as the web app rates. Over HTTP, on a fresh SQLite file
//! or PostgreSQL database.

use super::load::StoreKind;
use super::{round3, spawn_app, Http};
use anyhow::{Context, Result};
use cinesense::config::Settings;
use cinesense::index;
use cinesense::store::scratch::ScratchDatabase;
use reqwest::Method;
use serde_json::json;
use std::time::Instant;

/// An IMDb export (the 2024 columns) of `rows` rows over the catalog's films with an IMDb id,
/// in turn; how many distinct films it names.
fn imdb_export(ids: &[(u32, String)], rows: usize) -> (String, usize) {
    let mut out = String::from("Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors\n");
    for i in 0..rows {
        let (_, imdb) = &ids[i % ids.len()];
        out.push_str(&format!(
            "{imdb},{},2020-01-{:02},\"A film, number {i}\",,https://www.imdb.com/title/{imdb},Movie,7.0,100,1999,Drama,1000,1999-01-01,Someone\n",
            1 + (i * 7) % 10,
            1 + i % 28
        ));
    }
    (out, ids.len().min(rows))
}

pub(super) fn run(settings: &Settings, rows: usize, store: StoreKind) -> Result<()> {
    let a = index::load_or_build(settings, true)?;
    let ids: Vec<(u32, String)> = a
        .catalog
        .movies()
        .iter()
        .filter_map(|m| m.imdb_id.clone().map(|i| (m.id, i)))
        .collect();
    anyhow::ensure!(!ids.is_empty(), "the catalog has no IMDb ids to import");
    let (file, films) = imdb_export(&ids, rows);
    let dir = std::env::temp_dir().join(format!("cinesense-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let scratch = match store {
        StoreKind::Postgres => {
            Some(ScratchDatabase::create("bench import").context("no PostgreSQL server answers")?)
        }
        StoreKind::Sqlite => None,
    };
    let database_url = match &scratch {
        Some(db) => db.url.clone(),
        None => dir.join("store.sqlite").display().to_string(),
    };
    let http = spawn_app(settings, a, &database_url)?;
    let import = |http: &Http, token: &str| -> Result<(f64, serde_json::Value)> {
        let started = Instant::now();
        let body = http.runtime.block_on(async {
            let response = http
                .client
                .post(format!("{}/api/me/import", http.base))
                .bearer_auth(token)
                .header("Content-Type", "text/csv")
                .body(file.clone())
                .send()
                .await?;
            anyhow::ensure!(
                response.status() == 200,
                "import answered {}",
                response.status()
            );
            Ok::<_, anyhow::Error>(response.json::<serde_json::Value>().await?)
        })?;
        Ok((started.elapsed().as_secs_f64() * 1000.0, body))
    };
    let token = http.signup("bench-import")?;
    let (first_ms, first) = import(&http, &token)?;
    let (again_ms, again) = import(&http, &token)?;
    anyhow::ensure!(
        again["imported"] == 0,
        "the second import changed something: {again}"
    );
    // The peer: the same films, one PUT each.
    let peer = http.signup("bench-one-by-one")?;
    let started = Instant::now();
    for (id, _) in ids.iter().take(films) {
        let (status, _) = http.send(
            Method::PUT,
            &format!("/api/me/ratings/{id}"),
            Some(&peer),
            Some(json!({"rating": 3.5})),
        )?;
        anyhow::ensure!(status == 200, "rating answered {status}");
    }
    let one_by_one_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({
            "bench": "import",
            "store": match store { StoreKind::Sqlite => "sqlite", StoreKind::Postgres => "postgresql" },
            "rows": rows,
            "bytes": file.len(),
            "films": films,
            "imported": first["imported"],
            "first_import_ms": round3(first_ms),
            "same_file_again_ms": round3(again_ms),
            "peer_one_put_per_film_ms": round3(one_by_one_ms),
        })
    );
    Ok(())
}
