//! What a sandbox is made of: its shops and sites, and the knobs tests turn.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::cards::DEFAULT_SLOW_CARD_DELAY;
use crate::clock::{Clock, SystemClock};
use crate::events::StateChange;
use crate::faults::Fault;
use crate::notifications::{
    DEFAULT_NOTIFICATION_INTERVAL, DEFAULT_NOTIFICATION_RETRIES, DEFAULT_NOTIFICATION_TIMEOUT,
};

/// ShopID of the shop a sandbox has when none is configured.
pub const DEFAULT_SHOP_ID: &str = "tshop00000001";
/// ShopPass of the default shop.
pub const DEFAULT_SHOP_PASS: &str = "shoppass01";
/// SiteID of the site a sandbox has when none is configured (linked to the first shop).
pub const DEFAULT_SITE_ID: &str = "tsite00000001";
/// SitePass of the default site.
pub const DEFAULT_SITE_PASS: &str = "sitepass01";
/// How many live cards a member may hold unless configured otherwise.
pub const DEFAULT_MAX_CARDS_PER_MEMBER: usize = 5;
/// How long a token lives.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(30 * 60);
/// How many state changes, notification deliveries and fired faults the sandbox keeps for
/// inspection (the oldest are forgotten first), unless configured otherwise.
pub const DEFAULT_HISTORY_LIMIT: usize = 10_000;

/// What `Tds2Type=1` (or no `Tds2Type`) means for a card that is not enrolled in 3-D Secure 2.0:
/// GMO follows a shop setting ("3DS1.0 終了後の取り扱い").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotEnrolledPolicy {
    /// Authorise without 3-D Secure (`ACS=0`), like `Tds2Type=3`. The default.
    #[default]
    AuthorizeWithout3ds,
    /// Refuse with `E21030201`, like `Tds2Type=2`.
    Refuse,
}

/// A shop (Shop-API credentials) and its settings.
#[derive(Debug, Clone)]
pub struct ShopConfig {
    pub(crate) id: String,
    pub(crate) pass: String,
    pub(crate) accepts_card_numbers: bool,
    pub(crate) not_enrolled_policy: NotEnrolledPolicy,
    pub(crate) notify_url: Option<String>,
    pub(crate) requires_three_d_secure: bool,
}

impl ShopConfig {
    /// A shop with these credentials; raw card numbers refused (`E61040001`), not-enrolled cards
    /// authorised without 3-D Secure.
    pub fn new(shop_id: impl Into<String>, shop_pass: impl Into<String>) -> Self {
        Self {
            id: shop_id.into(),
            pass: shop_pass.into(),
            accepts_card_numbers: false,
            not_enrolled_policy: NotEnrolledPolicy::default(),
            notify_url: None,
            requires_three_d_secure: false,
        }
    }

    /// Whether the shop's contract requires 3-D Secure on every payment: an EntryTran without
    /// `TdFlag=2` is refused with `E01080101`. Off by default.
    pub fn requires_three_d_secure(mut self, required: bool) -> Self {
        self.requires_three_d_secure = required;
        self
    }

    /// Where this shop's result notifications go (GMO: a shop setting of the management
    /// screen). Overrides [`SandboxBuilder::notify_url`].
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.notify_url = Some(url.into());
        self
    }

    /// Whether the shop may send raw card numbers (`CardNo`/`Expire`) to ExecTran, SaveCard and
    /// SearchCardDetail instead of tokens. Off by default, as for most merchants.
    pub fn accept_card_numbers(mut self, accept: bool) -> Self {
        self.accepts_card_numbers = accept;
        self
    }

    /// What `Tds2Type=1` or no `Tds2Type` does with a card not enrolled in 3-D Secure 2.0.
    pub fn not_enrolled_policy(mut self, policy: NotEnrolledPolicy) -> Self {
        self.not_enrolled_policy = policy;
        self
    }
}

/// A site (Site-API credentials for members and cards), linked to one shop.
#[derive(Debug, Clone)]
pub struct SiteConfig {
    pub(crate) id: String,
    pub(crate) pass: String,
    pub(crate) shop_id: String,
}

impl SiteConfig {
    /// A site with these credentials, whose cards are checked through `shop_id`.
    pub fn new(
        site_id: impl Into<String>,
        site_pass: impl Into<String>,
        shop_id: impl Into<String>,
    ) -> Self {
        Self {
            id: site_id.into(),
            pass: site_pass.into(),
            shop_id: shop_id.into(),
        }
    }
}

/// How token strings look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenStyle {
    /// 64 lowercase hexadecimal characters (what GMO's token endpoint has been seen to issue).
    #[default]
    Hex,
    /// Base64-like strings holding `+`, `/` and `=`, to check that clients percent-encode tokens.
    Base64Like,
}

