//! `gridsafe-load`: fills a server with a county's worth of records and
//! measures what the office sees of it. Each subcommand lives in its own
//! module; this file only dispatches.

mod fill;
mod names;
mod query;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Fill(a) => fill::run(a),
        Command::Query(a) => query::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gridsafe-load: {e:#}");
            ExitCode::FAILURE
        }
    }
}
