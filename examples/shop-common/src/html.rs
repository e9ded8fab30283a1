//! HTML escaping and the page layout.

use std::fmt::Write as _;

use crate::users::User;

/// Escapes text for HTML content and double-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// Who is looking at a page.
#[derive(Debug, Clone, Copy, Default)]
pub struct Viewer<'a> {
    /// The signed-in user.
    pub user: Option<&'a User>,
    /// The session's CSRF token, for forms.
    pub csrf_token: Option<&'a str>,
}

impl Viewer<'_> {
    /// A hidden input with the CSRF token.
    pub fn csrf_input(&self) -> String {
        format!(
            r#"<input type="hidden" name="{}" value="{}">"#,
            crate::sessions::CSRF_FIELD,
            escape(self.csrf_token.unwrap_or_default())
        )
    }
}

/// A full page: head, navigation, `main`, and the given scripts (URLs; never inline).
pub fn layout(title: &str, viewer: &Viewer<'_>, main: &str, scripts: &[&str]) -> String {
    let mut nav = String::from(r#"<a href="/">Shop</a>"#);
    match viewer.user {
        Some(user) => {
            nav.push_str(r#" <a href="/cards">My cards</a> <a href="/orders">My orders</a>"#);
            if user.admin {
                nav.push_str(
                    r#" <a href="/admin/orders">All orders</a> <a href="/admin/emails">Emails</a>"#,
                );
            }
            let _ = write!(
                nav,
                r#" <span class="who" id="signed-in-as">{}</span> <form class="inline" method="post" action="/signout">{}<button type="submit">Sign out</button></form>"#,
                escape(user.name),
                viewer.csrf_input()
            );
        }
        None => nav.push_str(r#" <a href="/signin">Sign in</a>"#),
    }
    let mut script_tags = String::new();
    for src in scripts {
        let _ = writeln!(script_tags, r#"<script src="{}"></script>"#, escape(src));
    }
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Tea shop</title>
<link rel="stylesheet" href="/assets/style.css">
</head>
<body>
<header><nav>{nav}</nav></header>
<main>
<h1>{title}</h1>
{main}
</main>
<footer>A gmo-pay-rs example shop. Card numbers go from your browser to the payment gateway, never to this shop.</footer>
{script_tags}</body>
</html>
"#,
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_yen() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(yen(0), "¥0");
        assert_eq!(yen(980), "¥980");
        assert_eq!(yen(12_800), "¥12,800");
        assert_eq!(yen(1_234_567), "¥1,234,567");
    }
}
