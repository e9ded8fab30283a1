//! The shop's pages: askama templates (`templates/*.html`, each extending `layout.html`) and
//! the view of each, with what the page shows already in words (prices in yen, states as the
//! customer reads them). askama escapes every value. Card fields carry no `name` and sit in no
//! `<form>`: `card-form.js` hands them to token.js, and only the token goes to the shop.

use askama::Template;
use gmo_core::flow::{Card, OrderSummary};
use gmo_core::order::{OrderState, Purpose};
use gmo_core::values::{Method, OrderId};

use crate::catalogue::{MAX_QUANTITY, PRODUCTS, Product};
use crate::orders::{Email, ShopOrder};
use crate::users::{USERS, User};

/// What the card form needs: GMO's token.js and the shop id it is initialised with.
#[derive(Debug, Clone)]
pub struct CardFormConfig {
    /// token.js's URL.
    pub token_js_url: String,
    /// `Multipayment.init`'s argument: the ShopID (public).
    pub shop_id: String,
}

/// The path of the card form's script.
pub const CARD_FORM_JS_PATH: &str = "/assets/card-form.js";

/// Who is looking at a page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer<'a> {
    /// The signed-in user.
    pub user: Option<&'a User>,
    /// The session's CSRF token, for forms.
    pub csrf_token: Option<&'a str>,
}

impl Viewer<'_> {
    /// The token the page's forms carry (empty when signed out).
    pub fn csrf(&self) -> &str {
        self.csrf_token.unwrap_or_default()
    }
}

/// Yen with thousands separators: `¥12,800`.
pub fn yen(amount: u32) -> String {
    let digits = amount.to_string();
    let mut out = String::from("¥");
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A customer-facing word for an order state.
pub fn state_label(state: OrderState) -> &'static str {
    use OrderState::*;
    match state {
        Prepared | Entering | Entered | Executing => "awaiting payment",
        AwaitingThreeDs | Finalizing => "awaiting 3-D Secure",
        Authorized => "paid (authorised)",
        Capturing => "capturing",
        Captured => "paid (captured)",
        Voiding => "cancelling",
        Voided => "cancelled",
        Refunding => "refunding",
        Refunded => "refunded",
        ChangingAmount => "changing amount",
        Verified | Registering => "card being saved",
        CardRegistered => "card saved",
        Failed => "payment failed",
        Expired => "expired",
        // GMO charged a payment the shop had given up: the charge is taken back.
        Reversing | Reversed => "payment failed (charge reversed)",
    }
}

/// A payment method as the shopper reads it.
pub fn method_label(method: Method) -> String {
    match method {
        Method::Lump => "In one payment".to_owned(),
        Method::Installments(n) => format!("In {n} instalments"),
        Method::BonusLump => "With the next bonus".to_owned(),
        Method::BonusInstallments(n) => format!("In {n} bonus instalments"),
        Method::Revolving => "Revolving".to_owned(),
    }
}

/// The value of a method's `<option>`, as `card-form.js` sends it: the checkout body's `method`,
/// and `:` and the number of payments for instalments.
fn method_value(method: Method) -> String {
    match method {
        Method::Lump => "lump".to_owned(),
        Method::Installments(n) => format!("installments:{n}"),
        Method::BonusLump => "bonus_lump".to_owned(),
        Method::BonusInstallments(n) => format!("bonus_installments:{n}"),
        Method::Revolving => "revolving".to_owned(),
    }
}

/// A customer-facing word for an order's fulfilment: set by the payment event's handler only.
pub fn fulfilment_label(ready_to_ship: bool) -> &'static str {
    if ready_to_ship {
        "ready to ship"
    } else {
        "not ready"
    }
}

/// Whether an order is a purchase (registrations are not listed as orders).
pub fn is_purchase(order: &OrderSummary) -> bool {
    order.purpose == Purpose::Purchase
}

/// What every page has: its title, who looks at it, and its scripts (URLs; never inline).
struct Frame<'a> {
    title: &'a str,
    viewer: &'a Viewer<'a>,
    scripts: Vec<&'a str>,
}

impl<'a> Frame<'a> {
    fn new(title: &'a str, viewer: &'a Viewer<'a>) -> Self {
        Self {
            title,
            viewer,
            scripts: Vec::new(),
        }
    }

    /// A page with the card form: token.js, then the shop's script that drives it.
    fn with_card_form(title: &'a str, viewer: &'a Viewer<'a>, config: &'a CardFormConfig) -> Self {
        Self {
            scripts: vec![&config.token_js_url, CARD_FORM_JS_PATH],
            ..Self::new(title, viewer)
        }
    }
}

