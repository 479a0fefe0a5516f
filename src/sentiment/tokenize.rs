//! Text to token ids for the BERT classifier: normalisation, WordPiece (tokenizers crate),
//! head-and-tail truncation for long reviews, and padded batches.

use anyhow::{anyhow, Result};
use candle_core::{Device, Tensor};
use std::path::Path;
use tokenizers::Tokenizer;

pub(crate) struct Encoder {
    tokenizer: Tokenizer,
    pub max_len: usize,
    cls: u32,
    sep: u32,
}

/// Collapses whitespace, drops `<br />` tags and similar markup left in review text.
pub(crate) fn normalize(text: &str) -> String {
    let no_tags = text
        .replace("<br />", " ")
        .replace("<br/>", " ")
        .replace("<br>", " ");
    no_tags.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Encoder {
    pub(crate) fn load(path: &Path, max_len: usize) -> Result<Self> {
        let mut tokenizer =
            Tokenizer::from_file(path).map_err(|e| anyhow!("tokenizer {}: {e}", path.display()))?;
        tokenizer
            .with_truncation(None)
            .map_err(|e| anyhow!("{e}"))?;
        tokenizer.with_padding(None);
        let id = |t: &str| {
            tokenizer
                .token_to_id(t)
                .ok_or_else(|| anyhow!("tokenizer has no {t}"))
        };
        Ok(Encoder {
            cls: id("[CLS]")?,
            sep: id("[SEP]")?,
            tokenizer,
            max_len: max_len.max(8),
        })
    }

    /// `[CLS] tokens [SEP]`; a long text keeps its first quarter and its end (where reviews
    /// usually say what they concluded).
    pub(crate) fn encode(&self, text: &str) -> Result<Vec<u32>> {
        let enc = self
            .tokenizer
            .encode(normalize(text), false)
            .map_err(|e| anyhow!("tokenize: {e}"))?;
        let ids = enc.get_ids();
        let room = self.max_len - 2;
        let body: Vec<u32> = if ids.len() > room {
            let head = room / 4;
            let tail = room - head;
            ids[..head]
                .iter()
                .chain(&ids[ids.len() - tail..])
                .copied()
                .collect()
        } else {
            ids.to_vec()
        };
        let mut out = Vec::with_capacity(body.len() + 2);
        out.push(self.cls);
        out.extend(body);
        out.push(self.sep);
        Ok(out)
    }
}

/// Pads sequences to the longest: (ids [B, L] u32, mask [B, L] f32).
pub fn batch(seqs: &[&[u32]], device: &Device) -> Result<(Tensor, Tensor)> {
    let l = seqs.iter().map(|s| s.len()).max().unwrap_or(1).max(1);
    let mut ids = Vec::with_capacity(seqs.len() * l);
    let mut mask = Vec::with_capacity(seqs.len() * l);
    for s in seqs {
        ids.extend_from_slice(s);
        ids.extend(std::iter::repeat_n(0u32, l - s.len()));
        mask.extend(std::iter::repeat_n(1f32, s.len()));
        mask.extend(std::iter::repeat_n(0f32, l - s.len()));
    }
    Ok((
        Tensor::from_vec(ids, (seqs.len(), l), device)?,
        Tensor::from_vec(mask, (seqs.len(), l), device)?,
    ))
}
