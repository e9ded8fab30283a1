//! The routes and middleware in process (`actix_web::test::init_service`/`call_service`) against
//! the in-process sandbox: a minimal app whose "signed-in customer" is an `X-Customer` header.
//! The same cases as gmo-axum's `tests/routes.rs`, so that both adapters are held to the same
//! answers, plus what is actix's own: the two ways of mounting, and scopes sharing a prefix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::{Ready, ready};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    CACHE_CONTROL, CONTENT_LENGTH, CONTENT_TYPE, HeaderMap, HeaderName, LOCATION, RETRY_AFTER,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::{Next, from_fn};
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::web::{self, Bytes, Data};
use actix_web::{App, FromRequest, HttpRequest, HttpResponse};
use gmo_actix::{
    CardDataGuardMiddleware, CardTestingMiddleware, CardThrottle, Customer, PaymentRoutes,
    customer_scope, gateway_scope,
};
use gmo_core::customer::CustomerId;
use gmo_core::flow::{CardRegistrationMode, PrepareOrder};
use gmo_core::guard::{Limit, ThrottleConfig};
use gmo_core::order::OrderState;
use gmo_core::store::MemoryStore;
use gmo_core::values::Amount;
use gmo_core::values::{OrderId, ShopId, SiteId};
use gmo_core::web::{MessagePolicy, TrustedProxies};
use gmo_core::{Environment, GmoClient, Payments, ShopPass, SitePass};
use gmo_sandbox::{AcsBrowser, Api, CHALLENGE_OTP, RunningSandbox, Sandbox};
use serde_json::{Value, json};

/// The "signed-in customer": the `X-Customer` header, or 401.
struct HeaderCustomer(String);

impl FromRequest for HeaderCustomer {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.headers()
                .get("x-customer")
                .and_then(|v| v.to_str().ok())
                .map(|v| HeaderCustomer(v.to_owned()))
                .ok_or_else(|| actix_web::error::ErrorUnauthorized("sign in first")),
        )
    }
}

impl Customer for HeaderCustomer {
    fn customer_id(&self) -> Result<CustomerId, gmo_core::values::InvalidValue> {
        CustomerId::new(self.0.clone())
    }
}

/// The merchant's CSRF protection, as the customer scope's own middleware: a request that
/// changes something needs `X-Csrf`. The gateway routes must never pass through it.
async fn csrf(
    req: ServiceRequest,
    next: Next<BoxBody>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if req.method() != Method::GET && !req.headers().contains_key("x-csrf") {
        return Ok(req.into_response(HttpResponse::Forbidden().body("csrf token missing")));
    }
    next.call(req).await
}

/// How the test app mounts the routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mount {
    /// `PaymentRoutes::configure`: everything under `/payments`, with the middleware.
    Routes,
    /// `customer_scope` (inside the CSRF middleware) registered before `gateway_scope` at the
    /// same prefix, the guard and throttle around the app.
    Scopes,
}

struct TestApp {
    sandbox: RunningSandbox,
    payments: Payments,
    routes: PaymentRoutes,
    mount: Mount,
}

/// An answer: status, JSON body (or the text as a JSON string), headers.
struct Answer {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
}

impl Answer {
    fn code(&self) -> &str {
        code(&self.body)
    }

    /// A header's value, or "" when absent.
    fn header(&self, name: HeaderName) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }
}

async fn answer<B: MessageBody>(response: ServiceResponse<B>) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = read_body(response).await;
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    Answer {
        status,
        body,
        headers,
    }
}

fn code(value: &Value) -> &str {
    value["error"]["code"].as_str().unwrap_or_default()
}

impl TestApp {
    async fn new(mode: CardRegistrationMode, policy: Option<MessagePolicy>, mount: Mount) -> Self {
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
        let routes = PaymentRoutes::new(payments.clone());
        Self {
            sandbox,
            payments,
            routes,
            mount,
        }
    }

