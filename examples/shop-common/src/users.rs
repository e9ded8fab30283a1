//! The shop's customers and its owner: a fixed list, signed in by choosing one (a demo sign-in).

/// A user of the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct User {
    /// Stable id: the payment customer id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// May see every order and capture, void or refund.
    pub admin: bool,
}

/// Everyone who can sign in.
pub const USERS: &[User] = &[
    User {
        id: "alice",
        name: "Alice Sato",
        admin: false,
    },
    User {
        id: "bob",
        name: "Bob Suzuki",
        admin: false,
    },
    User {
        id: "carol",
        name: "Carol Tanaka",
        admin: false,
    },
    User {
        id: "owner",
        name: "Shop owner",
        admin: true,
    },
];

/// A user by id.
pub fn user(id: &str) -> Option<&'static User> {
    USERS.iter().find(|u| u.id == id)
}
