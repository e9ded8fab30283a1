//! `cargo run -p actix-shop` as a user runs it: the first line names the URL, and the shop
//! answers there with its pages, its assets and the embedded sandbox's token.js.

#[tokio::test]
async fn the_binary_prints_its_url_first_and_serves_the_shop() {
    gmo_scenarios::binary::prints_its_url_first_and_serves_the_shop(env!(
        "CARGO_BIN_EXE_actix-shop"
    ))
    .await;
}
