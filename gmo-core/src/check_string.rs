//! GMO's `CheckString` (`docs/protocol.md` §1.8): the MD5 that ties an authorisation answer to the
//! shop's password.
//!
//! `CheckString = md5_hex(OrderID + Forward + Method + PayTimes + Approve + TranID + TranDate +
//! ShopPass)`, over the values exactly as GMO sent them (empty `PayTimes`, space-padded
//! `Approve`). ExecTran (ACS=0) and SecureTran2 answers carry it.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use crate::secret::ShopPass;
use crate::wire::{DecodeError, Response};

/// The answer fields a CheckString covers, as GMO sent them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckStringFields<'a> {
    /// `OrderID`.
    pub order_id: &'a str,
    /// `Forward`.
    pub forward: &'a str,
    /// `Method` (empty for JobCd=CHECK).
    pub method: &'a str,
    /// `PayTimes` (empty unless instalments).
    pub pay_times: &'a str,
    /// `Approve`, verbatim (it may start with a space).
    pub approve: &'a str,
    /// `TranID`.
    pub tran_id: &'a str,
    /// `TranDate`.
    pub tran_date: &'a str,
}

impl<'a> CheckStringFields<'a> {
    /// Reads the covered fields of an answer; every one must be present (possibly empty).
    pub fn from_response(response: &'a Response) -> Result<Self, DecodeError> {
        Ok(Self {
            order_id: response.require("OrderID")?,
            forward: response.require("Forward")?,
            method: response.require("Method")?,
            pay_times: response.require("PayTimes")?,
            approve: response.require("Approve")?,
            tran_id: response.require("TranID")?,
            tran_date: response.require("TranDate")?,
        })
    }

    /// The CheckString GMO computes for these fields: 32 lowercase hex characters.
    ///
    /// ```
    /// use gmo_core::check_string::CheckStringFields;
    /// use gmo_core::ShopPass;
    ///
    /// let fields = CheckStringFields {
    ///     order_id: "order-1",
    ///     forward: "2a99662",
    ///     method: "1",
    ///     pay_times: "",
    ///     approve: " 004536",
    ///     tran_id: "2103011003111111111111810751",
    ///     tran_date: "20210301102444",
    /// };
    /// let check = fields.compute(&ShopPass::new("abcd1234"));
    /// assert_eq!(check.len(), 32);
    /// assert!(fields.matches(&check, &ShopPass::new("abcd1234")));
    /// assert!(!fields.matches(&check, &ShopPass::new("other")));
    /// ```
    pub fn compute(&self, shop_pass: &ShopPass) -> String {
        let digest = self.digest(shop_pass);
        let mut hex = String::with_capacity(32);
        for byte in digest {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            hex.push(char::from(HEX[usize::from(byte >> 4)]));
            hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        hex
    }

    /// Whether `check_string` is the CheckString of these fields, compared in constant time
    /// (case-insensitively, as hex).
    pub fn matches(&self, check_string: &str, shop_pass: &ShopPass) -> bool {
        let expected = self.compute(shop_pass);
        let given = check_string.to_ascii_lowercase();
        expected.as_bytes().ct_eq(given.as_bytes()).into()
    }

    fn digest(&self, shop_pass: &ShopPass) -> [u8; 16] {
        let mut md5 = Md5::new();
        for part in [
            self.order_id,
            self.forward,
            self.method,
            self.pay_times,
            self.approve,
            self.tran_id,
            self.tran_date,
            shop_pass.expose_secret(),
        ] {
            md5.update(part.as_bytes());
        }
        md5.finalize().into()
    }
}

/// Why an answer's CheckString could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CheckStringProblem {
    /// A covered field or the CheckString itself is absent.
    Missing(DecodeError),
    /// The CheckString does not match.
    Mismatch,
}

/// Verifies the CheckString of an answer against the ShopPass.
pub(crate) fn verify(response: &Response, shop_pass: &ShopPass) -> Result<(), CheckStringProblem> {
    let fields = CheckStringFields::from_response(response).map_err(CheckStringProblem::Missing)?;
    let given = response
        .require("CheckString")
        .map_err(CheckStringProblem::Missing)?;
    if fields.matches(given, shop_pass) {
        Ok(())
    } else {
        Err(CheckStringProblem::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_an_independent_md5() {
        // md5("1362106991" "2a99662" "1" "" "6416276" "1303011202111111111111198895"
        //     "20130301120312" "pass") computed with coreutils' md5sum.
        let body = b"ACS=0&OrderID=1362106991&Forward=2a99662&Method=1&PayTimes=&Approve=6416276&TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString=3ba1c1ec6bb0d2a6b2b3ab6f0c7d6bd4";
        let response = Response::parse(body).unwrap();
        let fields = CheckStringFields::from_response(&response).unwrap();
        let computed = fields.compute(&ShopPass::new("pass"));
        assert_eq!(computed, EXPECTED_FOR_PASS);
        assert_eq!(
            verify(&response, &ShopPass::new("pass")),
            Err(CheckStringProblem::Mismatch)
        );
    }

    const EXPECTED_FOR_PASS: &str = "f03584583248b753da034d30737d04e2";

    #[test]
    fn keeps_padding_and_empty_fields() {
        let pass = ShopPass::new("p");
        let padded = CheckStringFields {
            order_id: "o",
            forward: "f",
            method: "",
            pay_times: "",
            approve: " 004536",
            tran_id: "t",
            tran_date: "d",
        };
        let trimmed = CheckStringFields {
            approve: "004536",
            ..padded
        };
        assert_ne!(padded.compute(&pass), trimmed.compute(&pass));
        assert!(padded.matches(&padded.compute(&pass).to_uppercase(), &pass));
    }

    #[test]
    fn instalments_are_covered_by_pay_times() {
        // An instalment answer signed over PayTimes=3 verifies as sent, and is refused when
        // PayTimes reads otherwise (a tampered or misread number of payments).
        let pass = ShopPass::new("pass");
        let signed = CheckStringFields {
            order_id: "o1",
            forward: "2a99662",
            method: "2",
            pay_times: "3",
            approve: "6416276",
            tran_id: "1303011202111111111111198895",
            tran_date: "20130301120312",
        }
        .compute(&pass);
        let answer = |pay_times: &str| {
            format!(
                "ACS=0&OrderID=o1&Forward=2a99662&Method=2&PayTimes={pay_times}&Approve=6416276\
                 &TranID=1303011202111111111111198895&TranDate=20130301120312&CheckString={signed}"
            )
        };
        let verified = |pay_times: &str| {
            verify(
                &Response::parse(answer(pay_times).as_bytes()).unwrap(),
                &pass,
            )
        };
        assert_eq!(verified("3"), Ok(()));
        for other in ["6", "", "03"] {
            assert_eq!(
                verified(other),
                Err(CheckStringProblem::Mismatch),
                "{other:?}"
            );
        }
    }

    #[test]
    fn a_missing_field_is_not_a_match() {
        let response = Response::parse(b"OrderID=o&Forward=f").unwrap();
        assert!(matches!(
            verify(&response, &ShopPass::new("p")),
            Err(CheckStringProblem::Missing(_))
        ));
    }
}
