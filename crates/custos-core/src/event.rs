//! The event of `contract/EVENTS.md` as Rust types.
//!
//! Optional fields are `Option`s rather than defaults so that an event
//! keeps exactly the keys it arrived with: the ledger entry is the
//! event's own canonical JSON, "nothing added or removed".

use crate::ids::EventId;
use crate::taxonomy::Action;
use crate::time::Timestamp;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub id: EventId,
    pub time: Timestamp,
    pub actor: Actor,
    pub action: Action,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub target: Option<Target>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub targets: Option<Vec<String>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub fields: Option<Vec<DataField>>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub purpose: Option<Purpose>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub outcome: Option<Outcome>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub attrs: Option<BTreeMap<String, AttrValue>>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    #[serde(rename = "type")]
    pub kind: ActorType,
    pub id: String,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub role: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub team: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub site: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(rename = "type")]
    pub kind: TargetType,
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Purpose {
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub ticket: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<PurposeCode>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub reason: Option<String>,
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    pub approval: Option<String>,
}

/// Declares a string enum with its wire names, `as_str`, `parse` and
/// serde impls, so that the names live in exactly one place.
macro_rules! wire_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($wire => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                parse_str(d, |s| {
                    $name::parse(s).ok_or_else(|| {
                        format!(
                            "unknown value `{}`, expected one of {}",
                            s,
                            $name::NAMES.join(", ")
                        )
                    })
                })
            }
        }
    };
}

wire_enum!(ActorType {
    Employee = "employee",
    Customer = "customer",
    Seller = "seller",
    System = "system",
});

wire_enum!(TargetType {
    Customer = "customer",
    Seller = "seller",
    Review = "review",
    Order = "order",
    Ticket = "ticket",
    Employee = "employee",
    Product = "product",
});

wire_enum!(
    /// A category of customer data.
    DataField {
        Name = "name",
        Email = "email",
        Phone = "phone",
        Address = "address",
        Payment = "payment",
        Orders = "orders",
        Reviews = "reviews",
        Account = "account",
    }
);

wire_enum!(PurposeCode {
    CustomerRequest = "customer_request",
    SellerRequest = "seller_request",
    FraudInvestigation = "fraud_investigation",
    Legal = "legal",
    QualityReview = "quality_review",
    BreakGlass = "break_glass",
});

wire_enum!(Outcome {
    Allowed = "allowed",
    Denied = "denied",
    Failed = "failed",
});

wire_enum!(
    /// `attrs.reason` of `review.delete`.
    DeleteReason {
        Spam = "spam",
        Abuse = "abuse",
        OffTopic = "off_topic",
        SellerRequest = "seller_request",
        Other = "other",
    }
);

wire_enum!(
    /// `attrs.reason` of `account.suspend` and `account.ban`.
    BanReason {
        Fraud = "fraud",
        ReviewManipulation = "review_manipulation",
        Counterfeit = "counterfeit",
        Policy = "policy",
        Other = "other",
    }
);

wire_enum!(
    /// `attrs.kind` of `ticket.open`.
    TicketKind {
        OrderIssue = "order_issue",
        Account = "account",
        ReviewDispute = "review_dispute",
        Appeal = "appeal",
        FraudReport = "fraud_report",
        Other = "other",
    }
);

wire_enum!(
    /// `attrs.reason` of `employee.leave`.
    LeaveReason {
        Resigned = "resigned",
        Terminated = "terminated",
        Transferred = "transferred",
    }
);

/// The value of one `attrs` entry: JSON string, number or bool.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue {
    Str(String),
    /// A number, held as the IEEE double that RFC 8785 canonicalises.
    Num(f64),
    Bool(bool),
}

/// Integers beyond this magnitude lose digits as IEEE doubles, which is
/// how RFC 8785 treats every JSON number; such values are refused so an
/// entry never silently differs from what the source sent.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

impl AttrValue {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            AttrValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            AttrValue::Num(n) => Some(*n),
            _ => None,
        }
    }
}

impl Serialize for AttrValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            AttrValue::Str(v) => s.serialize_str(v),
            AttrValue::Bool(v) => s.serialize_bool(*v),
            AttrValue::Num(v) if v.fract() == 0.0 && v.abs() <= MAX_SAFE_INTEGER as f64 => {
                s.serialize_i64(*v as i64)
            }
            AttrValue::Num(v) => s.serialize_f64(*v),
        }
    }
}

