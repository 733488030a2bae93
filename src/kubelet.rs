//! The node's side of the protocol.

pub mod files;
pub mod request;
pub mod store;
pub mod wait;
