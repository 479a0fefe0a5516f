//! `cinesense serve`: the API and the browser app, building index/ first when needed.

use anyhow::Result;
use cinesense::config::Settings;
use cinesense::startup::Application;
use clap::Args;
use std::net::SocketAddr;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (setting CINESENSE_ADDR, default 127.0.0.1:8080).
    #[arg(long)]
    addr: Option<SocketAddr>,
}

pub fn run(args: ServeArgs, mut settings: Settings) -> Result<()> {
    if let Some(addr) = args.addr {
        settings.addr = addr;
    }
    let app = Application::build(settings)?;
    actix_web::rt::System::new().block_on(app.run_until_stopped())?;
    Ok(())
}
