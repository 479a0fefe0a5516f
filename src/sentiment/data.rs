//! The labelled corpora under data/sentiment (see its PROVENANCE.md): SST-2, aclImdb train
//! (with a fixed 10% held out), GLUE's SST-2 dev sentences (a test set only), the UCI IMDb
//! sentences and Pang & Lee's rt-polarity.

use anyhow::{Context, Result};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// (text, label) with label 1 = positive.
pub(crate) type Labeled = Vec<(String, u8)>;

fn tsv(path: &Path, header: bool) -> Result<Labeled> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(text
        .lines()
        .skip(header as usize)
        .filter_map(|l| {
            let (s, label) = l.rsplit_once('\t')?;
            Some((s.trim().to_string(), label.trim().parse().ok()?))
        })
        .filter(|(s, _)| !s.is_empty())
        .collect())
}

pub(crate) fn sst2_train(dir: &Path) -> Result<Labeled> {
    tsv(&dir.join("sst2/train.tsv"), true)
}

pub fn sst2_dev(dir: &Path) -> Result<Labeled> {
    tsv(&dir.join("sst2/dev.tsv"), true)
}

/// GLUE's SST-2 dev set: 872 sentences of SST's dev split, none of whose phrases SST-2 train
/// holds. Evaluation only: nothing that trains or chooses a model reads it.
pub fn glue_sst2_dev(dir: &Path) -> Result<Labeled> {
    tsv(&dir.join("glue-sst2-dev/dev.tsv"), true)
}

/// Hashes of every run of words in `text` (lower-cased), with each run's length in words.
fn word_runs(text: &str) -> Vec<(u64, usize)> {
    runs_of(text.split_whitespace().map(str::to_lowercase).collect())
}

fn runs_of(w: Vec<String>) -> Vec<(u64, usize)> {
    let mut out = Vec::with_capacity(w.len() * (w.len() + 1) / 2);
    for i in 0..w.len() {
        let mut h = crate::fnv::Fnv::default();
        for (len, word) in w[i..].iter().enumerate() {
            h.update(word.as_bytes());
            h.update(b" ");
            out.push((h.value(), len + 1));
        }
    }
    out
}

/// The whole text among its `word_runs`: the one longest run (hash, words).
fn whole(runs: &[(u64, usize)]) -> Option<(u64, usize)> {
    runs.iter().max_by_key(|p| p.1).copied()
}

/// The SST-2 dev rows a model trained on SST-2 train has not seen: the project's dev.tsv is cut
/// from SST-2 train, whose rows include the phrases of its sentences, so a dev row is dropped
/// when it appears inside a training row, or when a training row covering 90% or more of its
/// words appears inside it (the same sentence with a word more or less; word-aligned,
/// case-blind). What is left (484 of 6,735) are full sentences whose text the training data
/// does not hold.
pub fn sst2_dev_unseen(dir: &Path) -> Result<Labeled> {
    Ok(unseen(&sst2_train(dir)?, sst2_dev(dir)?))
}

/// The rt-polarity snippets SST-2 train does not hold: `sharing_nothing` with any training row.
/// SST's sentences are rt-polarity's snippets, so these are the sentences of SST's dev and test
/// splits (GLUE's SST-2 dev is among them) and its neutral ones, with rt-polarity's label (the
/// review's, a little noisier than SST's). By the same rule GLUE's 872 dev sentences keep 857
/// (twelve share a phrase of 25 letters with training, three are nearly a training row). A
/// word-by-word rule let through about 1,400 snippets holding a training sentence (SST writes
/// "ca n't" where rt-polarity writes "can't", and a snippet can hold two sentences).
pub fn rt_polarity_unseen(dir: &Path) -> Result<Labeled> {
    Ok(sharing_nothing(
        &sst2_train(dir)?,
        Others::Phrases,
        rt_polarity(dir)?,
    ))
}

/// A validation set of sentences no model here trained on and GLUE's dev does not hold:
/// `rt_polarity_unseen` `sharing_nothing` with GLUE's SST-2 dev sentences. GLUE's file is read
/// only to leave its sentences out.
pub fn rt_polarity_validation(dir: &Path) -> Result<Labeled> {
    Ok(sharing_nothing(
        &glue_sst2_dev(dir)?,
        Others::Sentences,
        rt_polarity_unseen(dir)?,
    ))
}

/// Letters in a run two texts may share by chance ("one of the best films of the year").
const SHARED_RUN: usize = 25;

/// What the rows `sharing_nothing` compares with are.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Others {
    /// Phrases as well as sentences (SST-2 train): a short one inside a row is chance.
    Phrases,
    /// Whole sentences (GLUE's dev): a row holding one, however short, holds that sentence.
    Sentences,
}

