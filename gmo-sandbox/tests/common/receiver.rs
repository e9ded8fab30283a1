//! A merchant's result-notification endpoint for the tests: records every request and answers
//! as scripted.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use gmo_core::wire::parse_form;
use tokio::sync::{Notify, mpsc};

/// How the receiver answers one request.
#[derive(Debug, Clone)]
pub enum Reaction {
    /// HTTP 200 `0`.
    Ack,
    /// HTTP 200 with this body.
    Body(&'static str),
    /// This status, body `0`.
    Status(u16),
    /// Waits this long, then `0` (too late for a short timeout).
    Hang(Duration),
    /// Waits until notified, then `0`.
    Wait(Arc<Notify>),
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Received {
    /// The form's fields in order.
    pub fn fields(&self) -> Vec<(String, String)> {
        parse_form(&self.body)
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    pub fn field(&self, key: &str) -> String {
        parse_form(&self.body)
            .unwrap()
            .get(key)
            .unwrap_or_else(|| panic!("no field {key}"))
            .to_owned()
    }
}

#[derive(Clone)]
struct Shared {
    script: Arc<Mutex<VecDeque<Reaction>>>,
    /// The reaction per OrderID, before the script.
    by_order: Arc<Mutex<Vec<(String, Reaction)>>>,
    seen: mpsc::UnboundedSender<Received>,
}

pub struct Receiver {
    pub url: String,
    shared: Shared,
    seen: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    pub async fn start() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Shared {
            script: Arc::default(),
            by_order: Arc::default(),
            seen: tx,
        };
        let app = Router::new()
            .route("/notify", post(receive))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/notify", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            shared,
            seen: rx,
        }
    }

    /// Answers the next requests so, in order; `0` after.
    pub fn script(&self, reactions: impl IntoIterator<Item = Reaction>) {
        self.shared.script.lock().unwrap().extend(reactions);
    }

    /// Answers every request about `order_id` so.
    pub fn for_order(&self, order_id: &str, reaction: Reaction) {
        self.shared
            .by_order
            .lock()
            .unwrap()
            .push((order_id.to_owned(), reaction));
    }

    /// The next request (fails after 10 s).
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.seen.recv())
            .await
            .expect("no notification within 10 s")
            .unwrap()
    }

    /// Whether a request arrives within `wait`.
    pub async fn quiet_for(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.seen.recv()).await.is_err()
    }
}

async fn receive(State(shared): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let received = Received {
        content_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
        body: body.to_vec(),
    };
    let order = parse_form(&body)
        .ok()
        .and_then(|f| f.get("OrderID").map(str::to_owned))
        .unwrap_or_default();
    let _ = shared.seen.send(received);
    let by_order = shared
        .by_order
        .lock()
        .unwrap()
        .iter()
        .find(|(o, _)| *o == order)
        .map(|(_, r)| r.clone());
    let reaction = by_order
        .or_else(|| shared.script.lock().unwrap().pop_front())
        .unwrap_or(Reaction::Ack);
    match reaction {
        Reaction::Ack => "0".into_response(),
        Reaction::Body(body) => body.into_response(),
        Reaction::Status(status) => (StatusCode::from_u16(status).unwrap(), "0").into_response(),
        Reaction::Hang(wait) => {
            tokio::time::sleep(wait).await;
            "0".into_response()
        }
        Reaction::Wait(notify) => {
            notify.notified().await;
            "0".into_response()
        }
    }
}
