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
