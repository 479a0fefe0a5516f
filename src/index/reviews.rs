//! The offline reviews an index carries: the catalog's films' reviews from the reviews file
//! (`dataset::reviews`), each classified by the sentiment model once. Classifying 24,000
//! reviews takes minutes, so every result is kept in a cache keyed by the model's fingerprint
//! and the text's hash, saved as the work goes: a rebuild, an interrupted build started again,
//! or a fresh clone (a cache can ship beside the reviews file) classifies only what it has not
//! seen.

use crate::atomic_file;
use crate::config::Settings;
use crate::dataset::reviews::{load_reviews, OfflineReview};
use crate::dataset::Catalog;
use crate::fnv::Fnv;
use crate::sentiment::{Classifier, Sentiment};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

/// A review with its sentiment (None where no model could classify it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifiedReview {
    pub review: OfflineReview,
    pub sentiment: Option<Sentiment>,
}

/// Texts classified at once.
const BATCH: usize = 32;
/// The cache is saved after this many new classifications (and at the end).
const SAVE_EVERY: usize = 1024;

/// The sentiment model's fingerprint: the hash of its files. None without a model.
pub(super) fn model_fingerprint(model_dir: &Path) -> Result<Option<String>> {
    let mut h = Fnv::default();
    for name in ["config.json", "tokenizer.json", "model.safetensors"] {
        match std::fs::read(model_dir.join(name)) {
            Ok(bytes) => {
                h.update(name.as_bytes());
                h.update(&(bytes.len() as u64).to_le_bytes());
                h.update(&bytes);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", model_dir.display()))
            }
        }
    }
    Ok(Some(h.hex()))
}

/// The different texts of `reviews` that `cache` does not know.
fn missing<'a>(
    reviews: &'a BTreeMap<u32, Vec<OfflineReview>>,
    cache: &SentimentCache,
) -> Vec<&'a str> {
    let mut missing: Vec<&str> = reviews
        .values()
        .flatten()
        .map(|r| r.text.as_str())
        .filter(|t| !cache.by_text.contains_key(&text_key(t)))
        .collect();
    missing.sort_unstable();
    missing.dedup();
    missing
}

fn text_key(text: &str) -> u64 {
    let mut h = Fnv::default();
    h.update(text.as_bytes());
    h.value()
}

/// One model's classifications, by the hash of the text.
#[derive(Debug, Default, Serialize, Deserialize)]
struct SentimentCache {
    model: String,
    by_text: HashMap<u64, Sentiment>,
}

impl SentimentCache {
    /// The cache file for `model` in `dir`.
    fn path(dir: &Path, model: &str) -> std::path::PathBuf {
        dir.join(format!("review-sentiment-{model}.bin"))
    }

    /// What `path` holds for `model`; empty when the file is missing, unreadable or another
    /// model's (a damaged cache costs time, never a wrong label).
    fn read(path: &Path, model: &str) -> SentimentCache {
        let empty = || SentimentCache {
            model: model.to_string(),
            by_text: HashMap::new(),
        };
        let Ok(bytes) = std::fs::read(path) else {
            return empty();
        };
        match bincode::deserialize::<SentimentCache>(&bytes) {
            Ok(cache) if cache.model == model => cache,
            Ok(_) => empty(),
            Err(e) => {
                log::warn!(
                    "{} is not a sentiment cache ({e}); ignoring it",
                    path.display()
                );
                empty()
            }
        }
    }

    /// Takes in what `other` knows (for the same model).
    fn merge(&mut self, other: SentimentCache) {
        if other.model == self.model {
            self.by_text.extend(other.by_text);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.by_text.len()
    }

    /// Written whole or not at all.
    fn write(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        atomic_file::write(path, &bincode::serialize(self)?)
    }
}

/// The catalog's offline reviews, classified. Reads REVIEWS_FILE (none when it is missing),
/// takes what the caches know (the one index/ keeps, then one shipped beside the reviews file),
/// and classifies the rest with the sentiment model, loaded only when something is left; the
/// cache is kept in index/, outside `current`, so it outlives the swap.
pub(super) fn build_offline(
    settings: &Settings,
    catalog: &Catalog,
    quiet: bool,
) -> Result<BTreeMap<u32, Vec<ClassifiedReview>>> {
    if !settings.reviews_file.exists() {
        log::info!(
            "no offline reviews ({} is missing)",
            settings.reviews_file.display()
        );
        return Ok(BTreeMap::new());
    }
    let reviews = load_reviews(&settings.reviews_file, catalog)?;
    let Some(model) = model_fingerprint(&settings.sentiment_model_dir)? else {
        log::warn!(
            "offline reviews left without sentiment: no model in {}",
            settings.sentiment_model_dir.display()
        );
        return classify(
            reviews,
            &mut SentimentCache::default(),
            || None,
            &ProgressBar::hidden(),
            |_| Ok(()),
        );
    };
    let kept = SentimentCache::path(&settings.index_dir, &model);
    let mut cache = SentimentCache::read(&kept, &model);
    if let Some(dir) = settings.reviews_file.parent() {
        cache.merge(SentimentCache::read(
            &SentimentCache::path(dir, &model),
            &model,
        ));
    }
    let load_model =
        || match crate::sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device) {
            Ok(c) => Some(Arc::new(c) as Arc<dyn Classifier>),
            Err(e) => {
                log::warn!("offline reviews left without sentiment: {e:#}");
                None
            }
        };
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0).with_style(
            ProgressStyle::with_template(
                "{elapsed:>4} [{bar:30}] {pos}/{len} reviews classified ({per_sec}, {eta} left)",
            )
            .expect("valid template")
            .progress_chars("=> "),
        )
    };
    let out = classify(reviews, &mut cache, load_model, &bar, |c| c.write(&kept));
    bar.finish_and_clear();
    out
}

