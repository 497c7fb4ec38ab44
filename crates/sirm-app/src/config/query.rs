//! `[queries]` in `sirm.toml` and the words it is written in: the queryable
//! items, the channels and the requesters' capacities (Art 14: 界定可供查询的内容).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// A queryable item (Art 2's record kinds as the person sees them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// Registration details (参保登记信息).
    Registration,
    /// Employment history (就业记录).
    Employment,
    /// Contributions per month and insurance type, contribution years, subsidies.
    Contributions,
    /// Personal account year by year (个人账户).
    Account,
    /// Benefit eligibility and payments (待遇).
    Benefit,
}

impl Item {
    pub const ALL: [Item; 5] = [
        Item::Registration,
        Item::Employment,
        Item::Contributions,
        Item::Account,
        Item::Benefit,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Item::Registration => "registration",
            Item::Employment => "employment",
            Item::Contributions => "contributions",
            Item::Account => "account",
            Item::Benefit => "benefit",
        }
    }
    pub fn parse(s: &str) -> Option<Item> {
        Item::ALL.into_iter().find(|i| i.as_str() == s.trim())
    }
}

/// Where a query comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The web portal (网上查询), on a computer or a phone.
    Portal,
    /// The self-service terminal (自助终端).
    Kiosk,
    /// The counter (柜台), served by a query officer.
    Counter,
    /// The telephone channel (电话查询).
    Telephone,
    /// The employer's web portal.
    Employer,
    /// Another organ's request under law (Art 17–18), by API or letter.
    Organ,
    /// Another unit's officer reading under a disclosure grant (Art 19–20).
    Unit,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Portal => "portal",
            Channel::Kiosk => "kiosk",
            Channel::Counter => "counter",
            Channel::Telephone => "telephone",
            Channel::Employer => "employer",
            Channel::Organ => "organ",
            Channel::Unit => "unit",
        }
    }
}

/// In which capacity the requester asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    /// The insured person (本人).
    #[serde(rename = "self")]
    Person,
    /// A delegate with a written authorization on file (委托人).
    Delegate,
    /// The person's employer, for months employed there (用人单位).
    Employer,
    /// Agency staff doing their work (经办人员).
    Staff,
    /// Anyone else with a legal basis: a third-party query (Art 21).
    ThirdParty,
}

impl Requester {
    pub fn as_str(self) -> &'static str {
        match self {
            Requester::Person => "self",
            Requester::Delegate => "delegate",
            Requester::Employer => "employer",
            Requester::Staff => "staff",
            Requester::ThirdParty => "third_party",
        }
    }
}

/// `[queries]` in `sirm.toml`: per channel, per requester, the items it may
/// see. A channel or requester not listed uses the defaults of
/// [`QueryConfig::default_items`] (docs/queries.md); listing one replaces
/// its default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct QueryConfig(pub BTreeMap<Channel, BTreeMap<Requester, BTreeSet<Item>>>);

impl QueryConfig {
    /// The built-in defaults (documented in docs/queries.md; a test keeps
    /// the two equal).
    pub fn default_items(channel: Channel, requester: Requester) -> BTreeSet<Item> {
        use Item::*;
        let all = Item::ALL.to_vec();
        let items: Vec<Item> = match (channel, requester) {
            (Channel::Portal | Channel::Kiosk | Channel::Counter, Requester::Person) => all,
            (Channel::Portal | Channel::Counter, Requester::Delegate) => all,
            (Channel::Telephone, Requester::Person) => vec![Contributions, Account, Benefit],
            (Channel::Employer, Requester::Employer) => vec![Registration, Contributions],
            (Channel::Counter, Requester::Staff) => all,
            // Narrowed per kind of organ by its prescribed scope ([disclosure]).
            (Channel::Organ, Requester::ThirdParty) => all,
            // A grant names its items; the channel allows any of them.
            (Channel::Unit, Requester::ThirdParty) => all,
            _ => vec![],
        };
        items.into_iter().collect()
    }

    /// The items `requester` may see through `channel`.
    pub fn allowed(&self, channel: Channel, requester: Requester) -> BTreeSet<Item> {
        self.0
            .get(&channel)
            .and_then(|m| m.get(&requester))
            .cloned()
            .unwrap_or_else(|| Self::default_items(channel, requester))
    }
}