/// A page as text. Rendering writes only the views' own `Display` values into a `String`,
/// which cannot fail; should a template ever fail, the page says so rather than panicking.
fn render(page: &impl Template) -> String {
    page.render().unwrap_or_else(|error| {
        tracing::error!(%error, "page template");
        "<!DOCTYPE html><title>Error</title><p>This page could not be shown.</p>".to_owned()
    })
}

/// `GET /signin`.
#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    frame: Frame<'a>,
    users: Vec<&'static User>,
    admin_token_form: bool,
    admin_token_field: &'static str,
}

/// `GET /signin`. The owner is among the choices only in the demo (`offer_owner`);
/// `admin_token_form` adds the owner's sign-in with the operator's token.
pub fn signin_page(viewer: &Viewer<'_>, offer_owner: bool, admin_token_form: bool) -> String {
    render(&SignInPage {
        frame: Frame::new("Sign in", viewer),
        users: USERS.iter().filter(|u| offer_owner || !u.admin).collect(),
        admin_token_form,
        admin_token_field: crate::signin::ADMIN_TOKEN_FIELD,
    })
}

/// A product as a page lists it.
struct ProductView {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    price: String,
}

impl From<&'static Product> for ProductView {
    fn from(p: &'static Product) -> Self {
        Self {
            id: p.id,
            name: p.name,
            description: p.description,
            price: yen(p.price_yen),
        }
    }
}

/// `GET /`.
#[derive(Template)]
#[template(path = "products.html")]
struct ProductsPage<'a> {
    frame: Frame<'a>,
    products: Vec<ProductView>,
    max_quantity: u32,
}

/// `GET /`: the products, each with a buy form (product and quantity only: the shop prices it).
pub fn products_page(viewer: &Viewer<'_>) -> String {
    render(&ProductsPage {
        frame: Frame::new("Japanese tea and crafts", viewer),
        products: PRODUCTS.iter().map(ProductView::from).collect(),
        max_quantity: MAX_QUANTITY,
    })
}

/// The card form's settings on one page: where the token goes, where the browser goes after.
struct CardFormView<'a> {
    action: String,
    done: &'a str,
    shop_id: &'a str,
    button: String,
}

/// A saved card as a page lists it.
struct CardView {
    seq: u16,
    default: bool,
    /// Chosen for payment: the default card, or the first when none is.
    chosen: bool,
    /// `Visa *1111 (expires 01/30) · default`.
    line: String,
}

fn card_views(cards: &[Card]) -> Vec<CardView> {
    let chosen = cards
        .iter()
        .find(|c| c.default)
        .or(cards.first())
        .map(|c| c.card_seq);
    cards
        .iter()
        .map(|card| CardView {
            seq: card.card_seq,
            default: card.default,
            chosen: Some(card.card_seq) == chosen,
            line: format!(
                "{brand} {number}{expiry}{default}",
                brand = card.brand.as_deref().unwrap_or("Card"),
                number = card.masked_number,
                expiry = card
                    .expiry
                    .as_ref()
                    .map(|e| format!(" (expires {e})"))
                    .unwrap_or_default(),
                default = if card.default { " · default" } else { "" },
            ),
        })
        .collect()
}

/// What the cards page reports at its top.
#[derive(Debug, Clone, Copy)]
pub enum CardsNotice<'a> {
    /// Nothing.
    None,
    /// How a registration or replacement through 3-D Secure ended (`?registered=<order>`).
    Registered(&'a OrderSummary),
    /// The payment account was closed (`?closed=1`).
    AccountClosed,
}

/// `GET /cards`.
#[derive(Template)]
#[template(path = "cards.html")]
struct CardsPage<'a> {
    frame: Frame<'a>,
    /// The notice's class, id and text.
    notice: Option<(&'static str, &'static str, &'static str)>,
    cards: Vec<CardView>,
    card_form: CardFormView<'a>,
}

