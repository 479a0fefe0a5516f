//! `cinesense sentiment train | examples | export | classify | eval`: the review classifier.

use super::BadInput;
use anyhow::Result;
use cinesense::config::Settings;
use cinesense::sentiment::{data, pick_device, Classifier, CpuEngine, Hardware};
use clap::Subcommand;
use clap::ValueEnum;
use serde_json::json;
use std::io::{BufRead, Write};

#[derive(Subcommand, Debug)]
pub enum SentimentCommand {
    /// Fine-tune the BERT classifier (resumable; see data/models/sentiment/MODEL_CARD.md).
    Train(cinesense::sentiment::train::TrainArgs),
    /// Write the encoded training examples as JSON lines {"ids", "label"} for
    /// scripts/train_sentiment.py (the CPU trainer; see the MODEL_CARD).
    Examples {
        #[command(flatten)]
        corpus: cinesense::sentiment::train::CorpusArgs,
        #[arg(long, default_value = "target/sentiment-examples.jsonl")]
        out: std::path::PathBuf,
    },
    /// Write a checkpoint's weights as the served model (f16, with config and tokenizer).
    Export {
        #[arg(long, default_value = "target/sentiment-checkpoint")]
        checkpoint: std::path::PathBuf,
        #[arg(long)]
        base: std::path::PathBuf,
        #[arg(long, default_value = "data/models/sentiment")]
        out: std::path::PathBuf,
    },
    /// Read JSON lines {"text": "..."} on stdin, write {"label", "score"} per line, in order.
    Classify,
    /// Accuracy on the SST-2 dev sentences whose text training never held, the held-out
    /// aclImdb reviews (whole), the UCI IMDb sentences and rt-polarity.
    Eval {
        /// Only the first N of each set.
        #[arg(long)]
        limit: Option<usize>,
        /// On the CPU: `best` (the served engine), `avx512` or `avx2` (the kernels in that
        /// instruction set, where the CPU has it), or `candle` (f32, for comparison).
        #[arg(long, value_enum, default_value = "best")]
        engine: CpuEngine,
        /// Only these sets (comma-separated), e.g. the validation ones while choosing a model,
        /// so that the test sets are not looked at. Only their files are read.
        #[arg(long, value_enum, value_delimiter = ',')]
        sets: Vec<EvalSet>,
    },
    /// How the audience share agrees with reviewers' own 1-10 ratings, per movie, over the
    /// index's offline reviews, and with the catalog members' and TMDB voters' means
    /// (Pearson and Spearman; see `cinesense::eval::audience`).
    Agreement {
        /// Reviews a movie needs on each side to count.
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=1000))]
        min: u32,
        /// Print one JSON object instead of the table.
        #[arg(long)]
        json: bool,
    },
}

fn load(settings: &Settings) -> Result<cinesense::sentiment::BertClassifier> {
    cinesense::sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device)
}

pub fn run(command: SentimentCommand, settings: &Settings) -> Result<()> {
    match command {
        SentimentCommand::Train(args) => {
            let device = pick_device(settings.sentiment_device)?;
            eprintln!("training on {}", Hardware::of(&device));
            cinesense::sentiment::train::train(&args, &device)
        }
        SentimentCommand::Examples { corpus, out } => {
            let n = cinesense::sentiment::train::write_examples(&corpus, &out)?;
            eprintln!("{n} examples written to {}", out.display());
            Ok(())
        }
        SentimentCommand::Export {
            checkpoint,
            base,
            out,
        } => {
            let needed = [
                checkpoint.join("model.safetensors"),
                base.join("config.json"),
                base.join("tokenizer.json"),
            ];
            if let Some(missing) = needed.iter().find(|path| !path.is_file()) {
                return Err(BadInput(format!("{} does not exist", missing.display())).into());
            }
            cinesense::sentiment::train::export(&checkpoint, &base, &out)?;
            eprintln!("model written to {}", out.display());
            Ok(())
        }
        SentimentCommand::Classify => classify(settings),
        SentimentCommand::Eval {
            limit,
            engine,
            sets,
        } => eval(settings, limit, engine, &sets),
        SentimentCommand::Agreement { min, json } => agreement(settings, min as usize, json),
    }
}

fn share(right: impl Iterator<Item = bool>) -> f64 {
    let (mut n, mut r) = (0usize, 0usize);
    for ok in right {
        n += 1;
        r += usize::from(ok);
    }
    r as f64 / n.max(1) as f64
}

fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Whether a sentence holds a negation ("not", "n't", "no", "never", ...).
fn negated(text: &str) -> bool {
    const NEGATIONS: [&str; 9] = [
        "not", "no", "never", "nothing", "none", "nor", "neither", "nobody", "without",
    ];
    text.split_whitespace().any(|w| {
        let w = w.to_lowercase();
        w.ends_with("n't") || NEGATIONS.contains(&w.trim_matches(|c: char| !c.is_alphanumeric()))
    })
}

