//! Typed settings: defaults, then `.env`, then the environment; `serve --addr` overrides the
//! address. Every setting is parsed once at start; a bad value stops the program with a message
//! that names it (exit code 2).

use crate::clients::tmdb::{Secret, TmdbSettings};
use crate::dataset::DataFiles;
use crate::models::collab::spark::SparkFactors;
use crate::models::collab::MfParams;
use crate::models::content::FieldWeights;
use crate::models::hybrid::BlendParams;
use crate::sentiment::DeviceChoice;
use crate::store::Database;
use anyhow::{bail, Context, Result};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// The proxies whose forwarding headers are believed (TRUSTED_PROXIES).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: &IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// "10.0.0.0/8, 192.168.1.4, ::1": CIDRs or single addresses, comma-separated.
impl FromStr for TrustedProxies {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        raw.split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(|part| {
                part.parse::<IpNet>()
                    .or_else(|_| part.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{part:?} is not an address or a CIDR like 10.0.0.0/8"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

/// Largest `limit` any list endpoint accepts.
pub(crate) const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone)]
pub struct Settings {
    /// CINESENSE_ADDR: where `serve` listens.
    pub addr: SocketAddr,
    /// DATABASE_URL: the store, `sqlite://path`, a plain path or `postgres://...`.
    pub database_url: String,
    /// CINESENSE_DATA_DIR: the shipped datasets.
    pub data_dir: PathBuf,
    /// MOVIELENS_DIR: a folder holding any MovieLens release (CSV, .dat or ml-100k layout);
    /// default `movielens-ml-latest-small` in the data folder.
    pub movielens_dir: PathBuf,
    /// CINESENSE_INDEX_DIR: what `build` derives.
    pub index_dir: PathBuf,
    /// CINESENSE_WEB_DIR: the browser app.
    pub web_dir: PathBuf,
    /// COOKIE_SECURE: mark the session cookie Secure (set it where the site is served over
    /// HTTPS, e.g. behind a TLS-terminating proxy).
    pub cookie_secure: bool,
    /// TRUSTED_PROXIES: the balancers in front (addresses or CIDRs, comma-separated). Only
    /// from these is `X-Forwarded-For` / `Forwarded` believed; empty: never.
    pub trusted_proxies: TrustedProxies,
    /// SIGNUPS_PER_ADDRESS: signups from one client address before each further one waits
    /// (2 s, doubling, at most 5 min); the count is forgotten after an hour without one.
    pub signups_per_address: i64,
    /// METRICS_ADDR: where `GET /metrics` (Prometheus) is served; off when unset.
    pub metrics_addr: Option<SocketAddr>,
    /// SIMILAR_K: neighbours kept per movie.
    pub similar_k: usize,
    /// SIMILAR_POPULARITY_WEIGHT: share of popularity in "more like this" ranking (0..1).
    pub similar_popularity_weight: f32,
    /// POPULARITY_QUANTILE: m of the weighted rating is this quantile of rating counts.
    pub popularity_quantile: f64,
    /// CONTENT_WEIGHT_{GENRES,KEYWORDS,TAGS,OVERVIEW,TITLE}
    pub field_weights: FieldWeights,
    /// MF_FACTORS, MF_EPOCHS, MF_LEARNING_RATE, MF_REGULARIZATION, MF_SEED
    pub mf: MfParams,
    /// FOLD_IN_REGULARIZATION
    pub fold_in_reg: f32,
    /// BLEND_*: the shape of the hybrid blend, read by every recommendation path and `eval`.
    pub blend: BlendParams,
    /// TMDB_SNAPSHOT: the TMDB details `enrich` writes and `build` reads (JSON lines);
    /// default `tmdb-snapshot.jsonl` in the data folder.
    pub tmdb_snapshot: PathBuf,
    /// TMDB_* settings; the key is a `Secret` and never printed.
    pub tmdb: TmdbSettings,
    /// SENTIMENT_DEVICE: auto | cpu | cuda.
    pub sentiment_device: DeviceChoice,
    /// SENTIMENT_MODEL_DIR: the fine-tuned classifier.
    pub sentiment_model_dir: PathBuf,
    /// IMDB_BASE_URL: where user reviews are scraped from.
    pub imdb_base_url: String,
    /// IMDB_TIMEOUT_MS
    pub imdb_timeout: Duration,
    /// REVIEWS_CACHE_TTL_SECONDS: how long a movie's classified reviews are served from cache.
    pub reviews_ttl_seconds: i64,
    /// REVIEWS_FILE: offline IMDb reviews (gzipped JSON lines keyed by IMDb id) that `build`
    /// classifies into index/; default `reviews/imdb-reviews.jsonl.gz` in the data folder.
    /// Without the file the index has no offline reviews.
    pub reviews_file: PathBuf,
    /// ITEM_FACTORS (with ITEM_FACTORS_ALPHA, ITEM_FACTORS_REG_PARAM: the Spark run's `alpha`
    /// and `regParam`): item factors trained by Spark MLlib's ALS that `build` serves in place
    /// of the iALS it would train (README "When one machine is not enough").
    pub item_factors: Option<SparkFactors>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            addr: "127.0.0.1:8080".parse().expect("valid default"),
            database_url: "sqlite://data/cinesense.sqlite".into(),
            data_dir: "data".into(),
            movielens_dir: "data/movielens-ml-latest-small".into(),
            index_dir: "index".into(),
            web_dir: "web".into(),
            cookie_secure: false,
            trusted_proxies: TrustedProxies::default(),
            signups_per_address: 10,
            metrics_addr: None,
            similar_k: 50,
            similar_popularity_weight: 0.15,
            popularity_quantile: 0.90,
            field_weights: FieldWeights::default(),
            mf: MfParams::default(),
            fold_in_reg: crate::models::collab::fold_in::DEFAULT_FOLD_IN_REG,
            blend: BlendParams::default(),
            tmdb_snapshot: "data/tmdb-snapshot.jsonl".into(),
            tmdb: TmdbSettings::default(),
            sentiment_device: DeviceChoice::Auto,
            sentiment_model_dir: "data/models/sentiment".into(),
            imdb_base_url: "https://www.imdb.com".into(),
            imdb_timeout: Duration::from_secs(8),
            reviews_ttl_seconds: 24 * 3600,
            reviews_file: "data/reviews/imdb-reviews.jsonl.gz".into(),
            item_factors: None,
        }
    }
}

