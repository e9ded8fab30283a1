//! The routes and layers in process (`tower::ServiceExt::oneshot`) against the in-process
//! sandbox: a minimal app whose "signed-in customer" is an `X-Customer` header.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, header};
use axum::response::Response;
use axum::routing::post;
use gmo_axum::{
    CardDataGuardLayer, CardTestingLayer, CardThrottle, Customer, customer_routes, gateway_routes,
};
use gmo_core::customer::CustomerId;
use gmo_core::flow::{CardRegistrationMode, PrepareOrder};
use gmo_core::order::OrderState;
use gmo_core::store::MemoryStore;
use gmo_core::values::Amount;
use gmo_core::values::{OrderId, ShopId, SiteId};
use gmo_core::web::MessagePolicy;
use gmo_core::{Environment, GmoClient, Payments, ShopPass, SitePass};
use gmo_sandbox::{AcsBrowser, Api, CHALLENGE_OTP, RunningSandbox, Sandbox};
use serde_json::{Value, json};
use tower::ServiceExt as _;

#[derive(Clone)]
struct AppState {
    payments: Payments,
}

impl FromRef<AppState> for Payments {
    fn from_ref(state: &AppState) -> Payments {
        state.payments.clone()
    }
}

/// The "signed-in customer": the `X-Customer` header, or 401.
struct HeaderCustomer(String);

impl<S: Send + Sync> FromRequestParts<S> for HeaderCustomer {
    type Rejection = (StatusCode, &'static str);
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .headers
            .get("x-customer")
            .and_then(|v| v.to_str().ok())
            .map(|v| HeaderCustomer(v.to_owned()))
            .ok_or((StatusCode::UNAUTHORIZED, "sign in first"))
    }
}

impl Customer for HeaderCustomer {
    fn customer_id(&self) -> Result<CustomerId, gmo_core::values::InvalidValue> {
        CustomerId::new(self.0.clone())
    }
}

struct TestApp {
    sandbox: RunningSandbox,
    payments: Payments,
    router: Router,
}

impl TestApp {
    async fn new(mode: CardRegistrationMode, policy: Option<MessagePolicy>) -> Self {
        let sandbox = Sandbox::builder().spawn().await.unwrap();
        let client = GmoClient::builder(Environment::Custom(sandbox.base_url().to_owned()))
            .shop(
                ShopId::new(sandbox.shop_id()).unwrap(),
                ShopPass::new(sandbox.shop_pass()),
            )
            .site(
                SiteId::new(sandbox.site_id()).unwrap(),
                SitePass::new(sandbox.site_pass()),
            )
            .request_timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let payments = Payments::builder(client, Arc::new(MemoryStore::new()))
            .public_url("http://shop.test")
            .message_policy(policy.unwrap_or_default())
            .card_registration(mode)
            .card_testing(gmo_core::guard::CardTestingThrottle::new(
                gmo_core::guard::ThrottleConfig::default(),
            ))
            .build()
            .unwrap();
        let router = Router::new()
            .nest(
                payments.gateway_prefix(),
                customer_routes::<AppState, HeaderCustomer>(),
            )
            .merge(gateway_routes(payments.clone()))
            .layer(CardTestingLayer::for_payments(&payments))
            .layer(CardDataGuardLayer::default())
            .with_state(AppState {
                payments: payments.clone(),
            });
        Self {
            sandbox,
            payments,
            router,
        }
    }

    async fn send(&self, request: Request<Body>) -> (StatusCode, Value, Response<()>) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, 1 << 20).await.unwrap();
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (parts.status, value, Response::from_parts(parts, ()))
    }

    async fn post_json(&self, customer: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let request = Request::post(path)
            .header("x-customer", customer)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, value, _) = self.send(request).await;
        (status, value)
    }

    /// Answers the issuer's page with `otp` and posts the browser back to the 3-D Secure return:
    /// the return's status and `Location`.
    async fn authenticate(&self, url: &str, otp: &str) -> (StatusCode, String) {
        let form = AcsBrowser::new().authenticate(url, otp).await.unwrap();
        let path = form
            .action
            .strip_prefix("http://shop.test")
            .unwrap()
            .to_owned();
        let body = form
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let (status, _, response) = self.send(request).await;
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (status, location)
    }

    fn token(&self, card: &str) -> String {
        self.sandbox.issue_token(card, "2812", "123").unwrap()
    }

    async fn prepare(&self, customer: &str, yen: u32) -> OrderId {
        self.payments
            .prepare_order(PrepareOrder::new(
                CustomerId::new(customer).unwrap(),
                Amount::new(yen).unwrap(),
            ))
            .await
            .unwrap()
            .order_id
    }

    async fn state(&self, customer: &str, order_id: &OrderId) -> OrderState {
        self.payments
            .order(&CustomerId::new(customer).unwrap(), order_id)
            .await
            .unwrap()
            .state
    }
}

