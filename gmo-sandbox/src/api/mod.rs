//! The protocol APIs (`/payment/<Api>.idPass`): one handler per API, each a synchronous function
//! of the ledger and the request form. Handlers never sleep; a slow issuer is a [`Step::Later`].

mod answer;
mod checks;
mod members;
pub(crate) mod names;
mod search;
mod stored_cards;
mod tds2;
mod transactions;

use std::time::Duration;

use gmo_core::wire::FormFields;
use time::OffsetDateTime;

pub(crate) use answer::Answer;
pub use names::Api;

use crate::config::Settings;
use crate::state::Ledger;

/// What a handler needs besides the ledger.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) settings: &'a Settings,
    pub(crate) now: OffsetDateTime,
    /// Where the sandbox listens, e.g. `http://127.0.0.1:4242` (for RedirectUrl).
    pub(crate) base_url: &'a str,
}

/// The rest of a call, run under the lock after a delay.
pub(crate) type Continuation = Box<dyn FnOnce(&mut Ledger, &Ctx<'_>) -> Answer + Send>;

/// The outcome of a handler.
pub(crate) enum Step {
    /// The answer.
    Done(Answer),
    /// Wait (without the lock), then finish.
    Later(Duration, Continuation),
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Done(a) => f.debug_tuple("Done").field(a).finish(),
            Self::Later(d, _) => f.debug_tuple("Later").field(d).finish(),
        }
    }
}

impl From<Answer> for Step {
    fn from(answer: Answer) -> Self {
        Self::Done(answer)
    }
}

impl Api {
    /// Runs the handler of this API. The match is exhaustive, so a new [`Api`] needs one.
    pub(crate) fn handle(self, ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
        match self {
            Api::SaveMember => members::save_member(ledger, ctx, form),
            Api::UpdateMember => members::update_member(ledger, ctx, form),
            Api::DeleteMember => members::delete_member(ledger, ctx, form),
            Api::SearchMember => members::search_member(ledger, ctx, form),
            Api::SaveCard => stored_cards::save_card(ledger, ctx, form),
            Api::DeleteCard => stored_cards::delete_card(ledger, ctx, form),
            Api::SearchCard => stored_cards::search_card(ledger, ctx, form),
            Api::SearchCardDetail => stored_cards::search_card_detail(ledger, ctx, form),
            Api::TradedCard => stored_cards::traded_card(ledger, ctx, form),
            Api::EntryTran => transactions::entry_tran(ledger, ctx, form),
            Api::ExecTran => transactions::exec_tran(ledger, ctx, form),
            Api::SecureTran2 => transactions::secure_tran2(ledger, ctx, form),
            Api::Tds2Auth => tds2::tds2_auth(ledger, ctx, form),
            Api::Tds2Result => tds2::tds2_result(ledger, ctx, form),
            Api::AlterTran => transactions::alter_tran(ledger, ctx, form),
            Api::ChangeTran => transactions::change_tran(ledger, ctx, form),
            Api::SearchTrade => search::search_trade(ledger, ctx, form),
            Api::SearchTradeMulti => search::search_trade_multi(ledger, ctx, form),
        }
    }
}

pub(crate) use tds2::{AcsPage, FormMethod, acs_challenge_page, acs_challenge_submit, acs_start};
