//! Builds the actix-web application from typed settings and a loaded index.

use crate::api::{self, ApiError, AppState};
use actix_web::dev::Server;
use actix_web::{error::JsonPayloadError, middleware, web, App, HttpRequest, HttpServer};
use std::net::TcpListener;

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid JSON body: {err}")).into()
}

fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// Starts serving on an already bound listener (port 0 in tests). The returned server runs
/// when awaited.
pub fn run(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let web_dir = state.settings.web_dir.clone();
    let state = web::Data::new(state);
    let server = HttpServer::new(move || {
        let mut app = App::new()
            .wrap(middleware::Logger::new("%r %s %Dms"))
            .wrap(middleware::Compress::default())
            .app_data(state.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(64 * 1024)
                    .error_handler(json_error),
            )
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .configure(api::configure);
        if web_dir.is_dir() {
            app =
                app.service(actix_files::Files::new("/", web_dir.clone()).index_file("index.html"));
        }
        app
    })
    .listen(listener)?
    .run();
    Ok(server)
}
