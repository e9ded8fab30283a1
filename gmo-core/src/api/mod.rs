//! One typed request and answer per GMO API; send them with [`crate::GmoClient::send`].
//!
//! | Module | APIs |
//! |---|---|
//! | [`member`] | SaveMember, UpdateMember, DeleteMember, SearchMember |
//! | [`card`] | SaveCard (token only), DeleteCard, SearchCard, SearchCardDetail, TradedCard |
//! | [`transaction`] | EntryTran, ExecTran, AlterTran, ChangeTran, SearchTrade, SearchTradeMulti |
//! | [`three_d_secure`] | SecureTran2, Tds2Auth, Tds2Result, and the 3-D Secure 2.0 risk data |
//!
//! Requests hold validated values ([`crate::values`]); credentials are never
//! part of them: the client adds them. Answers are parsed by key, so fields GMO adds later are
//! ignored.

pub mod card;
mod fields;
pub mod member;
mod risk_data;
pub mod three_d_secure;
pub mod transaction;

pub use card::{
    CardAttributes, CardDetail, CardDetailQuery, DeleteCard, SaveCard, SavedCard, SearchCard,
    SearchCardDetail, StoredCard, TradedCard,
};
pub use member::{DeleteMember, Member, SaveMember, SearchMember, UpdateMember};
pub use three_d_secure::{
    SecureTran2, Tds2Auth, Tds2AuthResult, Tds2Data, Tds2Field, Tds2Result, Tds2ResultOutput,
};
pub use transaction::{
    AlterTran, Authorization, CardSource, ChangeTran, ClientFields, EntryResult, EntryTran,
    ExecTran, ExecTranOutcome, SearchTrade, SearchTradeMulti, ThreeDSecureEntry, ThreeDSecureExec,
    TradeState, TranResult,
};