/// Classifies every review, taking what `cache` knows and adding what it learns; `save` is
/// called with the cache every `SAVE_EVERY` new classifications and at the end, so an
/// interrupted run keeps its work. The classifier is loaded (`load_model`) only when the cache
/// does not know every text; without one, those reviews keep no sentiment.
fn classify(
    reviews: BTreeMap<u32, Vec<OfflineReview>>,
    cache: &mut SentimentCache,
    load_model: impl FnOnce() -> Option<Arc<dyn Classifier>>,
    bar: &ProgressBar,
    mut save: impl FnMut(&SentimentCache) -> Result<()>,
) -> Result<BTreeMap<u32, Vec<ClassifiedReview>>> {
    let missing = missing(&reviews, cache);
    let classifier = if missing.is_empty() {
        None
    } else {
        load_model()
    };
    if let Some(classifier) = classifier {
        bar.set_length(missing.len() as u64);
        bar.set_position(0);
        let mut unsaved = 0;
        for batch in missing.chunks(BATCH) {
            let texts: Vec<String> = batch.iter().map(|t| t.to_string()).collect();
            let labels = classifier.classify(&texts)?;
            for (text, sentiment) in batch.iter().zip(labels) {
                cache.by_text.insert(text_key(text), sentiment);
            }
            bar.inc(batch.len() as u64);
            unsaved += batch.len();
            if unsaved >= SAVE_EVERY {
                save(cache)?;
                unsaved = 0;
            }
        }
        save(cache)?;
    } else if !missing.is_empty() {
        log::warn!(
            "{} offline reviews left without sentiment: no sentiment model",
            missing.len()
        );
    }
    Ok(reviews
        .into_iter()
        .map(|(movie, list)| {
            let classified = list
                .into_iter()
                .map(|review| ClassifiedReview {
                    sentiment: cache.by_text.get(&text_key(&review.text)).copied(),
                    review,
                })
                .collect();
            (movie, classified)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::reviews::ReviewSplit;
    use crate::sentiment::{Hardware, Label};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// "good" anywhere in the text is positive; counts the texts it was asked about.
    struct Keyword(AtomicUsize);

    impl Classifier for Keyword {
        fn classify(&self, texts: &[String]) -> Result<Vec<Sentiment>> {
            self.0.fetch_add(texts.len(), Ordering::SeqCst);
            Ok(texts
                .iter()
                .map(|t| {
                    let good = t.contains("good");
                    Sentiment {
                        label: if good {
                            Label::Positive
                        } else {
                            Label::Negative
                        },
                        score: if good { 0.9 } else { 0.1 },
                    }
                })
                .collect())
        }

        fn hardware(&self) -> Hardware {
            Hardware::Cpu
        }
    }

    fn review(text: &str) -> OfflineReview {
        OfflineReview {
            number: 1,
            split: ReviewSplit::Unsup,
            rating: None,
            text: text.into(),
        }
    }

    fn reviews() -> BTreeMap<u32, Vec<OfflineReview>> {
        BTreeMap::from([
            (1, vec![review("a good film"), review("dull")]),
            (2, vec![review("good good"), review("dull")]),
        ])
    }

    #[test]
    fn each_text_is_classified_once_and_the_cache_spares_a_rebuild_the_work() {
        let dir = tempfile::tempdir().unwrap();
        let path = SentimentCache::path(dir.path(), "m1");
        let model = Arc::new(Keyword(AtomicUsize::new(0)));
        let mut cache = SentimentCache::read(&path, "m1");
        let out = classify(
            reviews(),
            &mut cache,
            || Some(model.clone() as Arc<dyn Classifier>),
            &ProgressBar::hidden(),
            |c| c.write(&path),
        )
        .unwrap();
        // Three different texts ("dull" twice).
        assert_eq!(model.0.load(Ordering::SeqCst), 3);
        assert_eq!(out[&1][0].sentiment.unwrap().label, Label::Positive);
        assert_eq!(out[&2][1].sentiment.unwrap().label, Label::Negative);

        // A rebuild reads the saved cache: nothing to classify, without a model too.
        let mut again = SentimentCache::read(&path, "m1");
        assert_eq!(again.len(), 3);
        let no_model = || -> Option<Arc<dyn Classifier>> {
            panic!("no model is loaded when the cache knows every text")
        };
        let same = classify(
            reviews(),
            &mut again,
            no_model,
            &ProgressBar::hidden(),
            |_| Ok(()),
        )
        .unwrap();
        assert_eq!(same, out);
        // Another model's cache is not used.
        assert_eq!(SentimentCache::read(&path, "m2").len(), 0);
        // A damaged file is an empty cache, not an error.
        std::fs::write(&path, b"not a cache").unwrap();
        assert_eq!(SentimentCache::read(&path, "m1").len(), 0);
    }

    #[test]
    fn without_a_model_unknown_reviews_keep_no_sentiment() {
        let mut cache = SentimentCache::default();
        let out = classify(
            reviews(),
            &mut cache,
            || None,
            &ProgressBar::hidden(),
            |_| Ok(()),
        )
        .unwrap();
        assert!(out.values().flatten().all(|r| r.sentiment.is_none()));
    }
}
