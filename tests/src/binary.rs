//! A shop's binary as a user runs it (`cargo run -p …`): the first line names the URL, the
//! shop answers there with its pages, its assets and the embedded sandbox's token.js, and its
//! orders outlive it in its data directory.

use std::time::Duration;

use serde_json::json;

use crate::driver::Client;
use crate::process::ShopProcess;

/// Runs the shop binary at `path` (with a data directory of its own) and checks what it prints
/// and serves; then kills it, starts it again on the same directory, and finds the order placed
/// before.
pub async fn prints_its_url_first_and_serves_the_shop(path: &str) {
    let data = data_dir(path);
    let env = [("SHOP_DATA_DIR", data.to_str().expect("a UTF-8 path"))];
    let check = async {
        let mut shop = ShopProcess::start(path, &env);
        let url = shop.url.clone();
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "{url}"
        );
        let home = reqwest::get(&url).await.expect("the home page");
        assert_eq!(home.status(), 200);
        let csp = home.headers()["content-security-policy"]
            .to_str()
            .expect("text")
            .to_owned();
        assert!(csp.contains("script-src 'self' http://127.0.0.1:"), "{csp}");
        assert!(
            home.text()
                .await
                .expect("a page")
                .contains("Tokoname kyusu teapot")
        );
        let script = reqwest::get(format!("{url}assets/card-form.js"))
            .await
            .expect("the script");
        assert_eq!(script.status(), 200);
        let storage = shop.next_line();
        assert_eq!(
            storage,
            format!("Orders: SQLite file {}", data.join("shop.db").display())
        );
        let sandbox = shop.next_line();
        let sandbox_url = sandbox
            .strip_prefix("Payments: embedded gmo-sandbox at ")
            .unwrap_or_else(|| panic!("third line: {sandbox}"));
        let token_js = reqwest::get(format!("{sandbox_url}/ext/js/token.js"))
            .await
            .expect("token.js");
        assert_eq!(token_js.status(), 200);

        // An order placed, the shop killed and started again: the order is still there.
        let alice = Client::new(&url);
        alice.sign_in("alice").await;
        let placed = alice
            .post_json("/orders", json!({"product": "matcha", "quantity": 2}))
            .await;
        assert_eq!(placed.status, 201, "{placed}");
        shop.kill();
        let again = ShopProcess::start(path, &env);
        let alice = Client::new(&again.url);
        alice.sign_in("alice").await;
        let orders = alice.get_json("/orders").await.json();
        let kept = &orders["orders"][0];
        assert_eq!(kept["order_id"], placed.json()["order_id"], "{orders}");
        assert_eq!(kept["amount"], placed.json()["amount"], "{orders}");
        assert_eq!(kept["state"], "prepared", "{orders}");
        let page = alice
            .get(&format!(
                "/orders/{}",
                kept["order_id"].as_str().expect("an id")
            ))
            .await;
        assert!(page.text().contains("Uji matcha"), "{page}");
    };
    tokio::time::timeout(Duration::from_secs(60), check)
        .await
        .expect("in time");
}

/// A new, empty data directory for the binary at `path`, in the temporary directory.
fn data_dir(path: &str) -> std::path::PathBuf {
    let name = crate::process::binary_name(path);
    let dir = std::env::temp_dir().join(format!("gmo-{name}-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
