//! Serving a sandbox over HTTP on a local port.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::Service;

use crate::config::SandboxBuilder;
use crate::http::{ConnectionCloser, router};
use crate::sandbox::Sandbox;

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration is inconsistent (duplicate ids, a site linked to no shop).
    #[error("invalid sandbox configuration: {0}")]
    InvalidConfig(String),
}

/// A sandbox served over HTTP. Dereferences to [`Sandbox`] for inspection; stops on
/// [`RunningSandbox::shutdown`] or when dropped.
#[derive(Debug)]
pub struct RunningSandbox {
    sandbox: Sandbox,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SandboxBuilder {
    /// Binds the address (default `127.0.0.1:0`) and serves the sandbox on the current tokio
    /// runtime.
    pub async fn spawn(self) -> Result<RunningSandbox, SpawnError> {
        let (settings, listen) = self.finished_settings();
        let mut shop_ids = HashSet::new();
        for shop in &settings.shops {
            if !shop_ids.insert(shop.id.as_str()) {
                return Err(SpawnError::InvalidConfig(format!(
                    "the shop {} is configured twice",
                    shop.id
                )));
            }
        }
        let mut site_ids = HashSet::new();
        for site in &settings.sites {
            if !site_ids.insert(site.id.as_str()) {
                return Err(SpawnError::InvalidConfig(format!(
                    "the site {} is configured twice",
                    site.id
                )));
            }
            if !shop_ids.contains(site.shop_id.as_str()) {
                return Err(SpawnError::InvalidConfig(format!(
                    "the site {} is linked to the unknown shop {}",
                    site.id, site.shop_id
                )));
            }
        }
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| SpawnError::Bind {
                addr: listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| SpawnError::Bind {
            addr: listen,
            source,
        })?;
        let host = if addr.ip().is_unspecified() {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), addr.port())
        } else {
            addr
        };
        let sandbox = Sandbox::new(settings, format!("http://{host}"));
        let app = router(sandbox.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, app, stopped));
        tracing::info!(%addr, "gmo-sandbox listening");
        Ok(RunningSandbox {
            sandbox,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

impl RunningSandbox {
    /// The sandbox (also reachable through `Deref`).
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting connections and waits (at most 5 s) for the requests under way.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl std::ops::Deref for RunningSandbox {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        &self.sandbox
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Without a runtime to wait on, make sure nothing outlives the handle.
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// Accepts connections until `stopped`, then lets the open ones finish their request under way
/// and close.
async fn serve(listener: TcpListener, app: Router, mut stopped: oneshot::Receiver<()>) {
    let (shutdown, shutting_down) = watch::channel(false);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone(), shutting_down.clone()));
                }
                Err(error) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(%error, "gmo-sandbox cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            // Reap finished connections so that the set does not grow.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    let _ = shutdown.send(true);
    while connections.join_next().await.is_some() {}
}

/// Serves one HTTP/1.1 connection (keep-alive), closing it early when a handler asks to.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    mut shutting_down: watch::Receiver<bool>,
) {
    // Answers are small: send them at once.
    let _ = stream.set_nodelay(true);
    let close = Arc::new(Notify::new());
    let closer = ConnectionCloser::new(close.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(closer.clone());
        app.clone().call(request)
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::pin!(connection);
    let mut draining = *shutting_down.borrow();
    if draining {
        connection.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(error) = served {
                    tracing::debug!(%error, "gmo-sandbox connection ended with an error");
                }
                return;
            }
            // Dropping the connection closes the socket without an answer.
            () = close.notified() => return,
            changed = shutting_down.changed(), if !draining => {
                draining = true;
                if changed.is_ok() {
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}
