//! The Shop API of a card payment: EntryTran, ExecTran, SecureTran2, AlterTran, ChangeTran, and
//! the authorisation they share.

use gmo_core::values::{JobCd, MAX_AMOUNT, Status};
use gmo_core::wire::FormFields;

use super::answer::card_company_info;
use super::checks::{self, Errors, field};
use super::{Answer, Ctx, Step};
use crate::cards::{self, AuthorisationOutcome, ThreeDsBehaviour};
use crate::clock::gmo_timestamp;
use crate::config::NotEnrolledPolicy;
use crate::ids::{self, CHECK_APPROVE, DEFAULT_ITEM_CODE, FORWARD};
use crate::state::{
    CardOnFile, ExecParams, Ledger, SeqMode, ThreeDs, ThreeDsStage, Transaction, status_for_job,
};
use crate::tokens::TokenProblem;

/// "Already executed": a repeated ExecTran or SecureTran2.
pub(super) const ALREADY_EXECUTED: [&str; 2] = ["E01050004", "M01004014"];
/// A money-moving call while another one on the same transaction is still running.
const IN_FLIGHT: &str = "E90010001";

// ---------------------------------------------------------------------------------------------
// EntryTran

pub(super) fn entry_tran(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let shop = match checks::shop(ledger, form) {
        Ok(shop) => shop,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let mut errors = Errors::default();
    let order_id = errors.check(checks::order_id(field(form, "OrderID")));
    let job = errors.check(checks::job_cd(
        field(form, "JobCd"),
        &[JobCd::Check, JobCd::Capture, JobCd::Auth, JobCd::Sauth],
    ));
    let is_check = job == Some(JobCd::Check);
    let amount = match field(form, "Amount") {
        None if is_check => Some(0),
        v => match errors.check(checks::amount(v, checks::AMOUNT)) {
            Some(0) if !is_check => {
                errors.push("E01060011");
                None
            }
            a => a,
        },
    };
    let tax = match field(form, "Tax") {
        None => Some(0),
        v => errors.check(checks::amount(v, checks::TAX)),
    };
    if let (Some(a), Some(t)) = (amount, tax)
        && u64::from(a) + u64::from(t) > u64::from(MAX_AMOUNT)
    {
        errors.push("E01490005");
    }
    let item_code = match field(form, "ItemCode") {
        None => DEFAULT_ITEM_CODE.to_owned(),
        Some(c) if c.len() == 7 && c.bytes().all(|b| b.is_ascii_digit()) => c.to_owned(),
        Some(_) => {
            errors.push("E01450008");
            String::new()
        }
    };
    let three_ds_requested = match field(form, "TdFlag") {
        None | Some("0") => false,
        Some("2") => true,
        Some(_) => {
            errors.push("E01080007");
            false
        }
    };
    let tds2_type = match field(form, "Tds2Type") {
        None => None,
        Some(t @ ("1" | "2" | "3")) => t.parse().ok(),
        Some(_) => {
            errors.push("E01950008");
            None
        }
    };
    let td_required = field(form, "TdRequired").and_then(|t| t.parse().ok());
    if shop.requires_three_d_secure && !three_ds_requested {
        errors.push("E01080101");
    }
    let (Some(order_id), Some(job), Some(amount), Some(tax), true) =
        (order_id, job, amount, tax, errors.is_empty())
    else {
        return Answer::Errors(errors.0).into();
    };
    if ledger.order(&shop.id, order_id).is_some() {
        return Answer::error("E01040010").into();
    }
    let access_id = ids::random_hex32();
    let access_pass = ids::random_hex32();
    ledger.insert_transaction(Transaction {
        shop_id: shop.id.clone(),
        order_id: order_id.to_owned(),
        access_id: access_id.clone(),
        access_pass: access_pass.clone(),
        entry_job: job.clone(),
        job_cd: job,
        status: Status::Unprocessed,
        amount: if is_check { 0 } else { amount },
        tax: if is_check { 0 } else { tax },
        item_code,
        three_ds_requested,
        tds2_type,
        td_required,
        process_date: gmo_timestamp(ctx.now),
        card: None,
        exec: ExecParams::default(),
        forward: String::new(),
        tran_id: String::new(),
        approve: String::new(),
        tran_date: String::new(),
        three_ds: None,
        in_flight: false,
    });
    Answer::Fields(vec![("AccessID", access_id), ("AccessPass", access_pass)]).into()
}

// ---------------------------------------------------------------------------------------------
// ExecTran

/// Where the card of an ExecTran comes from.
enum CardSource {
    Token(String),
    Raw {
        number: String,
        expire: String,
    },
    Member {
        site_id: String,
        member_id: String,
        mode: SeqMode,
        seq: u32,
    },
}

/// Looks a transaction up by AccessID/AccessPass after their format checks; the lookup failure
/// (`E01110002`) follows the format errors, as GMO reports it.
fn lookup<'a>(
    ledger: &'a Ledger,
    form: &FormFields,
    errors: &mut Errors,
) -> Option<&'a Transaction> {
    errors.check(checks::access_id(field(form, "AccessID")));
    errors.check(checks::access_pass(field(form, "AccessPass")));
    let found = match (field(form, "AccessID"), field(form, "AccessPass")) {
        (Some(id), Some(pass)) => ledger.by_access(id, pass),
        _ => None,
    };
    if found.is_none() {
        errors.push("E01110002");
    }
    found
}

