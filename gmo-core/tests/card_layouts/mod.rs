//! Card numbers laid out as people write them, for the guard's corpus tests.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

/// `pan` cut into groups of `sizes` (then of 4).
pub fn groups(pan: &str, sizes: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = pan;
    for &size in sizes.iter().chain(std::iter::repeat(&4)) {
        if rest.is_empty() {
            break;
        }
        let (head, tail) = rest.split_at(size.min(rest.len()));
        out.push(head.to_owned());
        rest = tail;
    }
    out
}

/// ASCII digits as full-width ones (U+FF10–U+FF19).
pub fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(0xff10 + (u32::from(c) - 0x30)).unwrap(),
            c => c,
        })
        .collect()
}

/// The Luhn check digit of `body` (digits 0–9).
pub fn luhn_check_digit(body: &[u8]) -> u8 {
    // The check digit makes the doubled-from-the-right sum a multiple of 10.
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    u8::try_from((10 - sum % 10) % 10).unwrap()
}