/// The rows of `rows` that share no run of `SHARED_RUN` letters with a row of `others`, nor,
/// for `Others::Sentences`, hold a shorter one whole; a row shorter than that is dropped when
/// it lies inside one of `others`, or one of 90% of its letters lies inside it. Letters are
/// `letters`: SST's "ca n't" meets "can't".
fn sharing_nothing(others: &Labeled, kind: Others, rows: Labeled) -> Labeled {
    let others: Vec<String> = others.iter().map(|(text, _)| letters(text)).collect();
    let runs: HashSet<&[u8]> = others
        .iter()
        .flat_map(|o| o.as_bytes().windows(SHARED_RUN))
        .collect();
    let short_sentences: Vec<&String> = match kind {
        Others::Phrases => Vec::new(),
        Others::Sentences => others.iter().filter(|o| o.len() < SHARED_RUN).collect(),
    };
    rows.into_iter()
        .filter(|(text, _)| {
            let l = letters(text);
            if short_sentences.iter().any(|o| l.contains(o.as_str())) {
                return false;
            }
            if l.len() >= SHARED_RUN {
                return !l.as_bytes().windows(SHARED_RUN).any(|w| runs.contains(w));
            }
            !l.is_empty()
                && !others.iter().any(|o| {
                    o.contains(l.as_str())
                        || (10 * o.len() >= 9 * l.len() && l.contains(o.as_str()))
                })
        })
        .collect()
}

/// Lower-case ASCII letters and digits of `text`, nothing else.
fn letters(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The rows of `rows` whose text `train` does not hold: not inside a training row, and no
/// training row covering 90% or more of its words inside it (`word_runs`: whole words, case-blind).
fn unseen(train: &Labeled, rows: Labeled) -> Labeled {
    let (mut train_rows, mut inside_train) = (HashSet::new(), HashSet::new());
    for (text, _) in train {
        let r = word_runs(text);
        train_rows.extend(whole(&r).map(|p| p.0));
        inside_train.extend(r.iter().map(|p| p.0));
    }
    rows.into_iter()
        .filter(|(text, _)| {
            let r = word_runs(text);
            let Some((all, n)) = whole(&r) else {
                return false;
            };
            !inside_train.contains(&all)
                && !r
                    .iter()
                    .any(|&(h, len)| 10 * len >= 9 * n && train_rows.contains(&h))
        })
        .collect()
}

pub fn uci_imdb(dir: &Path) -> Result<Labeled> {
    tsv(&dir.join("uci-sentiment-labelled/imdb_labelled.txt"), false)
}

/// Latin-1 files, one snippet a line.
pub fn rt_polarity(dir: &Path) -> Result<Labeled> {
    let mut out = Vec::new();
    for (file, label) in [
        ("rt-polarity/rt-polarity.pos", 1u8),
        ("rt-polarity/rt-polarity.neg", 0),
    ] {
        let bytes = std::fs::read(dir.join(file)).with_context(|| format!("cannot read {file}"))?;
        let text: String = bytes.iter().map(|&b| b as char).collect();
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| (l.to_string(), label)),
        );
    }
    Ok(out)
}

/// Whether an aclImdb review (id `train_pos_123`, `train_neg_45`) is in the fixed 10%
/// evaluation split that training never reads (by a hash of its id).
pub fn held_out(id: &str) -> bool {
    let mut h = crate::fnv::Fnv::default();
    h.update(id.as_bytes());
    h.value() % 10 == 0
}

