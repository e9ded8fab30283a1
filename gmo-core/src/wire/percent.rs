//! Percent-decoding of form, query and path bytes, shared by the form codec and the card-data
//! guard.

/// How `+` is read while percent-decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plus {
    /// Form and query values: `+` is a space.
    IsSpace,
    /// URL paths: `+` is a `+`.
    Literal,
}

/// Percent-decodes `input` (`%XX`; a `%` not followed by two hex digits stays as is, as browsers
/// do), into `buf` unless there is nothing to decode.
pub(crate) fn percent_decode<'a>(input: &'a [u8], plus: Plus, buf: &'a mut Vec<u8>) -> &'a [u8] {
    let plus_is_space = plus == Plus::IsSpace;
    let Some(first) = input
        .iter()
        .position(|&b| b == b'%' || (plus_is_space && b == b'+'))
    else {
        return input;
    };
    buf.clear();
    buf.reserve(input.len());
    buf.extend_from_slice(&input[..first]);
    let mut i = first;
    while let Some(&b) = input.get(i) {
        match b {
            b'+' if plus_is_space => buf.push(b' '),
            b'%' => {
                let decoded = match input.get(i + 1..i + 3) {
                    Some(&[hi, lo]) => hex_value(hi).zip(hex_value(lo)).map(|(h, l)| h << 4 | l),
                    _ => None,
                };
                match decoded {
                    Some(byte) => {
                        buf.push(byte);
                        i += 2;
                    }
                    None => buf.push(b'%'),
                }
            }
            _ => {
                // Copy the plain run up to the next escape at once.
                let run = input[i..]
                    .iter()
                    .position(|&b| b == b'%' || (plus_is_space && b == b'+'))
                    .unwrap_or(input.len() - i);
                buf.extend_from_slice(&input[i..i + run]);
                i += run;
                continue;
            }
        }
        i += 1;
    }
    buf
}

/// The value of each byte as a hex digit; 0xff for bytes that are none.
static HEX: [u8; 256] = {
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    table
};

fn hex_value(b: u8) -> Option<u8> {
    let value = HEX[usize::from(b)];
    (value != 0xff).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decodes_like_browsers() {
        let mut buf = Vec::new();
        assert_eq!(
            percent_decode(b"a+b%20c%zz%4", Plus::IsSpace, &mut buf),
            b"a b c%zz%4"
        );
        assert_eq!(percent_decode(b"a+b", Plus::Literal, &mut buf), b"a+b");
        assert_eq!(percent_decode(b"plain", Plus::IsSpace, &mut buf), b"plain");
        assert_eq!(
            percent_decode(b"%EF%BC%94", Plus::IsSpace, &mut buf),
            "４".as_bytes()
        );
    }
}