fn code(value: &Value) -> &str {
    value["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn checkout_with_a_challenge_ends_with_a_303_to_the_completion_page() {
    let app = TestApp::new(CardRegistrationMode::Verified, None).await;
    let order_id = app.prepare("alice", 1500).await;
    let path = format!("/payments/checkout/{order_id}");
    let (status, answer) = app
        .post_json(
            "alice",
            &path,
            json!({"token": app.token("4100000000005000")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "redirect_to");
    let url = answer["url"].as_str().unwrap();
    let form = AcsBrowser::new()
        .authenticate(url, CHALLENGE_OTP)
        .await
        .unwrap();
    assert_eq!(
        form.action,
        format!("http://shop.test/payments/3ds/{order_id}")
    );
    let body = form
        .fields
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let return_request = || {
        Request::post(format!("/payments/3ds/{order_id}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body.clone()))
            .unwrap()
    };
    // No session: the gateway route needs none.
    let (status, _, response) = app.send(return_request()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("/orders/{order_id}")
    );
    assert_eq!(app.state("alice", &order_id).await, OrderState::Authorized);
    // A replay answers the same, and SecureTran2 ran once.
    let (status, _, response) = app.send(return_request()).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()[header::LOCATION],
        format!("/orders/{order_id}")
    );
    assert_eq!(app.sandbox.calls(Api::SecureTran2), 1);
    // A forged AccessID: 404, nothing sent.
    let forged = Request::post(format!("/payments/3ds/{order_id}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("AccessID=0123456789abcdef0123456789abcdef"))
        .unwrap();
    let (status, value, _) = app.send(forged).await;
    assert_eq!((status, code(&value)), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(app.sandbox.calls(Api::SecureTran2), 1);
}

#[tokio::test]
async fn cards_are_registered_listed_and_deleted() {
    let app = TestApp::new(CardRegistrationMode::Direct, None).await;
    let (status, answer) = app
        .post_json(
            "bob",
            "/payments/cards",
            json!({"token": app.token("4111111111111111")}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["status"], "registered");
    assert_eq!(answer["card"]["masked_number"], "*************111");
    let seq = answer["card"]["card_seq"].as_u64().unwrap();

    let list = Request::get("/payments/cards")
        .header("x-customer", "bob")
        .body(Body::empty())
        .unwrap();
    let (status, cards, response) = app.send(list).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cards["cards"].as_array().unwrap().len(), 1);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");

    // Mallory sees none of Bob's cards and cannot delete them.
    let delete = |who: &str| {
        Request::delete(format!("/payments/cards/{seq}"))
            .header("x-customer", who)
            .body(Body::empty())
            .unwrap()
    };
    let (status, value, _) = app.send(delete("mallory")).await;
    assert_eq!((status, code(&value)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, _, _) = app.send(delete("bob")).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    // Ids that name nothing, even when they are not UTF-8 once decoded: a JSON 404 (as
    // gmo-actix answers), not axum's plain-text 400.
    for seq in ["abc", "%ff"] {
        let (status, value, _) = app
            .send(
                Request::delete(format!("/payments/cards/{seq}"))
                    .header("x-customer", "bob")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(
            (status, code(&value)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{seq}"
        );
    }
    let (status, value) = app
        .post_json("bob", "/payments/checkout/%ff", json!({"card_seq": seq}))
        .await;
    assert_eq!((status, code(&value)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn the_merchants_rejection_and_other_customers_orders() {
    let app = TestApp::new(CardRegistrationMode::Verified, None).await;
    let order_id = app.prepare("alice", 100).await;
    let anonymous = Request::post(format!("/payments/checkout/{order_id}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"card_seq":0}"#))
        .unwrap();
    let (status, value, _) = app.send(anonymous).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(value, "sign in first");
    let (status, value) = app
        .post_json(
            "mallory",
            &format!("/payments/checkout/{order_id}"),
            json!({"token": app.token("4111111111111111")}),
        )
        .await;
    assert_eq!((status, code(&value)), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(app.sandbox.calls_for_order(order_id.as_str()), 0);
}

#[tokio::test]
async fn card_problems_are_told_declined_unless_the_policy_reveals() {
    // A used token fails at ExecTran, before 3-D Secure.
    for (policy, expected) in [
        (None, (StatusCode::PAYMENT_REQUIRED, "declined")),
        (
            Some(MessagePolicy::revealing()),
            (StatusCode::UNPROCESSABLE_ENTITY, "card_problem"),
        ),
    ] {
        let app = TestApp::new(CardRegistrationMode::Verified, policy).await;
        let token = app.token("4111111111111111");
        let first = app.prepare("dave", 700).await;
        let second = app.prepare("dave", 700).await;
        let (status, _) = app
            .post_json(
                "dave",
                &format!("/payments/checkout/{first}"),
                json!({ "token": token }),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, value) = app
            .post_json(
                "dave",
                &format!("/payments/checkout/{second}"),
                json!({ "token": token }),
            )
            .await;
        assert_eq!((status, code(&value)), expected, "{value}");
        assert!(!value.to_string().contains("E61"), "{value}");
    }
}

#[tokio::test]
async fn declines_at_the_return_are_throttled_before_gmo_is_called() {
    let app = TestApp::new(CardRegistrationMode::Verified, None).await;
    for _ in 0..5 {
        let order_id = app.prepare("erin", 300).await;
        let (status, answer) = app
            .post_json(
                "erin",
                &format!("/payments/checkout/{order_id}"),
                json!({"token": app.token("4100000000000506")}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let (status, location) = app
            .authenticate(answer["url"].as_str().unwrap(), CHALLENGE_OTP)
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert_eq!(location, format!("/orders/{order_id}"));
        assert_eq!(app.state("erin", &order_id).await, OrderState::Failed);
    }
    let exec_before = app.sandbox.calls(Api::ExecTran);
    let order_id = app.prepare("erin", 300).await;
    let request = Request::post(format!("/payments/checkout/{order_id}"))
        .header("x-customer", "erin")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"token": app.token("4111111111111111")}).to_string(),
        ))
        .unwrap();
    let (status, value, response) = app.send(request).await;
    assert_eq!(
        (status, code(&value)),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    let retry: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3000..=3600).contains(&retry), "{retry}");
    assert_eq!(app.sandbox.calls(Api::ExecTran), exec_before);
    assert_eq!(app.state("erin", &order_id).await, OrderState::Prepared);
}

#[tokio::test]
async fn notifications_are_acknowledged_with_0() {
    let app = TestApp::new(CardRegistrationMode::Verified, None).await;
    let body = format!(
        "ShopID={}&ShopPass=**********&ErrCode=E00&ErrInfo=E00000000",
        app.sandbox.shop_id()
    );
    let request = Request::post("/payments/notify")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    let (status, value, _) = app.send(request).await;
    assert_eq!((status, value), (StatusCode::OK, json!(0)));
    let foreign = Request::post("/payments/notify")
        .body(Body::from("ShopID=tshop99999999&OrderID=o1&Status=AUTH"))
        .unwrap();
    let (status, value, _) = app.send(foreign).await;
    assert_eq!(
        (status, code(&value)),
        (StatusCode::FORBIDDEN, "foreign_shop")
    );
}

/// A router that counts what reaches its handler and echoes the body.
fn echo_app(hits: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route(
            "/{*path}",
            post(move |body: String| async move {
                hits.fetch_add(1, Ordering::SeqCst);
                body
            }),
        )
        .layer(CardDataGuardLayer::default())
}

#[tokio::test]
async fn the_guard_refuses_card_numbers_anywhere_and_passes_the_rest_unchanged() {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = echo_app(hits.clone());
    let refused = [
        ("/orders?card=4111111111111111", "application/json", "{}"),
        (
            "/orders",
            "application/json",
            r#"{"memo":"4111 1111 1111 1111"}"#,
        ),
        (
            "/orders",
            "application/x-www-form-urlencoded",
            "note=%EF%BC%94111-1111-1111-1111",
        ),
        ("/orders/4111111111111111", "text/plain", ""),
        (
            "/orders",
            "text/plain",
            "pay with 5555-5555-5555-4444 please",
        ),
    ];
    for (uri, content_type, body) in refused {
        let request = Request::post(uri)
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri} {body}");
        let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(code(&value), "card_data_refused");
        assert!(!value.to_string().contains("1111"));
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    let fine = r#"{"order":"order-20261127-0001","tel":"090-1234-5678","jan":"4901234567894"}"#;
    let request = Request::post("/orders?page=2")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(fine))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = to_bytes(response.into_body(), 1 << 16).await.unwrap();
    assert_eq!(bytes, fine.as_bytes());
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Headers and cookies.
    for (name, value) in [
        ("x-note", "4111 1111 1111 1111"),
        ("cookie", "sid=abc; cc1=4111; cc2=1111; cc3=1111; cc4=1111"),
    ] {
        let request = Request::post("/orders")
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{name}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Larger than the guard buffers: handed on as it streams, scanned on the way; a card number
    // in it breaks the app's read of the body.
    let mut body = vec![b'a'; 64 * 1024 + 1];
    let big = Request::post("/orders")
        .body(Body::from(body.clone()))
        .unwrap();
    let response = app.clone().oneshot(big).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    assert_eq!(bytes.len(), body.len());
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    body.extend_from_slice(b" 4111 1111 1111 1111\n");
    let carded = Request::post("/orders").body(Body::from(body)).unwrap();
    let response = app.clone().oneshot(carded).await.unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("4111"));
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_throttle_layer_finds_the_client_behind_trusted_proxies() {
    let app = |layer: CardTestingLayer| {
        Router::new()
            .route(
                "/",
                post(|CardThrottle(attempts): CardThrottle| async move {
                    attempts
                        .and_then(|a| a.client_ip())
                        .map_or("none".to_owned(), |ip| ip.to_string())
                }),
            )
            .layer(layer)
    };
    let request = |peer: Option<&str>, forwarded: Option<&str>| {
        let mut request = Request::post("/").body(Body::empty()).unwrap();
        if let Some(peer) = peer {
            let addr: SocketAddr = format!("{peer}:4000").parse().unwrap();
            request.extensions_mut().insert(ConnectInfo(addr));
        }
        if let Some(forwarded) = forwarded {
            request
                .headers_mut()
                .insert("x-forwarded-for", forwarded.parse().unwrap());
        }
        request
    };
    let cases = [
        (CardTestingLayer::default(), None, None, "none"),
        (
            CardTestingLayer::default(),
            Some("127.0.0.1"),
            Some("1.2.3.4"),
            "127.0.0.1",
        ),
        (
            CardTestingLayer::default().trusted_proxies(gmo_core::web::TrustedProxies::loopback()),
            Some("127.0.0.1"),
            Some("9.9.9.9, 1.2.3.4"),
            "1.2.3.4",
        ),
    ];
    for (layer, peer, forwarded, expected) in cases {
        let response = app(layer).oneshot(request(peer, forwarded)).await.unwrap();
        let bytes = to_bytes(response.into_body(), 1024).await.unwrap();
        assert_eq!(bytes, expected.as_bytes());
    }
}

#[tokio::test]
async fn the_convenience_router_has_both_route_sets_and_both_layers() {
    let app = TestApp::new(CardRegistrationMode::Direct, None).await;
    let payments =
        gmo_core::Payments::builder(app.payments.client().clone(), app.payments.store().clone())
            .public_url("http://shop.test")
            .gateway_prefix("/pay")
            .card_registration(CardRegistrationMode::Direct)
            .build()
            .unwrap();
    let router: Router = Router::new()
        .merge(gmo_axum::routes::<AppState, HeaderCustomer>(
            payments.clone(),
        ))
        .with_state(AppState { payments });
    let send = |request: Request<Body>| router.clone().oneshot(request);
    // A form body registers a card; the answer is JSON.
    let token = app.token("4111111111111111");
    let response = send(
        Request::post("/pay/cards")
            .header("x-customer", "frank")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("token={token}&_csrf=abc")))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // The guard is there.
    let response = send(
        Request::post("/pay/cards")
            .header("x-customer", "frank")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("token=4111-1111-1111-1111"))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    // The gateway routes are there.
    let response = send(
        Request::post("/pay/3ds/o123")
            .body(Body::from("AccessID=x"))
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let response = send(Request::post("/pay/notify").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

/// With an allowlist of GMO's source networks, a notification from elsewhere is refused before
/// its body is read, and one from a listed network, read through a trusted proxy, is taken.
#[tokio::test]
async fn notifications_come_only_from_the_listed_sources() {
    use gmo_core::web::{NotificationRoute, TrustedProxies};
    let app = TestApp::new(CardRegistrationMode::Verified, None).await;
    let route = NotificationRoute::default()
        .sources("203.0.113.0/28")
        .unwrap()
        .trusted_proxies(TrustedProxies::loopback());
    let router: Router = gmo_axum::gateway_routes_with(app.payments.clone(), route);
    let body = format!(
        "ShopID={}&ShopPass=**********&ErrCode=E00&ErrInfo=E00000000",
        app.sandbox.shop_id()
    );
    let send = |peer: &str, forwarded: Option<&str>| {
        let mut request = Request::post("/payments/notify")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(forwarded) = forwarded {
            request = request.header("x-forwarded-for", forwarded);
        }
        let mut request = request.body(Body::from(body.clone())).unwrap();
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(addr));
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    };
    // Straight from an address that is not GMO's.
    let (status, refused) = send("198.51.100.9", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    assert!(refused.contains("source_not_allowed"), "{refused}");
    // A forged header from an untrusted peer is not believed.
    let (status, _) = send("198.51.100.9", Some("203.0.113.5")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // GMO's address, through the proxy on this machine.
    let (status, taken) = send("127.0.0.1", Some("203.0.113.5")).await;
    assert_eq!((status, taken.as_str()), (StatusCode::OK, "0"));
}
