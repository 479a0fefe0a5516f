//! Settings are read from the environment (and `.env`) once, checked, and a bad one stops every
//! command with a message that names it and exit code 2.

use std::process::Command;

fn cinesense(env: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cinesense"));
    cmd.args(args)
        .current_dir(dir.path())
        .env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Each setting stops `build` with exit code 2 and a message naming it.
fn each_stops_the_program(settings: &[(&str, &str)]) {
    for &(name, value) in settings {
        let (code, stderr) = cinesense(&[(name, value)], &["build", "--quiet"]);
        assert_eq!(code, 2, "{name}={value:?}: {stderr}");
        assert!(stderr.contains(name), "{name}={value:?}: {stderr}");
    }
}

#[test]
fn bad_blend_device_and_region_settings_stop_with_exit_code_2() {
    each_stops_the_program(&[
        ("BLEND_GENRE", "1.5"),
        ("BLEND_PRIOR_HALF_AT", "0"),
        ("BLEND_POPULARITY_FLOOR", "lots"),
        ("BLEND_MF", "1.5"),
        ("SENTIMENT_DEVICE", "tpu"),
        ("WATCH_REGION", "USA"),
        ("WATCH_REGION", "U1"),
    ]);
}

/// Numbers must be finite: "inf" parses as a float and made every score NaN.
#[test]
fn non_finite_numbers_stop_with_exit_code_2() {
    each_stops_the_program(&[
        ("MF_LEARNING_RATE", "inf"),
        ("BLEND_CONTENT", "NaN"),
        ("POPULARITY_QUANTILE", "-inf"),
        ("TMDB_ENRICH_RATE", "infinity"),
    ]);
}

/// DATABASE_URL names a SQLite file or a PostgreSQL server, or the program stops: another
/// scheme is not read as a folder called "mysql:", an empty path does not open a throw-away
/// database, and an empty setting does not fall back to the default.
#[test]
fn a_database_url_that_names_no_file_stops_with_exit_code_2() {
    each_stops_the_program(&[
        ("DATABASE_URL", "postgres://"),
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "sqlite://"),
        ("DATABASE_URL", "sqlite:"),
        ("DATABASE_URL", ""),
        ("DATABASE_URL", "  "),
    ]);
}
