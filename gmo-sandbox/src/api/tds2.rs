//! The simulated 3-D Secure 2.0 server: the ACS pages the browser visits, and Tds2Auth/Tds2Result
//! of the direct flow (CallbackType 2).

use gmo_core::values::Status;
use gmo_core::wire::FormFields;

use super::checks::{Errors, field};
use super::transactions::ALREADY_EXECUTED;
use super::{Answer, Ctx, Step};
use crate::cards::ThreeDsBehaviour;
use crate::state::{Ledger, ThreeDs, ThreeDsStage};

/// The one-time password that passes a challenge.
pub(crate) const CHALLENGE_OTP: &str = crate::CHALLENGE_OTP;
/// `Tds2TransResultReason` of a rejection by the issuer (EMV: suspected fraud).
const REJECTED_REASON: &str = "11";
/// `Tds2TransResultReason` of a failed challenge (EMV: card authentication failed).
const FAILED_REASON: &str = "01";

/// HTTP method of the form that takes the browser back to RetUrl.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormMethod {
    Post,
    Get,
}

/// What the ACS shows the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AcsPage {
    /// An auto-submitting form to the merchant.
    Return {
        action: String,
        method: FormMethod,
        fields: Vec<(String, String)>,
    },
    /// The OTP form.
    Challenge { trans_id: String, t: String },
    /// The session is unknown or over.
    Invalid(&'static str),
}

/// The session `transId`/`t` designate, and its AccessID.
fn session<'a>(ledger: &'a Ledger, trans_id: &str, t: &str) -> Option<(String, &'a ThreeDs)> {
    let access_id = ledger.three_ds_sessions.get(trans_id)?;
    let tx = ledger.transactions.get(access_id)?;
    let session = tx
        .three_ds
        .as_ref()
        .filter(|s| s.trans_id == trans_id && s.t == t)?;
    Some((access_id.clone(), session))
}

/// Ends a session with `result`; a success makes the transaction AUTHENTICATED.
fn finish(ledger: &mut Ledger, access_id: &str, result: char, reason: &'static str) {
    let set_stage = |tx: &mut crate::state::Transaction| {
        if let Some(s) = tx.three_ds.as_mut() {
            s.stage = ThreeDsStage::Done(result, reason);
        }
    };
    if matches!(result, 'Y' | 'A') {
        ledger.change_state(access_id, "3DS", None, |tx| {
            set_stage(tx);
            tx.status = Status::Authenticated;
        });
    } else if let Some(tx) = ledger.transactions.get_mut(access_id) {
        set_stage(tx);
    }
}

