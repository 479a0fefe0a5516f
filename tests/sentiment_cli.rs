//! `cinesense sentiment classify`: JSON lines in, one JSON line out per input, in order; bad
//! input is an error line for that input, not a crash.

use std::io::Write;
use std::process::{Command, Stdio};

#[test]
fn classify_follows_the_line_contract() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cinesense"))
        .args(["sentiment", "classify"])
        .current_dir(root)
        .env("RUST_LOG", "warn")
        .env("SENTIMENT_DEVICE", "cpu")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = concat!(
        "{\"text\": \"An absolute delight, I loved every minute.\"}\n",
        "{\"text\": \"\"}\n",
        "not json\n",
        "{\"text\": \"Awful. Boring, ugly and a waste of money.\"}\n",
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["label"], "positive");
    assert!(lines[0]["score"].as_f64().unwrap() > 0.5);
    assert_eq!(lines[1]["error"], "empty text");
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .starts_with("invalid JSON"));
    assert_eq!(lines[3]["label"], "negative");
    assert!(lines[3]["score"].as_f64().unwrap() < 0.5);
}

/// `cinesense sentiment examples`: every SST-2 row and every aclImdb review outside the held-out
/// 10%, as `[CLS] ... [SEP]` token ids within the budgets, labels kept; never a held-out review.
#[test]
fn examples_are_the_training_rows_encoded() {
    use flate2::write::GzEncoder;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("sentiment");
    std::fs::create_dir_all(corpus.join("sst2")).unwrap();
    std::fs::create_dir_all(corpus.join("aclimdb-train")).unwrap();
    std::fs::write(
        corpus.join("sst2/train.tsv"),
        "sentence\tlabel\na warm , funny film\t1\nso dull\t0\n",
    )
    .unwrap();
    let long_review = "a truly great film with a wonderful cast and script . ".repeat(60);
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..40 {
        let (label, text) = if i % 2 == 0 {
            (1, long_review.clone())
        } else {
            (0, format!("Review {i}: boring.<br /><br />I left early."))
        };
        let row = serde_json::json!({"id": format!("train_{i}"), "label": label, "rating": 5, "text": text});
        writeln!(gz, "{row}").unwrap();
    }
    std::fs::write(
        corpus.join("aclimdb-train/train.jsonl.gz"),
        gz.finish().unwrap(),
    )
    .unwrap();
    let out = dir.path().join("examples.jsonl");
    let run = Command::new(env!("CARGO_BIN_EXE_cinesense"))
        .args(["sentiment", "examples", "--base"])
        .arg(root.join("data/models/sentiment"))
        .arg("--data")
        .arg(&corpus)
        .args(["--imdb", "0", "--review-tokens", "64", "--out"])
        .arg(&out)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let (train, held) = cinesense::sentiment::data::aclimdb(&corpus).unwrap();
    assert!(
        !held.is_empty() && !train.is_empty(),
        "the fixture needs both splits"
    );
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2 + train.len());
    let ids = |r: &serde_json::Value| -> Vec<u64> {
        r["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect()
    };
    for r in &rows {
        let ids = ids(r);
        assert_eq!(
            (ids[0], *ids.last().unwrap()),
            (101, 102),
            "[CLS] ... [SEP]"
        );
        assert!(ids.len() <= 64);
    }
    // SST-2 first, in file order; then the reviews, long ones cut to the budget.
    assert_eq!(rows[0]["label"], 1);
    assert_eq!(rows[1]["label"], 0);
    assert_eq!(ids(&rows[1]).len(), 4, "[CLS] so dull [SEP]");
    let review_labels: Vec<u64> = rows[2..]
        .iter()
        .map(|r| r["label"].as_u64().unwrap())
        .collect();
    assert_eq!(
        review_labels.iter().filter(|&&l| l == 1).count(),
        train.iter().filter(|r| r.1 == 1).count()
    );
    assert!(
        rows[2..].iter().any(|r| ids(r).len() == 64),
        "a long review fills the budget"
    );
}