    /// Sends one request to a freshly built app, as a new worker would serve it: the clones of
    /// the routes and middleware share the store and the throttle.
    async fn send(&self, request: TestRequest) -> Answer {
        match self.mount {
            Mount::Routes => {
                let app = App::new().configure(self.routes.configure::<HeaderCustomer>());
                let app = init_service(app).await;
                answer(call_service(&app, request.to_request()).await).await
            }
            Mount::Scopes => {
                let app = App::new()
                    .app_data(Data::new(self.payments.clone()))
                    .service(
                        customer_scope::<HeaderCustomer>(self.payments.gateway_prefix())
                            .wrap(from_fn(csrf)),
                    )
                    .service(gateway_scope(&self.payments))
                    .wrap(self.routes.throttle().clone())
                    .wrap(CardDataGuardMiddleware::default());
                let app = init_service(app).await;
                answer(call_service(&app, request.to_request()).await).await
            }
        }
    }

    async fn post_json(&self, customer: &str, path: &str, body: Value) -> Answer {
        let request = TestRequest::post()
            .uri(path)
            .insert_header(("x-customer", customer))
            .insert_header(("x-csrf", "1"))
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload(body.to_string());
        self.send(request).await
    }

    /// Answers the issuer's page with `otp` and brings the browser back to the 3-D Secure
    /// return, posting GMO's form (or, with `get`, as a query string).
    async fn authenticate(&self, url: &str, otp: &str, get: bool) -> Answer {
        let form = AcsBrowser::new().authenticate(url, otp).await.unwrap();
        let path = form.action.strip_prefix("http://shop.test").unwrap();
        let fields = form
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let request = if get {
            TestRequest::get().uri(&format!("{path}?{fields}"))
        } else {
            TestRequest::post()
                .uri(path)
                .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(fields)
        };
        self.send(request).await
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

#[actix_web::test]
async fn checkout_with_a_challenge_ends_with_a_303_to_the_completion_page() {
    for mount in [Mount::Routes, Mount::Scopes] {
        let app = TestApp::new(CardRegistrationMode::Verified, None, mount).await;
        let order_id = app.prepare("alice", 1500).await;
        let path = format!("/payments/checkout/{order_id}");
        let token = app.token("4100000000005000");
        let answer = app
            .post_json("alice", &path, json!({ "token": token }))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{mount:?} {}", answer.body);
        assert_eq!(answer.body["status"], "redirect_to");
        assert_eq!(answer.header(CACHE_CONTROL), "no-store");
        let url = answer.body["url"].as_str().unwrap();
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
            TestRequest::post()
                .uri(&format!("/payments/3ds/{order_id}"))
                .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
                .set_payload(body.clone())
        };
        // No session, no CSRF token: the gateway route needs neither.
        let back = app.send(return_request()).await;
        assert_eq!(
            back.status,
            StatusCode::SEE_OTHER,
            "{mount:?} {}",
            back.body
        );
        assert_eq!(
            back.header(LOCATION),
            format!("/orders/{order_id}").as_str()
        );
        assert_eq!(back.header(CACHE_CONTROL), "no-store");
        assert_eq!(app.state("alice", &order_id).await, OrderState::Authorized);
        // A replay answers the same, and SecureTran2 ran once.
        let again = app.send(return_request()).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(
            again.header(LOCATION),
            format!("/orders/{order_id}").as_str()
        );
        assert_eq!(app.sandbox.calls(Api::SecureTran2), 1);
        // A forged AccessID: 404, nothing sent.
        let forged = TestRequest::post()
            .uri(&format!("/payments/3ds/{order_id}"))
            .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload("AccessID=0123456789abcdef0123456789abcdef");
        let forged = app.send(forged).await;
        assert_eq!(
            (forged.status, forged.code()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        assert_eq!(forged.header(CONTENT_TYPE), "application/json");
        assert_eq!(app.sandbox.calls(Api::SecureTran2), 1);
    }
}

#[actix_web::test]
async fn the_3ds_return_also_comes_back_as_a_get_with_a_query_string() {
    let app = TestApp::new(CardRegistrationMode::Verified, None, Mount::Scopes).await;
    let order_id = app.prepare("alice", 800).await;
    let token = app.token("4100000000005000");
    let answer = app
        .post_json(
            "alice",
            &format!("/payments/checkout/{order_id}"),
            json!({ "token": token }),
        )
        .await;
    assert_eq!(answer.body["status"], "redirect_to", "{}", answer.body);
    let back = app
        .authenticate(answer.body["url"].as_str().unwrap(), CHALLENGE_OTP, true)
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER, "{}", back.body);
    assert_eq!(
        back.header(LOCATION),
        format!("/orders/{order_id}").as_str()
    );
    assert_eq!(app.state("alice", &order_id).await, OrderState::Authorized);
    // A GET without AccessID is refused cleanly.
    let bare = app
        .send(TestRequest::get().uri(&format!("/payments/3ds/{order_id}")))
        .await;
    assert_eq!(
        (bare.status, bare.code()),
        (StatusCode::BAD_REQUEST, "missing_field")
    );
}

#[actix_web::test]
async fn cards_are_registered_listed_and_deleted() {
    for mount in [Mount::Routes, Mount::Scopes] {
        let app = TestApp::new(CardRegistrationMode::Direct, None, mount).await;
        let token = app.token("4111111111111111");
        let answer = app
            .post_json("bob", "/payments/cards", json!({ "token": token }))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{mount:?} {}", answer.body);
        assert_eq!(answer.body["status"], "registered");
        assert_eq!(answer.body["card"]["masked_number"], "*************111");
        let seq = answer.body["card"]["card_seq"].as_u64().unwrap();

        let list = TestRequest::get()
            .uri("/payments/cards")
            .insert_header(("x-customer", "bob"));
        let cards = app.send(list).await;
        assert_eq!(cards.status, StatusCode::OK);
        assert_eq!(cards.body["cards"].as_array().unwrap().len(), 1);
        assert_eq!(cards.header(CACHE_CONTROL), "no-store");
        // HEAD is answered like GET, as HTTP asks and as gmo-axum does.
        let head = TestRequest::default()
            .method(Method::HEAD)
            .uri("/payments/cards")
            .insert_header(("x-customer", "bob"))
            // The test's CSRF middleware lets only GET through without a token.
            .insert_header(("x-csrf", "1"));
        let head = app.send(head).await;
        assert_eq!(
            (head.status, head.header(CACHE_CONTROL)),
            (StatusCode::OK, "no-store"),
            "{mount:?}"
        );

        // Mallory sees none of Bob's cards and cannot delete them.
        let delete = |who: &str, seq: &str| {
            TestRequest::delete()
                .uri(&format!("/payments/cards/{seq}"))
                .insert_header(("x-customer", who))
                .insert_header(("x-csrf", "1"))
        };
        let mallory = app.send(delete("mallory", &seq.to_string())).await;
        assert_eq!(
            (mallory.status, mallory.code()),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let bob = app.send(delete("bob", &seq.to_string())).await;
        assert_eq!(bob.status, StatusCode::NO_CONTENT);
        assert_eq!(bob.header(CACHE_CONTROL), "no-store");
        let nonsense = app.send(delete("bob", "abc")).await;
        assert_eq!(
            (nonsense.status, nonsense.code()),
            (StatusCode::NOT_FOUND, "not_found")
        );
    }
}

#[actix_web::test]
async fn the_merchants_rejection_and_other_customers_orders() {
    let app = TestApp::new(CardRegistrationMode::Verified, None, Mount::Scopes).await;
    let order_id = app.prepare("alice", 100).await;
    let anonymous = TestRequest::post()
        .uri(&format!("/payments/checkout/{order_id}"))
        .insert_header(("x-csrf", "1"))
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(r#"{"card_seq":0}"#);
    let anonymous = app.send(anonymous).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.body, "sign in first");
    let token = app.token("4111111111111111");
    let mallory = app
        .post_json(
            "mallory",
            &format!("/payments/checkout/{order_id}"),
            json!({ "token": token }),
        )
        .await;
    assert_eq!(
        (mallory.status, mallory.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert_eq!(app.sandbox.calls_for_order(order_id.as_str()), 0);
    // An id the merchant's `Customer` cannot turn into a `CustomerId` is the merchant's bug.
    let invalid = TestRequest::get()
        .uri("/payments/cards")
        .insert_header(("x-customer", ""));
    let invalid = app.send(invalid).await;
    assert_eq!(
        (invalid.status, invalid.code()),
        (StatusCode::INTERNAL_SERVER_ERROR, "customer_id_invalid")
    );
    // The customer scope's own middleware still applies to its routes.
    let no_csrf = TestRequest::post()
        .uri(&format!("/payments/checkout/{order_id}"))
        .insert_header(("x-customer", "alice"))
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(r#"{"card_seq":0}"#);
    let no_csrf = app.send(no_csrf).await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
}

#[actix_web::test]
async fn bodies_are_read_by_the_core_rules() {
    let app = TestApp::new(CardRegistrationMode::Verified, None, Mount::Scopes).await;
    let order_id = app.prepare("carol", 500).await;
    let path = format!("/payments/checkout/{order_id}");
    let cases = [
        (
            "application/json",
            r#"{"token":"t","amount":1}"#.to_owned(),
            StatusCode::BAD_REQUEST,
            "price_not_accepted",
        ),
        (
            "application/x-www-form-urlencoded",
            "token=t&cvc=123".to_owned(),
            StatusCode::BAD_REQUEST,
            "card_data_refused",
        ),
        (
            "text/plain",
            "token".to_owned(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            "application/json",
            "{".to_owned(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "application/json",
            format!(r#"{{"token":"{}"}}"#, "t".repeat(70_000)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    for (content_type, body, status, expected) in cases {
        let request = TestRequest::post()
            .uri(&path)
            .insert_header(("x-customer", "carol"))
            .insert_header(("x-csrf", "1"))
            .insert_header((CONTENT_TYPE, content_type))
            .set_payload(body);
        let refused = app.send(request).await;
        assert_eq!((refused.status, refused.code()), (status, expected));
    }
    assert_eq!(app.sandbox.calls_for_order(order_id.as_str()), 0);
    assert_eq!(app.state("carol", &order_id).await, OrderState::Prepared);
}

#[actix_web::test]
async fn card_problems_are_told_declined_unless_the_policy_reveals() {
    // A used token fails at ExecTran, before 3-D Secure.
    for (policy, expected) in [
        (None, (StatusCode::PAYMENT_REQUIRED, "declined")),
        (
            Some(MessagePolicy::revealing()),
            (StatusCode::UNPROCESSABLE_ENTITY, "card_problem"),
        ),
    ] {
        let app = TestApp::new(CardRegistrationMode::Verified, policy, Mount::Scopes).await;
        let token = app.token("4111111111111111");
        let first = app.prepare("dave", 700).await;
        let second = app.prepare("dave", 700).await;
        let paid = app
            .post_json(
                "dave",
                &format!("/payments/checkout/{first}"),
                json!({ "token": token }),
            )
            .await;
        assert_eq!(paid.status, StatusCode::OK);
        let refused = app
            .post_json(
                "dave",
                &format!("/payments/checkout/{second}"),
                json!({ "token": token }),
            )
            .await;
        assert_eq!(
            (refused.status, refused.code()),
            expected,
            "{}",
            refused.body
        );
        assert!(
            !refused.body.to_string().contains("E61"),
            "{}",
            refused.body
        );
    }
}

#[actix_web::test]
async fn declines_at_the_return_are_throttled_before_gmo_is_called() {
    let app = TestApp::new(CardRegistrationMode::Verified, None, Mount::Scopes).await;
    for _ in 0..5 {
        let order_id = app.prepare("erin", 300).await;
        let token = app.token("4100000000000506");
        let answer = app
            .post_json(
                "erin",
                &format!("/payments/checkout/{order_id}"),
                json!({ "token": token }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let back = app
            .authenticate(answer.body["url"].as_str().unwrap(), CHALLENGE_OTP, false)
            .await;
        assert_eq!(back.status, StatusCode::SEE_OTHER);
        assert_eq!(
            back.header(LOCATION),
            format!("/orders/{order_id}").as_str()
        );
        assert_eq!(app.state("erin", &order_id).await, OrderState::Failed);
    }
    let exec_before = app.sandbox.calls(Api::ExecTran);
    let order_id = app.prepare("erin", 300).await;
    let token = app.token("4111111111111111");
    let refused = app
        .post_json(
            "erin",
            &format!("/payments/checkout/{order_id}"),
            json!({ "token": token }),
        )
        .await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    let retry: u64 = refused.header(RETRY_AFTER).parse().unwrap();
    assert!((3000..=3600).contains(&retry), "{retry}");
    assert_eq!(app.sandbox.calls(Api::ExecTran), exec_before);
    assert_eq!(app.state("erin", &order_id).await, OrderState::Prepared);
}

#[actix_web::test]
async fn notifications_are_acknowledged_with_0() {
    for mount in [Mount::Routes, Mount::Scopes] {
        let app = TestApp::new(CardRegistrationMode::Verified, None, mount).await;
        let body = format!(
            "ShopID={}&ShopPass=**********&ErrCode=E00&ErrInfo=E00000000",
            app.sandbox.shop_id()
        );
        let request = TestRequest::post()
            .uri("/payments/notify")
            .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(body);
        let ack = app.send(request).await;
        assert_eq!((ack.status, &ack.body), (StatusCode::OK, &json!(0)));
        assert_eq!(ack.header(CONTENT_TYPE), "text/plain; charset=utf-8");
        let foreign = TestRequest::post()
            .uri("/payments/notify")
            .set_payload("ShopID=tshop99999999&OrderID=o1&Status=AUTH");
        let foreign = app.send(foreign).await;
        assert_eq!(
            (foreign.status, foreign.code()),
            (StatusCode::FORBIDDEN, "foreign_shop")
        );
    }
}

#[actix_web::test]
async fn scopes_share_a_prefix_in_either_order_and_nest() {
    let app = TestApp::new(CardRegistrationMode::Verified, None, Mount::Scopes).await;
    // Served under `/pay` (inside `/shop` in the last two arrangements).
    let under_pay = |public_url: &str| {
        Payments::builder(app.payments.client().clone(), app.payments.store().clone())
            .public_url(public_url)
            .gateway_prefix("/pay/")
            .build()
            .unwrap()
    };
    let (at_root, in_shop) = (
        under_pay("http://shop.test"),
        under_pay("http://shop.test/shop"),
    );
    let payments = Data::new(at_root.clone());
    let shop_payments = Data::new(in_shop.clone());
    let notification = format!(
        "ShopID={}&ShopPass=**********&ErrCode=E00&ErrInfo=E00000000",
        app.sandbox.shop_id()
    );
    // Each arrangement serves the customer's cards and the notification, at `outer + /pay`.
    macro_rules! check {
        ($outer:literal, $app:expr) => {{
            let service = init_service($app).await;
            let cards = TestRequest::get()
                .uri(concat!($outer, "/pay/cards"))
                .insert_header(("x-customer", "frank"))
                .to_request();
            let cards = answer(call_service(&service, cards).await).await;
            assert_eq!(cards.status, StatusCode::OK, "{}", cards.body);
            assert_eq!(cards.body, json!({ "cards": [] }));
            let notify = TestRequest::post()
                .uri(concat!($outer, "/pay/notify"))
                .set_payload(notification.clone())
                .to_request();
            let notify = answer(call_service(&service, notify).await).await;
            assert_eq!((notify.status, &notify.body), (StatusCode::OK, &json!(0)));
            let unknown = TestRequest::get()
                .uri(concat!($outer, "/pay/elsewhere"))
                .to_request();
            let unknown = call_service(&service, unknown).await;
            assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        }};
    }
    check!(
        "",
        App::new()
            .app_data(payments.clone())
            .service(gateway_scope(&at_root))
            .service(customer_scope::<HeaderCustomer>("/pay/"))
    );
    check!(
        "",
        App::new()
            .app_data(payments.clone())
            .service(customer_scope::<HeaderCustomer>("/pay").wrap(from_fn(csrf)))
            .service(gateway_scope(&at_root))
    );
    check!(
        "/shop",
        App::new().app_data(shop_payments.clone()).service(
            web::scope("/shop")
                .service(customer_scope::<HeaderCustomer>("/pay"))
                .service(gateway_scope(&in_shop))
        )
    );
    check!(
        "/shop",
        App::new().service(
            web::scope("/shop")
                .configure(PaymentRoutes::new(in_shop.clone()).configure::<HeaderCustomer>())
        )
    );
}

#[actix_web::test]
async fn without_the_payments_handle_the_customer_routes_answer_500_and_say_why() {
    // The gateway scope carries its handle; the customer scope finds it in the app.
    let service =
        init_service(App::new().service(customer_scope::<HeaderCustomer>("/payments"))).await;
    for request in [TestRequest::get()
        .uri("/payments/cards")
        .insert_header(("x-customer", "gina"))]
    {
        let refused = answer(call_service(&service, request.to_request()).await).await;
        assert_eq!(
            (refused.status, refused.code()),
            (StatusCode::INTERNAL_SERVER_ERROR, "payments_not_configured")
        );
    }
}

#[actix_web::test]
async fn the_guard_refuses_card_numbers_anywhere_and_passes_the_rest_unchanged() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = init_service(
        App::new()
            .default_service(web::to(move |body: Bytes| {
                counter.fetch_add(1, Ordering::SeqCst);
                async move { HttpResponse::Ok().body(body) }
            }))
            .wrap(CardDataGuardMiddleware::default()),
    )
    .await;
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
        let request = TestRequest::post()
            .uri(uri)
            .insert_header((CONTENT_TYPE, content_type))
            .set_payload(body)
            .to_request();
        let refusal = answer(call_service(&app, request).await).await;
        assert_eq!(refusal.status, StatusCode::BAD_REQUEST, "{uri} {body}");
        assert_eq!(refusal.code(), "card_data_refused");
        assert_eq!(refusal.header(CONTENT_TYPE), "application/json");
        assert!(!refusal.body.to_string().contains("1111"));
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    let fine = r#"{"order":"order-20261127-0001","tel":"090-1234-5678","jan":"4901234567894"}"#;
    let request = TestRequest::post()
        .uri("/orders?page=2")
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(fine)
        .to_request();
    let response = call_service(&app, request).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(read_body(response).await, fine.as_bytes());
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // Larger than the guard buffers, declared by Content-Length or found while reading: handed
    // on as it streams, scanned on the way; a card number in it breaks the app's read.
    for declared in [true, false] {
        let mut body = vec![b'a'; 64 * 1024 + 1];
        let mut big = TestRequest::post()
            .uri("/orders")
            .set_payload(body.clone())
            .to_request();
        if !declared {
            big.headers_mut().remove(CONTENT_LENGTH);
        }
        let response = call_service(&app, big).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(read_body(response).await.len(), body.len());
        body.extend_from_slice(b" 4111 1111 1111 1111\n");
        let carded = TestRequest::post()
            .uri("/orders")
            .set_payload(body)
            .to_request();
        let response = call_service(&app, carded).await;
        assert!(
            response.status().is_client_error(),
            "{:?}",
            response.status()
        );
        assert!(!String::from_utf8_lossy(&read_body(response).await).contains("4111"));
    }
    assert_eq!(hits.load(Ordering::SeqCst), 3);
}

#[actix_web::test]
async fn the_throttle_middleware_finds_the_client_behind_trusted_proxies() {
    let cases = [
        (CardTestingMiddleware::default(), None, None, "none"),
        (
            CardTestingMiddleware::default(),
            Some("127.0.0.1"),
            Some("1.2.3.4"),
            "127.0.0.1",
        ),
        (
            CardTestingMiddleware::default().trusted_proxies(TrustedProxies::loopback()),
            Some("127.0.0.1"),
            Some("9.9.9.9, 1.2.3.4"),
            "1.2.3.4",
        ),
    ];
    for (middleware, peer, forwarded, expected) in cases {
        let app = init_service(
            App::new()
                .route(
                    "/",
                    web::post().to(|CardThrottle(attempts): CardThrottle| async move {
                        attempts
                            .and_then(|a| a.client_ip())
                            .map_or("none".to_owned(), |ip| ip.to_string())
                    }),
                )
                .wrap(middleware),
        )
        .await;
        let mut request = TestRequest::post().uri("/");
        if let Some(peer) = peer {
            let addr: SocketAddr = format!("{peer}:4000").parse().unwrap();
            request = request.peer_addr(addr);
        }
        if let Some(forwarded) = forwarded {
            request = request.insert_header(("x-forwarded-for", forwarded));
        }
        let response = call_service(&app, request.to_request()).await;
        assert_eq!(read_body(response).await, expected.as_bytes());
    }
}

/// Over a real connection, a large body (declared or chunked) streams through the guard to the
/// app, which answers without waiting for it. And a WebSocket upgrade is not held up by the
/// guard.
#[actix_web::test]
async fn the_guard_over_a_real_connection_streams_large_bodies_and_lets_upgrades_through() {
    use std::io::{Read, Write};

    let server = actix_web::HttpServer::new(|| {
        App::new()
            .default_service(web::to(|| async { "reached" }))
            .wrap(CardDataGuardMiddleware::default())
    })
    .workers(1)
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let body = vec![b'a'; 16 * 1024 * 1024];
    for chunked in [false, true] {
        let body = body.clone();
        let response = actix_web::rt::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let framing = if chunked {
                "Transfer-Encoding: chunked".to_owned()
            } else {
                format!("Content-Length: {}", body.len())
            };
            let head = format!(
                "POST /orders HTTP/1.1\r\nHost: shop.test\r\nContent-Type: text/plain\r\n{framing}\r\n\r\n"
            );
            // The server may answer before the body is sent: write errors are not the test.
            let _ = stream.write_all(head.as_bytes());
            for piece in body.chunks(16 * 1024) {
                let written = if chunked {
                    stream
                        .write_all(format!("{:x}\r\n", piece.len()).as_bytes())
                        .and_then(|()| stream.write_all(piece))
                        .and_then(|()| stream.write_all(b"\r\n"))
                } else {
                    stream.write_all(piece)
                };
                if written.is_err() {
                    break;
                }
            }
            if chunked {
                let _ = stream.write_all(b"0\r\n\r\n");
            }
            let mut response = Vec::new();
            let mut buf = [0_u8; 4096];
            // Read until the headers and the JSON body are in, or the server closes.
            loop {
                match stream.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => response.extend_from_slice(&buf[..n]),
                    Err(e) => panic!("chunked={chunked}: {e} after {response:?}"),
                }
                if response.ends_with(b"}}") || response.ends_with(b"reached") {
                    break;
                }
            }
            String::from_utf8(response).unwrap()
        })
        .await
        .unwrap();
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "chunked={chunked}: {response}"
        );
        assert!(response.ends_with("reached"), "{response}");
    }

    // A WebSocket upgrade's body is the connection itself: the guard scans its path and query
    // and leaves the body to the handler, instead of waiting for the connection to end.
    let response = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .unwrap();
        stream
            .write_all(
                b"GET /live HTTP/1.1\r\nHost: shop.test\r\nConnection: Upgrade\r\n\
                  Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
                  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
            )
            .unwrap();
        let mut buf = [0_u8; 4096];
        let n = stream
            .read(&mut buf)
            .expect("an answer to the upgrade request");
        String::from_utf8_lossy(&buf[..n]).into_owned()
    })
    .await
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("reached"), "{response}");
    handle.stop(true).await;
}

#[actix_web::test]
async fn payment_routes_have_both_route_sets_and_both_middlewares() {
    let app = TestApp::new(CardRegistrationMode::Direct, None, Mount::Routes).await;
    let mut limits = ThrottleConfig::default();
    limits.new_cards_per_customer = Some(Limit::new(1, Duration::from_secs(3600)));
    let payments = Payments::builder(app.payments.client().clone(), app.payments.store().clone())
        .public_url("http://shop.test")
        .gateway_prefix("/pay")
        .card_registration(CardRegistrationMode::Direct)
        .build()
        .unwrap();
    let service = init_service(
        App::new().configure(
            PaymentRoutes::new(payments)
                .card_testing(CardTestingMiddleware::new(limits))
                .configure::<HeaderCustomer>(),
        ),
    )
    .await;
    let send = |request: TestRequest| async {
        answer(call_service(&service, request.to_request()).await).await
    };
    // A form body registers a card; the answer is JSON.
    let token = app.token("4111111111111111");
    let registered = send(
        TestRequest::post()
            .uri("/pay/cards")
            .insert_header(("x-customer", "frank"))
            .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload(format!("token={token}&_csrf=abc")),
    )
    .await;
    assert_eq!(registered.status, StatusCode::OK, "{}", registered.body);
    assert_eq!(registered.body["status"], "registered");
    // The guard is there.
    let refused = send(
        TestRequest::post()
            .uri("/pay/cards")
            .insert_header(("x-customer", "frank"))
            .insert_header((CONTENT_TYPE, "application/x-www-form-urlencoded"))
            .set_payload("token=4111-1111-1111-1111"),
    )
    .await;
    assert_eq!(
        (refused.status, refused.code()),
        (StatusCode::BAD_REQUEST, "card_data_refused")
    );
    // The throttle is there: one new card an hour.
    let token = app.token("5555555555554444");
    let throttled = send(
        TestRequest::post()
            .uri("/pay/cards")
            .insert_header(("x-customer", "frank"))
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload(json!({ "token": token }).to_string()),
    )
    .await;
    assert_eq!(
        (throttled.status, throttled.code()),
        (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts")
    );
    // The gateway routes are there.
    let unknown = send(
        TestRequest::post()
            .uri("/pay/3ds/o123")
            .set_payload("AccessID=x"),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let empty = send(TestRequest::post().uri("/pay/notify")).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.body);
}
