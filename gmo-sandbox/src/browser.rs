//! A scripted browser for the sandbox's 3-D Secure pages, for tests that have no real browser:
//! it follows GMO's `RedirectUrl`, answers the challenge, and hands back the form by which the
//! ACS returns the customer to the shop.

use crate::http::ReturnForm;

/// What went wrong while driving the ACS pages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AcsError {
    /// The page could not be fetched.
    #[error("the ACS page could not be fetched: {0}")]
    Http(#[from] reqwest::Error),
    /// The page was neither a challenge nor a return form.
    #[error("the ACS page is neither a challenge nor a return form (HTTP {status})")]
    UnexpectedPage {
        /// The page's HTTP status.
        status: u16,
    },
}

/// Drives the sandbox's ACS pages over HTTP the way a browser would (no JavaScript needed: the
/// pages are plain forms).
///
/// ```no_run
/// # async fn run(redirect_url: &str) -> Result<(), gmo_sandbox::AcsError> {
/// let acs = gmo_sandbox::AcsBrowser::new();
/// let back = acs.authenticate(redirect_url, gmo_sandbox::CHALLENGE_OTP).await?;
/// assert_eq!(back.method, "post");
/// let access_id = back.field("AccessID");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct AcsBrowser {
    http: reqwest::Client,
}

impl AcsBrowser {
    /// A browser with its own connection pool.
    pub fn new() -> Self {
        Self::default()
    }

    /// A browser sending over `http`: a connection pool shared by many simulated shoppers
    /// (gmo-bench's load driver), or one with settings of its own.
    pub fn with_client(http: reqwest::Client) -> Self {
        Self { http }
    }

    /// Opens GMO's `RedirectUrl`; answers a challenge with `otp` if one is shown; returns the
    /// form that would take the browser back to the shop (not submitted).
    pub async fn authenticate(
        &self,
        redirect_url: &str,
        otp: &str,
    ) -> Result<ReturnForm, AcsError> {
        let page = self.http.get(redirect_url).send().await?;
        let status = page.status().as_u16();
        let html = page.text().await?;
        if let Some(form) = ReturnForm::parse(&html) {
            return Ok(form);
        }
        let (Some(trans_id), Some(t)) = (hidden(&html, "transId"), hidden(&html, "t")) else {
            return Err(AcsError::UnexpectedPage { status });
        };
        let origin = origin(redirect_url).ok_or(AcsError::UnexpectedPage { status })?;
        let answer = self
            .http
            .post(format!("{origin}/acs/challenge"))
            .form(&[("transId", trans_id), ("t", t), ("otp", otp)])
            .send()
            .await?;
        let status = answer.status().as_u16();
        let html = answer.text().await?;
        ReturnForm::parse(&html).ok_or(AcsError::UnexpectedPage { status })
    }
}

/// The value of a hidden input of the challenge page.
fn hidden<'a>(html: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("name=\"{name}\" value=\"");
    let start = html.find(&key)? + key.len();
    let len = html[start..].find('"')?;
    Some(&html[start..start + len])
}

/// `scheme://host:port` of a URL.
fn origin(url: &str) -> Option<&str> {
    let after_scheme = url.find("://")? + 3;
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    Some(&url[..end])
}