/// `cinesense sentiment export`: the served folder whole (model, config, tokenizer, nothing
/// half-written beside them); a missing checkpoint or base is exit 2 and writes nothing.
#[test]
fn export_writes_the_served_folder_whole_or_nothing() {
    let served = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/models/sentiment");
    let dir = tempfile::tempdir().unwrap();
    let export = |checkpoint: &std::path::Path, base: &std::path::Path, out: &std::path::Path| {
        Command::new(env!("CARGO_BIN_EXE_cinesense"))
            .args(["sentiment", "export", "--checkpoint"])
            .arg(checkpoint)
            .arg("--base")
            .arg(base)
            .arg("--out")
            .arg(out)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };

    let refused = dir.path().join("refused");
    for (checkpoint, base, missing) in [
        (served.clone(), dir.path().join("no-base"), "config.json"),
        (
            dir.path().join("no-checkpoint"),
            served.clone(),
            "model.safetensors",
        ),
    ] {
        let out = export(&checkpoint, &base, &refused);
        assert_eq!(out.status.code(), Some(2));
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains(missing) && said.contains("does not exist"),
            "{said}"
        );
        assert!(!refused.exists());
    }

    let out_dir = dir.path().join("model");
    let out = export(&served, &served, &out_dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["config.json", "model.safetensors", "tokenizer.json"]
    );
    for file in ["config.json", "tokenizer.json"] {
        assert_eq!(
            std::fs::read(out_dir.join(file)).unwrap(),
            std::fs::read(served.join(file)).unwrap()
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out_dir.join("model.safetensors"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o044,
            0o044,
            "readable by the server's user: {mode:o}"
        );
    }
    // The served weights are f16 already: written again, they are the same size.
    let size = |p: std::path::PathBuf| std::fs::metadata(p).unwrap().len();
    assert_eq!(
        size(out_dir.join("model.safetensors")),
        size(served.join("model.safetensors"))
    );
}

/// A data folder holding SST-2 alone.
fn sst2_only() -> tempfile::TempDir {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = tempfile::tempdir().unwrap();
    let sst2 = data.path().join("sentiment/sst2");
    std::fs::create_dir_all(&sst2).unwrap();
    for file in ["train.tsv", "dev.tsv"] {
        std::fs::copy(root.join("data/sentiment/sst2").join(file), sst2.join(file)).unwrap();
    }
    data
}

/// `cinesense sentiment eval` on the first 40 examples, with the data in `data`.
fn eval(data: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cinesense"))
        .args(["sentiment", "eval", "--limit", "40"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .env("SENTIMENT_DEVICE", "cpu")
        .env("CINESENSE_DATA_DIR", data)
        .output()
        .unwrap()
}

/// The JSON report, the last line of a successful run's stdout.
fn report(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap()).unwrap()
}

/// `cinesense sentiment eval --sets`: only the named sets are scored and only their files
/// read (here a data folder holding SST-2 alone), so a model can be chosen without looking at
/// the test sets; an unknown set is a usage error naming the known ones.
#[test]
fn eval_scores_only_the_sets_asked_for() {
    let data = sst2_only();
    let report = report(&eval(data.path(), &["--sets", "sst2_dev_unseen"]));
    let sets: Vec<&String> = report.as_object().unwrap().keys().collect();
    assert_eq!(sets, ["sst2_dev_unseen"]);
    assert_eq!(report["sst2_dev_unseen"]["examples"], 40);
    assert!(report["sst2_dev_unseen"]["accuracy"].as_f64().unwrap() >= 0.8);

    let out = eval(data.path(), &["--sets", "sst2_dev_unseen,imdb"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("imdb") && stderr.contains("aclimdb_heldout"),
        "{stderr}"
    );
}

/// `--engine avx512` and `--engine avx2` run the kernels in that instruction set where the
/// CPU has it (the engine line says which ran) and give the served engine's answers to within
/// one of 40 (the layers' sums are the same; layer norm and softmax add in a different order);
/// where the CPU lacks it, a usage error that says so.
#[test]
fn eval_runs_the_instruction_set_asked_for_or_says_it_cannot() {
    let data = sst2_only();
    let args = |engine| ["--sets", "sst2_dev_unseen", "--engine", engine];
    let served = report(&eval(data.path(), &args("best")))["sst2_dev_unseen"]["accuracy"]
        .as_f64()
        .unwrap();
    for (engine, words) in [("avx512", "AVX-512 VNNI"), ("avx2", "AVX2")] {
        let out = eval(data.path(), &args(engine));
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        if out.status.code() == Some(2) {
            assert!(
                stderr.contains(&format!("this CPU cannot run --engine {engine}")),
                "{stderr}"
            );
            continue;
        }
        assert!(
            stderr.contains(&format!("engine: kernels ({words})")),
            "{stderr}"
        );
        let accuracy = report(&out)["sst2_dev_unseen"]["accuracy"]
            .as_f64()
            .unwrap();
        assert!(
            (accuracy - served).abs() <= 1.0 / 40.0 + 1e-9,
            "{engine}: {accuracy} vs {served}"
        );
    }
}
