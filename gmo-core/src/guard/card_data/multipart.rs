//! `multipart/form-data` bodies: each text part is scanned under its name; file parts of a
//! binary type are skipped.

use super::Policy;
use super::boxes::{Boxes, MAX_BOX_BYTES};
use super::json::scan_json;
use super::runs::RunScanner;
use super::text::{Charset, decode_text, scan_bytes};

/// The field a card number was found in.
pub(super) type Hit = Option<String>;

/// Why the body could not be read as multipart (the caller then scans it as plain text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct NotMultipart;

/// Scans the parts of a multipart body delimited by `boundary`.
pub(super) fn scan_multipart(
    body: &[u8],
    boundary: &[u8],
    policy: &Policy<'_>,
    scanner: &mut RunScanner,
) -> Result<Result<(), Hit>, NotMultipart> {
    let mut delimiter = Vec::with_capacity(boundary.len() + 2);
    delimiter.extend_from_slice(b"--");
    delimiter.extend_from_slice(boundary);
    let Some(mut at) = find(body, &delimiter, 0) else {
        return Err(NotMultipart);
    };
    let mut boxes = Boxes::default();
    loop {
        let after = at + delimiter.len();
        if body.get(after..after + 2) == Some(b"--") {
            return Ok(Ok(()));
        }
        let next = find(body, &delimiter, after);
        let part = body
            .get(after..next.unwrap_or(body.len()))
            .unwrap_or_default();
        // The rest of the delimiter line (transport padding, CRLF) is not part of the part.
        let part = match find(part, b"\n", 0) {
            Some(newline) => &part[newline + 1..],
            None => &[],
        };
        let (headers, content) = split_part(part);
        let content = content.strip_suffix(b"\n").unwrap_or(content);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if let Err(hit) = scan_part(&headers, content, policy, scanner) {
            return Ok(Err(hit));
        }
        if let Some(first) = next_box(&mut boxes, &headers, content, policy) {
            return Ok(Err(first));
        }
        match next {
            Some(next) => at = next,
            None => return Ok(Ok(())),
        }
    }
}

/// Adjacent form fields that are groups of digits, read together (see `boxes`): a part that is
/// a short plain field is one more box, any other part ends the run.
fn next_box(
    boxes: &mut Boxes,
    headers: &PartHeaders,
    content: &[u8],
    policy: &Policy<'_>,
) -> Option<Hit> {
    let name = headers.name.as_deref();
    let plain = !headers.has_filename && headers.content_type.is_none();
    if !plain || content.len() > MAX_BOX_BYTES || name.is_some_and(|n| policy.is_exempt(n)) {
        boxes.reset();
        return None;
    }
    boxes.push(
        &decode_text(content, Charset::Utf8First),
        false,
        || name.map(str::to_owned),
        |name| name.is_some_and(|n| policy.is_card_like(n)),
    )
}

/// What the headers of one part say.
#[derive(Debug, Default)]
struct PartHeaders {
    name: Option<String>,
    has_filename: bool,
    content_type: Option<String>,
}

