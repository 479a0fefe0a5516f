//! `Application::build`: the one place the app is wired. `serve`, the tests and the benchmarks
//! all start the server through it, so they run the same clients, services and routes.

use crate::api::{self, ApiError, AppState};
use crate::clients::{self, imdb::ImdbClient, tmdb::TmdbClient};
use crate::config::Settings;
use crate::index::{self, Artifacts, OfflineReviews};
use crate::sentiment::{self, Classifier};
use crate::services::accounts::Accounts;
use crate::services::audience::Audiences;
use crate::services::browse::Browser;
use crate::services::history::History;
use crate::services::members::Members;
use crate::services::movies::Movies;
use crate::services::recommendations::Recommendations;
use crate::services::reviews::ReviewsService;
use crate::store::Store;
use actix_web::body::BoxBody;
use actix_web::dev::Service;
use actix_web::http::{header, Method};
use actix_web::{error::JsonPayloadError, middleware, web, App, HttpRequest, HttpServer};
use anyhow::{Context, Result};
use std::net::TcpListener;
use std::sync::Arc;

/// A wired app bound to its address, ready to run.
pub struct Application {
    listener: TcpListener,
    /// METRICS_ADDR's listener, when set.
    metrics: Option<TcpListener>,
    state: AppState,
    store: Arc<Store>,
}

/// What needs the store and the upstream clients, opened once per process: the app serves
/// it, and the CLI's long jobs (`reviews --top`, `enrich`) run on the same.
pub struct Services {
    store: Arc<Store>,
    tmdb: Arc<TmdbClient>,
    audiences: Arc<Audiences>,
    /// Reviews with sentiment; None without a classifier.
    reviews: Option<Arc<ReviewsService>>,
}

