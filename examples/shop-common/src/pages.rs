//! The shop's pages. Card fields carry no `name` and sit in no `<form>`: `card-form.js` hands
//! them to token.js, and only the token goes to the shop.

use std::fmt::Write as _;

use gmo_core::flow::{Card, OrderSummary};
use gmo_core::order::{OrderState, Purpose};
use gmo_core::values::{Method, OrderId};

use crate::catalogue::{MAX_QUANTITY, PRODUCTS};
pub use crate::html::Viewer;
use crate::html::{escape, layout, yen};
use crate::orders::{Email, ShopOrder};
use crate::users::USERS;

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

/// `GET /signin`.
///
/// The owner is among the choices only in the demo (`offer_owner`); `admin_token_form` adds the
/// owner's sign-in with the operator's token.
pub fn signin_page(viewer: &Viewer<'_>, offer_owner: bool, admin_token_form: bool) -> String {
    let mut main = String::from(
        r#"<p>Choose who you are (a demo sign-in: no password).</p><form method="post" action="/signin" id="signin">"#,
    );
    for user in USERS.iter().filter(|u| offer_owner || !u.admin) {
        let _ = write!(
            main,
            r#"<p><button type="submit" name="user" value="{id}" id="signin-{id}">{name}{admin}</button></p>"#,
            id = escape(user.id),
            name = escape(user.name),
            admin = if user.admin { " (admin)" } else { "" },
        );
    }
    main.push_str("</form>");
    if admin_token_form {
        let _ = write!(
            main,
            r#"<form method="post" action="/signin" id="signin-admin"><input type="hidden" name="user" value="owner"><p><label>Admin token <input type="password" name="{field}" autocomplete="current-password" required></label> <button type="submit" id="signin-owner-token">Sign in as the shop owner</button></p></form>"#,
            field = crate::signin::ADMIN_TOKEN_FIELD,
        );
    }
    layout("Sign in", viewer, &main, &[])
}

