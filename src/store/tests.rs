//! The promises every backend keeps, checked on SQLite and on PostgreSQL.

use super::scratch::{self, ScratchDatabase};
use super::*;
use std::sync::Arc;

/// Runs `check` on a fresh SQLite file and on a fresh PostgreSQL database (when one answers).
fn on_both(test: &str, check: impl Fn(Arc<Store>)) {
    let dir = tempfile::tempdir().unwrap();
    check(Arc::new(
        Store::open(&Database::Sqlite(dir.path().join("t.sqlite"))).unwrap(),
    ));
    if let Some(db) = ScratchDatabase::create(test) {
        check(Arc::new(
            Store::open(&Database::Postgres(db.url.clone())).unwrap(),
        ));
    }
}

#[test]
fn users_ratings_and_cascades() {
    on_both("users_ratings_and_cascades", |store| {
        let u = store
            .create_user("ann", "hash", &["Horror".into()])
            .unwrap();
        assert!(matches!(
            store.create_user("ANN", "x", &[]),
            Err(CreateUserError::Taken)
        ));
        let (found, hash) = store.user_with_hash("Ann").unwrap().unwrap();
        assert_eq!(
            (found.id, found.genres, hash.as_str()),
            (u.id, vec!["Horror".to_string()], "hash")
        );
        store.put_rating(u.id, 1, 4.5).unwrap();
        store.put_rating(u.id, 1, 3.0).unwrap();
        assert_eq!(store.ratings(u.id).unwrap().len(), 1);
        assert_eq!(store.ratings(u.id).unwrap()[0].rating, 3.0);
        assert!(store.delete_rating(u.id, 1).unwrap());
        assert!(!store.delete_rating(u.id, 1).unwrap());
        for list in [MovieList::Watchlist, MovieList::NotInterested] {
            store.add_to_list(list, u.id, 2).unwrap();
            store.add_to_list(list, u.id, 2).unwrap();
            store.add_to_list(list, u.id, 3).unwrap();
            assert_eq!(store.list(list, u.id).unwrap().len(), 2, "{list:?}");
            assert!(store.remove_from_list(list, u.id, 3).unwrap());
            assert!(!store.remove_from_list(list, u.id, 3).unwrap());
        }
        // The lists are apart: taking a film off one leaves the other.
        assert!(store
            .remove_from_list(MovieList::NotInterested, u.id, 2)
            .unwrap());
        assert_eq!(
            store.list(MovieList::Watchlist, u.id).unwrap(),
            vec![(2, store.list(MovieList::Watchlist, u.id).unwrap()[0].1)]
        );
        store
            .add_to_list(MovieList::NotInterested, u.id, 4)
            .unwrap();
        store.create_session("tok", u.id, 60).unwrap();
        store.create_session("old", u.id, -1).unwrap();
        assert_eq!(store.session_user("tok").unwrap().unwrap().username, "ann");
        assert!(store.session_user("old").unwrap().is_none(), "expired");
        assert_eq!(store.count_users().unwrap(), 1);
        assert!(store.delete_user(u.id).unwrap());
        assert!(store.session_user("tok").unwrap().is_none());
        assert!(store.ratings(u.id).unwrap().is_empty());
        assert!(store.list(MovieList::Watchlist, u.id).unwrap().is_empty());
        assert!(store
            .list(MovieList::NotInterested, u.id)
            .unwrap()
            .is_empty());
        assert_eq!(store.count_users().unwrap(), 0);
    });
}

#[test]
fn ratings_page_newest_first() {
    on_both("ratings_page_newest_first", |store| {
        let u = store.create_user("bo", "h", &[]).unwrap();
        for movie in [5, 3, 9, 1] {
            store.put_rating(u.id, movie, 4.0).unwrap();
        }
        // Same second: ties break by movie id.
        let (page, total) = store.ratings_page(u.id, 2, 1).unwrap();
        assert_eq!(total, 4);
        let ids: Vec<u32> = page.iter().map(|r| r.movie_id).collect();
        let all: Vec<u32> = store
            .ratings(u.id)
            .unwrap()
            .iter()
            .map(|r| r.movie_id)
            .collect();
        assert_eq!(ids, all[1..3]);
        assert_eq!(store.ratings_page(u.id, 10, 4).unwrap().0.len(), 0);
    });
}

