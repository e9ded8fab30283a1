//! The axum shop as the scenarios' shop under test.
#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum_shop::{ShopState, app};
use gmo_core::guard::CardTestingThrottle;
use gmo_core::store::MemoryStore;
use gmo_sandbox::RunningSandbox;
use gmo_scenarios::driver::{ShopOptions, ShopUnderTest};
use shop_common::gateway::PaymentGateway;

/// The axum shop, served on a real listener with client addresses.
pub struct AxumShop;

/// Stops the server when dropped; keeps the gateway (and its sandbox) alive until then.
struct Running {
    server: tokio::task::JoinHandle<()>,
    _gateway: PaymentGateway,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl ShopUnderTest for AxumShop {
    async fn start(
        sandbox: RunningSandbox,
        options: ShopOptions,
    ) -> (String, Box<dyn Send + Sync>) {
        let gateway = PaymentGateway::embedded(sandbox).expect("the gateway");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let public_url = options.public_url.clone().unwrap_or_else(|| url.clone());
        let payments = gateway
            .payments(&public_url, Arc::new(MemoryStore::new()), |b| {
                b.card_registration(options.registration)
            })
            .expect("payments");
        let mut state = ShopState::new(
            payments,
            gateway.card_form.clone(),
            &gateway.content_security_policy(),
        );
        state.shop.throttle = CardTestingThrottle::new(options.throttle);
        let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, service).await;
        });
        (
            url,
            Box::new(Running {
                server,
                _gateway: gateway,
            }),
        )
    }
}
