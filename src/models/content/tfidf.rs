//! Per-field TF-IDF vectors (linfa-preprocessing), joined into one sparse row per movie.

use super::stop_words::STOPWORDS;
use crate::dataset::{Catalog, Movie};
use anyhow::{anyhow, Result};
use linfa_preprocessing::tf_idf_vectorization::TfIdfVectorizer;
use ndarray::Array1;
use rayon::prelude::*;
use sprs::{CsMat, TriMat};
use std::sync::Mutex;

/// How much each field counts in a movie's content vector.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldWeights {
    pub genres: f32,
    pub keywords: f32,
    pub tags: f32,
    pub overview: f32,
    pub title: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        FieldWeights {
            genres: 1.0,
            keywords: 1.0,
            tags: 0.8,
            overview: 0.7,
            title: 0.6,
        }
    }
}

/// The text of one movie, field by field. Phrases (genres, keywords, tags) are single tokens.
#[derive(Debug, Clone, Default)]
pub struct ContentDoc {
    pub genres: String,
    pub keywords: String,
    pub tags: String,
    pub overview: String,
    pub title: String,
}

/// "Science Fiction" -> "science_fiction", so a phrase is one token for the vectoriser.
fn phrase_token(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect()
}

fn phrases<'a>(items: impl IntoIterator<Item = &'a String>) -> String {
    items
        .into_iter()
        .map(|s| phrase_token(s))
        .collect::<Vec<_>>()
        .join(" ")
}

/// TMDB keywords about the release, not the film: shared by unrelated films, they would make
/// them look alike.
pub(crate) const HOUSEKEEPING_KEYWORDS: &[&str] = &[
    "duringcreditsstinger",
    "aftercreditsstinger",
    "woman director",
    "independent film",
    "3d",
    "imax",
    "sequel",
    "remake",
    "based on novel or book",
    "based on comic",
    "based on true story",
];

pub(crate) fn is_housekeeping(keyword: &str) -> bool {
    HOUSEKEEPING_KEYWORDS
        .iter()
        .any(|k| k.eq_ignore_ascii_case(keyword.trim()))
}

pub fn document(movie: &Movie) -> ContentDoc {
    ContentDoc {
        // Formats (IMAX) weigh as they did when MovieLens filed them among the genres.
        genres: phrases(movie.genres.iter().chain(&movie.formats)),
        keywords: phrases(movie.keywords.iter().filter(|k| !is_housekeeping(k))),
        tags: phrases(&movie.tags),
        overview: movie.overview.clone().unwrap_or_default(),
        title: movie.title.clone(),
    }
}

pub fn documents(catalog: &Catalog) -> Vec<ContentDoc> {
    catalog.movies().iter().map(document).collect()
}

/// Fits one field's vectoriser and transforms all rows, in parallel chunks.
fn field_matrix(texts: Vec<String>, stopwords: bool) -> Result<CsMat<f64>> {
    let n = texts.len();
    let all = Array1::from_vec(texts);
    let mut params = TfIdfVectorizer::default();
    if stopwords {
        params = params.stopwords(STOPWORDS).document_frequency(0.0, 0.5);
    }
    let fitted = params.fit(&all).map_err(|e| anyhow!("tf-idf fit: {e}"))?;
    if fitted.nentries() == 0 {
        return Ok(CsMat::zero((n, 0)));
    }
    // The fitted vectoriser is Send but not Sync: one copy per chunk, one chunk per thread.
    let threads = rayon::current_num_threads().max(1);
    let chunk = n.div_ceil(threads).max(1);
    let copies: Vec<Mutex<_>> = (0..threads).map(|_| Mutex::new(fitted.clone())).collect();
    let parts: Vec<CsMat<f64>> = all
        .as_slice()
        .expect("contiguous")
        .par_chunks(chunk)
        .enumerate()
        .map(|(i, c)| {
            let v = copies[i % threads].lock().expect("vectoriser lock");
            v.transform(&Array1::from_vec(c.to_vec()))
        })
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| anyhow!("tf-idf transform: {e}"))?;
    let views: Vec<_> = parts.iter().map(|m| m.view()).collect();
    let stacked: CsMat<f64> = sprs::vstack(&views);
    // linfa keeps its vocabulary in a HashMap, so columns come in a new order every run. Put
    // them in word order: sums over a row's terms, and so the neighbours, are then the same
    // from one build to the next.
    let vocabulary = fitted.vocabulary();
    let mut order: Vec<usize> = (0..vocabulary.len()).collect();
    order.sort_by(|&a, &b| vocabulary[a].cmp(&vocabulary[b]));
    let mut column = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        column[old] = new;
    }
    let mut sorted = TriMat::with_capacity((n, stacked.cols()), stacked.nnz());
    for (&v, (r, c)) in stacked.iter() {
        sorted.add_triplet(r, column[c], v);
    }
    Ok(sorted.to_csr())
}

