//! The simulated ACS, plain HTML that works without JavaScript:
//!
//! * `GET /acs/start?transId=…&t=…` — the `RedirectUrl` of ExecTran. Frictionless cards go
//!   straight back to the shop; challenge cards get the OTP form; CallbackType 2 gets the 3DS
//!   Method callback.
//! * `GET /acs/challenge/<transId>/<t>` — the `ChallengeUrl` of Tds2Auth (no `&` in it, so that
//!   it survives clients that split GMO's answers on `&`), also reachable as
//!   `GET /acs/challenge?transId=…&t=…`: the OTP form.
//! * `POST /acs/challenge` (`transId`, `t`, `otp`) — `123456` passes, anything else fails; then
//!   back to the shop.
//!
//! "Back to the shop" is a form that submits itself (and has a visible button for browsers
//! without JavaScript): POST with `AccessID` (CallbackType 1), GET with `AccessID` (3), or POST to
//! `RetUrl?MD=<AccessID>` with `param`, `event`, `requestorTransId` (2).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::{AcsPage, FormMethod, acs_challenge_page, acs_challenge_submit, acs_start};
use crate::sandbox::Sandbox;

pub(super) async fn start(
    State(sandbox): State<Sandbox>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (trans_id, t) = session_params(&query);
    render(sandbox.with_ledger(|ledger, _| acs_start(ledger, trans_id, t)))
}

pub(super) async fn challenge_page(
    State(sandbox): State<Sandbox>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (trans_id, t) = session_params(&query);
    render(sandbox.with_ledger(|ledger, _| acs_challenge_page(ledger, trans_id, t)))
}

pub(super) async fn challenge_page_by_path(
    State(sandbox): State<Sandbox>,
    Path((trans_id, t)): Path<(String, String)>,
) -> Response {
    render(sandbox.with_ledger(|ledger, _| acs_challenge_page(ledger, &trans_id, &t)))
}

pub(super) async fn challenge_submit(State(sandbox): State<Sandbox>, body: Bytes) -> Response {
    let Ok(form) = gmo_core::wire::parse_form(&body) else {
        return render(AcsPage::Invalid("the form could not be read"));
    };
    let get = |k: &str| form.get(k).unwrap_or_default();
    render(sandbox.with_ledger(|ledger, _| {
        acs_challenge_submit(ledger, get("transId"), get("t"), get("otp"))
    }))
}

fn session_params(query: &HashMap<String, String>) -> (&str, &str) {
    (
        query.get("transId").map_or("", String::as_str),
        query.get("t").map_or("", String::as_str),
    )
}

const RETURN_FORM_ID: &str = "gmo-sandbox-return";

fn render(page: AcsPage) -> Response {
    let (status, body) = match page {
        AcsPage::Return {
            action,
            method,
            fields,
        } => {
            let method = match method {
                FormMethod::Post => "post",
                FormMethod::Get => "get",
            };
            let inputs: String = fields
                .iter()
                .map(|(k, v)| {
                    format!(
                        "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                        escape(k),
                        escape(v)
                    )
                })
                .collect();
            (
                StatusCode::OK,
                page_html(&format!(
                    "<form id=\"{RETURN_FORM_ID}\" action=\"{}\" method=\"{method}\">\n{inputs}\
                     <p>3-D Secure authentication is over. Returning to the shop…</p>\n\
                     <button type=\"submit\">Continue</button>\n</form>\n\
                     <script>document.getElementById(\"{RETURN_FORM_ID}\").submit();</script>",
                    escape(&action)
                )),
            )
        }
        AcsPage::Challenge { trans_id, t } => (
            StatusCode::OK,
            page_html(&format!(
                "<h1>Card issuer authentication (sandbox)</h1>\n\
                 <form id=\"gmo-sandbox-challenge\" action=\"/acs/challenge\" method=\"post\">\n\
                 <input type=\"hidden\" name=\"transId\" value=\"{}\">\n\
                 <input type=\"hidden\" name=\"t\" value=\"{}\">\n\
                 <label for=\"otp\">One-time password (the sandbox accepts 123456)</label>\n\
                 <input id=\"otp\" name=\"otp\" type=\"text\" inputmode=\"numeric\" autocomplete=\"one-time-code\">\n\
                 <button type=\"submit\">Authenticate</button>\n</form>",
                escape(&trans_id),
                escape(&t)
            )),
        ),
        AcsPage::Invalid(why) => (
            StatusCode::BAD_REQUEST,
            page_html(&format!("<p>{}</p>", escape(why))),
        ),
    };
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

fn page_html(content: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>GMO sandbox 3-D Secure</title>\n</head>\n<body>\n{content}\n</body>\n</html>\n"
    )
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The form by which the sandbox's ACS sends the browser back to the shop, read from the page,
/// so that a test can play the browser.
///
/// ```
/// use gmo_sandbox::ReturnForm;
///
/// let html = r#"<form id="gmo-sandbox-return" action="https://shop.example/ret?a=1&amp;b=2" method="post">
/// <input type="hidden" name="AccessID" value="0123">
/// </form>"#;
/// let form = ReturnForm::parse(html).unwrap();
/// assert_eq!(form.action, "https://shop.example/ret?a=1&b=2");
/// assert_eq!(form.method, "post");
/// assert_eq!(form.fields, [("AccessID".to_owned(), "0123".to_owned())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnForm {
    /// Where the form goes (the shop's `RetUrl`, with `?MD=…` for CallbackType 2).
    pub action: String,
    /// `post` or `get`.
    pub method: String,
    /// The hidden fields, in order.
    pub fields: Vec<(String, String)>,
}

impl ReturnForm {
    /// Reads the return form of a sandbox ACS page; `None` if the page has none (e.g. the OTP
    /// page).
    pub fn parse(html: &str) -> Option<Self> {
        let start = html.find(&format!("<form id=\"{RETURN_FORM_ID}\""))?;
        let form = &html[start..];
        let form = &form[..form.find("</form>")?];
        let head = &form[..form.find('>')?];
        let action = unescape(attribute(head, "action")?);
        let method = attribute(head, "method")?.to_owned();
        let fields = form
            .match_indices("<input type=\"hidden\"")
            .filter_map(|(at, _)| {
                let tag = &form[at..];
                let tag = &tag[..tag.find('>')?];
                Some((
                    unescape(attribute(tag, "name")?),
                    unescape(attribute(tag, "value")?),
                ))
            })
            .collect();
        Some(Self {
            action,
            method,
            fields,
        })
    }

    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}
