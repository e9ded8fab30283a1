//! A recording reverse proxy in front of a shop: every byte the browser sends to the shop is
//! kept, so that a test can prove what never reached the shop (a card number).

use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderName, Response, StatusCode};

/// One request as the shop received it, and the answer's headers.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `METHOD /path?query`.
    pub line: String,
    /// Every request header, `name: value` per line.
    pub headers: String,
    /// The request body.
    pub body: Vec<u8>,
    /// The answer's status.
    pub status: u16,
    /// The answer's headers, `name: value` per line.
    pub response_headers: String,
}

impl Recorded {
    /// The request's bytes as text (line, headers, body), for searching.
    pub fn request_text(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.line,
            self.headers,
            String::from_utf8_lossy(&self.body)
        )
    }
}

/// The proxy: listening on its own port, forwarding to the shop set with [`Tap::forward_to`].
#[derive(Debug, Clone)]
pub struct Tap {
    /// The proxy's URL: give it to the browser (and as the shop's public URL).
    pub url: String,
    upstream: Arc<OnceLock<String>>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
}

#[derive(Clone)]
struct Shared {
    upstream: Arc<OnceLock<String>>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    http: reqwest::Client,
}

impl Tap {
    /// Listens on `127.0.0.1:0`.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the tap binds");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let shared = Shared {
            upstream: Arc::default(),
            recorded: Arc::default(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
        };
        let tap = Self {
            url,
            upstream: shared.upstream.clone(),
            recorded: shared.recorded.clone(),
        };
        let app = Router::new().fallback(forward).with_state(shared);
        tokio::spawn(async move { axum::serve(listener, app).await });
        tap
    }

    /// Where requests go (the shop's own URL). Set once.
    pub fn forward_to(&self, shop_url: &str) {
        let _ = self.upstream.set(shop_url.trim_end_matches('/').to_owned());
    }

    /// Everything recorded so far.
    pub fn recorded(&self) -> Vec<Recorded> {
        self.recorded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Headers that belong to one connection, not to the request.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "upgrade" | "host" | "content-length"
    )
}

async fn forward(State(shared): State<Shared>, request: Request) -> Response<Body> {
    let Some(upstream) = shared.upstream.get().cloned() else {
        return Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .body(Body::from("the shop is not started yet"))
            .unwrap_or_default();
    };
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, 16 << 20).await.unwrap_or_default();
    let path = parts
        .uri
        .path_and_query()
        .map_or("/".to_owned(), ToString::to_string);
    let headers: String = parts
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
        .collect();
    let mut outgoing = shared
        .http
        .request(parts.method.clone(), format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        if !hop_by_hop(name) {
            outgoing = outgoing.header(name, value);
        }
    }
    let answer = match outgoing.body(body.clone()).send().await {
        Ok(answer) => answer,
        Err(e) => {
            return Response::builder()
                .status(StatusCode::BAD_GATEWAY)
                .body(Body::from(e.to_string()))
                .unwrap_or_default();
        }
    };
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let answer_body = answer.bytes().await.unwrap_or_default();
    shared
        .recorded
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(Recorded {
            line: format!("{} {path}", parts.method),
            headers,
            body: body.to_vec(),
            status: status.as_u16(),
            response_headers: answer_headers
                .iter()
                .map(|(k, v)| format!("{k}: {}\n", String::from_utf8_lossy(v.as_bytes())))
                .collect(),
        });
    let mut response = Response::builder().status(status);
    for (name, value) in &answer_headers {
        if !hop_by_hop(name) {
            response = response.header(name, value);
        }
    }
    response.body(Body::from(answer_body)).unwrap_or_default()
}