/// The weighted content vectors, one CSR row per document, of length 1 for a movie described in
/// every field and shorter for one with fields missing.
pub fn feature_matrix(docs: &[ContentDoc], weights: &FieldWeights) -> Result<CsMat<f32>> {
    let n = docs.len();
    let fields: [(Vec<String>, bool, f32); 5] = [
        (
            docs.iter().map(|d| d.genres.clone()).collect(),
            false,
            weights.genres,
        ),
        (
            docs.iter().map(|d| d.keywords.clone()).collect(),
            false,
            weights.keywords,
        ),
        (
            docs.iter().map(|d| d.tags.clone()).collect(),
            false,
            weights.tags,
        ),
        (
            docs.iter().map(|d| d.overview.clone()).collect(),
            true,
            weights.overview,
        ),
        (
            docs.iter().map(|d| d.title.clone()).collect(),
            true,
            weights.title,
        ),
    ];
    let mut matrices = Vec::new();
    for (texts, stop, weight) in fields {
        if weight > 0.0 {
            matrices.push((field_matrix(texts, stop)?, weight));
        }
    }
    let total_cols: usize = matrices.iter().map(|(m, _)| m.cols()).sum();
    let nnz: usize = matrices.iter().map(|(m, _)| m.nnz()).sum();
    let mut tri = TriMat::with_capacity((n, total_cols), nnz);
    let mut offset = 0;
    for (m, weight) in &matrices {
        for (row, vec) in m.outer_iterator().enumerate() {
            let norm = vec.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
            if norm == 0.0 {
                continue;
            }
            for (col, v) in vec.iter() {
                let value = (*v / norm) as f32 * weight;
                tri.add_triplet(row, offset + col, value);
            }
        }
        offset += m.cols();
    }
    // Every row is divided by the length a movie described in every field would have, not by
    // its own: a movie known only by its genres keeps a short vector, so it cannot look
    // identical to every other movie of those genres.
    let full: f32 = matrices.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    let mut csr: CsMat<f32> = tri.to_csr();
    for v in csr.data_mut() {
        *v /= full;
    }
    Ok(csr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_documents_give_the_same_matrix_every_time() {
        let words = [
            "lighthouse",
            "keeper",
            "storm",
            "island",
            "letters",
            "war",
            "ship",
            "harbour",
            "winter",
            "brothers",
            "radio",
            "fog",
            "whale",
            "mutiny",
            "compass",
            "anchor",
        ];
        let docs: Vec<ContentDoc> = (0..40)
            .map(|i| ContentDoc {
                genres: ["Drama", "Adventure", "Thriller"][i % 3].into(),
                overview: (0..6)
                    .map(|k| words[(i * 7 + k * 3) % words.len()])
                    .collect::<Vec<_>>()
                    .join(" "),
                title: words[i % words.len()].into(),
                ..Default::default()
            })
            .collect();
        let weights = FieldWeights::default();
        let first = feature_matrix(&docs, &weights).unwrap();
        for _ in 0..3 {
            // Each fit builds a new HashMap vocabulary with its own hash seed.
            assert_eq!(feature_matrix(&docs, &weights).unwrap(), first);
        }
    }
}
