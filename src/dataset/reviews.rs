//! Offline IMDb user reviews (`data/reviews/`, or any file in the same layout): real reviews
//! keyed by IMDb id, matched to the catalog's films through their IMDb ids (links.csv). They let
//! the review panel and audience sentiment work without the internet.
//!
//! The file is gzipped JSON lines, one review each:
//! `{"imdb_id":"tt0114369","split":"train_pos"|"train_neg"|"unsup","review":123,"rating":8|null,"text":"…"}`
//! (data/reviews/PROVENANCE.md). A line that does not read is an error naming it.

use super::Catalog;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::Path;

/// Which part of the Large Movie Review Dataset a review comes from. The labeled parts (the
/// reviewer's 1-10 rating known) trained the sentiment classifier; the unlabeled part never did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSplit {
    TrainPos,
    TrainNeg,
    Unsup,
}

impl ReviewSplit {
    /// As the dataset names it (`train_pos`), the first part of a review's id there.
    pub fn name(self) -> &'static str {
        match self {
            ReviewSplit::TrainPos => "train_pos",
            ReviewSplit::TrainNeg => "train_neg",
            ReviewSplit::Unsup => "unsup",
        }
    }
}

/// One review of a catalog film.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfflineReview {
    /// Its number in its split of the dataset (with the split, it names the review).
    pub number: u32,
    pub split: ReviewSplit,
    /// The reviewer's own 1-10 rating, where the dataset kept it.
    pub rating: Option<u8>,
    /// As written, with the dataset's `<br />` line breaks made newlines.
    pub text: String,
}

#[derive(Deserialize)]
struct Line {
    imdb_id: String,
    split: ReviewSplit,
    review: u32,
    rating: Option<u8>,
    text: String,
}

/// The reviews of the catalog's films, by MovieLens movie id, in the file's order. Reviews of
/// titles the catalog does not have are skipped.
pub fn load_reviews(path: &Path, catalog: &Catalog) -> Result<BTreeMap<u32, Vec<OfflineReview>>> {
    let by_imdb: HashMap<&str, u32> = catalog
        .movies()
        .iter()
        .filter_map(|m| Some((m.imdb_id.as_deref()?, m.id)))
        .collect();
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut reviews: BTreeMap<u32, Vec<OfflineReview>> = BTreeMap::new();
    for (n, line) in reader.lines().enumerate() {
        let at = || format!("{} line {}", path.display(), n + 1);
        let line = line.with_context(at)?;
        if line.trim().is_empty() {
            continue;
        }
        let row: Line = serde_json::from_str(&line).with_context(at)?;
        if let Some(&movie) = by_imdb.get(row.imdb_id.as_str()) {
            reviews.entry(movie).or_default().push(OfflineReview {
                number: row.review,
                split: row.split,
                rating: row.rating,
                text: clean(&row.text),
            });
        }
    }
    Ok(reviews)
}

/// The dataset's `<br />` tags as newlines, surrounding space trimmed.
fn clean(text: &str) -> String {
    text.replace("<br /><br />", "\n\n")
        .replace("<br />", "\n")
        .trim()
        .to_string()
}

/// `text` with the Windows-1252 punctuation the dataset kept as C1 control characters
/// (U+0080-U+009F: "\u{96}" for an en dash, "\u{85}" for an ellipsis) made the characters meant;
/// the few with no meaning are dropped. For showing: the sentiment cache keys the text as read.
pub fn readable(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c as u32 {
            0x80 => Some('€'),
            0x84 => Some('„'),
            0x85 => Some('…'),
            0x86 => Some('†'),
            0x8e => Some('Ž'),
            0x91 => Some('‘'),
            0x92 => Some('’'),
            0x93 => Some('“'),
            0x94 => Some('”'),
            0x95 => Some('•'),
            0x96 => Some('–'),
            0x97 => Some('—'),
            0x9c => Some('œ'),
            0x9e => Some('ž'),
            n if (0x80..=0x9f).contains(&n) => None,
            _ => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_punctuation_reads_as_meant() {
        assert_eq!(
            readable("everything\u{96} you have to see it\u{85} \u{93}Amélie\u{94}\u{8d}"),
            "everything– you have to see it… “Amélie”"
        );
    }
    use std::io::Write;

    fn gz(lines: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        let mut enc =
            flate2::write::GzEncoder::new(file.reopen().unwrap(), flate2::Compression::fast());
        enc.write_all(lines.as_bytes()).unwrap();
        enc.finish().unwrap();
        file
    }

    fn catalog() -> Catalog {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
        let files =
            crate::dataset::DataFiles::new(&root.join("movielens-ml-latest-small"), &root).unwrap();
        crate::dataset::load_catalog(&files).unwrap()
    }

    #[test]
    fn reviews_are_matched_to_the_catalog_by_imdb_id() {
        let file = gz(concat!(
            r#"{"imdb_id": "tt0114369", "split": "train_pos", "review": 7, "rating": 9, "text": "Dark.<br /><br />Brilliant. "}"#,
            "\n",
            r#"{"imdb_id": "tt0114369", "split": "unsup", "review": 40, "rating": null, "text": "Grim"}"#,
            "\n",
            r#"{"imdb_id": "tt9999999", "split": "unsup", "review": 1, "rating": null, "text": "not in the catalog"}"#,
            "\n"
        ));
        let reviews = load_reviews(file.path(), &catalog()).unwrap();
        // Se7en is MovieLens movie 47 (links.csv: 47,0114369).
        assert_eq!(reviews.len(), 1);
        let se7en = &reviews[&47];
        assert_eq!(se7en.len(), 2);
        assert_eq!(se7en[0].text, "Dark.\n\nBrilliant.");
        assert_eq!(se7en[0].rating, Some(9));
        assert_eq!(se7en[1].split, ReviewSplit::Unsup);
    }

    /// The shipped file, as its PROVENANCE.md describes it.
    #[test]
    fn the_shipped_reviews_cover_the_default_catalog() {
        let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("data/reviews/imdb-reviews.jsonl.gz");
        let reviews = load_reviews(&path, &catalog()).unwrap();
        assert_eq!(reviews.len(), 1_828);
        assert_eq!(reviews.values().map(Vec::len).sum::<usize>(), 24_346);
        assert_eq!(reviews.values().filter(|r| r.len() >= 5).count(), 1_219);
        // Se7en and Amélie.
        assert_eq!(reviews[&47].len(), 30);
        assert_eq!(reviews[&4973].len(), 30);
        assert!(reviews.values().flatten().all(|r| !r.text.contains("<br")));
    }

    #[test]
    fn a_bad_line_is_an_error_naming_it() {
        let file = gz("{\"imdb_id\": \"tt0114369\", \"split\": \"train_pos\", \"review\": 1, \"rating\": 9, \"text\": \"ok\"}\n{\"imdb_id\": 5}\n");
        let err = format!("{:#}", load_reviews(file.path(), &catalog()).unwrap_err());
        assert!(err.contains("line 2"), "{err}");
    }
}