/// The form that takes the browser back to RetUrl.
fn return_page(access_id: &str, session: &ThreeDs, event: &str) -> AcsPage {
    match session.callback_type {
        2 => {
            let sep = if session.ret_url.contains('?') {
                '&'
            } else {
                '?'
            };
            AcsPage::Return {
                action: format!("{}{sep}MD={access_id}", session.ret_url),
                method: FormMethod::Post,
                fields: vec![
                    ("param".to_owned(), session.param.clone()),
                    ("event".to_owned(), event.to_owned()),
                    (
                        "requestorTransId".to_owned(),
                        session.requestor_trans_id.clone(),
                    ),
                ],
            }
        }
        3 => {
            // A GET form replaces the action's query: carry it over as fields.
            let (action, query) = session
                .ret_url
                .split_once('?')
                .unwrap_or((&session.ret_url, ""));
            let mut fields: Vec<(String, String)> = gmo_core::wire::parse_form(query.as_bytes())
                .map(|f| {
                    f.iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            fields.push(("AccessID".to_owned(), access_id.to_owned()));
            AcsPage::Return {
                action: action.to_owned(),
                method: FormMethod::Get,
                fields,
            }
        }
        _ => AcsPage::Return {
            action: session.ret_url.clone(),
            method: FormMethod::Post,
            fields: vec![("AccessID".to_owned(), access_id.to_owned())],
        },
    }
}

/// `GET /acs/start?transId=…&t=…`: the RedirectUrl of ExecTran.
pub(crate) fn acs_start(ledger: &mut Ledger, trans_id: &str, t: &str) -> AcsPage {
    let Some((access_id, s)) = session(ledger, trans_id, t) else {
        return AcsPage::Invalid("unknown 3-D Secure session");
    };
    let session = s.clone();
    if session.callback_type == 2 {
        // The 3DS Method step, then the first callback; Tds2Auth does the rest.
        return match session.stage {
            ThreeDsStage::Redirected => {
                if let Some(s) = ledger
                    .transactions
                    .get_mut(&access_id)
                    .and_then(|tx| tx.three_ds.as_mut())
                {
                    s.stage = ThreeDsStage::MethodFinished;
                }
                return_page(&access_id, &session, "3DSMethodFinished")
            }
            _ => AcsPage::Invalid("this 3-D Secure session has already started"),
        };
    }
    match session.stage {
        ThreeDsStage::Redirected => match session.behaviour {
            ThreeDsBehaviour::Challenge => {
                if let Some(s) = ledger
                    .transactions
                    .get_mut(&access_id)
                    .and_then(|tx| tx.three_ds.as_mut())
                {
                    s.stage = ThreeDsStage::Challenge;
                }
                AcsPage::Challenge {
                    trans_id: session.trans_id,
                    t: session.t,
                }
            }
            ThreeDsBehaviour::Rejected => {
                finish(ledger, &access_id, 'R', REJECTED_REASON);
                return_page(&access_id, &session, "AuthResultReady")
            }
            ThreeDsBehaviour::Frictionless | ThreeDsBehaviour::NotEnrolled => {
                finish(ledger, &access_id, 'Y', "");
                return_page(&access_id, &session, "AuthResultReady")
            }
        },
        ThreeDsStage::Challenge => AcsPage::Challenge {
            trans_id: session.trans_id,
            t: session.t,
        },
        // A reload after the end sends the browser back again.
        _ => return_page(&access_id, &session, "AuthResultReady"),
    }
}

/// `GET /acs/challenge/<transId>/<t>` (the ChallengeUrl of Tds2Auth) or
/// `GET /acs/challenge?transId=…&t=…`: the OTP form.
pub(crate) fn acs_challenge_page(ledger: &Ledger, trans_id: &str, t: &str) -> AcsPage {
    match session(ledger, trans_id, t) {
        Some((_, s)) if s.stage == ThreeDsStage::Challenge => AcsPage::Challenge {
            trans_id: s.trans_id.clone(),
            t: s.t.clone(),
        },
        Some(_) => AcsPage::Invalid("no challenge is waiting in this 3-D Secure session"),
        None => AcsPage::Invalid("unknown 3-D Secure session"),
    }
}

/// `POST /acs/challenge` with `transId`, `t`, `otp`: `123456` passes, anything else fails.
pub(crate) fn acs_challenge_submit(
    ledger: &mut Ledger,
    trans_id: &str,
    t: &str,
    otp: &str,
) -> AcsPage {
    let Some((access_id, s)) = session(ledger, trans_id, t) else {
        return AcsPage::Invalid("unknown 3-D Secure session");
    };
    if s.stage != ThreeDsStage::Challenge {
        return AcsPage::Invalid("no challenge is waiting in this 3-D Secure session");
    }
    let session = s.clone();
    if otp == CHALLENGE_OTP {
        finish(ledger, &access_id, 'Y', "");
    } else {
        finish(ledger, &access_id, 'N', FAILED_REASON);
    }
    return_page(&access_id, &session, "AuthResultReady")
}

/// AccessID/AccessPass of the direct-flow APIs, and the transaction's 3DS session.
fn direct_flow(ledger: &Ledger, form: &FormFields) -> Result<(String, ThreeDs), Vec<String>> {
    let mut errors = Errors::default();
    errors.check(super::checks::access_id(field(form, "AccessID")));
    errors.check(super::checks::access_pass(field(form, "AccessPass")));
    let tx = match (field(form, "AccessID"), field(form, "AccessPass")) {
        (Some(id), Some(pass)) => ledger.by_access(id, pass),
        _ => None,
    };
    let Some(tx) = tx else {
        errors.push("E01110002");
        return Err(errors.0);
    };
    if !errors.is_empty() {
        return Err(errors.0);
    }
    match &tx.three_ds {
        Some(s) if s.callback_type == 2 => Ok((tx.access_id.clone(), s.clone())),
        _ if tx.is_settled() => Err(ALREADY_EXECUTED.map(str::to_owned).to_vec()),
        // No direct-flow session: the call comes at the wrong moment.
        _ => Err(vec!["E01E40008".to_owned()]),
    }
}

pub(super) fn tds2_auth(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (access_id, session) = match direct_flow(ledger, form) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let Some(param) = field(form, "Tds2Param") else {
        return Answer::error("E01E40001").into();
    };
    if param != session.param || session.stage != ThreeDsStage::MethodFinished {
        return Answer::error("E01E40008").into();
    }
    let answer = |result: &str, reason: &str, url: String| {
        Answer::Fields(vec![
            ("Tds2TransResult", result.to_owned()),
            ("Tds2TransResultReason", reason.to_owned()),
            ("ChallengeUrl", url),
        ])
    };
    match session.behaviour {
        ThreeDsBehaviour::Challenge => {
            if let Some(s) = ledger
                .transactions
                .get_mut(&access_id)
                .and_then(|tx| tx.three_ds.as_mut())
            {
                s.stage = ThreeDsStage::Challenge;
            }
            // No `&` in the URL: GMO's answers are split on `&`, and only RedirectUrl is
            // special-cased by clients.
            let url = format!(
                "{}/acs/challenge/{}/{}",
                ctx.base_url, session.trans_id, session.t
            );
            answer("C", "", url).into()
        }
        ThreeDsBehaviour::Rejected => {
            finish(ledger, &access_id, 'R', REJECTED_REASON);
            answer("R", REJECTED_REASON, String::new()).into()
        }
        ThreeDsBehaviour::Frictionless | ThreeDsBehaviour::NotEnrolled => {
            finish(ledger, &access_id, 'Y', "");
            answer("Y", "", String::new()).into()
        }
    }
}

pub(super) fn tds2_result(ledger: &mut Ledger, _ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let (_, session) = match direct_flow(ledger, form) {
        Ok(r) => r,
        Err(errors) => return Answer::errors(errors).into(),
    };
    match session.stage {
        ThreeDsStage::Done(result, reason) => Answer::Fields(vec![
            ("Tds2TransResult", result.to_string()),
            ("Tds2TransResultReason", reason.to_owned()),
        ])
        .into(),
        _ => Answer::error("E01E40008").into(),
    }
}
