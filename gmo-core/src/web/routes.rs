//! The route table of the payment routes, shared by the adapters so that both serve the same
//! paths. Paths use `{name}` parameters (the syntax of axum 0.8 and actix-web alike) and are
//! relative to the gateway prefix, which [`Payments`](crate::Payments) owns
//! ([`PaymentsBuilder::gateway_prefix`](crate::flow::PaymentsBuilder::gateway_prefix), default
//! [`DEFAULT_PREFIX`]) and the adapters mount them under: the 3-D Secure return URL GMO is given
//! is derived from the same prefix, so the route and the URL cannot disagree.
//!
//! | method | path | who calls it | what |
//! |---|---|---|---|
//! | `GET` | [`CARDS`] | the customer's browser | the customer's saved cards |
//! | `POST` | [`CARDS`] | the customer's browser | register a card from a token |
//! | `PUT` | [`CARD`] | the customer's browser | replace a saved card from a token |
//! | `DELETE` | [`CARD`] | the customer's browser | delete a saved card |
//! | `PUT`, `POST` | [`DEFAULT_CARD`] | the customer's browser | make a saved card the default |
//! | `POST` | [`CHECKOUT`] | the customer's browser | pay a prepared order |
//! | `POST`, `GET` | [`THREE_DS_RETURN`] | the issuer's 3-D Secure page (gateway) | the 3-D Secure return |
//! | `POST` | [`NOTIFY`] | GMO's servers (gateway) | a result notification |
//!
//! The customer routes need the merchant's session (and its CSRF protection); the gateway routes
//! must be mounted outside both: the 3-D Secure return is a cross-site navigation and the
//! notification comes from GMO's servers.

/// Where the routes are mounted unless the merchant sets another gateway prefix.
pub const DEFAULT_PREFIX: &str = "/payments";

/// `GET` lists the customer's cards, `POST` registers one.
pub const CARDS: &str = "/cards";

/// `PUT` replaces one of the customer's cards from a token; `DELETE` deletes it.
pub const CARD: &str = "/cards/{card_seq}";

/// `PUT` (or `POST`, for a plain HTML form) makes one of the customer's cards the default.
pub const DEFAULT_CARD: &str = "/cards/{card_seq}/default";

/// `POST` confirms a prepared order with a token or a saved card.
pub const CHECKOUT: &str = "/checkout/{order_id}";

/// `POST` (and `GET`, for GMO's `CallbackType=3`): the browser's return from 3-D Secure.
pub const THREE_DS_RETURN: &str = "/3ds/{order_id}";

/// `POST`: GMO's result notification.
pub const NOTIFY: &str = "/notify";

/// The path parameter naming the order.
pub const ORDER_ID_PARAM: &str = "order_id";

/// The path parameter naming a saved card.
pub const CARD_SEQ_PARAM: &str = "card_seq";