/// `Method` and `PayTimes` of an authorisation.
fn method_and_pay_times(form: &FormFields, errors: &mut Errors) -> (String, String) {
    let method = match field(form, "Method") {
        None => {
            errors.push("E01260001");
            return (String::new(), String::new());
        }
        Some(m @ ("1" | "2" | "3" | "4" | "5")) => m.to_owned(),
        Some(_) => {
            errors.push("E01260002");
            return (String::new(), String::new());
        }
    };
    let pay_times = if method == "2" || method == "4" {
        match field(form, "PayTimes") {
            None => {
                errors.push("E01270001");
                String::new()
            }
            Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => {
                errors.push("E01270006");
                String::new()
            }
            Some(p) if p.len() > 2 => {
                errors.push("E01270005");
                String::new()
            }
            Some(p) => match p.parse::<u8>() {
                Ok(n) if n >= 2 || (method == "4" && n >= 1) => n.to_string(),
                _ => {
                    errors.push("E01270010");
                    String::new()
                }
            },
        }
    } else {
        // GMO echoes PayTimes empty for methods without a number of payments.
        String::new()
    };
    (method, pay_times)
}

pub(super) fn exec_tran(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let mut errors = Errors::default();
    let tx = lookup(ledger, form, &mut errors).cloned();
    let tx = tx.filter(|tx| match field(form, "OrderID") {
        Some(order) if order != tx.order_id => {
            errors.push("E01110002");
            false
        }
        _ => true,
    });
    let is_check = tx.as_ref().is_some_and(|tx| tx.entry_job == JobCd::Check);
    let (method, pay_times) = match &tx {
        Some(_) if is_check => (String::new(), String::new()),
        Some(_) => method_and_pay_times(form, &mut errors),
        None => (String::new(), String::new()),
    };

    // The card: exactly one of token, raw card number, stored member card.
    let token = field(form, "Token");
    let raw = field(form, "CardNo");
    let member = field(form, "MemberID");
    let mut source = None;
    if [token.is_some(), raw.is_some(), member.is_some()]
        .iter()
        .filter(|b| **b)
        .count()
        > 1
    {
        errors.push("E01840010");
    } else if let Some(token) = token {
        source = Some(CardSource::Token(token.to_owned()));
    } else if let Some(member_id) = member {
        let site = match checks::site(ledger, form) {
            Ok(site) => Some(site),
            Err(site_errors) => {
                site_errors.into_iter().for_each(|e| errors.push(e));
                None
            }
        };
        let member_id = errors.check(checks::member_id(Some(member_id)));
        let mode = errors.check(checks::seq_mode(field(form, "SeqMode")));
        let seq = errors.check(checks::card_seq(field(form, "CardSeq")));
        errors.check(checks::security_code(field(form, "SecurityCode")));
        if let (Some(site), Some(member_id), Some(mode), Some(seq)) = (site, member_id, mode, seq) {
            source = Some(CardSource::Member {
                site_id: site.id,
                member_id: member_id.to_owned(),
                mode,
                seq,
            });
        }
    } else {
        let number = checks::card_no(raw, &mut errors);
        let expire = errors.check(checks::expire(field(form, "Expire")));
        errors.check(checks::security_code(field(form, "SecurityCode")));
        if let (Some(number), Some(expire)) = (number, expire) {
            source = Some(CardSource::Raw { number, expire });
        }
    }

    let mut client_fields: [String; 3] = Default::default();
    for (i, (key, code)) in [
        ("ClientField1", "E01320012"),
        ("ClientField2", "E01330012"),
        ("ClientField3", "E01340012"),
    ]
    .into_iter()
    .enumerate()
    {
        let value = form.get(key).unwrap_or_default();
        if checks::cp932_len(value) > 100 {
            errors.push(code);
        }
        client_fields[i] = value.to_owned();
    }
    let client_field_flag = match field(form, "ClientFieldFlag") {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            errors.push("E01400007");
            false
        }
    };
    if !matches!(field(form, "DeviceCategory"), None | Some("0" | "1")) {
        errors.push("E01310007");
    }
    // Risk data is recorded as sent (for the inspect API); GMO's use of it (the issuer's
    // risk-based decision) is not modelled: docs/protocol.md documents none.
    let tds2_fields = form
        .iter()
        .filter(|(name, _)| name.starts_with("Tds2") && *name != "Tds2ChallengeIndType")
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let three_ds = tx.as_ref().is_some_and(|tx| tx.three_ds_requested);
    let ret_url = field(form, "RetUrl").unwrap_or_default().to_owned();
    let callback_type = match field(form, "CallbackType") {
        Some("2") => 2,
        Some("3") => 3,
        _ => 1,
    };
    if three_ds {
        if ret_url.is_empty() {
            errors.push("E01E30001");
        } else if ret_url.len() > 256 {
            errors.push("E01E30005");
        }
    }

    let Some(tx) = tx else {
        return Answer::Errors(errors.0).into();
    };
    // A token named by a call of its own shop is spent whatever happens next.
    let token_card = match &source {
        Some(CardSource::Token(token)) => Some(ledger.tokens.spend(token, &tx.shop_id, ctx.now)),
        _ => None,
    };
    if !errors.is_empty() {
        return Answer::Errors(errors.0).into();
    }
    let Some(source) = source else {
        return Answer::error("E01170001").into();
    };
    if tx.in_flight {
        return Answer::error(IN_FLIGHT).into();
    }
    if tx.status != Status::Unprocessed {
        return Answer::errors(ALREADY_EXECUTED).into();
    }
    let shop = ledger.shops.get(&tx.shop_id).cloned();
    let card = match source {
        CardSource::Token(_) => match token_card {
            Some(Ok(card)) => CardOnFile {
                number: card.number,
                expire: card.expire,
                site_id: String::new(),
                member_id: String::new(),
            },
            Some(Err(problem)) => return Answer::error(problem.err_info()).into(),
            None => return Answer::error(TokenProblem::Unknown.err_info()).into(),
        },
        CardSource::Raw { number, expire } => {
            if !shop.as_ref().is_some_and(|s| s.accepts_card_numbers) {
                return Answer::error("E61040001").into();
            }
            if let Err(code) = checks::luhn(&number) {
                return Answer::error(code).into();
            }
            CardOnFile {
                number,
                expire,
                site_id: String::new(),
                member_id: String::new(),
            }
        }
        CardSource::Member {
            site_id,
            member_id,
            mode,
            seq,
        } => {
            let Some(member) = ledger.members.get(&(site_id.clone(), member_id.clone())) else {
                return Answer::error("E01390002").into();
            };
            let Some(stored) = member.find(mode, seq).map(|i| &member.cards[i]) else {
                return Answer::error("E01240002").into();
            };
            if stored.deleted {
                return Answer::error("E01240002").into();
            }
            CardOnFile {
                number: stored.number.clone(),
                expire: stored.expire.clone(),
                site_id,
                member_id,
            }
        }
    };
    let behaviour = cards::behaviour(&card.number).0;
    let exec = ExecParams {
        method,
        pay_times,
        client_fields,
        client_field_flag,
        tds2_fields,
    };
    let access_id = tx.access_id.clone();
    if let Some(entry) = ledger.transactions.get_mut(&access_id) {
        entry.card = Some(card);
        entry.exec = exec;
        entry.three_ds = None;
    }

    if three_ds {
        if behaviour == ThreeDsBehaviour::NotEnrolled {
            if tx.td_required == Some(1) {
                return Answer::error("E21030202").into();
            }
            let policy = shop.map(|s| s.not_enrolled_policy).unwrap_or_default();
            let refuse = match tx.tds2_type {
                Some(3) => false,
                Some(2) => true,
                _ => policy == NotEnrolledPolicy::Refuse,
            };
            if refuse {
                return Answer::error("E21030201").into();
            }
        } else {
            return start_three_ds(ledger, ctx, &access_id, behaviour, callback_type, ret_url)
                .into();
        }
    }
    let job = tx.entry_job.clone();
    authorise(
        ledger,
        ctx,
        access_id,
        Authorisation {
            api: "ExecTran",
            job,
            amount: None,
            shape: Shape::ExecTran,
            new_numbers: 1,
        },
    )
}

