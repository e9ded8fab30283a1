//! The `axum-shop` binary run as several processes: two instances on one PostgreSQL database,
//! and an instance killed mid-flow and restarted, its orders settled by reconciliation; two
//! instances sharing their sessions.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database_pay_each_order_once() {
    gmo_scenarios::instances::two_instances_share_one_database(env!("CARGO_BIN_EXE_axum-shop"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_mid_flow_are_settled_on_sqlite() {
    gmo_scenarios::crash::crashes_mid_flow_are_settled(env!("CARGO_BIN_EXE_axum-shop")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crashes_mid_flow_are_settled_on_postgres() {
    gmo_scenarios::crash::crashes_mid_flow_are_settled_on_postgres(env!("CARGO_BIN_EXE_axum-shop"))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres_database_share_sessions() {
    gmo_scenarios::scenarios::sessions::two_instances_share_sessions(env!(
        "CARGO_BIN_EXE_axum-shop"
    ))
    .await;
}
