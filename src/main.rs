//! The `cinesense` binary: parses the command line and hands over to `cinesense::cli`.

use clap::Parser;

fn main() {
    let cli = cinesense::cli::Cli::parse();
    std::process::exit(cinesense::cli::run(cli));
}