/// The `Content-Type` of the protocol APIs' answers. GMO has been recorded sending each of them,
/// always with the same Windows-31J bytes; a client must read the body whatever the label says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContentTypeVariant {
    /// `text/plain;charset=Windows-31J`, the usual label (recordings 2013–2022). The default.
    #[default]
    Windows31J,
    /// `text/plain;charset=windows-31j`, lowercase (a 2021 recording).
    LowercaseWindows31J,
    /// `text/plain;charset=Shift_JIS` (brand-token 2017 and bank-transfer 2023 recordings).
    ShiftJis,
    /// One of the three above for each answer, drawn from a generator seeded with
    /// [`SandboxBuilder::variant_seed`]: a run of sequential calls repeats exactly.
    Random,
}

impl ContentTypeVariant {
    /// The fixed variants, each with its header value.
    pub const FIXED: [(Self, &'static str); 3] = [
        (Self::Windows31J, "text/plain;charset=Windows-31J"),
        (Self::LowercaseWindows31J, "text/plain;charset=windows-31j"),
        (Self::ShiftJis, "text/plain;charset=Shift_JIS"),
    ];

    /// The header value of a fixed variant; `None` for [`Self::Random`].
    pub fn header(self) -> Option<&'static str> {
        Self::FIXED
            .iter()
            .find(|(variant, _)| *variant == self)
            .map(|(_, header)| *header)
    }
}

/// How approval numbers (`Approve`) look. GMO's are 7 characters; it has answered
/// `Approve= 004536`, a space and 6 digits, and the CheckString covers that space: a client that
/// trims values breaks its CheckString verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApprovePadding {
    /// 7 digits, e.g. `6300001`. The default.
    #[default]
    Never,
    /// A space and 6 digits, e.g. ` 300001`, every time.
    Always,
    /// Each approval number padded or not, drawn from a generator seeded with
    /// [`SandboxBuilder::variant_seed`].
    Random,
}

/// A function called with every state change (see [`StateChange`]).
pub type StateChangeListener = Arc<dyn Fn(&StateChange) + Send + Sync>;

/// Everything a sandbox is configured with.
#[derive(Clone)]
pub(crate) struct Settings {
    pub(crate) shops: Vec<ShopConfig>,
    pub(crate) sites: Vec<SiteConfig>,
    pub(crate) max_cards_per_member: usize,
    pub(crate) slow_card_delay: Duration,
    pub(crate) token_ttl: Duration,
    pub(crate) token_style: TokenStyle,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) listeners: Vec<StateChangeListener>,
    /// Result notifications of shops without a URL of their own.
    pub(crate) notify_url: Option<String>,
    pub(crate) notify_retries: u32,
    pub(crate) notify_interval: Duration,
    pub(crate) notify_timeout: Duration,
    /// Added to every API call.
    pub(crate) latency: Duration,
    pub(crate) faults: Vec<Fault>,
    pub(crate) history_limit: usize,
    pub(crate) content_type: ContentTypeVariant,
    pub(crate) approve_padding: ApprovePadding,
    /// Seeds the draws of the random variants.
    pub(crate) variant_seed: u64,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "shops",
                &self.shops.iter().map(|s| &s.id).collect::<Vec<_>>(),
            )
            .field(
                "sites",
                &self.sites.iter().map(|s| &s.id).collect::<Vec<_>>(),
            )
            .field("max_cards_per_member", &self.max_cards_per_member)
            .field("slow_card_delay", &self.slow_card_delay)
            .field("token_ttl", &self.token_ttl)
            .field("token_style", &self.token_style)
            .field("clock", &self.clock)
            .field("listeners", &self.listeners.len())
            .field("notify_url", &self.notify_url)
            .field("notify_retries", &self.notify_retries)
            .field("notify_interval", &self.notify_interval)
            .field("notify_timeout", &self.notify_timeout)
            .field("latency", &self.latency)
            .field("faults", &self.faults)
            .field("history_limit", &self.history_limit)
            .field("content_type", &self.content_type)
            .field("approve_padding", &self.approve_padding)
            .field("variant_seed", &self.variant_seed)
            .finish()
    }
}

/// Builds a [`Sandbox`](crate::Sandbox). Every setting has a test-looking default: one shop
/// [`DEFAULT_SHOP_ID`]/[`DEFAULT_SHOP_PASS`] and one site [`DEFAULT_SITE_ID`]/[`DEFAULT_SITE_PASS`]
/// linked to it, when none is given.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use gmo_sandbox::{Sandbox, ShopConfig};
///
/// let sandbox = Sandbox::builder()
///     .shop(ShopConfig::new("tshop00000001", "shoppass01").accept_card_numbers(true))
///     .max_cards_per_member(3)
///     .spawn()
///     .await?;
/// assert!(sandbox.base_url().starts_with("http://127.0.0.1:"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct SandboxBuilder {
    pub(crate) settings: Settings,
    pub(crate) listen: SocketAddr,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            settings: Settings {
                shops: Vec::new(),
                sites: Vec::new(),
                max_cards_per_member: DEFAULT_MAX_CARDS_PER_MEMBER,
                slow_card_delay: DEFAULT_SLOW_CARD_DELAY,
                token_ttl: DEFAULT_TOKEN_TTL,
                token_style: TokenStyle::default(),
                clock: Arc::new(SystemClock),
                listeners: Vec::new(),
                notify_url: None,
                notify_retries: DEFAULT_NOTIFICATION_RETRIES,
                notify_interval: DEFAULT_NOTIFICATION_INTERVAL,
                notify_timeout: DEFAULT_NOTIFICATION_TIMEOUT,
                latency: Duration::ZERO,
                faults: Vec::new(),
                history_limit: DEFAULT_HISTORY_LIMIT,
                content_type: ContentTypeVariant::default(),
                approve_padding: ApprovePadding::default(),
                variant_seed: 0,
            },
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