/// Opens a 3-D Secure session and answers `ACS=2&RedirectUrl=…`, the URL unescaped.
fn start_three_ds(
    ledger: &mut Ledger,
    ctx: &Ctx<'_>,
    access_id: &str,
    behaviour: ThreeDsBehaviour,
    callback_type: u8,
    ret_url: String,
) -> Answer {
    let session = ThreeDs {
        trans_id: ids::uuid(),
        t: ids::random_hex32(),
        callback_type,
        ret_url,
        behaviour,
        stage: ThreeDsStage::Redirected,
        param: ids::random_hex64(),
        requestor_trans_id: ids::uuid(),
    };
    let url = format!(
        "{}/acs/start?transId={}&t={}",
        ctx.base_url, session.trans_id, session.t
    );
    ledger
        .three_ds_sessions
        .insert(session.trans_id.clone(), access_id.to_owned());
    if let Some(tx) = ledger.transactions.get_mut(access_id) {
        tx.three_ds = Some(session);
    }
    Answer::Fields(vec![("ACS", "2".to_owned()), ("RedirectUrl", url)])
}

// ---------------------------------------------------------------------------------------------
// SecureTran2

pub(super) fn secure_tran2(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let mut errors = Errors::default();
    let tx = lookup(ledger, form, &mut errors).cloned();
    let (Some(tx), true) = (tx, errors.is_empty()) else {
        return Answer::Errors(errors.0).into();
    };
    if tx.in_flight {
        return Answer::error(IN_FLIGHT).into();
    }
    if tx.is_settled() {
        return Answer::errors(ALREADY_EXECUTED).into();
    }
    let authenticated =
        tx.status == Status::Authenticated && tx.three_ds.as_ref().is_some_and(ThreeDs::succeeded);
    if !authenticated {
        return Answer::error("E21030007").into();
    }
    authorise(
        ledger,
        ctx,
        tx.access_id.clone(),
        Authorisation {
            api: "SecureTran2",
            job: tx.entry_job.clone(),
            amount: None,
            shape: Shape::SecureTran2,
            new_numbers: 1,
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Authorisation

/// The shape of the answer of a successful authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `ACS=0&OrderID=…&CheckString=…[&ClientField1..3]`.
    ExecTran,
    /// The same without `ACS`.
    SecureTran2,
    /// `AccessID&AccessPass&Forward&Approve&TranID&TranDate` (AlterTran, ChangeTran).
    Alter,
}

/// An authorisation to send to the (simulated) issuer.
#[derive(Debug, Clone)]
struct Authorisation {
    api: &'static str,
    /// The job, which becomes the status.
    job: JobCd,
    /// A new amount and tax (ChangeTran, re-authorisation).
    amount: Option<(u32, u32)>,
    shape: Shape,
    /// How many approval numbers the operation uses up (ChangeTran: a cancel and a new
    /// authorisation, so two).
    new_numbers: u8,
}

/// Asks the issuer about the transaction's card and commits on approval. A decline leaves the
/// transaction unchanged; the slow card answers later, without holding the lock.
fn authorise(ledger: &mut Ledger, ctx: &Ctx<'_>, access_id: String, auth: Authorisation) -> Step {
    let Some(number) = ledger
        .transactions
        .get(&access_id)
        .and_then(|tx| tx.card.as_ref())
        .map(|c| c.number.clone())
    else {
        return Answer::error("E01110002").into();
    };
    match cards::behaviour(&number).1 {
        AuthorisationOutcome::Approved => commit(ledger, ctx, &access_id, &auth, None).into(),
        AuthorisationOutcome::Declined(code) => Answer::card_company(code).into(),
        AuthorisationOutcome::FailsValidityCheck(code) if auth.job == JobCd::Check => {
            Answer::card_company(code).into()
        }
        AuthorisationOutcome::FailsValidityCheck(_) => {
            commit(ledger, ctx, &access_id, &auth, None).into()
        }
        AuthorisationOutcome::NetworkErrorAfterCommit(code) => {
            commit(ledger, ctx, &access_id, &auth, Some(code)).into()
        }
        AuthorisationOutcome::Slow => {
            if let Some(tx) = ledger.transactions.get_mut(&access_id) {
                tx.in_flight = true;
            }
            Step::Later(
                ctx.settings.slow_card_delay,
                Box::new(move |ledger: &mut Ledger, ctx: &Ctx<'_>| {
                    if let Some(tx) = ledger.transactions.get_mut(&access_id) {
                        tx.in_flight = false;
                    }
                    commit(ledger, ctx, &access_id, &auth, None)
                }),
            )
        }
    }
}

/// Records an approved authorisation; `reported` is the network error the caller is told anyway.
fn commit(
    ledger: &mut Ledger,
    ctx: &Ctx<'_>,
    access_id: &str,
    auth: &Authorisation,
    reported: Option<&str>,
) -> Answer {
    let number = ledger
        .transactions
        .get(access_id)
        .and_then(|tx| tx.card.as_ref())
        .map(|c| c.number.clone())
        .unwrap_or_default();
    let is_check = auth.job == JobCd::Check;
    let mut approve = String::new();
    let mut tran_id = String::new();
    for _ in 0..auth.new_numbers.max(1) {
        approve = ledger.ids.next_approve();
        tran_id = ledger.ids.next_tran_id(ctx.now, &number);
    }
    if is_check {
        approve = CHECK_APPROVE.to_owned();
    }
    let stamp = gmo_timestamp(ctx.now);
    let job = auth.job.clone();
    let amount = auth.amount;
    ledger.change_state(
        access_id,
        auth.api,
        reported.map(|c| (c.to_owned(), card_company_info(c))),
        |tx| {
            tx.status = status_for_job(&job);
            tx.job_cd = job;
            if let Some((amount, tax)) = amount {
                tx.amount = amount;
                tx.tax = tax;
            }
            if is_check {
                tx.exec.method.clear();
                tx.exec.pay_times.clear();
            }
            FORWARD.clone_into(&mut tx.forward);
            tx.approve = approve;
            tx.tran_id = tran_id;
            tx.tran_date.clone_from(&stamp);
            tx.process_date = stamp;
        },
    );
    if let Some(code) = reported {
        return Answer::card_company(code);
    }
    let Some(tx) = ledger.transactions.get(access_id) else {
        return Answer::error("E01110002");
    };
    match auth.shape {
        Shape::Alter => alter_answer(tx),
        shape => {
            let shop_pass = ledger
                .shops
                .get(&tx.shop_id)
                .map(|s| s.pass.as_str())
                .unwrap_or_default();
            exec_answer(tx, shop_pass, shape == Shape::ExecTran)
        }
    }
}

/// The answer of ExecTran (ACS=0) and SecureTran2.
fn exec_answer(tx: &Transaction, shop_pass: &str, with_acs: bool) -> Answer {
    let check_string = check_string(tx, shop_pass);
    let mut fields = Vec::with_capacity(13);
    if with_acs {
        fields.push(("ACS", "0".to_owned()));
    }
    fields.extend([
        ("OrderID", tx.order_id.clone()),
        ("Forward", tx.forward.clone()),
        ("Method", tx.exec.method.clone()),
        ("PayTimes", tx.exec.pay_times.clone()),
        ("Approve", tx.approve.clone()),
        ("TranID", tx.tran_id.clone()),
        ("TranDate", tx.tran_date.clone()),
        ("CheckString", check_string),
    ]);
    if tx.exec.client_field_flag {
        let [c1, c2, c3] = tx.exec.client_fields.clone();
        fields.extend([
            ("ClientField1", c1),
            ("ClientField2", c2),
            ("ClientField3", c3),
        ]);
    }
    Answer::Fields(fields)
}

/// `md5_hex(OrderID + Forward + Method + PayTimes + Approve + TranID + TranDate + ShopPass)`.
pub(crate) fn check_string(tx: &Transaction, shop_pass: &str) -> String {
    use md5::{Digest, Md5};
    let mut md5 = Md5::new();
    for part in [
        &tx.order_id,
        &tx.forward,
        &tx.exec.method,
        &tx.exec.pay_times,
        &tx.approve,
        &tx.tran_id,
        &tx.tran_date,
    ] {
        md5.update(part.as_bytes());
    }
    md5.update(shop_pass.as_bytes());
    md5.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The answer of AlterTran and ChangeTran.
fn alter_answer(tx: &Transaction) -> Answer {
    Answer::Fields(vec![
        ("AccessID", tx.access_id.clone()),
        ("AccessPass", tx.access_pass.clone()),
        ("Forward", tx.forward.clone()),
        ("Approve", tx.approve.clone()),
        ("TranID", tx.tran_id.clone()),
        ("TranDate", tx.tran_date.clone()),
    ])
}

// ---------------------------------------------------------------------------------------------
// AlterTran and ChangeTran

/// Shop credentials, then the transaction by AccessID/AccessPass (which must be the shop's).
fn shop_transaction(ledger: &Ledger, form: &FormFields) -> Result<Transaction, Vec<String>> {
    let shop = checks::shop(ledger, form)?;
    let mut errors = Errors::default();
    let tx = lookup(ledger, form, &mut errors)
        .filter(|tx| tx.shop_id == shop.id)
        .cloned();
    match tx {
        Some(tx) if errors.is_empty() => Ok(tx),
        Some(_) => Err(errors.0),
        None => {
            if !errors.0.iter().any(|e| e == "E01110002") {
                errors.push("E01110002");
            }
            Err(errors.0)
        }
    }
}

pub(super) fn alter_tran(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let tx = match shop_transaction(ledger, form) {
        Ok(tx) => tx,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let mut errors = Errors::default();
    let job = errors.check(checks::job_cd(
        field(form, "JobCd"),
        &[
            JobCd::Sales,
            JobCd::Void,
            JobCd::Return,
            JobCd::ReturnX,
            JobCd::Auth,
            JobCd::Capture,
            JobCd::Sauth,
        ],
    ));
    let reauthorises = matches!(job, Some(JobCd::Auth | JobCd::Capture | JobCd::Sauth));
    let needs_amount = reauthorises || job == Some(JobCd::Sales);
    let amount = if needs_amount {
        errors.check(checks::amount(field(form, "Amount"), checks::AMOUNT))
    } else {
        None
    };
    let tax = match field(form, "Tax") {
        None => Some(0),
        v if needs_amount => errors.check(checks::amount(v, checks::TAX)),
        _ => Some(0),
    };
    let (method, pay_times) = if reauthorises {
        method_and_pay_times(form, &mut errors)
    } else {
        (String::new(), String::new())
    };
    let (Some(job), true) = (job, errors.is_empty()) else {
        return Answer::Errors(errors.0).into();
    };
    if tx.in_flight {
        return Answer::error(IN_FLIGHT).into();
    }
    if !tx.is_settled() {
        return Answer::error("E01110010").into();
    }
    let from = tx.status.clone();
    let allowed = match job {
        JobCd::Sales => matches!(from, Status::Auth | Status::Sauth),
        JobCd::Void | JobCd::Return => {
            matches!(
                from,
                Status::Auth | Status::Capture | Status::Sales | Status::Sauth
            )
        }
        JobCd::ReturnX => matches!(from, Status::Capture | Status::Sales),
        _ => matches!(from, Status::Void | Status::Return | Status::ReturnX),
    };
    if !allowed {
        return Answer::error("E11010003").into();
    }
    let stamp = gmo_timestamp(ctx.now);
    match job {
        JobCd::Sales => {
            if amount != Some(tx.amount) {
                return Answer::error("E01060010").into();
            }
            // A capture keeps the authorisation's Approve and TranID; only the date is new.
            ledger.change_state(&tx.access_id, "AlterTran", None, |t| {
                t.status = Status::Sales;
                t.job_cd = JobCd::Sales;
                t.tran_date.clone_from(&stamp);
                t.process_date = stamp;
            });
        }
        JobCd::Void | JobCd::Return | JobCd::ReturnX => {
            let number = tx
                .card
                .as_ref()
                .map(|c| c.number.clone())
                .unwrap_or_default();
            let approve = ledger.ids.next_approve();
            let tran_id = ledger.ids.next_tran_id(ctx.now, &number);
            let status = status_for_job(&job);
            ledger.change_state(&tx.access_id, "AlterTran", None, |t| {
                t.status = status;
                t.job_cd = job;
                t.approve = approve;
                t.tran_id = tran_id;
                t.tran_date.clone_from(&stamp);
                t.process_date = stamp;
            });
        }
        job => {
            if let Some(t) = ledger.transactions.get_mut(&tx.access_id) {
                t.exec.method = method;
                t.exec.pay_times = pay_times;
            }
            return authorise(
                ledger,
                ctx,
                tx.access_id,
                Authorisation {
                    api: "AlterTran",
                    job,
                    amount: amount.zip(tax),
                    shape: Shape::Alter,
                    new_numbers: 1,
                },
            );
        }
    }
    match ledger.transactions.get(&tx.access_id) {
        Some(t) => alter_answer(t).into(),
        None => Answer::error("E01110002").into(),
    }
}

pub(super) fn change_tran(ledger: &mut Ledger, ctx: &Ctx<'_>, form: &FormFields) -> Step {
    let tx = match shop_transaction(ledger, form) {
        Ok(tx) => tx,
        Err(errors) => return Answer::errors(errors).into(),
    };
    let mut errors = Errors::default();
    let job = errors.check(checks::job_cd(
        field(form, "JobCd"),
        &[JobCd::Auth, JobCd::Capture, JobCd::Sauth],
    ));
    let amount = errors.check(checks::amount(field(form, "Amount"), checks::AMOUNT));
    let tax = match field(form, "Tax") {
        None => Some(0),
        v => errors.check(checks::amount(v, checks::TAX)),
    };
    let (Some(job), Some(amount), Some(tax), true) = (job, amount, tax, errors.is_empty()) else {
        return Answer::Errors(errors.0).into();
    };
    if tx.in_flight {
        return Answer::error(IN_FLIGHT).into();
    }
    if !tx.is_settled() {
        return Answer::error("E01110010").into();
    }
    let allowed = match tx.status {
        Status::Auth => true,
        Status::Capture | Status::Sales => matches!(job, JobCd::Auth | JobCd::Capture),
        _ => false,
    };
    if !allowed {
        return Answer::error("E11010003").into();
    }
    authorise(
        ledger,
        ctx,
        tx.access_id,
        Authorisation {
            api: "ChangeTran",
            job,
            amount: Some((amount, tax)),
            shape: Shape::Alter,
            new_numbers: 2,
        },
    )
}
