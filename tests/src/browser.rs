//! The headless-Chromium harness, `gmo-chromium` (shared with gmo-core's contract suite, which
//! does not depend on this crate).

pub use gmo_chromium::*;
