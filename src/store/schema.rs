//! The schema's history: one step a version, numbered alike on every backend. Each backend
//! writes every step in its own SQL (`sqlite::dialect::MIGRATIONS`,
//! `pg::dialect::MIGRATIONS`, arrays as long as `STEPS`, so a step missing from one does not
//! compile) and records the version it reached. Append; never edit a step that has shipped.

/// What each step does, version 1 first.
pub(super) const STEPS: [&str; 5] = [
    "users, sessions, ratings, watchlist, failed logins",
    "cached upstream responses (TMDB, reviews)",
    "failed logins per (username, client address): one client's failures never lock the \
     account for the others",
    "films a user is not interested in, hidden from their lists",
    "how each movie's fetched reviews lean (audience sentiment)",
];

/// The latest version.
pub(super) const LATEST: i64 = STEPS.len() as i64;

/// Refuses a database that a newer build migrated.
pub(super) fn check(current: i64) -> anyhow::Result<()> {
    anyhow::ensure!(
        current <= LATEST,
        "the database has schema version {current}, newer than this build ({LATEST}); upgrade cinesense"
    );
    Ok(())
}