/// `GET /cards`: the saved cards with their buttons (make default, replace, delete), the form
/// to add (or replace) one, and the account closure form.
pub fn cards_page(
    viewer: &Viewer<'_>,
    config: &CardFormConfig,
    cards: &[Card],
    notice: CardsNotice<'_>,
) -> String {
    let notice = match notice {
        CardsNotice::Registered(order) => Some(match order.state {
            OrderState::CardRegistered => ("notice", "registration-result", "Your card is saved."),
            OrderState::Failed => (
                "error",
                "registration-result",
                "The card could not be saved.",
            ),
            _ => ("notice", "registration-result", "Your card is being saved."),
        }),
        CardsNotice::AccountClosed => Some((
            "notice",
            "account-closed",
            "Your payment account is closed: no card is kept.",
        )),
        CardsNotice::None => None,
    };
    render(&CardsPage {
        frame: Frame::with_card_form("My cards", viewer, config),
        notice,
        cards: card_views(cards),
        card_form: CardFormView {
            action: "/payments/cards".to_owned(),
            done: "/cards",
            shop_id: &config.shop_id,
            button: "Save card".to_owned(),
        },
    })
}

/// An order's summary table.
struct OrderSummaryView {
    id: String,
    state_code: &'static str,
    items: String,
    total: String,
    state: &'static str,
    method: Option<String>,
}

impl OrderSummaryView {
    fn new(order: &OrderSummary, goods: Option<&ShopOrder>) -> Self {
        Self {
            id: order.order_id.as_str().to_owned(),
            state_code: order.state.as_str(),
            items: goods.map_or_else(|| "Card check".to_owned(), items),
            total: yen(order.total_yen()),
            state: state_label(order.state),
            method: order.method.map(method_label),
        }
    }
}

/// `Uji matcha × 2`.
fn items(goods: &ShopOrder) -> String {
    format!("{} × {}", goods.line.product.name, goods.line.quantity)
}

/// `GET /checkout/{order_id}`.
#[derive(Template)]
#[template(path = "checkout.html")]
struct CheckoutPage<'a> {
    frame: Frame<'a>,
    summary: OrderSummaryView,
    payable: bool,
    cards: Vec<CardView>,
    /// Each method's option value and label.
    methods: Vec<(String, String)>,
    card_form: CardFormView<'a>,
}

/// `GET /checkout/{order_id}`: the order, the saved cards to choose from, and the new-card form.
pub fn checkout_page(
    viewer: &Viewer<'_>,
    config: &CardFormConfig,
    order: &OrderSummary,
    goods: Option<&ShopOrder>,
    cards: &[Card],
    methods: &[Method],
) -> String {
    let payable = order.state == OrderState::Prepared;
    let frame = if payable {
        Frame::with_card_form("Checkout", viewer, config)
    } else {
        Frame::new("Checkout", viewer)
    };
    render(&CheckoutPage {
        frame,
        summary: OrderSummaryView::new(order, goods),
        payable,
        cards: card_views(cards),
        // The methods the shop's settings offer; the server checks the choice again.
        methods: methods
            .iter()
            .map(|m| (method_value(*m), method_label(*m)))
            .collect(),
        card_form: CardFormView {
            action: format!("/payments/checkout/{}", order.order_id.as_str()),
            done: "/orders/{order_id}",
            shop_id: &config.shop_id,
            button: format!("Pay {}", yen(order.total_yen())),
        },
    })
}

/// `GET /orders/{order_id}`.
#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage<'a> {
    frame: Frame<'a>,
    headline: Option<&'static str>,
    summary: OrderSummaryView,
    ready_to_ship: bool,
    fulfilment: &'static str,
    payable: bool,
}

/// `GET /orders/{order_id}`: one order, with whether it is ready to ship; the page the 3-D
/// Secure return lands on.
pub fn order_page(
    viewer: &Viewer<'_>,
    order: &OrderSummary,
    goods: Option<&ShopOrder>,
    ready_to_ship: bool,
) -> String {
    let headline = match order.state {
        OrderState::Authorized | OrderState::Captured => {
            Some("Thank you: your payment is complete.")
        }
        OrderState::Failed => Some("The payment did not go through; nothing was charged."),
        OrderState::Prepared => Some("This order is waiting for payment."),
        _ => None,
    };
    render(&OrderPage {
        frame: Frame::new("Your order", viewer),
        headline,
        summary: OrderSummaryView::new(order, goods),
        ready_to_ship,
        fulfilment: fulfilment_label(ready_to_ship),
        payable: order.state == OrderState::Prepared,
    })
}

/// An order as a list shows it.
struct OrderRow {
    id: String,
    customer: &'static str,
    items: String,
    total: String,
    state: &'static str,
    /// Each action's path segment and button label.
    actions: Vec<(&'static str, &'static str)>,
    amount: u32,
    /// The most a part refund may take: all but one yen.
    max_part: u32,
}

