//! Every gmo-scenarios scenario against the axum shop, in process, over real HTTP. The
//! scenarios are the same for both shops: a difference between them fails here or there.

gmo_scenarios::scenario_tests!(gmo_scenarios::shops::AxumShop);
