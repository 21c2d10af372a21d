//! `gridsafe-load`: drives a real gridsafe server the way the field and the
//! office do, and measures it. Each subcommand lives in its own module; this
//! file only dispatches.

mod badlink;
mod devices;
mod fill;
mod ingest;
// The test harness's proxy, shared so the load and the tests play the same
// link; the load uses only part of what the tests do with it.
#[allow(dead_code)]
#[path = "../../tests/src/proxy.rs"]
mod link;
mod names;
mod photos;
mod plot;
mod query;
mod server;
mod stats;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "gridsafe-load", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fills a server data directory with a county: grids, points, accounts,
    /// hazards and checks, as events through the server's own apply path.
    Fill(fill::Args),
    /// Times the console's list and grid pages against a running server.
    Query(query::Args),
    /// Many devices record hazards with photos and checks, then sync at once.
    Devices(devices::Args),
    /// Raw 500-event pushes as fast as the server takes them.
    Ingest(ingest::Args),
    /// One phone's hazards and photos over a slow link that keeps dropping.
    Badlink(badlink::Args),
    /// Draws push latency against devices from `devices --out` results.
    Plot(plot::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Fill(a) => fill::run(a),
        Command::Query(a) => query::run(a),
        Command::Devices(a) => devices::run(a),
        Command::Ingest(a) => ingest::run(a),
        Command::Badlink(a) => badlink::run(a),
        Command::Plot(a) => plot::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gridsafe-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}