impl OrderRow {
    fn new(order: &OrderSummary, goods: Option<&ShopOrder>) -> Self {
        let actions: &[(&str, &str)] = match order.state {
            OrderState::Authorized => &[
                ("capture", "Capture"),
                ("void", "Void"),
                ("refund", "Refund"),
            ],
            OrderState::Captured => &[("void", "Void"), ("refund", "Refund")],
            _ => &[],
        };
        Self {
            id: order.order_id.as_str().to_owned(),
            customer: goods.map_or("", |g| g.user_id),
            items: goods.map(items).unwrap_or_default(),
            total: yen(order.total_yen()),
            state: state_label(order.state),
            actions: actions.to_vec(),
            amount: order.amount.yen(),
            max_part: order.amount.yen().saturating_sub(1),
        }
    }
}

/// `GET /orders`.
#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage<'a> {
    frame: Frame<'a>,
    rows: Vec<OrderRow>,
}

/// `GET /orders`: the customer's orders with their states.
pub fn orders_page(viewer: &Viewer<'_>, orders: &[(OrderSummary, Option<ShopOrder>)]) -> String {
    render(&OrdersPage {
        frame: Frame::new("My orders", viewer),
        rows: orders
            .iter()
            .map(|(order, goods)| OrderRow::new(order, goods.as_ref()))
            .collect(),
    })
}

/// `GET /admin/orders`.
#[derive(Template)]
#[template(path = "admin_orders.html")]
struct AdminOrdersPage<'a> {
    frame: Frame<'a>,
    rows: Vec<OrderRow>,
}

/// `GET /admin/orders`: every order, with capture, void and refund where they apply.
pub fn admin_page(viewer: &Viewer<'_>, orders: &[(OrderSummary, ShopOrder)]) -> String {
    render(&AdminOrdersPage {
        frame: Frame::new("All orders", viewer),
        rows: orders
            .iter()
            .map(|(order, goods)| OrderRow::new(order, Some(goods)))
            .collect(),
    })
}

/// `GET /admin/charges`.
#[derive(Template)]
#[template(path = "charge.html")]
struct ChargePage<'a> {
    frame: Frame<'a>,
    key: &'a str,
    customers: Vec<&'static User>,
    products: Vec<ProductView>,
    max_quantity: u32,
}

/// `GET /admin/charges`: charge a customer's default card, the customer away. `key` is the
/// charge's idempotency key: the form submitted twice charges once.
pub fn charge_page(viewer: &Viewer<'_>, key: &OrderId) -> String {
    render(&ChargePage {
        frame: Frame::new("Charge a saved card", viewer),
        key: key.as_str(),
        customers: USERS.iter().filter(|u| !u.admin).collect(),
        products: PRODUCTS.iter().map(ProductView::from).collect(),
        max_quantity: MAX_QUANTITY,
    })
}

/// `GET /admin/emails`.
#[derive(Template)]
#[template(path = "emails.html")]
struct EmailsPage<'a> {
    frame: Frame<'a>,
    emails: &'a [Email],
}

/// `GET /admin/emails`: the messages the shop sent its buyers, newest first.
pub fn emails_page(viewer: &Viewer<'_>, emails: &[Email]) -> String {
    render(&EmailsPage {
        frame: Frame::new("Emails", viewer),
        emails,
    })
}

/// An error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    frame: Frame<'a>,
    message: &'a str,
}

/// An error page.
pub fn error_page(viewer: &Viewer<'_>, title: &str, message: &str) -> String {
    render(&ErrorPage {
        frame: Frame::new(title, viewer),
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yen_has_separators() {
        assert_eq!(yen(0), "¥0");
        assert_eq!(yen(980), "¥980");
        assert_eq!(yen(12_800), "¥12,800");
        assert_eq!(yen(1_234_567), "¥1,234,567");
    }

    #[test]
    fn values_are_escaped_and_forms_carry_the_token() {
        let alice = crate::users::user("alice").unwrap();
        let viewer = Viewer {
            user: Some(alice),
            csrf_token: Some("t0k\"en"),
        };
        let page = error_page(&viewer, "Oops <b>", "a & b");
        assert!(
            page.contains("<title>Oops &#60;b&#62; · Tea shop</title>"),
            "{page}"
        );
        assert!(page.contains("a &#38; b"), "{page}");
        assert!(
            page.contains(r#"name="_csrf" value="t0k&#34;en""#),
            "{page}"
        );
        assert!(page.contains(r#"id="signed-in-as">Alice Sato<"#), "{page}");
        let signed_out = products_page(&Viewer::default());
        assert!(signed_out.contains(r#"<a href="/signin">Sign in to buy</a>"#));
        assert!(!signed_out.contains("_csrf"));
    }
}
