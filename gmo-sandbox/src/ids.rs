//! Identifiers the sandbox issues, in GMO's formats.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use time::OffsetDateTime;

use crate::clock::tran_id_prefix;
use crate::config::ApprovePadding;

/// The routing code of the test card company (`Forward`).
pub(crate) const FORWARD: &str = "2a99662";
/// The default `ItemCode`.
pub(crate) const DEFAULT_ITEM_CODE: &str = "0000990";
/// `Approve` of a validity check.
pub(crate) const CHECK_APPROVE: &str = "0000000";

/// Counters for `Approve` and the tail of `TranID`.
#[derive(Debug)]
pub(crate) struct IdGenerator {
    approve: u32,
    tran_seq: u32,
    padding: ApprovePadding,
    /// Draws [`ApprovePadding::Random`].
    rng: StdRng,
}

impl Default for IdGenerator {
    fn default() -> Self {
        Self::new(ApprovePadding::default(), 0)
    }
}

impl IdGenerator {
    /// Approval numbers padded as `padding` says, random ones drawn from `seed`.
    pub(crate) fn new(padding: ApprovePadding, seed: u64) -> Self {
        // Start where GMO's test environment was in the recordings, for realistic-looking values.
        Self {
            approve: 6_300_000,
            tran_seq: 200_000,
            padding,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The next approval number: 7 digits, or a space and 6 digits (` 004536`, as GMO has
    /// answered).
    pub(crate) fn next_approve(&mut self) -> String {
        self.approve = if self.approve >= 9_999_999 {
            1_000_000
        } else {
            self.approve + 1
        };
        let padded = match self.padding {
            ApprovePadding::Never => false,
            ApprovePadding::Always => true,
            ApprovePadding::Random => self.rng.random_bool(0.5),
        };
        if padded {
            format!(" {:06}", self.approve % 1_000_000)
        } else {
            format!("{:07}", self.approve)
        }
    }

    /// The next 28-digit `TranID`: `yyMMddHHmm` (JST) + card digits 5–16 + a 6-digit counter.
    pub(crate) fn next_tran_id(&mut self, now: OffsetDateTime, card_number: &str) -> String {
        self.tran_seq = (self.tran_seq + 1) % 1_000_000;
        let digits = card_number.get(4..).unwrap_or("");
        let digits = &digits[..digits.len().min(12)];
        format!("{}{:0>12}{:06}", tran_id_prefix(now), digits, self.tran_seq)
    }
}

/// 32 random lowercase hex characters (AccessID, AccessPass, the `t` of a RedirectUrl).
pub(crate) fn random_hex32() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// 64 random lowercase hex characters (a token).
pub(crate) fn random_hex64() -> String {
    format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    )
}

/// A Base64-like token that always holds `+`, `/` and `=`.
pub(crate) fn random_base64_like() -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes: [u8; 32] = rand::random();
    let mut out = String::with_capacity(44);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    // Make sure both special characters appear, whatever the random bytes were.
    out.replace_range(3..4, "+");
    out.replace_range(7..8, "/");
    out
}

/// A random version-4 UUID (the `transId` of the 3-D Secure server).
pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn tran_ids_follow_the_test_environment_pattern() {
        let mut ids = IdGenerator::default();
        let id = ids.next_tran_id(datetime!(2013-03-01 02:58 UTC), "4111111111111111");
        assert_eq!(id.len(), 28);
        assert!(id.starts_with("1303011158111111111111"));
        assert_eq!(ids.next_approve().len(), 7);
    }

    #[test]
    fn approval_numbers_are_padded_as_configured() {
        let draw = |padding, seed| {
            let mut ids = IdGenerator::new(padding, seed);
            (0..32).map(|_| ids.next_approve()).collect::<Vec<_>>()
        };
        assert!(
            draw(ApprovePadding::Never, 0)
                .iter()
                .all(|a| a.len() == 7 && a.bytes().all(|b| b.is_ascii_digit()))
        );
        assert_eq!(draw(ApprovePadding::Always, 0)[0], " 300001");
        let random = draw(ApprovePadding::Random, 7);
        assert!(random.iter().all(|a| a.len() == 7));
        let padded = random.iter().filter(|a| a.starts_with(' ')).count();
        assert!(0 < padded && padded < random.len(), "{random:?}");
        assert_eq!(random, draw(ApprovePadding::Random, 7));
        assert_ne!(random, draw(ApprovePadding::Random, 8));
    }

    #[test]
    fn base64_like_tokens_need_encoding() {
        let t = random_base64_like();
        assert_eq!(t.len(), 44);
        assert!(t.contains('+') && t.contains('/') && t.ends_with('='));
        assert_eq!(random_hex64().len(), 64);
        assert_eq!(random_hex32().len(), 32);
    }
}
