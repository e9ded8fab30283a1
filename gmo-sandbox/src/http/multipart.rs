//! `multipart/form-data` API calls. GMO's own Node SDK (`@motionpicture/gmo-service` 5.3 and
//! later) posts its fields that way, so GMO takes them; the sandbox turns such a body into the
//! urlencoded form every other client sends, and handles it as one.

use gmo_core::wire::{FormEncoder, decode_windows_31j};

/// What a request body is, as far as multipart goes.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Multipart {
    /// Not `multipart/form-data` with a boundary: the content type decides (`E00000003` unless
    /// it is urlencoded).
    Other,
    /// The urlencoded equivalent of the parts (text fields, Windows-31J as the urlencoded ones).
    Form(String),
    /// A multipart body whose parts do not parse or hold bytes that are not Windows-31J: a
    /// malformed body (`E00000010`), as the same bytes would be in a urlencoded body.
    Malformed,
}

/// Reads a body announced as `multipart/form-data; boundary=…`.
pub(super) fn as_url_encoded(content_type: &str, body: &[u8]) -> Multipart {
    let Some(boundary) = boundary(content_type) else {
        return Multipart::Other;
    };
    let encoded = || -> Option<String> {
        let mut form = FormEncoder::new();
        for (name, value) in parts(body, boundary)? {
            let value = decode_windows_31j(value).ok()?;
            form.push_named(name, &value).ok()?;
        }
        Some(form.finish())
    };
    encoded().map_or(Multipart::Malformed, Multipart::Form)
}

/// The boundary of a `multipart/form-data` content type.
fn boundary(content_type: &str) -> Option<&str> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"'))
    })
}

/// The (name, value) of each part, in order.
fn parts<'a>(body: &'a [u8], boundary: &str) -> Option<Vec<(String, &'a [u8])>> {
    let delimiter = format!("\r\n--{boundary}");
    // The first delimiter may open the body without the CRLF before it.
    let body_with_crlf = [b"\r\n".as_slice(), body].concat();
    let first = find(&body_with_crlf, delimiter.as_bytes())?;
    let mut offset = first + delimiter.len() - 2;
    let mut parts = Vec::new();
    loop {
        let rest = &body[offset..];
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        let rest = rest.strip_prefix(b"\r\n")?;
        let end = find(rest, delimiter.as_bytes())?;
        let part = &rest[..end];
        let head_end = find(part, b"\r\n\r\n")?;
        let name = field_name(std::str::from_utf8(&part[..head_end]).ok()?)?;
        parts.push((name, &part[head_end + 4..]));
        offset += 2 + end + delimiter.len();
    }
}

/// The `name` of a part's `Content-Disposition: form-data; name="…"` header.
fn field_name(head: &str) -> Option<String> {
    let disposition = head.split("\r\n").find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case("content-disposition")
            .then_some(value)
    })?;
    disposition.split(';').find_map(|param| {
        let (key, value) = param.split_once('=')?;
        (key.trim() == "name").then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=--------------------------123";

    #[test]
    fn turns_fields_into_a_urlencoded_body() {
        // As the `form-data` npm package writes it.
        let body = "----------------------------123\r\n\
                    Content-Disposition: form-data; name=\"ShopID\"\r\n\r\n\
                    tshop00000001\r\n\
                    ----------------------------123\r\n\
                    Content-Disposition: form-data; name=\"OrderID\"\r\n\r\n\
                    a&b=c\r\n\
                    ----------------------------123\r\n\
                    Content-Disposition: form-data; name=\"Empty\"\r\n\r\n\
                    \r\n\
                    ----------------------------123--\r\n";
        assert_eq!(
            as_url_encoded(TYPE, body.as_bytes()),
            Multipart::Form("ShopID=tshop00000001&OrderID=a%26b%3Dc&Empty=".to_owned())
        );
    }

    #[test]
    fn reads_quoted_boundaries_and_windows_31j_values() {
        let mut body = b"--xyz\r\nContent-Disposition: form-data; name=\"ClientField1\"\r\n\
                         Content-Type: text/plain\r\n\r\n"
            .to_vec();
        body.extend_from_slice(&[0x82, 0xA0]); // あ
        body.extend_from_slice(b"\r\n--xyz--");
        let Multipart::Form(form) = as_url_encoded("multipart/form-data; boundary=\"xyz\"", &body)
        else {
            panic!("not read");
        };
        let fields = gmo_core::wire::parse_form(form.as_bytes()).unwrap();
        assert_eq!(fields.get("ClientField1"), Some("あ"));
    }

    #[test]
    fn tells_other_types_from_broken_bodies() {
        assert_eq!(as_url_encoded("application/json", b"{}"), Multipart::Other);
        // Without a boundary the header is at fault, not the body.
        assert_eq!(as_url_encoded("multipart/form-data", b""), Multipart::Other);
        let unterminated = "----------------------------123\r\n\
                            Content-Disposition: form-data; name=\"ShopID\"\r\n\r\nx";
        assert_eq!(
            as_url_encoded(TYPE, unterminated.as_bytes()),
            Multipart::Malformed
        );
        let nameless = "----------------------------123\r\n\r\nx\r\n\
                        ----------------------------123--";
        assert_eq!(
            as_url_encoded(TYPE, nameless.as_bytes()),
            Multipart::Malformed
        );
        // 0x82 0xFF is no Windows-31J character.
        let mut undecodable =
            b"--xyz\r\nContent-Disposition: form-data; name=\"MemberName\"\r\n\r\n".to_vec();
        undecodable.extend_from_slice(&[0x82, 0xFF]);
        undecodable.extend_from_slice(b"\r\n--xyz--");
        assert_eq!(
            as_url_encoded("multipart/form-data; boundary=xyz", &undecodable),
            Multipart::Malformed
        );
        let empty = "----------------------------123--\r\n";
        assert_eq!(
            as_url_encoded(TYPE, empty.as_bytes()),
            Multipart::Form(String::new())
        );
    }
}
