//! The protocol APIs (`/payment/<Api>.idPass`): one handler per API, each a synchronous function
//! of the ledger and the request form. Handlers never sleep; a slow issuer is a [`Step::Later`].

mod answer;
mod checks;
mod members;
mod search;
mod stored_cards;
mod tds2;
mod transactions;

use std::time::Duration;

use gmo_core::wire::FormFields;
use time::OffsetDateTime;

pub(crate) use answer::Answer;

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

macro_rules! apis {
    ($($name:ident => $handler:path,)*) => {
        /// The APIs the sandbox serves.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Api {
            $(
                #[doc = concat!("`/payment/", stringify!($name), ".idPass`")]
                $name,
            )*
        }

        impl Api {
            /// Every API, in declaration order.
            pub const ALL: &'static [Api] = &[$(Api::$name,)*];

            /// The API name, e.g. `EntryTran`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Api::$name => stringify!($name),)*
                }
            }

            /// The API of a path segment such as `EntryTran.idPass` (case-sensitive, as GMO).
            pub fn from_path_segment(segment: &str) -> Option<Api> {
                let name = segment.strip_suffix(".idPass")?;
                Self::ALL.iter().copied().find(|api| api.name() == name)
            }

            pub(crate) fn handle(self, ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
                match self {
                    $(Api::$name => $handler(ledger, ctx, form),)*
                }
            }
        }
    };
}

apis! {
    SaveMember => members::save_member,
    UpdateMember => members::update_member,
    DeleteMember => members::delete_member,
    SearchMember => members::search_member,
    SaveCard => stored_cards::save_card,
    DeleteCard => stored_cards::delete_card,
    SearchCard => stored_cards::search_card,
    SearchCardDetail => stored_cards::search_card_detail,
    TradedCard => stored_cards::traded_card,
    EntryTran => transactions::entry_tran,
    ExecTran => transactions::exec_tran,
    SecureTran2 => transactions::secure_tran2,
    Tds2Auth => tds2::tds2_auth,
    Tds2Result => tds2::tds2_result,
    AlterTran => transactions::alter_tran,
    ChangeTran => transactions::change_tran,
    SearchTrade => search::search_trade,
    SearchTradeMulti => search::search_trade_multi,
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

pub(crate) use tds2::{AcsPage, FormMethod, acs_challenge_page, acs_challenge_submit, acs_start};