/// Splits a part at its first empty line into headers and content. A part without an empty line
/// is all content, so that nothing in it goes unscanned.
fn split_part(part: &[u8]) -> (PartHeaders, &[u8]) {
    let mut headers = PartHeaders::default();
    let mut start = 0;
    while start < part.len() {
        let end = find(part, b"\n", start).unwrap_or(part.len());
        let line = &part[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        start = end + 1;
        if line.is_empty() {
            return (headers, part.get(start..).unwrap_or_default());
        }
        read_header(&mut headers, &String::from_utf8_lossy(line));
    }
    (PartHeaders::default(), part)
}

fn read_header(headers: &mut PartHeaders, line: &str) {
    let Some((name, value)) = line.split_once(':') else {
        return;
    };
    let name = name.trim();
    if name.eq_ignore_ascii_case("content-disposition") {
        for param in value.split(';').skip(1) {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            let key = key.trim();
            if key.eq_ignore_ascii_case("name") {
                headers.name = Some(value.trim().trim_matches('"').to_owned());
            } else if key
                .get(..8)
                .is_some_and(|k| k.eq_ignore_ascii_case("filename"))
            {
                headers.has_filename = true;
            }
        }
    } else if name.eq_ignore_ascii_case("content-type") {
        headers.content_type = Some(value.trim().to_owned());
    }
}

fn scan_part(
    headers: &PartHeaders,
    content: &[u8],
    policy: &Policy<'_>,
    scanner: &mut RunScanner,
) -> Result<(), Hit> {
    let name = headers.name.as_deref();
    if let Some(name) = name {
        if scan_bytes(scanner, name.as_bytes(), Charset::Utf8First).in_unnamed_place() {
            return Err(None);
        }
        if policy.is_exempt(name) {
            return Ok(());
        }
    }
    let media = headers.content_type.as_deref().unwrap_or("text/plain");
    let charset = Charset::from_content_type(media);
    let media = media.split(';').next().unwrap_or_default().trim();
    if is_json(media) {
        return scan_json(&decode_text(content, charset), name, policy, scanner);
    }
    if headers.has_filename && !is_text(media) {
        // An uploaded image or document: not text, not scanned.
        return Ok(());
    }
    let verdict = scan_bytes(scanner, content, charset);
    let card = match name {
        Some(name) => policy.card_in_field(verdict, name, || decode_text(content, charset)),
        None => verdict.in_unnamed_place(),
    };
    if card {
        Err(name.map(str::to_owned))
    } else {
        Ok(())
    }
}

/// `application/json`, `text/json` and any `…+json`.
pub(super) fn is_json(media: &str) -> bool {
    media.eq_ignore_ascii_case("application/json")
        || media.eq_ignore_ascii_case("text/json")
        || media
            .get(media.len().saturating_sub(5)..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case("+json"))
}

fn is_text(media: &str) -> bool {
    media
        .get(..5)
        .is_some_and(|head| head.eq_ignore_ascii_case("text/"))
        || media.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        || media.eq_ignore_ascii_case("application/xml")
}

/// The first position of `needle` in `hay` at or after `from`.
pub(super) fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut at = from;
    while let Some(offset) = hay.get(at..)?.iter().position(|&b| b == first) {
        let start = at + offset;
        if hay.get(start + 1..start + 1 + rest.len()) == Some(rest) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// The `boundary` parameter of a `multipart/form-data` content type.
pub(super) fn boundary(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (key.trim().eq_ignore_ascii_case("boundary") && !value.is_empty()).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(body: &str) -> Result<Result<(), Hit>, NotMultipart> {
        scan_multipart(
            body.as_bytes(),
            b"XyZ",
            &Policy::default(),
            &mut RunScanner::default(),
        )
    }

    #[test]
    fn scans_text_parts_under_their_names() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"memo\"\r\n\r\nhello\r\n\
                    --XyZ\r\nContent-Disposition: form-data; name=\"cc\"\r\n\r\n4111 1111 1111 1111\r\n\
                    --XyZ--\r\n";
        assert_eq!(scan(body), Ok(Err(Some("cc".to_owned()))));
        let json = "--XyZ\r\nContent-Disposition: form-data; name=\"payload\"\r\n\
                    Content-Type: application/json\r\n\r\n{\"card\":{\"no\":\"4111111111111111\"}}\r\n--XyZ--";
        assert_eq!(scan(json), Ok(Err(Some("payload.card.no".to_owned()))));
    }

    #[test]
    fn reads_boxes_across_parts() {
        let part = |name: &str, value: &str| {
            format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let body: String = [
            ("no1", "4111"),
            ("no2", "1111"),
            ("no3", "1111"),
            ("no4", "1111"),
        ]
        .iter()
        .map(|(n, v)| part(n, v))
        .collect::<String>()
            + "--XyZ--\r\n";
        assert_eq!(scan(&body), Ok(Err(Some("no1".to_owned()))));
        let phone: String = [("tel1", "090"), ("tel2", "1234"), ("tel3", "5678")]
            .iter()
            .map(|(n, v)| part(n, v))
            .collect::<String>()
            + "--XyZ--\r\n";
        assert_eq!(scan(&phone), Ok(Ok(())));
    }

    #[test]
    fn skips_binary_files_and_reads_text_files() {
        let image = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\n\
                     Content-Type: image/png\r\n\r\n4111111111111111\r\n--XyZ--";
        assert_eq!(scan(image), Ok(Ok(())));
        let csv = "--XyZ\nContent-Disposition: form-data; name=\"f\"; filename=\"a.csv\"\n\
                   Content-Type: text/csv\n\n4111111111111111\n--XyZ--";
        assert_eq!(scan(csv), Ok(Err(Some("f".to_owned()))));
    }

    #[test]
    fn odd_bodies_do_not_break_the_reader() {
        assert_eq!(scan("no delimiter here"), Err(NotMultipart));
        for body in [
            "--XyZ",
            "--XyZ\r\n",
            "--XyZ\r\nContent-Disposition",
            "--XyZ\r\n\r\n--XyZ",
        ] {
            assert_eq!(scan(body), Ok(Ok(())), "{body:?}");
        }
        assert_eq!(
            boundary("multipart/form-data; boundary=\"a b\""),
            Some("a b")
        );
        assert_eq!(boundary("multipart/form-data"), None);
    }
}
