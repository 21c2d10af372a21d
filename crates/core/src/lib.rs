//! The gridsafe domain, shared by the phone and the server.
//!
//! Everything here is pure: types, rules and folds over values that the
//! caller hands in. No file, socket or database is touched, so the same code
//! decides the same thing on a phone with no signal and on the town server.
//!
//! - [`ids`]: newtypes for every identifier, UUIDv7 for records and events.
//! - [`keys`]: the stable keys of the public contract with their zh-CN and en
//!   labels, defined once.
//! - [`grid`]: the grid tree and its ancestry queries.
//! - [`hlc`]: the hybrid logical clock that orders events.
//! - [`event`]: the events that every change is made of.
//! - [`reading`]: the readings a monitoring-point check takes, per kind.
//! - [`hazard`]: the fold of a hazard's events into its current state.
//! - [`point`]: the state of a monitoring point from its checks and duty.
//! - [`task`]: the fold of an inspection task and the quarterly self-check rule.
//! - [`access`]: who may read and write what.
//! - [`assessment`]: periods, the rubric and the scoring of grids (考核).
//! - [`validate`]: the checks an event must pass, with errors that name the field.
//! - [`wire`]: the sync protocol's request and response types.
//! - [`labels`] and [`typescript`]: the label tables and TypeScript types handed to the UI.

pub mod access;
pub mod assessment;
pub mod calendar;
pub mod event;
pub mod grid;
pub mod hazard;
pub mod hlc;
pub mod ids;
pub mod keys;
pub mod labels;
pub mod location;
pub mod point;
pub mod reading;
pub mod task;
pub mod typescript;
pub mod validate;
pub mod wire;

pub use event::{Event, EventBody};
pub use grid::{GridNode, GridTree};
pub use hlc::{Hlc, HlcClock};
pub use ids::*;
pub use keys::*;
