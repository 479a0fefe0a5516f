//! The tantivy schema, the index build and the shared reader.

use crate::dataset::Catalog;
use anyhow::{Context, Result};
use std::path::Path;
use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, SimpleTokenizer, TextAnalyzer, TokenStream,
};
use tantivy::{Index, IndexReader, ReloadPolicy, TantivyDocument};

pub(super) const FOLD: &str = "fold";

/// An opened index: the reader is opened once and shared by every request.
#[derive(Clone)]
pub struct SearchIndex {
    pub(super) index: Index,
    pub(super) reader: IndexReader,
    pub(super) fields: Fields,
    /// Answers to recent queries, shared by the clones.
    pub(super) cache: std::sync::Arc<super::cache::QueryCache>,
}

#[derive(Clone, Copy)]
pub(super) struct Fields {
    pub row: Field,
    pub names: Field,
    pub prefixes: Field,
    pub genres: Field,
    pub year: Field,
    pub popularity: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(FOLD)
            .set_index_option(IndexRecordOption::WithFreqs)
            // Title length should not decide: "Star Maps" is not a better match for "star"
            // than "Star Wars: Episode IV - A New Hope". Popularity decides instead.
            .set_fieldnorms(false),
    );
    let fields = Fields {
        row: b.add_u64_field("row", FAST | STORED),
        names: b.add_text_field("names", text.clone()),
        prefixes: b.add_text_field("prefixes", text.clone()),
        genres: b.add_text_field("genres", text),
        year: b.add_u64_field("year", INDEXED | FAST),
        popularity: b.add_f64_field("popularity", FAST),
    };
    (b.build(), fields)
}

fn folding() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(FOLD, folding());
}

/// A title's words as search reads them (lower case, accents folded), joined by spaces:
/// "Amélie" and "AMELIE" both give "amelie".
pub(crate) fn folded_words(text: &str) -> String {
    let mut analyzer = folding();
    let mut stream = analyzer.token_stream(text);
    let mut out = String::new();
    while let Some(t) = stream.next() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
    }
    out
}

/// Every prefix of every word: "Toy Story" -> "t to toy s st sto stor story".
fn edge_prefixes(text: &str) -> String {
    let mut out = String::new();
    for word in text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        for (i, c) in word.char_indices().take(20) {
            out.push_str(&word[..i + c.len_utf8()]);
            out.push(' ');
        }
    }
    out
}

/// Writes the index for `catalog` into `dir` (which must be empty or absent).
pub(crate) fn build_index(catalog: &Catalog, popularity: &[f32], dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let (schema, f) = schema();
    let index = Index::create_in_dir(dir, schema).context("create search index")?;
    register_tokenizers(&index);
    let mut writer = index.writer_with_num_threads(1, 50_000_000)?;
    for (row, movie) in catalog.movies().iter().enumerate() {
        let mut d = TantivyDocument::default();
        d.add_u64(f.row, row as u64);
        d.add_text(f.names, &movie.title);
        d.add_text(f.prefixes, edge_prefixes(&movie.title));
        if let Some(orig) = &movie.original_title {
            d.add_text(f.names, orig);
            d.add_text(f.prefixes, edge_prefixes(orig));
        }
        for g in &movie.genres {
            d.add_text(f.genres, g);
        }
        if let Some(y) = movie.year {
            d.add_u64(f.year, y as u64);
        }
        d.add_f64(
            f.popularity,
            popularity.get(row).copied().unwrap_or(0.0) as f64,
        );
        writer.add_document(d)?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

impl SearchIndex {
    pub(crate) fn open(dir: &Path) -> Result<Self> {
        // Read-only: a replica's index/ may be a copy it can't write.
        let index = super::read_only::ReadOnlyDirectory::open(dir)
            .map_err(anyhow::Error::from)
            .and_then(|d| Ok(Index::open(d)?))
            .with_context(|| format!("open search index {}", dir.display()))?;
        register_tokenizers(&index);
        let (expected, fields) = schema();
        anyhow::ensure!(
            index.schema() == expected,
            "search index schema is out of date; run `cinesense build`"
        );
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            fields,
            cache: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefixes_cover_every_word() {
        assert_eq!(super::edge_prefixes("Toy 2"), "T To Toy 2 ");
    }
}
