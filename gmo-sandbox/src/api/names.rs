//! The names of the APIs the sandbox serves ([`Api`]): a leaf module, so that the fault plan
//! (`faults.rs`) can name an API without depending on the handlers, which depend on the
//! configuration that holds the faults. The handlers are dispatched in `api/mod.rs`.

macro_rules! apis {
    ($($name:ident,)*) => {
        /// The APIs the sandbox serves.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Api {
            $(
                #[doc = concat!("`/payment/", stringify!($name), ".idPass`")]
                $name,
            )*
        }

        impl Api {
            /// Every API, in declaration order.
            pub const ALL: &'static [Api] = &[$(Api::$name,)*];

            /// The API name, e.g. `EntryTran`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Api::$name => stringify!($name),)*
                }
            }

            /// The API of a path segment such as `EntryTran.idPass` (case-sensitive, as GMO).
            pub fn from_path_segment(segment: &str) -> Option<Api> {
                let name = segment.strip_suffix(".idPass")?;
                Self::ALL.iter().copied().find(|api| api.name() == name)
            }
        }
    };
}

apis! {
    SaveMember,
    UpdateMember,
    DeleteMember,
    SearchMember,
    SaveCard,
    DeleteCard,
    SearchCard,
    SearchCardDetail,
    TradedCard,
    EntryTran,
    ExecTran,
    SecureTran2,
    Tds2Auth,
    Tds2Result,
    AlterTran,
    ChangeTran,
    SearchTrade,
    SearchTradeMulti,
}

impl std::fmt::Display for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
