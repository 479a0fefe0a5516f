//! Item factors trained elsewhere: Spark MLlib's ALS (`implicitPrefs=True`), for ratings past
//! what one machine trains in a build. `cinesense export ratings` writes what Spark reads;
//! `build --item-factors` (or ITEM_FACTORS) reads back what `ALSModel.itemFactors` writes and
//! serves it as the iALS part of the hybrid. README "When one machine is not enough".
//!
//! Formats read (a file, or a folder of Spark's `part-*` files):
//! - JSON lines, as `model.itemFactors.write.json(path)` writes: `{"id":1,"features":[0.1,...]}`
//! - CSV, `id,f1,...,fk` per line (a header line is skipped), as
//!   `itemFactors.selectExpr("id", "concat_ws(',', features)")` gives.
//!
//! Ids are MovieLens movieIds. Every id must be a catalog film and every vector the same
//! length; a film Spark never saw (no ratings in the export) gets a zero vector, as it would
//! score for no one. Users are not imported: a user's vector is solved from their ratings at
//! request time (fold-in), with Spark's regularisation (`Solve::PerRating`).

use super::ials::{IalsModel, IalsParams, Solve};
use crate::dataset::Catalog;
use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Where the factors are and the two settings of the Spark run that fold-in needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SparkFactors {
    pub path: PathBuf,
    /// ALS `alpha` (Spark's default 1.0): a rated pair's extra confidence.
    pub alpha: f32,
    /// ALS `regParam` (Spark's default 0.1), which Spark multiplies by a user's rating count.
    pub reg_param: f32,
}

impl SparkFactors {
    /// Spark's defaults for `alpha` and `regParam`.
    pub fn at(path: PathBuf) -> Self {
        SparkFactors {
            path,
            alpha: 1.0,
            reg_param: 0.1,
        }
    }

    /// The files that hold the factors: the file itself, or a folder's `part-*` files in name
    /// order (Spark's output folder; `_SUCCESS` and `.crc` files skipped).
    pub fn files(&self) -> Result<Vec<PathBuf>> {
        let path = &self.path;
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read the item factors at {}", path.display()))?;
        if !meta.is_dir() {
            return Ok(vec![path.clone()]);
        }
        let mut parts: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let name = p.file_name().map(|n| n.to_string_lossy().to_string());
                name.is_some_and(|n| n.starts_with("part-") && !n.ends_with(".crc"))
            })
            .collect();
        parts.sort();
        if parts.is_empty() {
            bail!("{} holds no part-* files of item factors", path.display());
        }
        Ok(parts)
    }

    /// The factors as an iALS model over `catalog`'s rows, checked against the catalog; what
    /// is wrong with them is a `BadFactors`.
    pub fn load(&self, catalog: &Catalog) -> Result<IalsModel> {
        self.read(catalog)
            .map_err(|e| anyhow::Error::new(BadFactors(format!("{e:#}"))))
    }

    fn read(&self, catalog: &Catalog) -> Result<IalsModel> {
        let valid = self.alpha.is_finite()
            && self.alpha >= 0.0
            && self.reg_param.is_finite()
            && self.reg_param > 0.0;
        if !valid {
            bail!(
                "the Spark run's alpha must be >= 0 and its regParam > 0 (alpha {}, regParam {})",
                self.alpha,
                self.reg_param
            );
        }
        let mut rows = Rows::default();
        for file in self.files()? {
            read_file(&file, &mut rows)?;
        }
        let k = rows
            .k
            .with_context(|| format!("no item factors in {}", self.path.display()))?;
        let mut items = vec![0f32; catalog.len() * k];
        let mut unknown = Vec::new();
        for (id, vector) in rows.ids.iter().zip(rows.values.chunks_exact(k)) {
            match catalog.index_of(*id) {
                Some(row) => items[row * k..(row + 1) * k].copy_from_slice(vector),
                None => unknown.push(*id),
            }
        }
        if !unknown.is_empty() {
            bail!(
                "{} of the {} item factors are for films the catalog does not have (movieIds {:?}{}): \
                 were they trained on another release's export?",
                unknown.len(),
                rows.ids.len(),
                &unknown[..unknown.len().min(5)],
                if unknown.len() > 5 { ", ..." } else { "" }
            );
        }
        log::info!(
            "{} item factors of {k} dimensions imported from {} ({} catalog films without one)",
            rows.ids.len(),
            self.path.display(),
            catalog.len() - rows.ids.len()
        );
        let params = IalsParams {
            factors: k,
            alpha: self.alpha,
            lambda: self.reg_param,
            ..IalsParams::default()
        };
        IalsModel::from_item_factors(params, Solve::PerRating, catalog.len(), items)
    }
}

