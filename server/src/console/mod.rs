//! The office console's own routes: its sign-in session, the page and its
//! assets, its settings (map tiles, check intervals), the inbox, and the
//! administration screens (accounts, spreadsheet imports). The hazard, grid
//! and point views it shows are the office API in [`crate::office`].

pub mod config;
pub mod import;
pub mod inbox;
pub mod session;
pub mod ui;
pub mod users;