/// (train 90%, held-out 10%) of the aclImdb train reviews.
pub fn aclimdb(dir: &Path) -> Result<(Labeled, Labeled)> {
    let path = dir.join("aclimdb-train/train.jsonl.gz");
    let file =
        std::fs::File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let (mut train, mut held) = (Vec::new(), Vec::new());
    #[derive(serde::Deserialize)]
    struct Row {
        id: String,
        label: u8,
        text: String,
    }
    for line in BufReader::new(flate2::read::GzDecoder::new(file)).lines() {
        let row: Row = serde_json::from_str(&line?)?;
        if held_out(&row.id) {
            held.push((row.text, row.label));
        } else {
            train.push((row.text, row.label));
        }
    }
    Ok((train, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(rows: Labeled) -> Vec<String> {
        rows.into_iter().map(|r| r.0).collect()
    }

    /// A dev row inside a training row, or holding a training row of 90% of its words or more,
    /// has been seen; a new sentence sharing only phrases with training has not.
    #[test]
    fn unseen_dev_rows_share_no_long_text_with_training() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sst2")).unwrap();
        let train = "sentence\tlabel\na gripping , funny film about grief and love\t1\n\
                     the film\t1\nso dull\t0\n";
        let dev = "sentence\tlabel\nFunny film about grief\t1\n\
                   the plot is so dull and so slow\t0\nso dull it hurts\t0\n\
                   a gripping , funny film about grief and love .\t1\n";
        std::fs::write(dir.path().join("sst2/train.tsv"), train).unwrap();
        std::fs::write(dir.path().join("sst2/dev.tsv"), dev).unwrap();
        let unseen = texts(sst2_dev_unseen(dir.path()).unwrap());
        // "Funny film about grief" is inside a training row; the last row is a training row and
        // a full stop. "so dull it hurts" only shares a phrase.
        assert_eq!(
            unseen,
            ["the plot is so dull and so slow", "so dull it hurts"]
        );
    }

    /// The shipped GLUE dev file is GLUE's (872 sentences, 444 positive) and is held out: no
    /// SST-2 training row is one of its sentences.
    #[test]
    fn the_glue_dev_set_is_whole_and_training_holds_none_of_its_sentences() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sentiment");
        let glue = glue_sst2_dev(&dir).unwrap();
        assert_eq!(glue.len(), 872);
        assert_eq!(glue.iter().filter(|r| r.1 == 1).count(), 444);
        // The same text as `unseen` reads it: its whole run of words, lower-cased.
        let text = |t: &str| whole(&word_runs(t));
        let train: HashSet<_> = sst2_train(&dir)
            .unwrap()
            .iter()
            .map(|r| text(&r.0))
            .collect();
        assert!(glue.iter().all(|r| !train.contains(&text(&r.0))));
    }

    /// A snippet holding a training sentence is seen, whether SST splits "ca n't" or it comes
    /// with a second sentence; a short one is seen when it is nearly a training row; a
    /// snippet sharing only a few words is not.
    #[test]
    fn rt_polarity_unseen_drops_snippets_holding_a_training_row() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["sst2", "rt-polarity"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let train = "sentence\tlabel\n\
                     a great cast ca n't lift this heartfelt enterprise out of the familiar\t0\n\
                     so dull\t0\nthe film\t1\n";
        std::fs::write(dir.path().join("sst2/train.tsv"), train).unwrap();
        let neg = "a great cast can't lift this heartfelt enterprise out of the familiar .\n\
                   no tension . a great cast can't lift this heartfelt enterprise out of the familiar .\n\
                   so dull .\n\
                   so dull it hurts , and the film knows it\n";
        let pos = "a film unlike anything in training at all .\n";
        std::fs::write(dir.path().join("rt-polarity/rt-polarity.neg"), neg).unwrap();
        std::fs::write(dir.path().join("rt-polarity/rt-polarity.pos"), pos).unwrap();
        let unseen = texts(rt_polarity_unseen(dir.path()).unwrap());
        assert_eq!(
            unseen,
            [
                "a film unlike anything in training at all .",
                "so dull it hurts , and the film knows it"
            ]
        );
    }

    /// On the shipped data: GLUE's dev sentences pass the rule that makes `rt_polarity_unseen`
    /// (they are held out), nearly all of them are among its snippets, and none of them is in
    /// the validation set.
    #[test]
    fn the_rt_polarity_validation_set_holds_nothing_of_glue_dev_or_training() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sentiment");
        let glue = glue_sst2_dev(&dir).unwrap();
        let held_out =
            sharing_nothing(&sst2_train(&dir).unwrap(), Others::Phrases, glue.clone()).len();
        assert!(held_out >= 850, "{held_out} of GLUE's 872 pass");
        let unseen = rt_polarity_unseen(&dir).unwrap();
        let validation = rt_polarity_validation(&dir).unwrap();
        let start = |t: &str| letters(t).chars().take(SHARED_RUN).collect::<String>();
        let in_letters = |set: &Labeled| set.iter().map(|r| letters(&r.0)).collect::<Vec<_>>();
        let (unseen, validation) = (in_letters(&unseen), in_letters(&validation));
        let holds = |set: &[String], t: &str| set.iter().any(|l| l.contains(&start(t)));
        let in_unseen = glue.iter().filter(|g| holds(&unseen, &g.0)).count();
        assert!(
            in_unseen >= 830,
            "{in_unseen} of GLUE's sentences among the unseen snippets"
        );
        assert!(glue.iter().all(|g| !holds(&validation, &g.0)));
        assert!(validation.len() > 3_000, "{}", validation.len());
    }
}