/// Accuracy per group of `set` (`group_of` each text).
fn breakdown(
    set: &[(String, u8)],
    right: &[bool],
    group_of: impl Fn(&str) -> &'static str,
) -> serde_json::Value {
    let mut groups: std::collections::BTreeMap<&str, Vec<bool>> = Default::default();
    for ((text, _), &ok) in set.iter().zip(right) {
        groups.entry(group_of(text)).or_default().push(ok);
    }
    groups
        .into_iter()
        .map(|(g, v)| {
            (
                g.to_string(),
                json!({"accuracy": share(v.iter().copied()), "examples": v.len()}),
            )
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

fn agreement(settings: &Settings, min: usize, json: bool) -> Result<()> {
    use cinesense::eval::audience::{agreement, MovieReading, ReviewReading};
    let artifacts = cinesense::index::load_or_build(settings, json)?;
    let movies: Vec<(u32, Vec<ReviewReading>)> = artifacts
        .reviews
        .iter()
        .map(|(&id, list)| {
            let readings = list
                .iter()
                .filter_map(|c| {
                    let r = &c.review;
                    let id = format!("{}_{}", r.split.name(), r.number);
                    Some(ReviewReading {
                        rating: r.rating,
                        positive: c.sentiment?.label == cinesense::sentiment::Label::Positive,
                        // The classifier trained on SST-2 and aclImdb train outside its
                        // held-out 10%; the unlabeled reviews it never read.
                        trained_on: r.rating.is_some() && !data::held_out(&id),
                    })
                })
                .collect();
            (id, readings)
        })
        .collect();
    if movies.iter().all(|(_, readings)| readings.is_empty()) {
        anyhow::bail!(
            "the index holds no classified offline reviews (REVIEWS_FILE {}, and a sentiment model)",
            settings.reviews_file.display()
        );
    }
    // Means of fewer ratings or votes than these move too much to compare.
    const MEMBER_RATINGS: u32 = 10;
    const TMDB_VOTES: u32 = 100;
    let audiences = cinesense::index::offline_audiences(&artifacts.reviews);
    let a = agreement(
        movies.iter().map(|(id, reviews)| {
            let movie = artifacts.catalog.get(*id);
            MovieReading {
                reviews,
                shown: audiences
                    .get(id)
                    .filter(|a| a.is_telling())
                    .map(|a| a.share()),
                members: movie
                    .filter(|m| m.rating_count >= MEMBER_RATINGS)
                    .map(|m| f64::from(m.rating_mean)),
                tmdb: movie
                    .filter(|m| m.tmdb_vote_count >= Some(TMDB_VOTES))
                    .and_then(|m| m.tmdb_vote_average)
                    .map(f64::from),
            }
        }),
        min,
    );
    if json {
        println!("{}", serde_json::to_string(&a)?);
        return Ok(());
    }
    println!("audience share against the reviewers' mean 1-10 rating, per movie with {min}+ rated reviews");
    println!(
        "{:<58} {:>7} {:>8} {:>9}",
        "", "movies", "Pearson", "Spearman"
    );
    for (what, c) in [
        (
            "classifier's share, all labeled reviews (not held out)",
            a.labeled,
        ),
        (
            "share rated 7+ of the same reviews (the ceiling)",
            a.labeled_truth,
        ),
        ("classifier's share, held-out reviews only", a.held_out),
        (
            "share rated 7+ of the same reviews (the ceiling)",
            a.held_out_truth,
        ),
    ] {
        println!(
            "{what:<58} {:>7} {:>8.3} {:>9.3}",
            c.movies, c.pearson, c.spearman
        );
    }
    println!();
    println!(
        "the share a card shows (a movie's {}+ classified reviews) against how others rate the film",
        cinesense::records::Audience::TELLING
    );
    for (what, c) in [
        (
            format!("catalog members' mean stars ({MEMBER_RATINGS}+ ratings)"),
            a.members,
        ),
        (format!("TMDB voters' mean ({TMDB_VOTES}+ votes)"), a.tmdb),
    ] {
        println!(
            "{what:<58} {:>7} {:>8.3} {:>9.3}",
            c.movies, c.pearson, c.spearman
        );
    }
    println!(
        "{} of {} shares are 10% or less or 90% or more",
        a.one_sided, a.shown
    );
    Ok(())
}

/// One output line per input line, in order; a bad line gets an error line, not a crash.
fn classify(settings: &Settings) -> Result<()> {
    let classifier = load(settings)?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut pending: Vec<Result<String, String>> = Vec::new();
    let flush = |pending: &mut Vec<Result<String, String>>, out: &mut dyn Write| -> Result<()> {
        let texts: Vec<String> = pending
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let mut results = classifier.classify(&texts)?.into_iter();
        for p in pending.drain(..) {
            let line = match p {
                Ok(_) => {
                    let s = results.next().expect("one result per text");
                    json!({"label": s.label, "score": (s.score * 1e6).round() / 1e6})
                }
                Err(e) => json!({"error": e}),
            };
            writeln!(out, "{line}")?;
        }
        out.flush()?;
        Ok(())
    };
    for line in stdin.lock().lines() {
        let line = line?;
        let parsed = match serde_json::from_str::<serde_json::Value>(&line) {
            Ok(v) => match v.get("text").and_then(|t| t.as_str()) {
                Some(t) if !t.trim().is_empty() => Ok(t.to_string()),
                Some(_) => Err("empty text".to_string()),
                None => Err("expected {\"text\": \"...\"}".to_string()),
            },
            Err(e) => Err(format!("invalid JSON: {e}")),
        };
        pending.push(parsed);
        if pending.len() >= 64 {
            flush(&mut pending, &mut out)?;
        }
    }
    flush(&mut pending, &mut out)
}

/// The sets `sentiment eval` scores; see the MODEL_CARD for how each was cut.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
pub enum EvalSet {
    /// GLUE's SST-2 dev: the 872 sentences of SST's dev split (a test set).
    GlueSst2Dev,
    /// SST-2 train rows cut out as dev whose text training never held (484).
    Sst2DevUnseen,
    /// The 10% of aclImdb train that training never read, whole reviews.
    AclimdbHeldout,
    UciImdb,
    RtPolarity,
    /// rt-polarity snippets that SST-2 train does not hold.
    RtPolarityUnseen,
    /// Those without GLUE's dev sentences: a validation set of sentences (3,385; GLUE's file is
    /// read only to leave its sentences out).
    RtPolarityValidation,
}

impl EvalSet {
    /// Whether its examples are sentences (then broken down by length and negation).
    fn sentences(self) -> bool {
        matches!(
            self,
            EvalSet::GlueSst2Dev
                | EvalSet::Sst2DevUnseen
                | EvalSet::RtPolarityUnseen
                | EvalSet::RtPolarityValidation
        )
    }

    fn load(self, dir: &std::path::Path) -> Result<Vec<(String, u8)>> {
        match self {
            EvalSet::GlueSst2Dev => data::glue_sst2_dev(dir),
            EvalSet::Sst2DevUnseen => data::sst2_dev_unseen(dir),
            EvalSet::AclimdbHeldout => Ok(data::aclimdb(dir)?.1),
            EvalSet::UciImdb => data::uci_imdb(dir),
            EvalSet::RtPolarity => data::rt_polarity(dir),
            EvalSet::RtPolarityUnseen => data::rt_polarity_unseen(dir),
            EvalSet::RtPolarityValidation => data::rt_polarity_validation(dir),
        }
    }
}

/// A value's name on the command line, as clap derives it (a set's name is also its key in
/// the report).
fn cli_name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .expect("no value is hidden")
        .get_name()
        .to_string()
}

/// Accuracy on each of `sets` (all of them when empty), printed and as one JSON line.
fn eval(
    settings: &Settings,
    limit: Option<usize>,
    engine: CpuEngine,
    sets: &[EvalSet],
) -> Result<()> {
    if !engine.runs_here() {
        return Err(BadInput(format!(
            "this CPU cannot run --engine {}; --engine best picks what it can",
            cli_name(engine)
        ))
        .into());
    }
    let classifier = cinesense::sentiment::BertClassifier::load_with(
        &settings.sentiment_model_dir,
        pick_device(settings.sentiment_device)?,
        engine,
    )?;
    match classifier.instruction_set() {
        Some(isa) => eprintln!("engine: {} ({isa})", classifier.engine()),
        None => eprintln!("engine: {}", classifier.engine()),
    }
    let dir = &settings.data_dir.join("sentiment");
    let all = EvalSet::value_variants();
    let sets = if sets.is_empty() { all } else { sets };
    let mut report = serde_json::Map::new();
    for &which in all.iter().filter(|s| sets.contains(s)) {
        let (name, sentences) = (cli_name(which), which.sentences());
        let mut set = which.load(dir)?;
        if let Some(n) = limit {
            // A fixed, label-balanced-enough sample: every k-th example.
            let k = (set.len() / n.max(1)).max(1);
            set = set.into_iter().step_by(k).take(n).collect();
        }
        let started = std::time::Instant::now();
        let right = cinesense::sentiment::judged(&classifier, &set)?;
        let acc = share(right.iter().copied());
        println!(
            "{name:<18} accuracy {acc:.4}  ({} examples, {:.1} s)",
            set.len(),
            started.elapsed().as_secs_f64()
        );
        let mut entry = json!({"accuracy": acc, "examples": set.len()});
        if sentences {
            entry["by_words"] = breakdown(&set, &right, |t| match words(t) {
                0..=10 => "1-10",
                11..=20 => "11-20",
                21..=30 => "21-30",
                _ => "31+",
            });
            entry["by_negation"] = breakdown(&set, &right, |t| {
                if negated(t) {
                    "with a negation"
                } else {
                    "without"
                }
            });
            for part in ["by_words", "by_negation"] {
                for (group, v) in entry[part].as_object().unwrap() {
                    println!(
                        "{:<18}   {group:<16} {:.4}  ({})",
                        "",
                        v["accuracy"].as_f64().unwrap_or(0.0),
                        v["examples"]
                    );
                }
            }
        }
        report.insert(name.to_string(), entry);
    }
    println!("{}", serde_json::Value::Object(report));
    Ok(())
}