/// `GET /`: the products, each with a buy form (product and quantity only: the shop prices it).
pub fn products_page(viewer: &Viewer<'_>) -> String {
    let mut main = String::from(r#"<ul class="products">"#);
    for p in PRODUCTS {
        let buy = if viewer.user.is_some() {
            format!(
                r#"<form method="post" action="/orders" class="buy">{csrf}<input type="hidden" name="product" value="{id}"><label>Quantity <input type="number" name="quantity" value="1" min="1" max="{MAX_QUANTITY}"></label> <button type="submit" id="buy-{id}">Buy</button></form>"#,
                csrf = viewer.csrf_input(),
                id = escape(p.id),
            )
        } else {
            r#"<p><a href="/signin">Sign in to buy</a></p>"#.to_owned()
        };
        let _ = write!(
            main,
            r#"<li class="product" id="product-{id}"><h2>{name}</h2><p>{desc}</p><p class="price">{price}</p>{buy}</li>"#,
            id = escape(p.id),
            name = escape(p.name),
            desc = escape(p.description),
            price = yen(p.price_yen),
        );
    }
    main.push_str("</ul>");
    layout("Japanese tea and crafts", viewer, &main, &[])
}

/// The card fields, outside any form and without names, and the button `card-form.js` drives.
fn card_fields(
    viewer: &Viewer<'_>,
    config: &CardFormConfig,
    action: &str,
    done: &str,
    button: &str,
) -> String {
    format!(
        r#"<div id="card-form" data-action="{action}" data-done="{done}" data-shop-id="{shop}" data-csrf="{csrf}">
<div id="new-card">
<p><label>Card number <input id="card-number" inputmode="numeric" autocomplete="cc-number" placeholder="4111 1111 1111 1111"></label></p>
<p><label>Expiry (YYMM) <input id="card-expiry" inputmode="numeric" autocomplete="cc-exp" placeholder="2812" size="6"></label>
<label>Security code <input id="card-cvc" inputmode="numeric" autocomplete="cc-csc" size="5"></label></p>
<p><label>Name on card <input id="card-holder" autocomplete="cc-name" placeholder="TARO YAMADA"></label></p>
</div>
<p><button type="button" id="card-submit">{button}</button></p>
<p id="card-error" class="error" role="alert"></p>
</div>"#,
        action = escape(action),
        done = escape(done),
        shop = escape(&config.shop_id),
        csrf = escape(viewer.csrf_token.unwrap_or_default()),
        button = escape(button),
    )
}

fn card_line(card: &Card) -> String {
    format!(
        "{brand} {number}{expiry}{default}",
        brand = escape(card.brand.as_deref().unwrap_or("Card")),
        number = escape(&card.masked_number),
        expiry = card
            .expiry
            .as_ref()
            .map(|e| format!(" (expires {})", escape(e)))
            .unwrap_or_default(),
        default = if card.default { " · default" } else { "" },
    )
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

/// `GET /cards`: the saved cards with their buttons (make default, replace, delete), the form
/// to add (or replace) one, and the account closure form.
pub fn cards_page(
    viewer: &Viewer<'_>,
    config: &CardFormConfig,
    cards: &[Card],
    notice: CardsNotice<'_>,
) -> String {
    let mut main = String::new();
    match notice {
        CardsNotice::Registered(order) => {
            let (class, text) = match order.state {
                OrderState::CardRegistered => ("notice", "Your card is saved."),
                OrderState::Failed => ("error", "The card could not be saved."),
                _ => ("notice", "Your card is being saved."),
            };
            let _ = write!(
                main,
                r#"<p class="{class}" id="registration-result">{text}</p>"#
            );
        }
        CardsNotice::AccountClosed => main.push_str(
            r#"<p class="notice" id="account-closed">Your payment account is closed: no card is kept.</p>"#,
        ),
        CardsNotice::None => {}
    }
    if cards.is_empty() {
        main.push_str(r#"<p id="no-cards">No saved cards yet.</p>"#);
    } else {
        main.push_str(r#"<ul class="cards" id="cards">"#);
        for card in cards {
            let make_default = if card.default {
                String::new()
            } else {
                format!(
                    r#" <button type="button" class="make-default" data-card-seq="{}">Make default</button>"#,
                    card.card_seq
                )
            };
            let _ = write!(
                main,
                r#"<li class="card" data-card-seq="{seq}" data-default="{default}">{line}{make_default} <button type="button" class="replace-card" data-card-seq="{seq}">Replace</button> <button type="button" class="delete-card" data-card-seq="{seq}">Delete</button></li>"#,
                seq = card.card_seq,
                default = card.default,
                line = card_line(card),
            );
        }
        main.push_str("</ul>");
    }
    main.push_str(r#"<h2 id="card-form-title">Add a card</h2>"#);
    main.push_str(&card_fields(
        viewer,
        config,
        "/payments/cards",
        "/cards",
        "Save card",
    ));
    let _ = write!(
        main,
        r#"<h2>Close my payment account</h2>
<form method="post" action="/account/close" id="close-account">{csrf}
<p>Deletes every saved card and your payment profile at the payment gateway. Your orders stay.</p>
<p><label><input type="checkbox" name="confirm" value="yes" id="close-account-confirm" required> I want my payment account closed</label></p>
<p><button type="submit" id="close-account-submit">Close my payment account</button></p>
</form>"#,
        csrf = viewer.csrf_input(),
    );
    layout(
        "My cards",
        viewer,
        &main,
        &[&config.token_js_url, CARD_FORM_JS_PATH],
    )
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
    let mut main = order_summary(order, goods);
    if order.state != OrderState::Prepared {
        let _ = write!(
            main,
            r#"<p>This order cannot be paid now. <a href="/orders/{}">See the order</a>.</p>"#,
            escape(order.order_id.as_str())
        );
        return layout("Checkout", viewer, &main, &[]);
    }
    main.push_str(r#"<h2>Pay with</h2><div id="sources">"#);
    // The default card is chosen, or the first when none is the default.
    let chosen = cards
        .iter()
        .find(|c| c.default)
        .or(cards.first())
        .map(|c| c.card_seq);
    for card in cards {
        let _ = write!(
            main,
            r#"<p><label><input type="radio" name="source" value="{seq}" id="source-{seq}"{checked}> {line}</label></p>"#,
            seq = card.card_seq,
            checked = if Some(card.card_seq) == chosen {
                " checked"
            } else {
                ""
            },
            line = card_line(card),
        );
    }
    let _ = write!(
        main,
        r#"<p><label><input type="radio" name="source" value="new" id="source-new"{checked}> A new card</label></p></div>"#,
        checked = if cards.is_empty() { " checked" } else { "" },
    );
    // The methods the shop's settings offer; the server checks the choice again.
    if methods.len() > 1 {
        main.push_str(r#"<h2>How to pay</h2><p><label>Payment <select id="payment-method">"#);
        for method in methods {
            let _ = write!(
                main,
                r#"<option value="{value}">{label}</option>"#,
                value = method_value(*method),
                label = method_label(*method),
            );
        }
        main.push_str("</select></label></p>");
    }
    main.push_str(&card_fields(
        viewer,
        config,
        &format!("/payments/checkout/{}", order.order_id.as_str()),
        "/orders/{order_id}",
        &format!("Pay {}", yen(order.total_yen())),
    ));
    layout(
        "Checkout",
        viewer,
        &main,
        &[&config.token_js_url, CARD_FORM_JS_PATH],
    )
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

/// A customer-facing word for an order's fulfilment: set by the payment event's handler only.
pub fn fulfilment_label(ready_to_ship: bool) -> &'static str {
    if ready_to_ship {
        "ready to ship"
    } else {
        "not ready"
    }
}

fn order_summary(order: &OrderSummary, goods: Option<&ShopOrder>) -> String {
    let what = goods.map_or_else(
        || "Card check".to_owned(),
        |g| format!("{} × {}", escape(g.line.product.name), g.line.quantity),
    );
    format!(
        r#"<table class="order" id="order" data-order-id="{id}" data-state="{state_code}">
<tr><th>Order</th><td>{id}</td></tr>
<tr><th>Items</th><td>{what}</td></tr>
<tr><th>Total</th><td id="order-total">{total}</td></tr>
<tr><th>Status</th><td id="order-state">{state}</td></tr>{method}
</table>"#,
        id = escape(order.order_id.as_str()),
        total = yen(order.total_yen()),
        state_code = order.state.as_str(),
        state = state_label(order.state),
        method = order.method.map_or_else(String::new, |m| format!(
            r#"
<tr><th>Payment</th><td id="order-method">{}</td></tr>"#,
            method_label(m)
        )),
    )
}

/// `GET /orders/{order_id}`: one order, with whether it is ready to ship; the page the 3-D
/// Secure return lands on.
pub fn order_page(
    viewer: &Viewer<'_>,
    order: &OrderSummary,
    goods: Option<&ShopOrder>,
    ready_to_ship: bool,
) -> String {
    let mut main = String::new();
    let headline = match order.state {
        OrderState::Authorized | OrderState::Captured => "Thank you: your payment is complete.",
        OrderState::Failed => "The payment did not go through; nothing was charged.",
        OrderState::Prepared => "This order is waiting for payment.",
        _ => "",
    };
    if !headline.is_empty() {
        let _ = write!(main, r#"<p id="result" class="result">{headline}</p>"#);
    }
    main.push_str(&order_summary(order, goods));
    let _ = write!(
        main,
        r#"<p>Shipping: <span id="fulfilment" data-ready-to-ship="{ready_to_ship}">{}</span></p>"#,
        fulfilment_label(ready_to_ship)
    );
    if order.state == OrderState::Prepared {
        let _ = write!(
            main,
            r#"<p><a href="/checkout/{}">Pay now</a></p>"#,
            escape(order.order_id.as_str())
        );
    }
    main.push_str(r#"<p><a href="/orders">All my orders</a></p>"#);
    layout("Your order", viewer, &main, &[])
}

/// `GET /orders`: the customer's orders with their states.
pub fn orders_page(viewer: &Viewer<'_>, orders: &[(OrderSummary, Option<ShopOrder>)]) -> String {
    let mut main = String::new();
    if orders.is_empty() {
        main.push_str("<p>No orders yet.</p>");
    } else {
        main.push_str(
            r#"<table class="orders" id="orders"><tr><th>Order</th><th>Items</th><th>Total</th><th>Status</th></tr>"#,
        );
        for (order, goods) in orders {
            let _ = write!(
                main,
                r#"<tr data-order-id="{id}"><td><a href="/orders/{id}">{id}</a></td><td>{what}</td><td>{total}</td><td>{state}</td></tr>"#,
                id = escape(order.order_id.as_str()),
                what = goods.as_ref().map_or_else(String::new, |g| format!(
                    "{} × {}",
                    escape(g.line.product.name),
                    g.line.quantity
                )),
                total = yen(order.total_yen()),
                state = state_label(order.state),
            );
        }
        main.push_str("</table>");
    }
    layout("My orders", viewer, &main, &[])
}

/// `GET /admin/orders`: every order, with capture, void and refund where they apply.
pub fn admin_page(viewer: &Viewer<'_>, orders: &[(OrderSummary, ShopOrder)]) -> String {
    let mut main = String::new();
    if orders.is_empty() {
        main.push_str("<p>No orders yet.</p>");
    } else {
        main.push_str(
            r#"<table class="orders" id="admin-orders"><tr><th>Order</th><th>Customer</th><th>Items</th><th>Total</th><th>Status</th><th>Actions</th></tr>"#,
        );
        for (order, goods) in orders {
            let mut actions = String::new();
            let allowed: &[&str] = match order.state {
                OrderState::Authorized => &["capture", "void", "refund"],
                OrderState::Captured => &["void", "refund"],
                _ => &[],
            };
            for action in allowed {
                let _ = write!(
                    actions,
                    r#"<form class="inline" method="post" action="/admin/orders/{id}/{action}">{csrf}<button type="submit">{label}</button></form> "#,
                    id = escape(order.order_id.as_str()),
                    csrf = viewer.csrf_input(),
                    label = match *action {
                        "capture" => "Capture",
                        "void" => "Void",
                        _ => "Refund",
                    },
                );
            }
            if !allowed.is_empty() {
                // The amount the part is taken from goes with it: submitted twice, or after
                // another operator's change, it takes nothing more.
                let _ = write!(
                    actions,
                    r#"<form class="inline" method="post" action="/admin/orders/{id}/refund-part">{csrf}<input type="hidden" name="seen" value="{amount}"><input type="number" name="part" min="1" max="{max}" required aria-label="Yen to refund"><button type="submit">Refund part</button></form> <form class="inline" method="post" action="/admin/orders/{id}/change-amount">{csrf}<input type="number" name="amount" min="1" value="{amount}" required aria-label="New amount"><button type="submit">Change amount</button></form>"#,
                    id = escape(order.order_id.as_str()),
                    csrf = viewer.csrf_input(),
                    amount = order.amount,
                    max = order.amount.yen().saturating_sub(1),
                );
            }
            let _ = write!(
                main,
                r#"<tr data-order-id="{id}"><td>{id}</td><td>{user}</td><td>{what}</td><td>{total}</td><td>{state}</td><td>{actions}</td></tr>"#,
                id = escape(order.order_id.as_str()),
                user = escape(goods.user_id),
                what = format_args!(
                    "{} × {}",
                    escape(goods.line.product.name),
                    goods.line.quantity
                ),
                total = yen(order.total_yen()),
                state = state_label(order.state),
            );
        }
        main.push_str("</table>");
    }
    main.push_str(
        r#"<p><a href="/admin/charges" id="new-charge">Charge a customer's default card</a> · <a href="/admin/emails">Emails</a></p>"#,
    );
    layout("All orders", viewer, &main, &[])
}

/// `GET /admin/charges`: charge a customer's default card, the customer away. `key` is the
/// charge's idempotency key: the form submitted twice charges once.
pub fn charge_page(viewer: &Viewer<'_>, key: &OrderId) -> String {
    let mut customers = String::new();
    for user in USERS.iter().filter(|u| !u.admin) {
        let _ = write!(
            customers,
            r#"<option value="{id}">{name}</option>"#,
            id = escape(user.id),
            name = escape(user.name),
        );
    }
    let mut products = String::new();
    for product in PRODUCTS {
        let _ = write!(
            products,
            r#"<option value="{id}">{name} ({price})</option>"#,
            id = escape(product.id),
            name = escape(product.name),
            price = yen(product.price_yen),
        );
    }
    let main = format!(
        r#"<p>Charges the card the customer chose as their default, without 3-D Secure: for what they agreed to be billed for while away.</p>
<form method="post" action="/admin/charges" id="charge-form">{csrf}<input type="hidden" name="key" value="{key}">
<p><label>Customer <select name="customer">{customers}</select></label></p>
<p><label>Product <select name="product">{products}</select></label> <label>Quantity <input type="number" name="quantity" value="1" min="1" max="{max}"></label></p>
<p><button type="submit">Charge</button></p></form>"#,
        csrf = viewer.csrf_input(),
        key = escape(key.as_str()),
        max = MAX_QUANTITY,
    );
    layout("Charge a saved card", viewer, &main, &[])
}

/// `GET /admin/emails`: the messages the shop sent its buyers, newest first.
pub fn emails_page(viewer: &Viewer<'_>, emails: &[Email]) -> String {
    let mut main = String::from(
        "<p>The shop writes its order confirmations here instead of sending them: a demo has no mail server.</p>",
    );
    if emails.is_empty() {
        main.push_str(r#"<p id="no-emails">No emails yet.</p>"#);
    } else {
        main.push_str(
            r#"<table class="orders" id="emails"><tr><th>Order</th><th>To</th><th>Subject</th></tr>"#,
        );
        for email in emails {
            let _ = write!(
                main,
                r#"<tr data-order-id="{id}"><td>{id}</td><td>{to}</td><td>{subject}</td></tr>"#,
                id = escape(&email.order_id),
                to = escape(&email.user_id),
                subject = escape(&email.subject),
            );
        }
        main.push_str("</table>");
    }
    layout("Emails", viewer, &main, &[])
}

/// An error page.
pub fn error_page(viewer: &Viewer<'_>, title: &str, message: &str) -> String {
    layout(
        title,
        viewer,
        &format!(r#"<p class="error" id="error">{}</p>"#, escape(message)),
        &[],
    )
}

/// Whether an order is a purchase (registrations are not listed as orders).
pub fn is_purchase(order: &OrderSummary) -> bool {
    order.purpose == Purpose::Purchase
}
