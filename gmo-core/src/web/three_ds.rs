//! Reading the browser's return from 3-D Secure: the order from the path, the `AccessID` from
//! the form GMO's page posts (CallbackType 1) or from the query string (CallbackType 3).

use super::body::{BodyError, MAX_BODY_BYTES};
use crate::flow::{PaymentError, ThreeDsReturn};
use crate::values::OrderId;
use crate::wire::parse_form;

use super::RouteError;

/// The longest `AccessID` read (GMO's are 32 characters); a longer one cannot match any order.
const MAX_ACCESS_ID_LEN: usize = 64;

/// Reads a 3-D Secure return. `order_id` is the path parameter; `body` the request body (GMO's
/// form, Windows-31J or ASCII); `query` the query string. The body wins when it names
/// `AccessID`.
///
/// An order id that cannot be one is [`PaymentError::NotFound`], like an unknown order; a return
/// without `AccessID` is [`BodyError::MissingField`].
///
/// ```
/// use gmo_core::web::three_ds::read_three_ds_return;
///
/// let ret = read_three_ds_return("o123", b"AccessID=abc&OrderID=o123", None)?;
/// assert_eq!((ret.order_id.as_str(), ret.access_id.as_str()), ("o123", "abc"));
/// let ret = read_three_ds_return("o123", b"", Some("AccessID=def"))?;
/// assert_eq!(ret.access_id, "def");
/// # Ok::<(), gmo_core::web::RouteError>(())
/// ```
pub fn read_three_ds_return(
    order_id: &str,
    body: &[u8],
    query: Option<&str>,
) -> Result<ThreeDsReturn, RouteError> {
    let order_id = OrderId::new(order_id).map_err(|_| PaymentError::NotFound)?;
    if body.len() > MAX_BODY_BYTES {
        return Err(BodyError::TooLarge {
            limit: MAX_BODY_BYTES,
        }
        .into());
    }
    let from_body = if body.is_empty() {
        None
    } else {
        let form = parse_form(body).map_err(|_| BodyError::MalformedForm)?;
        form.get_non_empty("AccessID").map(str::to_owned)
    };
    let access_id = match from_body {
        Some(id) => id,
        None => {
            let query = query.unwrap_or_default();
            let form = parse_form(query.as_bytes()).map_err(|_| BodyError::MalformedForm)?;
            form.get_non_empty("AccessID")
                .map(str::to_owned)
                .ok_or(BodyError::MissingField("AccessID"))?
        }
    };
    if access_id.len() > MAX_ACCESS_ID_LEN {
        // It cannot be any order's: answer exactly as for a wrong one.
        return Err(PaymentError::NotFound.into());
    }
    Ok(ThreeDsReturn {
        order_id,
        access_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<ThreeDsReturn, RouteError>) -> String {
        super::super::ErrorResponse::from_error(&result.unwrap_err(), Default::default())
            .code()
            .to_owned()
    }

    #[test]
    fn forged_returns_are_refused_cleanly() {
        assert_eq!(code(read_three_ds_return("o1", b"", None)), "missing_field");
        assert_eq!(
            code(read_three_ds_return("o1", b"OrderID=o1", Some("x=1"))),
            "missing_field"
        );
        assert_eq!(
            code(read_three_ds_return("o 1", b"AccessID=a", None)),
            "not_found"
        );
        assert_eq!(
            code(read_three_ds_return(&"o".repeat(28), b"AccessID=a", None)),
            "not_found"
        );
        let long = format!("AccessID={}", "a".repeat(65));
        assert_eq!(
            code(read_three_ds_return("o1", long.as_bytes(), None)),
            "not_found"
        );
        // GMO's codec keeps a stray `%` as it is: the AccessID then matches no order.
        assert_eq!(
            read_three_ds_return("o1", b"AccessID=%zz", None)
                .unwrap()
                .access_id,
            "%zz"
        );
        let huge = vec![b'a'; MAX_BODY_BYTES + 1];
        assert_eq!(
            code(read_three_ds_return("o1", &huge, None)),
            "body_too_large"
        );
    }

    #[test]
    fn the_body_wins_over_the_query() {
        let ret = read_three_ds_return("o1", b"AccessID=body", Some("AccessID=query")).unwrap();
        assert_eq!(ret.access_id, "body");
        let ret = read_three_ds_return("o1", b"other=1", Some("AccessID=query")).unwrap();
        assert_eq!(ret.access_id, "query");
    }
}