impl SandboxBuilder {
    /// Adds a shop. The first shop is the default one of the library helpers.
    pub fn shop(mut self, shop: ShopConfig) -> Self {
        self.settings.shops.push(shop);
        self
    }

    /// Adds a site. The first site is the default one of the library helpers.
    pub fn site(mut self, site: SiteConfig) -> Self {
        self.settings.sites.push(site);
        self
    }

    /// How many live cards a member may hold (SaveCard/TradedCard beyond → `E01230009`).
    pub fn max_cards_per_member(mut self, max: usize) -> Self {
        self.settings.max_cards_per_member = max;
        self
    }

    /// How long the slow test card (`4100000000000803`) keeps the issuer busy.
    pub fn slow_card_delay(mut self, delay: Duration) -> Self {
        self.settings.slow_card_delay = delay;
        self
    }

    /// How long a token stays usable.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.settings.token_ttl = ttl;
        self
    }

    /// How token strings look.
    pub fn token_style(mut self, style: TokenStyle) -> Self {
        self.settings.token_style = style;
        self
    }

    /// The clock used for token expiry, `TranDate` and `ProcessDate`.
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.settings.clock = Arc::new(clock);
        self
    }

    /// Calls `listener` after every state change, outside the sandbox's lock.
    pub fn on_state_change(
        mut self,
        listener: impl Fn(&StateChange) + Send + Sync + 'static,
    ) -> Self {
        self.settings.listeners.push(Arc::new(listener));
        self
    }

    /// Where result notifications go for shops without a URL of their own (default: nowhere,
    /// no notification). See [the crate documentation](crate#result-notifications).
    pub fn notify_url(mut self, url: impl Into<String>) -> Self {
        self.settings.notify_url = Some(url.into());
        self
    }

    /// How many times a refused notification is sent again, and the wait between attempts
    /// (default [`DEFAULT_NOTIFICATION_RETRIES`] × [`DEFAULT_NOTIFICATION_INTERVAL`]; GMO's own
    /// schedule is about 5 × [`GMO_NOTIFICATION_INTERVAL`](crate::GMO_NOTIFICATION_INTERVAL)).
    pub fn notification_retries(mut self, retries: u32, interval: Duration) -> Self {
        self.settings.notify_retries = retries;
        self.settings.notify_interval = interval;
        self
    }

    /// How long a notification attempt may take (default [`DEFAULT_NOTIFICATION_TIMEOUT`]).
    pub fn notification_timeout(mut self, timeout: Duration) -> Self {
        self.settings.notify_timeout = timeout;
        self
    }

    /// A delay added to every API call, before it is handled (default none).
    pub fn latency(mut self, latency: Duration) -> Self {
        self.settings.latency = latency;
        self
    }

    /// Arms a fault from the start (see [`Fault`]).
    pub fn fault(mut self, fault: Fault) -> Self {
        self.settings.faults.push(fault);
        self
    }

    /// How many state changes, notification deliveries and fired faults are kept for
    /// inspection (default
    /// [`DEFAULT_HISTORY_LIMIT`]; `0` keeps none). Memory then grows only with the
    /// transactions, members and tokens held.
    pub fn history_limit(mut self, limit: usize) -> Self {
        self.settings.history_limit = limit;
        self
    }

    /// The `Content-Type` of the protocol APIs' answers (default
    /// [`ContentTypeVariant::Windows31J`]).
    pub fn content_type_variant(mut self, variant: ContentTypeVariant) -> Self {
        self.settings.content_type = variant;
        self
    }

    /// How approval numbers look (default [`ApprovePadding::Never`]).
    pub fn approve_padding(mut self, padding: ApprovePadding) -> Self {
        self.settings.approve_padding = padding;
        self
    }

    /// Seeds the random variants ([`ContentTypeVariant::Random`], [`ApprovePadding::Random`];
    /// default 0). [`Sandbox::reset`](crate::Sandbox::reset) starts their draws again.
    pub fn variant_seed(mut self, seed: u64) -> Self {
        self.settings.variant_seed = seed;
        self
    }

    /// The address to bind (default `127.0.0.1:0`, a free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Fills in the default shop and site.
    pub(crate) fn finished_settings(mut self) -> (Settings, SocketAddr) {
        if self.settings.shops.is_empty() {
            self.settings
                .shops
                .push(ShopConfig::new(DEFAULT_SHOP_ID, DEFAULT_SHOP_PASS));
        }
        if self.settings.sites.is_empty() {
            let shop_id = self.settings.shops[0].id.clone();
            self.settings
                .sites
                .push(SiteConfig::new(DEFAULT_SITE_ID, DEFAULT_SITE_PASS, shop_id));
        }
        (self.settings, self.listen)
    }
}
