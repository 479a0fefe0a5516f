//! The labelled corpora under data/sentiment (see its PROVENANCE.md): SST-2, aclImdb train
//! (with a fixed 10% held out), the UCI IMDb sentences and Pang & Lee's rt-polarity.

use anyhow::{Context, Result};
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

/// Whether an aclImdb review is in the fixed 10% evaluation split (by a hash of its id).
fn held_out(id: &str) -> bool {
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