/// Expired sessions and old failed logins deleted now and every hour after, for as long as
/// the store is open (the thread ends when the last other holder drops it).
fn prune_hourly(store: &Arc<Store>) {
    let store = Arc::downgrade(store);
    std::thread::spawn(move || {
        while let Some(s) = store.upgrade() {
            match s.prune(crate::store::now()) {
                Ok((0, 0)) => {}
                Ok((sessions, failures)) => log::info!(
                    "pruned {sessions} expired sessions and {failures} old failed logins"
                ),
                Err(e) => log::warn!("pruning the store: {e:#}"),
            }
            drop(s);
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    });
}

impl Services {
    /// Opens the store (bringing its schema up to date) and the clients; `offline` are the
    /// index's classified reviews (empty where none are needed).
    pub fn open(
        settings: &Settings,
        offline: &Arc<OfflineReviews>,
        classifier: Option<Arc<dyn Classifier>>,
    ) -> Result<Self> {
        clients::install_crypto_provider();
        let database = settings.database()?;
        let store = Arc::new(Store::open(&database)?);
        log::info!("store: {database}");
        prune_hourly(&store);
        if !settings.tmdb.configured() {
            log::info!("TMDB is not configured (TMDB_API_KEY); pages show local data only");
        }
        let tmdb = Arc::new(TmdbClient::new(settings.tmdb.clone(), store.clone())?);
        let audiences = Audiences::load(store.clone(), offline)?;
        let reviews = match classifier {
            Some(classifier) => Some(Arc::new(ReviewsService::new(
                offline.clone(),
                ImdbClient::new(&settings.imdb_base_url, settings.imdb_timeout)?,
                tmdb.clone(),
                store.clone(),
                classifier,
                audiences.clone(),
                settings.reviews_ttl_seconds,
            ))),
            None => None,
        };
        Ok(Services {
            store,
            tmdb,
            audiences,
            reviews,
        })
    }

    /// The TMDB client (`cinesense enrich`).
    pub fn tmdb(&self) -> &TmdbClient {
        &self.tmdb
    }

    /// The reviews service, when a classifier was given.
    pub fn reviews(&self) -> Option<&ReviewsService> {
        self.reviews.as_deref()
    }
}

impl Application {
    /// Loads index/ (building it when missing or stale) and the sentiment model, then wires
    /// everything. Without a usable sentiment model the review panel is off; the log says why.
    pub fn build(settings: Settings) -> Result<Self> {
        let artifacts = Arc::new(index::load_or_build(&settings, false)?);
        let classifier =
            match sentiment::load(&settings.sentiment_model_dir, settings.sentiment_device) {
                Ok(c) => Some(Arc::new(c) as Arc<dyn Classifier>),
                Err(e) => {
                    log::error!("review sentiment is off: {e:#}");
                    None
                }
            };
        Self::build_with(settings, artifacts, classifier)
    }

    /// Wires an already loaded index and classifier (tests share one across many apps).
    pub fn build_with(
        settings: Settings,
        artifacts: Arc<Artifacts>,
        classifier: Option<Arc<dyn Classifier>>,
    ) -> Result<Self> {
        let services = Services::open(&settings, &artifacts.reviews, classifier)?;
        let listener = TcpListener::bind(settings.addr)
            .with_context(|| format!("cannot listen on {}", settings.addr))?;
        let metrics = settings
            .metrics_addr
            .map(|addr| {
                TcpListener::bind(addr)
                    .with_context(|| format!("cannot listen on METRICS_ADDR {addr}"))
            })
            .transpose()?;
        let recommendations = Arc::new(Recommendations::new(artifacts.clone(), &settings));
        let members = Members::new(services.store.clone());
        let state = AppState {
            browser: Browser::new(
                artifacts.clone(),
                services.audiences.clone(),
                members.clone(),
                recommendations.clone(),
            ),
            recommendations,
            accounts: Accounts::new(services.store.clone(), settings.signups_per_address),
            history: History::new(members.clone()),
            members,
            movies: Movies::new(services.tmdb.clone()),
            artifacts,
            reviews: services.reviews.clone(),
            audiences: services.audiences.clone(),
            settings,
        };
        Ok(Application {
            listener,
            metrics,
            state,
            store: services.store,
        })
    }

    pub(crate) fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port `/metrics` is served on, when METRICS_ADDR is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics
            .as_ref()
            .and_then(|l| l.local_addr().ok())
            .map(|a| a.port())
    }

    /// The store the app writes to (tests read it back).
    pub fn store(&self) -> Arc<Store> {
        self.store.clone()
    }

    /// Serves until the process is stopped.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        log::info!(
            "cinesense serving {} movies on http://{}",
            self.state.artifacts.catalog.len(),
            self.listener.local_addr()?
        );
        let app = serve(self.listener, self.state)?;
        match self.metrics {
            Some(listener) => {
                log::info!("metrics on http://{}/metrics", listener.local_addr()?);
                let metrics = serve_metrics(listener)?;
                // Either stopping stops both.
                tokio::select! {
                    r = app => r,
                    r = metrics => r,
                }
            }
            None => app.await,
        }
    }

    /// Serves from a thread of its own (tests, benchmarks); returns the port.
    pub fn spawn(self) -> u16 {
        let port = self.port();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                if let Err(e) = self.run_until_stopped().await {
                    log::error!("server stopped: {e}");
                }
            })
        });
        port
    }
}

/// `GET /metrics` alone, on its own address (METRICS_ADDR), so it is never public by accident.
fn serve_metrics(listener: TcpListener) -> std::io::Result<actix_web::dev::Server> {
    Ok(HttpServer::new(|| {
        App::new().route(
            "/metrics",
            web::get().to(|| async {
                actix_web::HttpResponse::Ok()
                    .content_type("text/plain; version=0.0.4; charset=utf-8")
                    .body(crate::metrics::render())
            }),
        )
    })
    .workers(1)
    .listen(listener)?
    .run())
}

/// The route a request took, for the metrics: its pattern under /api, else "web".
fn route_label(req: &HttpRequest) -> String {
    match req.match_pattern() {
        Some(p) if p.starts_with("/api") => p,
        _ if req.path().starts_with("/api") => "/api (no route)".into(),
        _ => "web".into(),
    }
}

