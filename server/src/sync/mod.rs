//! The sync protocol of docs/SYNC.md: push, pull, and the rules every
//! event passes on its way in.

pub mod pull;
pub mod push;
pub mod rules;