fn secret(name: &str) -> Option<Secret> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .map(Secret)
}

fn read<T: FromStr>(name: &str, into: &mut T) -> Result<()>
where
    T::Err: std::fmt::Display,
{
    if let Ok(raw) = std::env::var(name) {
        let raw = raw.trim();
        if !raw.is_empty() {
            *into = raw
                .parse()
                .map_err(|e| anyhow::anyhow!("setting {name}={raw:?} is invalid: {e}"))?;
        }
    }
    Ok(())
}

/// Like `read`, for a number that must be finite: "inf" and "NaN" parse as floats but would
/// turn every score into NaN.
fn read_number<T: FromStr + Copy + Into<f64>>(name: &str, into: &mut T) -> Result<()>
where
    T::Err: std::fmt::Display,
{
    read(name, into)?;
    if !(*into).into().is_finite() {
        bail!("setting {name} must be a finite number");
    }
    Ok(())
}

impl Settings {
    /// Defaults, overridden by `.env` (if present), overridden by the environment.
    pub fn load() -> Result<Self> {
        match dotenvy::dotenv() {
            Ok(_) => {}
            Err(e) if e.not_found() => {}
            Err(e) => return Err(e).context(".env could not be read"),
        }
        Self::from_env()
    }

    /// Defaults overridden by the environment only.
    pub(crate) fn from_env() -> Result<Self> {
        let mut s = Settings::default();
        read("CINESENSE_ADDR", &mut s.addr)?;
        if let Ok(url) = std::env::var("DATABASE_URL") {
            s.database_url = url.trim().to_string();
        }
        read("CINESENSE_DATA_DIR", &mut s.data_dir)?;
        s.tmdb_snapshot = s.data_dir.join("tmdb-snapshot.jsonl");
        s.reviews_file = s.data_dir.join("reviews").join("imdb-reviews.jsonl.gz");
        s.movielens_dir = s.data_dir.join("movielens-ml-latest-small");
        read("MOVIELENS_DIR", &mut s.movielens_dir)?;
        read("CINESENSE_INDEX_DIR", &mut s.index_dir)?;
        read("CINESENSE_WEB_DIR", &mut s.web_dir)?;
        read("COOKIE_SECURE", &mut s.cookie_secure)?;
        read("TRUSTED_PROXIES", &mut s.trusted_proxies)?;
        read("SIGNUPS_PER_ADDRESS", &mut s.signups_per_address)?;
        if let Ok(raw) = std::env::var("METRICS_ADDR") {
            let raw = raw.trim();
            if !raw.is_empty() {
                s.metrics_addr = Some(raw.parse().map_err(|e| {
                    anyhow::anyhow!("setting METRICS_ADDR={raw:?} is invalid: {e}")
                })?);
            }
        }
        read("SIMILAR_K", &mut s.similar_k)?;
        read_number(
            "SIMILAR_POPULARITY_WEIGHT",
            &mut s.similar_popularity_weight,
        )?;
        read_number("POPULARITY_QUANTILE", &mut s.popularity_quantile)?;
        read_number("CONTENT_WEIGHT_GENRES", &mut s.field_weights.genres)?;
        read_number("CONTENT_WEIGHT_KEYWORDS", &mut s.field_weights.keywords)?;
        read_number("CONTENT_WEIGHT_TAGS", &mut s.field_weights.tags)?;
        read_number("CONTENT_WEIGHT_OVERVIEW", &mut s.field_weights.overview)?;
        read_number("CONTENT_WEIGHT_TITLE", &mut s.field_weights.title)?;
        read("MF_FACTORS", &mut s.mf.factors)?;
        read("MF_EPOCHS", &mut s.mf.epochs)?;
        read_number("MF_LEARNING_RATE", &mut s.mf.learning_rate)?;
        read_number("MF_REGULARIZATION", &mut s.mf.regularization)?;
        read("MF_SEED", &mut s.mf.seed)?;
        read_number("FOLD_IN_REGULARIZATION", &mut s.fold_in_reg)?;
        read_number("BLEND_PRIOR_HALF_AT", &mut s.blend.prior_half_at)?;
        read_number("BLEND_POPULARITY_FLOOR", &mut s.blend.popularity_floor)?;
        read_number("BLEND_GENRE", &mut s.blend.genre)?;
        read_number("BLEND_CONTENT", &mut s.blend.content)?;
        read_number("BLEND_CONTENT_HALF_AT", &mut s.blend.content_half_at)?;
        read_number("BLEND_MF", &mut s.blend.mf)?;
        read_number("BLEND_RECENT", &mut s.blend.recent)?;
        read_number("BLEND_RECENT_HALF_AT", &mut s.blend.recent_half_at)?;
        read_number("BLEND_IALS", &mut s.blend.ials)?;
        read_number("BLEND_AUDIENCE", &mut s.blend.audience)?;
        read("TMDB_SNAPSHOT", &mut s.tmdb_snapshot)?;
        read("SENTIMENT_DEVICE", &mut s.sentiment_device)?;
        read("SENTIMENT_MODEL_DIR", &mut s.sentiment_model_dir)?;
        read("IMDB_BASE_URL", &mut s.imdb_base_url)?;
        read("REVIEWS_CACHE_TTL_SECONDS", &mut s.reviews_ttl_seconds)?;
        read("REVIEWS_FILE", &mut s.reviews_file)?;
        if let Ok(raw) = std::env::var("ITEM_FACTORS") {
            if !raw.trim().is_empty() {
                let mut f = SparkFactors::at(raw.trim().into());
                read_number("ITEM_FACTORS_ALPHA", &mut f.alpha)?;
                read_number("ITEM_FACTORS_REG_PARAM", &mut f.reg_param)?;
                s.item_factors = Some(f);
            }
        }
        let mut ms = s.imdb_timeout.as_millis() as u64;
        read("IMDB_TIMEOUT_MS", &mut ms)?;
        s.imdb_timeout = Duration::from_millis(ms);
        s.tmdb.api_key = secret("TMDB_API_KEY");
        s.tmdb.read_token = secret("TMDB_READ_TOKEN");
        read("TMDB_BASE_URL", &mut s.tmdb.base_url)?;
        read("TMDB_IMAGE_BASE_URL", &mut s.tmdb.image_base_url)?;
        read("TMDB_CACHE_TTL_SECONDS", &mut s.tmdb.cache_ttl_seconds)?;
        read("TMDB_MAX_RETRIES", &mut s.tmdb.max_retries)?;
        read("TMDB_MAX_IN_FLIGHT", &mut s.tmdb.max_in_flight)?;
        read_number("TMDB_ENRICH_RATE", &mut s.tmdb.enrich_rate)?;
        read("WATCH_REGION", &mut s.tmdb.watch_region)?;
        let mut ms = s.tmdb.connect_timeout.as_millis() as u64;
        read("TMDB_CONNECT_TIMEOUT_MS", &mut ms)?;
        s.tmdb.connect_timeout = Duration::from_millis(ms);
        let mut ms = s.tmdb.timeout.as_millis() as u64;
        read("TMDB_TIMEOUT_MS", &mut ms)?;
        s.tmdb.timeout = Duration::from_millis(ms);
        let mut secs = s.tmdb.breaker_cooldown.as_secs();
        read("TMDB_BREAKER_COOLDOWN_SECONDS", &mut secs)?;
        s.tmdb.breaker_cooldown = Duration::from_secs(secs);
        s.validate()?;
        Ok(s)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.database()?;
        if self.signups_per_address < 1 {
            bail!("setting SIGNUPS_PER_ADDRESS must be at least 1");
        }
        if !(1..=500).contains(&self.similar_k) {
            bail!(
                "setting SIMILAR_K={} must be between 1 and 500",
                self.similar_k
            );
        }
        if !(0.0..=1.0).contains(&self.similar_popularity_weight) {
            bail!("setting SIMILAR_POPULARITY_WEIGHT must be between 0 and 1");
        }
        if !(0.0..=1.0).contains(&self.popularity_quantile) {
            bail!("setting POPULARITY_QUANTILE must be between 0 and 1");
        }
        let w = &self.field_weights;
        if [w.genres, w.keywords, w.tags, w.overview, w.title]
            .iter()
            .any(|v| *v < 0.0 || !v.is_finite())
        {
            bail!("CONTENT_WEIGHT_* settings must be non-negative numbers");
        }
        if let Some(f) = &self.item_factors {
            if f.alpha < 0.0 || f.reg_param <= 0.0 {
                bail!("setting ITEM_FACTORS_ALPHA must be at least 0 and ITEM_FACTORS_REG_PARAM above 0");
            }
        }
        if self.mf.factors == 0 || self.mf.factors > 1000 {
            bail!("setting MF_FACTORS must be between 1 and 1000");
        }
        if !(self.tmdb.base_url.starts_with("http://")
            || self.tmdb.base_url.starts_with("https://"))
        {
            bail!("setting TMDB_BASE_URL must be an http(s) URL");
        }
        if self.tmdb.timeout.is_zero()
            || self.tmdb.enrich_rate <= 0.0
            || self.tmdb.cache_ttl_seconds < 0
        {
            bail!("TMDB_TIMEOUT_MS and TMDB_ENRICH_RATE must be positive, TMDB_CACHE_TTL_SECONDS non-negative");
        }
        let b = &self.blend;
        if [b.popularity_floor, b.genre, b.content, b.mf, b.ials]
            .iter()
            .any(|v| !(0.0..=1.0).contains(v))
        {
            bail!("BLEND_POPULARITY_FLOOR, BLEND_GENRE, BLEND_CONTENT, BLEND_MF and BLEND_IALS must be between 0 and 1");
        }
        if b.content + b.mf > 1.0 {
            bail!("BLEND_CONTENT + BLEND_MF must be at most 1 (EASE^R gets the rest of the personal part)");
        }
        if [b.prior_half_at, b.content_half_at, b.recent_half_at]
            .iter()
            .any(|v| !(v.is_finite() && *v > 0.0))
        {
            bail!("BLEND_PRIOR_HALF_AT, BLEND_CONTENT_HALF_AT and BLEND_RECENT_HALF_AT must be positive numbers");
        }
        if !(0.0..=100.0).contains(&b.recent) {
            bail!("BLEND_RECENT must be between 0 and 100");
        }
        if self.mf.learning_rate <= 0.0 || self.mf.regularization < 0.0 || self.fold_in_reg <= 0.0 {
            bail!("MF_LEARNING_RATE and FOLD_IN_REGULARIZATION must be positive, MF_REGULARIZATION non-negative");
        }
        Ok(())
    }

    /// The inputs of a build: the MovieLens release and the TMDB 5000 file.
    pub fn data_files(&self) -> Result<DataFiles> {
        DataFiles::new(&self.movielens_dir, &self.data_dir)
    }

    /// The store DATABASE_URL names (see [`Database::parse`]).
    pub fn database(&self) -> Result<Database> {
        Database::parse(&self.database_url)
            .map_err(|e| anyhow::anyhow!("setting DATABASE_URL: {e}"))
    }

    /// What the build depends on besides the input files (changes here make index/ stale).
    pub(crate) fn build_fingerprint(&self) -> String {
        format!(
            "k={} q={} w={:?} mf={:?} factors={:?}",
            self.similar_k,
            self.popularity_quantile,
            self.field_weights,
            self.mf,
            self.item_factors
        )
    }
}
