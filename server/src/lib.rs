//! The town office's server: the phones push to it and pull from it, and the
//! office console reads from it.
//!
//! - [`cli`]: the command line (`serve`, `user`, `grid`, `point`, `device`).
//! - [`config`]: settings from flags, environment and a TOML file.
//! - [`state`] and [`router`]: what handlers share, and the routes.
//! - [`store`]: the storage trait, its SQLite backend and the blob store.
//! - [`auth`], [`ratelimit`]: accounts, tokens, sign-in limits.
//! - [`headers`]: the security headers (CSP, framing, referrer, HSTS).
//! - [`sync`]: push, pull and the rules every event passes.
//! - [`photos`]: resumable, verified photo upload and thumbnails.
//! - [`office`], [`summary`]: the console's API and per-grid results.
//! - [`assessment`], [`report`]: scores for a period (考核) and the duty reports (履职报告).
//! - [`console`]: the console's page, session, inbox and administration.
//! - [`import`], [`demo`]: spreadsheets in, a demo town.
//! - [`backup`]: a consistent copy of the database and photos, and its restore.

pub mod assessment;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod catalog;
pub mod cli;
pub mod config;
pub mod console;
pub mod demo;
pub mod error;
pub mod extract;
pub mod headers;
pub mod import;
pub mod office;
pub mod photos;
pub mod ratelimit;
pub mod report;
pub mod router;
pub mod state;
pub mod store;
pub mod summary;
pub mod sync;