/// The largest JSON body the API reads.
const JSON_LIMIT: usize = 64 * 1024;

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge(format!(
                "the request body is larger than {} KiB",
                JSON_LIMIT / 1024
            ))
            .into()
        }
        JsonPayloadError::Payload(e) if api::body::timed_out(&e) => {
            ApiError::RequestTimeout(format!(
                "the request body did not arrive within {} s",
                api::body::BODY_DEADLINE.as_secs()
            ))
            .into()
        }
        _ => ApiError::BadRequest(format!("invalid JSON body: {err}")).into(),
    }
}

/// Headers on every answer: scripts only from this origin, images from here and TMDB's image
/// server only, no framing, no sniffing, no referrer sent on.
fn security_headers(image_origin: &str) -> middleware::DefaultHeaders {
    middleware::DefaultHeaders::new()
        .add((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                 img-src 'self' data: {image_origin}; connect-src 'self'; object-src 'none'; \
                 base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
            ),
        ))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
}

/// Answers about a person (their account, ratings, a new session token) are never cached.
fn is_private(path: &str) -> bool {
    path.starts_with("/api/me") || path.starts_with("/api/sessions") || path == "/api/users"
}

fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// The origin (`scheme://host[:port]`) of a URL, for the CSP; `https:` when it has none.
fn origin(url: &str) -> String {
    reqwest::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .ok()
        .filter(|o| o != "null")
        .unwrap_or_else(|| "https:".into())
}

fn serve(listener: TcpListener, state: AppState) -> std::io::Result<actix_web::dev::Server> {
    let web_dir = state.settings.web_dir.clone();
    let image_origin = origin(&state.settings.tmdb.image_base_url);
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .wrap_fn(|req, srv| {
                // A request with a session may get a personal answer (hide_rated, who is
                // logged in): never cached.
                let private =
                    is_private(req.path()) || api::auth::request_token(req.request()).is_some();
                let started = std::time::Instant::now();
                let answer = srv.call(req);
                async move {
                    let mut res = answer.await?;
                    let took = started.elapsed();
                    crate::metrics::request(
                        &route_label(res.request()),
                        res.request().method().as_str(),
                        res.status().as_u16(),
                        took,
                    );
                    let headers = res.headers_mut();
                    if private {
                        headers.insert(
                            header::CACHE_CONTROL,
                            header::HeaderValue::from_static("no-store"),
                        );
                    }
                    // How long the server worked on it (what `bench load` reports as server-side).
                    let ms = took.as_secs_f64() * 1000.0;
                    if let Ok(v) = header::HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
                        headers.insert(header::HeaderName::from_static("server-timing"), v);
                    }
                    Ok(res)
                }
            })
            .wrap(security_headers(&image_origin))
            .wrap(middleware::Logger::new("%r %s %Dms"))
            .wrap(middleware::Compress::default())
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(JSON_LIMIT)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .configure(api::configure)
            // Outermost: HEAD on an API route is its GET without the body, and a body must
            // arrive in time.
            .wrap_fn(|mut req, srv| {
                let head = req.method() == Method::HEAD && req.path().starts_with("/api/");
                if head {
                    req.head_mut().method = Method::GET;
                }
                if req.method() != Method::GET {
                    api::body::limit_body_time(&mut req);
                }
                let answer = srv.call(req);
                async move {
                    let res = answer.await?;
                    Ok(if head {
                        res.map_body(|_, _| BoxBody::new(()))
                    } else {
                        res.map_into_boxed_body()
                    })
                }
            });
        if web_dir.is_dir() {
            // A path outside the app gets the app, status 404, and the app shows its
            // not-found page (it reads the path).
            let index = web_dir.join("index.html");
            app = app.service(
                actix_files::Files::new("/", web_dir.clone())
                    .index_file("index.html")
                    .default_handler(web::to(move |req: HttpRequest| {
                        let index = index.clone();
                        async move {
                            let file = actix_files::NamedFile::open_async(&index).await?;
                            let mut res = file.into_response(&req);
                            *res.status_mut() = actix_web::http::StatusCode::NOT_FOUND;
                            Ok::<_, actix_web::Error>(res)
                        }
                    })),
            );
        }
        app
    })
    .listen(listener)?
    .run();
    Ok(server)
}