#[test]
fn cache_keeps_the_latest_body_and_lists_a_prefix_in_byte_order() {
    on_both("cache_prefix", |store| {
        assert!(store.cache_get("tmdb:movie:1").unwrap().is_none());
        store.cache_put("tmdb:movie:1", "a").unwrap();
        store.cache_put("tmdb:movie:1", "b").unwrap();
        store.cache_put("tmdb:movie:10", "c").unwrap();
        store.cache_put("tmdb:movie:Z", "d").unwrap();
        store.cache_put("tmdb:poster:1", "p").unwrap();
        assert_eq!(store.cache_get("tmdb:movie:1").unwrap().unwrap().0, "b");
        let keys: Vec<String> = store
            .cache_entries("tmdb:movie:")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, ["tmdb:movie:1", "tmdb:movie:10", "tmdb:movie:Z"]);
    });
}

#[test]
fn audience_keeps_the_latest_count_per_movie() {
    on_both("audience", |store| {
        assert!(store.audiences().unwrap().is_empty());
        let a = |positive, reviews, fetched_at| Audience {
            positive,
            reviews,
            fetched_at,
        };
        store.put_audience(2571, a(3, 10, 100)).unwrap();
        store.put_audience(1, a(0, 0, 100)).unwrap();
        store.put_audience(2571, a(20, 25, 200)).unwrap();
        assert_eq!(
            store.audiences().unwrap(),
            vec![(1, a(0, 0, 100)), (2571, a(20, 25, 200))]
        );
    });
}

/// 40 parallel attempts with 5 free: exactly 5 are counted, the rest told to wait; another
/// client is not held back, and a cleared client starts again.
/// Expired sessions and day-old failed logins are deleted; live ones stay.
#[test]
fn prune_deletes_what_has_expired_and_keeps_the_rest() {
    on_both("prune", |store| {
        let id = store
            .create_user("pruned", "hash", &["Drama".to_string()])
            .unwrap()
            .id;
        store.create_session("live", id, 3600).unwrap();
        store.create_session("gone", id, 1).unwrap();
        store
            .count_attempt(&[(Attempt::Login("ghost"), 5)], "10.0.0.9", 300)
            .unwrap();
        let t = now();
        // Nothing is old yet.
        assert_eq!(store.prune(t).unwrap(), (0, 0));
        // Two seconds on, the short session has expired; a day and a bit on, the failure is
        // forgotten.
        assert_eq!(store.prune(t + 2).unwrap().0, 1);
        assert!(store.session_user("live").unwrap().is_some());
        assert_eq!(store.prune(t + FAILURES_KEPT_SECONDS + 10).unwrap(), (1, 1));
        assert!(store.session_user("live").unwrap().is_none());
        // A username forgotten starts with no failures.
        assert!(store
            .count_attempt(&[(Attempt::Login("ghost"), 1)], "10.0.0.9", 300)
            .unwrap()
            .is_none());
    });
}