impl<'de> Deserialize<'de> for AttrValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AttrValue;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number or bool")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttrValue, E> {
                Ok(AttrValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttrValue, E> {
                if v.unsigned_abs() > MAX_SAFE_INTEGER {
                    return Err(E::custom(NUMBER_TOO_LARGE));
                }
                Ok(AttrValue::Num(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttrValue, E> {
                if v > MAX_SAFE_INTEGER {
                    return Err(E::custom(NUMBER_TOO_LARGE));
                }
                Ok(AttrValue::Num(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AttrValue, E> {
                Ok(AttrValue::Num(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AttrValue, E> {
                Ok(AttrValue::Str(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<AttrValue, E> {
                Ok(AttrValue::Str(v))
            }
        }
        d.deserialize_any(V)
    }
}

pub(crate) const NUMBER_TOO_LARGE: &str =
    "integer beyond 2^53 cannot be kept exactly; send it as a string";

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_str(d, |s| {
            Timestamp::parse_rfc3339(s).ok_or_else(|| {
                format!("`{s}` is not an RFC 3339 timestamp such as 2026-05-03T09:12:44.120Z")
            })
        })
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(EventId(String::deserialize(d)?))
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        parse_str(d, |s| {
            Action::parse(s).ok_or_else(|| {
                format!("unknown action `{s}`; use one of the taxonomy or a custom action starting with `x.`")
            })
        })
    }
}

/// Deserialises a string with `parse`, reading it where it lies: serde's
/// `Cow<str>` would copy every action, type and time into a new `String`.
fn parse_str<'de, D, T>(d: D, parse: impl FnOnce(&str) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<F>(F);
    impl<'de, T, F: FnOnce(&str) -> Result<T, String>> Visitor<'de> for V<F> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<T, E> {
            (self.0)(s).map_err(E::custom)
        }
    }
    d.deserialize_str(V(parse))
}

/// An optional field that, when present, must not be `null`: dropping a
/// `null` would make the ledger entry differ from the event as sent.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

impl Event {
    pub fn attr(&self, key: &str) -> Option<&AttrValue> {
        self.attrs.as_ref()?.get(key)
    }

    pub fn attr_str(&self, key: &str) -> Option<&str> {
        self.attr(key)?.as_str()
    }

    pub fn attr_f64(&self, key: &str) -> Option<f64> {
        self.attr(key)?.as_f64()
    }

    /// The outcome, `allowed` when absent.
    pub fn outcome(&self) -> Outcome {
        self.outcome.unwrap_or(Outcome::Allowed)
    }

    pub fn target_id(&self, kind: TargetType) -> Option<&str> {
        self.target
            .as_ref()
            .filter(|t| t.kind == kind)
            .map(|t| t.id.as_str())
    }

    /// The employee who acted, if an employee did.
    pub fn employee(&self) -> Option<&str> {
        (self.actor.kind == ActorType::Employee).then_some(self.actor.id.as_str())
    }

    /// Customers whose data this event disclosed to its actor: the target
    /// of a `customer.view`, the `targets` of a search or export, the
    /// `attrs.customer` of an `order.view`. Denied or failed attempts
    /// disclosed nothing.
    pub fn disclosed_customers(&self) -> Vec<&str> {
        if !self.action.discloses_customer_data() || self.outcome() != Outcome::Allowed {
            return Vec::new();
        }
        match self.action {
            Action::CustomerView => self.target_id(TargetType::Customer).into_iter().collect(),
            Action::CustomerSearch | Action::CustomerExport => {
                self.targets.iter().flatten().map(String::as_str).collect()
            }
            Action::OrderView => self.attr_str("customer").into_iter().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of<T: for<'de> Deserialize<'de> + fmt::Debug>(json: &str) -> String {
        serde_json::from_str::<T>(json).unwrap_err().to_string()
    }

    #[test]
    fn strings_parse_in_place_with_the_same_errors() {
        let escaped: ActorType = serde_json::from_str(r#""employe\u0065""#).unwrap();
        assert_eq!(escaped, ActorType::Employee);
        let value = serde_json::json!("2026-05-03T11:12:44.120+02:00");
        assert_eq!(
            Timestamp::deserialize(&value).unwrap().to_rfc3339(),
            "2026-05-03T09:12:44.120Z"
        );
        assert_eq!(
            Action::deserialize(&serde_json::json!("x.custom")).unwrap(),
            Action::parse("x.custom").unwrap()
        );
        assert!(error_of::<ActorType>(r#""robot""#).starts_with(
            "unknown value `robot`, expected one of employee, customer, seller, system"
        ));
        assert!(error_of::<Action>(r#""customer.steal""#)
            .starts_with("unknown action `customer.steal`; use one of the taxonomy"));
        assert!(error_of::<Timestamp>(r#""yesterday""#)
            .starts_with("`yesterday` is not an RFC 3339 timestamp"));
        assert!(
            error_of::<Timestamp>("7").starts_with("invalid type: integer `7`, expected a string")
        );
        assert!(error_of::<DataField>("null").starts_with("invalid type: null, expected a string"));
    }
}
