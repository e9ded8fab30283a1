//! gmo-sqlx: not built yet; see the project issues.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
