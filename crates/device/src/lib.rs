//! Everything the phone does apart from drawing screens: the offline store,
//! the outbox, the photo pipeline and the sync client. The Tauri app and the
//! `gridsafe-field` command line are two faces of this crate.
