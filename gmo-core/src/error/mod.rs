//! Errors of the GMO client.

pub mod catalogue;
mod kind;

pub use kind::ErrorKind;
