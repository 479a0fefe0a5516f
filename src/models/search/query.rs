//! Turning what a person typed into tantivy queries, and running them.

use super::hit::{SearchHit, SearchQuery};
use super::schema::{SearchIndex, FOLD};
use anyhow::Result;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Score, SegmentReader, Term};

/// Longest accepted query, in characters.
pub(crate) const MAX_QUERY_CHARS: usize = 200;

/// Words shorter than this must match exactly; longer ones forgive one typo.
const FUZZY_FROM: usize = 4;

/// How much popularity (0..1) lifts a text score.
const POPULARITY_BOOST: f32 = 3.0;

impl SearchIndex {
    /// Splits and folds `text` the way titles were indexed.
    fn parse(&self, text: &str) -> SearchQuery {
        let mut analyzer = self
            .index
            .tokenizers()
            .get(FOLD)
            .expect("tokenizer registered");
        let mut words = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            words.push(t.text.clone());
        }
        // A 4-digit year narrows when there is something else to search for.
        let mut year = None;
        if words.len() >= 2 {
            if let Some(pos) = words.iter().rposition(|w| {
                w.len() == 4
                    && w.parse::<u64>()
                        .map(|y| (1874..=2035).contains(&y))
                        .unwrap_or(false)
            }) {
                year = words[pos].parse().ok();
                words.remove(pos);
            }
        }
        let last_is_prefix = !text.ends_with(char::is_whitespace);
        SearchQuery {
            words,
            last_is_prefix,
            year,
        }
    }

    fn word_query(&self, word: &str, is_last: bool, fuzzy: bool) -> Box<dyn Query> {
        let f = self.fields;
        let names = Term::from_field_text(f.names, word);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            Box::new(BoostQuery::new(
                Box::new(TermQuery::new(names.clone(), IndexRecordOption::WithFreqs)),
                1.5,
            )),
        )];
        if is_last {
            let prefix = Term::from_field_text(f.prefixes, word);
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(prefix, IndexRecordOption::WithFreqs)),
            ));
        }
        if fuzzy && word.chars().count() >= FUZZY_FROM {
            let q = if is_last {
                FuzzyTermQuery::new_prefix(names, 1, true)
            } else {
                FuzzyTermQuery::new(names, 1, true)
            };
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), 0.5))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn build(&self, q: &SearchQuery, fuzzy: bool) -> Box<dyn Query> {
        let last = q.words.len().saturating_sub(1);
        let mut must: Vec<(Occur, Box<dyn Query>)> = q
            .words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (
                    Occur::Must,
                    self.word_query(w, i == last && q.last_is_prefix, fuzzy),
                )
            })
            .collect();
        if let Some(y) = q.year {
            let by_year = TermQuery::new(
                Term::from_field_u64(self.fields.year, y),
                IndexRecordOption::Basic,
            );
            let in_title = TermQuery::new(
                Term::from_field_text(self.fields.names, &y.to_string()),
                IndexRecordOption::Basic,
            );
            must.push((
                Occur::Must,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Should, Box::new(by_year) as Box<dyn Query>),
                    (Occur::Should, Box::new(in_title)),
                ])),
            ));
        }
        Box::new(BooleanQuery::new(must))
    }

    fn run(&self, query: &dyn Query, limit: usize) -> Result<Vec<(Score, usize)>> {
        let searcher = self.reader.searcher();
        let collector = TopDocs::with_limit(limit).tweak_score(move |segment: &SegmentReader| {
            let pop = segment
                .fast_fields()
                .f64("popularity")
                .expect("popularity fast field")
                .first_or_default_col(0.0);
            move |doc, score: Score| score * (1.0 + POPULARITY_BOOST * pop.get_val(doc) as f32)
        });
        let top: Vec<(Score, DocAddress)> = searcher.search(query, &collector)?;
        // The row from its fast field: loading the stored document decompressed a block of
        // the doc store per hit, most of a search's time.
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let rows = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("row")?;
            if let Some(row) = rows.first(addr.doc_id) {
                out.push((score, row as usize));
            }
        }
        Ok(out)
    }

    /// Best `limit` matches for `text`, exact and prefix matches first, then fuzzy ones. An
    /// index damaged on disk after loading makes tantivy panic: that is an error here, for
    /// the caller to answer, not a dropped connection.
    pub fn search(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.search_unguarded(text, limit)
        }))
        .unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "the search index failed to answer {text:?}"
            ))
        })
    }

    fn search_unguarded(&self, text: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let q = self.parse(text);
        if q.words.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        if let Some(hits) = self.cache.get(&q, limit) {
            return Ok(hits);
        }
        let mut hits: Vec<SearchHit> = self
            .run(self.build(&q, false).as_ref(), limit)?
            .into_iter()
            .map(|(score, row)| SearchHit {
                row,
                score,
                fuzzy: false,
            })
            .collect();
        // Close spellings only when nothing matches as typed: "matr" has its three Matrix
        // films and wants no Mary Poppins after them.
        let can_be_fuzzy = q.words.iter().any(|w| w.chars().count() >= FUZZY_FROM);
        if hits.is_empty() && can_be_fuzzy {
            let more = self.run(self.build(&q, true).as_ref(), limit)?;
            for (score, row) in more {
                if hits.len() == limit {
                    break;
                }
                if !hits.iter().any(|h| h.row == row) {
                    hits.push(SearchHit {
                        row,
                        score,
                        fuzzy: true,
                    });
                }
            }
        }
        self.cache.put(&q, limit, &hits);
        Ok(hits)
    }
}
