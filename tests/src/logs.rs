//! Capturing what the shop logs (everything, at TRACE), to prove what never appears there.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The captured log text of this test process.
#[derive(Debug, Clone, Default)]
pub struct LogCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl LogCapture {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.buffer.lock().unwrap_or_else(PoisonError::into_inner))
            .into_owned()
    }

    /// Whether `needle` was logged.
    pub fn contains(&self, needle: &str) -> bool {
        self.text().contains(needle)
    }
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Installs (once per process) a global subscriber that records every event of the shop, the
/// payment libraries and the sandbox at TRACE, and answers the capture.
pub fn capture() -> LogCapture {
    static CAPTURE: OnceLock<LogCapture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = LogCapture::default();
            let buffer = capture.buffer.clone();
            let filter = tracing_subscriber::EnvFilter::new(
                "trace,hyper=info,hyper_util=info,reqwest=info,h2=info,tower=info",
            );
            let installed = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(move || Writer(buffer.clone()))
                .try_init();
            assert!(installed.is_ok(), "another log subscriber is installed");
            capture
        })
        .clone()
}
