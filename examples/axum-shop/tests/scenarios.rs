//! Every gmo-scenarios scenario against the axum shop, in process, over real HTTP and in
//! headless Chromium (that one skipped, with a printed line, where Chromium is absent and `CI`
//! is not set). The scenarios are the same for both shops; `gmo-scenarios`' parity test
//! compares the two shops' answers request by request.

gmo_scenarios::scenario_tests!(gmo_scenarios::shops::AxumShop);
