//! The memory store passes the store conformance suite.

gmo_core::store_conformance!(async { std::sync::Arc::new(gmo_core::store::MemoryStore::new()) });