/// Item factors that cannot be used as they are (a command line's bad input).
#[derive(Debug, thiserror::Error)]
#[error("the item factors cannot be imported: {0}")]
pub struct BadFactors(String);

/// What the files held so far: ids in order, their vectors one after another.
#[derive(Default)]
struct Rows {
    ids: Vec<u32>,
    values: Vec<f32>,
    k: Option<usize>,
    seen: HashSet<u32>,
}

impl Rows {
    fn push(&mut self, id: u32, vector: &[f32], at: &dyn Fn() -> String) -> Result<()> {
        match self.k {
            None if vector.is_empty() => bail!("{}: an empty vector", at()),
            None => self.k = Some(vector.len()),
            Some(k) if k != vector.len() => {
                bail!(
                    "{}: {} numbers where the first row had {k}",
                    at(),
                    vector.len()
                )
            }
            Some(_) => {}
        }
        if let Some(bad) = vector.iter().find(|v| !v.is_finite()) {
            bail!("{}: {bad} is not a finite number", at());
        }
        if !self.seen.insert(id) {
            bail!("{}: movieId {id} appears twice", at());
        }
        self.ids.push(id);
        self.values.extend_from_slice(vector);
        Ok(())
    }
}

/// One line of Spark's JSON output.
#[derive(Deserialize)]
struct JsonRow {
    id: u32,
    features: Vec<f32>,
}

fn read_file(path: &Path, rows: &mut Rows) -> Result<()> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = || format!("{} line {}", path.display(), n + 1);
        if line.starts_with('{') {
            let row: JsonRow = serde_json::from_str(line)
                .with_context(|| format!("{}: not an {{\"id\", \"features\"}} row", at()))?;
            rows.push(row.id, &row.features, &at)?;
            continue;
        }
        let mut fields = line.split(',').map(str::trim);
        let first = fields.next().unwrap_or_default();
        let Ok(id) = first.parse::<u32>() else {
            if n == 0 {
                continue; // a header
            }
            bail!("{}: {first:?} is not a movieId", at());
        };
        let vector = fields
            .map(|f| f.parse::<f32>())
            .collect::<Result<Vec<f32>, _>>()
            .with_context(|| format!("{}: not a list of numbers", at()))?;
        rows.push(id, &vector, &at)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Rows> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("factors");
        std::fs::write(&path, text).unwrap();
        let mut rows = Rows::default();
        read_file(&path, &mut rows).map(|_| rows)
    }

    #[test]
    fn json_lines_and_csv_read_the_same() {
        let json = read("{\"id\":1,\"features\":[0.5,-1.0]}\n{\"id\":7,\"features\":[2,3e-1]}\n");
        let csv = read("id,features\n1,0.5,-1.0\n7, 2, 0.3\n");
        for rows in [json.unwrap(), csv.unwrap()] {
            assert_eq!(rows.ids, [1, 7]);
            assert_eq!(rows.values, [0.5, -1.0, 2.0, 0.3]);
            assert_eq!(rows.k, Some(2));
        }
    }

    #[test]
    fn a_bad_row_is_named_by_its_line() {
        for (text, says) in [
            (
                "1,0.5,1\n2,0.5\n",
                "line 2: 1 numbers where the first row had 2",
            ),
            ("1,0.5\n1,0.7\n", "line 2: movieId 1 appears twice"),
            ("1,0.5\n2,NaN\n", "line 2: NaN is not a finite number"),
            ("{\"id\":1}\n", "line 1: not an {\"id\", \"features\"} row"),
            ("1,0.5\nx,1\n", "line 2: \"x\" is not a movieId"),
            ("1,0.5\n2,zero\n", "line 2: not a list of numbers"),
        ] {
            let e = format!("{:#}", read(text).err().expect(text));
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }
}
