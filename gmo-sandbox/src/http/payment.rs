//! `/payment/<Api>.idPass`: the protocol APIs, and the faults that spoil their answers.

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use tokio::sync::Notify;

use crate::api::Answer;
use crate::faults::{GARBAGE_PAGE, MAINTENANCE_PAGE};
use crate::sandbox::{ApiCall, CallMethod, Reply, Sandbox};

use super::multipart::{Multipart, as_url_encoded};

const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Closes the connection a request came on, without an answer (the connection-drop faults).
/// The server puts one in each request's extensions; it lives here, with its user, so that
/// the HTTP layer does not import the server that imports it.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionCloser(Arc<Notify>);

impl ConnectionCloser {
    /// A closer that wakes `notify`, which the connection's task waits on.
    pub(crate) fn new(notify: Arc<Notify>) -> Self {
        Self(notify)
    }

    /// Asks the connection's task to drop the connection.
    pub(crate) fn close(&self) {
        self.0.notify_one();
    }
}

/// A GMO answer: HTTP 200, Windows-31J text labelled as the sandbox is configured to.
pub(super) fn gmo_answer(sandbox: &Sandbox, body: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, sandbox.answer_content_type())],
        body,
    )
        .into_response()
}

/// The largest request body read (GMO's requests are a few hundred bytes).
const MAX_BODY: usize = 1 << 20;

pub(super) async fn payment(
    State(sandbox): State<Sandbox>,
    Path(segment): Path<String>,
    request: Request,
) -> Response {
    // Parts are read from the request rather than by extractors, which would copy the headers.
    let method = match *request.method() {
        Method::POST => CallMethod::Post,
        Method::GET => CallMethod::Get,
        _ => CallMethod::Other,
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let closer = request.extensions().get::<ConnectionCloser>().cloned();
    let Ok(body) = axum::body::to_bytes(request.into_body(), MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    // GMO's own Node SDK sends multipart bodies: read them as the same fields, urlencoded.
    let multipart = content_type
        .as_deref()
        .map_or(Multipart::Other, |ct| as_url_encoded(ct, &body));
    let (content_type, body, malformed) = match multipart {
        Multipart::Form(form) => (Some(FORM_CONTENT_TYPE.to_owned()), Bytes::from(form), false),
        Multipart::Malformed => (Some(FORM_CONTENT_TYPE.to_owned()), body, true),
        Multipart::Other => (content_type, body, false),
    };
    // The call runs in a task of its own: a client that gives up (a timeout, a closed
    // connection) does not cancel a call under way, as at GMO.
    let handler = sandbox.clone();
    let call = tokio::spawn(async move {
        handler
            .call(ApiCall {
                method,
                segment: &segment,
                content_type: content_type.as_deref(),
                body: &body,
                malformed,
            })
            .await
    });
    let reply = call
        .await
        .unwrap_or_else(|_| Reply::Answer(Answer::error("E91099999").to_body()));
    match reply {
        Reply::Answer(body) => gmo_answer(&sandbox, body),
        Reply::ServiceUnavailable => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            MAINTENANCE_PAGE,
        )
            .into_response(),
        Reply::Garbage => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            GARBAGE_PAGE,
        )
            .into_response(),
        Reply::Truncated(body) => truncated(body, sandbox.answer_content_type()),
        Reply::Drop => match closer {
            Some(closer) => {
                closer.close();
                // Never answer: the connection task closes the connection.
                std::future::pending().await
            }
            // Served without a closer: a body that fails at once aborts the connection too.
            None => broken_body(Vec::new(), 1, sandbox.answer_content_type()),
        },
    }
}

/// HTTP 200 announcing the whole answer, sending its first half, then failing.
fn truncated(body: Vec<u8>, content_type: &'static str) -> Response {
    let full = body.len();
    let mut half = body;
    half.truncate(full / 2);
    broken_body(half, full, content_type)
}

/// A response that announces `announced` bytes, sends `sent`, then breaks the connection.
fn broken_body(sent: Vec<u8>, announced: usize, content_type: &'static str) -> Response {
    use futures_util::StreamExt;
    let head = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(sent))]);
    // The pause lets hyper flush the status line and the first bytes before the cut, so that
    // the client sees a started answer that never completes.
    let cut = futures_util::stream::once(async {
        tokio::time::sleep(CUT_DELAY).await;
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "gmo-sandbox fault: connection cut",
        ))
    });
    let mut response = Response::new(Body::from_stream(head.chain(cut)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
    response
}

/// How long a truncated answer waits between its first half and the cut.
const CUT_DELAY: std::time::Duration = std::time::Duration::from_millis(20);
