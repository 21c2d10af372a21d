//! Everything the phone does apart from drawing screens: the offline store,
//! the outbox, the photo pipeline and the sync client. The Tauri app and the
//! `gridsafe-field` command line are two faces of this crate.
//!
//! - [`store`] and [`migrations`]: the SQLite database under the device's home.
//! - [`outbox`]: the device's own events, gapless-numbered, with their verdicts.
//! - [`record`]: recording a hazard, a rectification or a check, offline.
//! - [`state`]: the local state of records (the core's fold) and the list.
//! - [`reference`]: the local copy of the user's grids and monitoring points.
//! - [`photo`]: camera file → upright, resized, hashed JPEG and thumbnail.
//! - [`api`], [`sync`] and [`enroll`]: talking to the server.
//! - [`app`]: what the phone's screens ask, for the Tauri commands.
//! - [`cli`]: the `gridsafe-field` command line.

pub mod api;
pub mod app;
pub mod cli;
pub mod enroll;
pub mod error;
pub mod migrations;
pub mod outbox;
pub mod photo;
pub mod record;
pub mod reference;
pub mod state;
pub mod store;
pub mod sync;
#[cfg(test)]
pub(crate) mod testing;
pub mod township;

pub use error::DeviceError;
pub use store::Store;