#[test]
fn login_throttle_counts_parallel_attempts_once() {
    on_both("login_throttle", |store| {
        let waits: Vec<Option<u64>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..40)
                .map(|_| {
                    s.spawn(|| {
                        store
                            .count_attempt(&[(Attempt::Login("Cy"), 5)], "10.0.0.1", 300)
                            .unwrap()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(waits.iter().filter(|w| w.is_none()).count(), 5);
        assert!(waits.iter().flatten().all(|&w| (1..=300).contains(&w)));
        assert!(
            store
                .count_attempt(&[(Attempt::Login("cy"), 5)], "10.0.0.1", 300)
                .unwrap()
                .is_some(),
            "any case"
        );
        assert!(store
            .count_attempt(&[(Attempt::Login("cy"), 5)], "10.0.0.2", 300)
            .unwrap()
            .is_none());
        store.clear_login_failures("CY", "10.0.0.1").unwrap();
        assert!(store
            .count_attempt(&[(Attempt::Login("cy"), 5)], "10.0.0.1", 300)
            .unwrap()
            .is_none());
    });
}

#[test]
fn postgres_schema_is_migrated_once_by_replicas_starting_together() {
    let Some(db) = ScratchDatabase::create("postgres_schema") else {
        return;
    };
    let stores: Vec<Store> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| Store::open(&Database::Postgres(db.url.clone())).unwrap()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    stores[0].create_user("dee", "h", &[]).unwrap();
    assert_eq!(stores[3].count_users().unwrap(), 1);
    let store = pg::PgStore::connect(&db.url).unwrap();
    assert_eq!(store.schema_version().unwrap(), pg::migrations_latest());
}

/// A database migrated under the old numbering (PostgreSQL's first step was SQLite's first
/// three) is carried over to today's without redoing a step or losing a row.
#[test]
fn postgres_schema_from_the_old_numbering_is_carried_over() {
    let Some(db) = ScratchDatabase::create("postgres_old_numbering") else {
        return;
    };
    let store = Store::open(&Database::Postgres(db.url.clone())).unwrap();
    let u = store.create_user("eve", "h", &[]).unwrap();
    store.put_rating(u.id, 7, 4.0).unwrap();
    drop(store);
    // As an older build left it: every table, version 3 of 3 in `cinesense_schema`.
    scratch::run(
        &db.url,
        "DROP TABLE cinesense_migrations;
         CREATE TABLE cinesense_schema (version BIGINT NOT NULL);
         INSERT INTO cinesense_schema VALUES (3);",
    )
    .unwrap();
    let store = Store::open(&Database::Postgres(db.url.clone())).unwrap();
    assert_eq!(store.ratings(u.id).unwrap().len(), 1);
    let engine = pg::PgStore::connect(&db.url).unwrap();
    assert_eq!(engine.schema_version().unwrap(), schema::LATEST);
}

/// Every statement has SQL in both dialects, taking exactly its parameters.
#[test]
fn every_statement_is_written_in_both_dialects() {
    let highest = |sql: &str, mark: char| -> usize {
        sql.split(mark)
            .skip(1)
            .filter_map(|rest| {
                let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                digits.parse().ok()
            })
            .max()
            .unwrap_or(0)
    };
    for q in Query::ALL {
        assert_eq!(highest(sqlite::sql(q), '?'), q.arity(), "SQLite {q:?}");
        assert_eq!(highest(pg::sql(q), '$'), q.arity(), "PostgreSQL {q:?}");
        let reads = sqlite::sql(q).trim_start().starts_with("SELECT");
        assert_eq!(reads, !q.writes(), "{q:?}");
    }
}

#[test]
fn login_waits_double_past_the_free_attempts() {
    assert_eq!(attempt_wait(4, 100, 5, 300, 100), None);
    assert_eq!(attempt_wait(5, 100, 5, 300, 101), Some(1));
    assert_eq!(attempt_wait(6, 100, 5, 300, 100), Some(4));
    assert_eq!(attempt_wait(6, 100, 5, 300, 104), None);
    assert_eq!(attempt_wait(40, 100, 5, 300, 100), Some(300));
}

#[test]
fn database_urls() {
    let ok = [
        ("data/x.sqlite", Database::Sqlite("data/x.sqlite".into())),
        (
            "sqlite://data/x.sqlite",
            Database::Sqlite("data/x.sqlite".into()),
        ),
        (
            "sqlite:/tmp/x.sqlite",
            Database::Sqlite("/tmp/x.sqlite".into()),
        ),
        (
            "postgres://u:pw@db:5432/cs",
            Database::Postgres("postgres://u:pw@db:5432/cs".into()),
        ),
        (
            "postgresql://u@db/cs",
            Database::Postgres("postgresql://u@db/cs".into()),
        ),
    ];
    for (url, want) in ok {
        assert_eq!(Database::parse(url).unwrap(), want, "{url}");
    }
    for url in [
        "",
        " ",
        "sqlite://",
        "sqlite:",
        ":memory:",
        "mysql://x",
        "postgres://",
    ] {
        assert!(Database::parse(url).is_err(), "{url:?}");
    }
    let shown = Database::parse("postgres://u:secret@db/cs")
        .unwrap()
        .to_string();
    assert!(
        !shown.contains("secret") && shown.contains("u:***@db/cs"),
        "{shown}"
    );
}

/// Failures count per address across usernames too: guessing one password for many accounts
/// (spraying) is held up once the address has used its free failures, while another address
/// and a good password's reset of one username do not lift it.
#[test]
fn attempts_count_per_address_across_usernames() {
    on_both("spraying", |store| {
        let limits = |name| [(Attempt::AnyLogin, 20), (Attempt::Login(name), 5)];
        let names: Vec<String> = (0..30).map(|i| format!("member{i}")).collect();
        let waits: Vec<Option<u64>> = names
            .iter()
            .map(|n| store.count_attempt(&limits(n), "10.0.0.7", 300).unwrap())
            .collect();
        assert_eq!(waits.iter().filter(|w| w.is_none()).count(), 20);
        assert!(waits[20..].iter().all(|w| w.is_some()), "{waits:?}");
        store.clear_login_failures("member3", "10.0.0.7").unwrap();
        assert!(store
            .count_attempt(&limits("member3"), "10.0.0.7", 300)
            .unwrap()
            .is_some());
        assert!(store
            .count_attempt(&limits("member3"), "10.0.0.8", 300)
            .unwrap()
            .is_none());
        // Signups count apart from logins.
        assert!(store
            .count_attempt(&[(Attempt::Signup, 1)], "10.0.0.7", 300)
            .unwrap()
            .is_none());
        assert!(store
            .count_attempt(&[(Attempt::Signup, 1)], "10.0.0.7", 300)
            .unwrap()
            .is_some());
    });
}
