//! Validation of incoming events.
//!
//! The fast path deserialises straight into [`Event`]; when that fails,
//! the input is walked again as a `serde_json::Value` to name the exact
//! field and reason, so a bad line costs more but a good one costs only
//! one parse. Both paths end in [`check`], the rules serde cannot express.

use crate::canonical;
use crate::event::{
    ActorType, BanReason, DataField, DeleteReason, Event, LeaveReason, Outcome, PurposeCode,
    TargetType, TicketKind, MAX_SAFE_INTEGER, NUMBER_TOO_LARGE,
};
use crate::taxonomy::{Action, TargetRule};
use crate::MAX_ENTRY_BYTES;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::fmt;

/// Why an event was refused: the field (a dotted path such as
/// `actor.type` or `targets[3]`, or `-` for the whole line) and the
/// reason, phrased so that it says what to fix.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct Rejection {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field == "-" {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "field `{}`: {}", self.field, self.reason)
        }
    }
}

fn reject(field: impl Into<String>, reason: impl Into<String>) -> Rejection {
    Rejection {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Identifiers (event, actor, target and bulk target ids) are 1..=128 bytes.
pub const MAX_ID_BYTES: usize = 128;

/// Parses and validates one JSON line.
pub fn parse_event(line: &str) -> Result<Event, Rejection> {
    match serde_json::from_str::<Event>(line) {
        Ok(e) => {
            check(&e)?;
            Ok(e)
        }
        Err(err) => Err(explain(line, err)),
    }
}

/// Validates one event given as a JSON value (an element of an array).
pub fn parse_event_value(v: &Value) -> Result<Event, Rejection> {
    match Event::deserialize(v) {
        Ok(e) => {
            check(&e)?;
            Ok(e)
        }
        Err(err) => Err(diagnose(v).unwrap_or_else(|| reject("-", err.to_string()))),
    }
}

/// The ledger entry of a valid event, refused when it exceeds what an
/// entry bundle can hold.
pub fn entry_of(e: &Event) -> Result<Vec<u8>, Rejection> {
    let entry = canonical::event_entry(e);
    if entry.len() > MAX_ENTRY_BYTES {
        return Err(reject(
            "-",
            format!(
                "the event is {} bytes as a ledger entry, above the limit of {MAX_ENTRY_BYTES}; split a bulk action into several events that share `attrs.batch`",
                entry.len()
            ),
        ));
    }
    Ok(entry)
}

fn explain(line: &str, err: serde_json::Error) -> Rejection {
    match serde_json::from_str::<Value>(line) {
        Err(syntax) => reject("-", format!("not valid JSON: {syntax}")),
        Ok(v) => diagnose(&v).unwrap_or_else(|| reject("-", err.to_string())),
    }
}

const TOP_KEYS: &[&str] = &[
    "id", "time", "actor", "action", "target", "targets", "fields", "purpose", "outcome", "attrs",
];
const ACTOR_KEYS: &[&str] = &["type", "id", "role", "team", "site"];
const TARGET_KEYS: &[&str] = &["type", "id"];
const PURPOSE_KEYS: &[&str] = &["ticket", "code", "reason", "approval"];

/// Finds the first structural problem of a value that failed to
/// deserialise as an [`Event`].
fn diagnose(v: &Value) -> Option<Rejection> {
    let Some(obj) = v.as_object() else {
        return Some(reject("-", "an event must be a JSON object"));
    };
    if let Some(r) = object_keys(obj, "", TOP_KEYS, &["id", "time", "actor", "action"]) {
        return Some(r);
    }
    for (k, val) in obj {
        let r = match k.as_str() {
            "id" => string(val, "id").err(),
            "time" => string(val, "time").err().or_else(|| {
                let s = val.as_str().unwrap_or_default();
                crate::Timestamp::parse_rfc3339(s).is_none().then(|| {
                    reject("time", format!("`{s}` is not an RFC 3339 timestamp such as 2026-05-03T09:12:44.120Z"))
                })
            }),
            "actor" => actor(val).err(),
            "action" => string(val, "action").err().or_else(|| {
                let s = val.as_str().unwrap_or_default();
                Action::parse(s).is_none().then(|| {
                    reject("action", format!("unknown action `{s}`; use one of the taxonomy or a custom action starting with `x.`"))
                })
            }),
            "target" => target(val).err(),
            "targets" => string_array(val, "targets", |_| None).err(),
            "fields" => string_array(val, "fields", |s| {
                DataField::parse(s).is_none().then(|| one_of(s, DataField::NAMES))
            })
            .err(),
            "purpose" => purpose(val).err(),
            "outcome" => enum_value(val, "outcome", Outcome::NAMES).err(),
            "attrs" => attrs(val).err(),
            _ => None,
        };
        if r.is_some() {
            return r;
        }
    }
    None
}

fn object_keys(
    obj: &Map<String, Value>,
    prefix: &str,
    allowed: &[&str],
    required: &[&str],
) -> Option<Rejection> {
    for k in obj.keys() {
        if !allowed.contains(&k.as_str()) {
            return Some(reject(
                format!("{prefix}{k}"),
                format!("unknown field; expected one of {}", allowed.join(", ")),
            ));
        }
    }
    for k in required {
        if !obj.contains_key(*k) {
            return Some(reject(format!("{prefix}{k}"), "missing required field"));
        }
    }
    None
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(field: &str, want: &str, v: &Value) -> Rejection {
    if v.is_null() {
        return reject(field, "must not be null; omit the field instead");
    }
    reject(field, format!("expected {want}, got {}", type_name(v)))
}

fn string<'v>(v: &'v Value, field: &str) -> Result<&'v str, Rejection> {
    v.as_str().ok_or_else(|| wrong_type(field, "a string", v))
}

fn one_of(got: &str, names: &[&str]) -> String {
    format!(
        "unknown value `{got}`, expected one of {}",
        names.join(", ")
    )
}

fn enum_value(v: &Value, field: &str, names: &[&str]) -> Result<(), Rejection> {
    let s = string(v, field)?;
    if names.contains(&s) {
        Ok(())
    } else {
        Err(reject(field, one_of(s, names)))
    }
}

fn string_array(
    v: &Value,
    field: &str,
    item_problem: impl Fn(&str) -> Option<String>,
) -> Result<(), Rejection> {
    let items = v
        .as_array()
        .ok_or_else(|| wrong_type(field, "an array of strings", v))?;
    for (i, item) in items.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let s = string(item, &f)?;
        if let Some(p) = item_problem(s) {
            return Err(reject(f, p));
        }
    }
    Ok(())
}

fn object<'v>(v: &'v Value, field: &str) -> Result<&'v Map<String, Value>, Rejection> {
    v.as_object()
        .ok_or_else(|| wrong_type(field, "an object", v))
}

fn actor(v: &Value) -> Result<(), Rejection> {
    let obj = object(v, "actor")?;
    if let Some(r) = object_keys(obj, "actor.", ACTOR_KEYS, &["type", "id"]) {
        return Err(r);
    }
    for (k, val) in obj {
        let f = format!("actor.{k}");
        if k == "type" {
            enum_value(val, &f, ActorType::NAMES)?;
        } else {
            string(val, &f)?;
        }
    }
    Ok(())
}

fn target(v: &Value) -> Result<(), Rejection> {
    let obj = object(v, "target")?;
    if let Some(r) = object_keys(obj, "target.", TARGET_KEYS, &["type", "id"]) {
        return Err(r);
    }
    enum_value(&obj["type"], "target.type", TargetType::NAMES)?;
    string(&obj["id"], "target.id")?;
    Ok(())
}

fn purpose(v: &Value) -> Result<(), Rejection> {
    let obj = object(v, "purpose")?;
    if let Some(r) = object_keys(obj, "purpose.", PURPOSE_KEYS, &[]) {
        return Err(r);
    }
    for (k, val) in obj {
        let f = format!("purpose.{k}");
        if k == "code" {
            enum_value(val, &f, PurposeCode::NAMES)?;
        } else {
            string(val, &f)?;
        }
    }
    Ok(())
}

fn attrs(v: &Value) -> Result<(), Rejection> {
    let obj = object(v, "attrs")?;
    for (k, val) in obj {
        let f = format!("attrs.{k}");
        match val {
            Value::String(_) | Value::Bool(_) => {}
            Value::Number(n) => {
                let too_large = match (n.as_i64(), n.as_u64()) {
                    (Some(i), _) => i.unsigned_abs() > MAX_SAFE_INTEGER,
                    (None, Some(u)) => u > MAX_SAFE_INTEGER,
                    _ => false,
                };
                if too_large {
                    return Err(reject(f, NUMBER_TOO_LARGE));
                }
            }
            other => return Err(wrong_type(&f, "a string, number or bool", other)),
        }
    }
    Ok(())
}

fn check_id(field: &str, id: &str) -> Result<(), Rejection> {
    match id_problem(id) {
        Some(reason) => Err(reject(field, reason)),
        None => Ok(()),
    }
}

/// Why `id` is not a valid identifier, if it is not. Callers with a
/// computed field name build it only then, not for every valid event.
fn id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("must not be empty".to_owned());
    }
    if id.len() > MAX_ID_BYTES {
        return Some(format!(
            "is {} bytes, longer than the limit of {MAX_ID_BYTES}",
            id.len()
        ));
    }
    None
}

fn names<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The rules of the contract that serde's types do not express: id
/// lengths, who may do what to what, and the attributes each action needs.
pub fn check(e: &Event) -> Result<(), Rejection> {
    check_id("id", e.id.as_str())?;
    check_id("actor.id", &e.actor.id)?;
    if let Some(allowed) = e.action.allowed_actors() {
        if !allowed.contains(&e.actor.kind) {
            return Err(reject(
                "actor.type",
                format!(
                    "`{}` must be done by an actor of type {}, not `{}`",
                    e.action,
                    names(allowed),
                    e.actor.kind
                ),
            ));
        }
    }
    if let Some(t) = &e.target {
        check_id("target.id", &t.id)?;
    }
    match (e.action.target_rule(), &e.target) {
        (TargetRule::Required(kinds), None) => {
            return Err(reject(
                "target",
                format!("`{}` needs a target of type {}", e.action, names(kinds)),
            ))
        }
        (TargetRule::Required(kinds), Some(t)) if !kinds.contains(&t.kind) => {
            return Err(reject(
                "target.type",
                format!(
                    "`{}` needs a target of type {}, not `{}`",
                    e.action,
                    names(kinds),
                    t.kind
                ),
            ))
        }
        _ => {}
    }
    if let Some(targets) = &e.targets {
        if !e.action.is_bulk() && !matches!(e.action, Action::Custom(_)) {
            return Err(reject(
                "targets",
                format!(
                    "only bulk actions (customer.search, customer.export) list `targets`, not `{}`",
                    e.action
                ),
            ));
        }
        for (i, t) in targets.iter().enumerate() {
            if let Some(reason) = id_problem(t) {
                return Err(reject(format!("targets[{i}]"), reason));
            }
        }
    }
    check_action_attrs(e)
}

fn attr_enum(e: &Event, key: &str, names: &[&str], required: bool) -> Result<(), Rejection> {
    let field = || format!("attrs.{key}");
    match e.attr(key) {
        None if required => Err(reject(
            field(),
            format!(
                "`{}` needs this attribute; one of {}",
                e.action,
                names.join(", ")
            ),
        )),
        None => Ok(()),
        Some(v) => match v.as_str() {
            Some(s) if names.contains(&s) => Ok(()),
            Some(s) => Err(reject(field(), one_of(s, names))),
            None => Err(reject(field(), "expected a string")),
        },
    }
}

fn attr_id(e: &Event, key: &str, required: bool) -> Result<(), Rejection> {
    let field = || format!("attrs.{key}");
    match e.attr(key) {
        None if required => Err(reject(
            field(),
            format!("`{}` needs this attribute", e.action),
        )),
        None => Ok(()),
        Some(v) => match v.as_str() {
            Some(s) => match id_problem(s) {
                Some(reason) => Err(reject(field(), reason)),
                None => Ok(()),
            },
            None => Err(reject(field(), "expected a string id")),
        },
    }
}

fn check_action_attrs(e: &Event) -> Result<(), Rejection> {
    match e.action {
        Action::ReviewCreate => {
            attr_id(e, "seller", true)?;
            match e.attr("rating") {
                None => Err(reject(
                    "attrs.rating",
                    "`review.create` needs a rating from 1 to 5",
                )),
                Some(v) => match v.as_f64() {
                    Some(r) if (1.0..=5.0).contains(&r) && r.fract() == 0.0 => Ok(()),
                    _ => Err(reject("attrs.rating", "expected an integer from 1 to 5")),
                },
            }?;
            attr_id(e, "product", false)
        }
        Action::OrderCreate => {
            attr_id(e, "seller", true)?;
            attr_id(e, "product", false)
        }
        Action::OrderView => {
            attr_id(e, "customer", false)?;
            attr_id(e, "seller", false)
        }
        Action::TicketOpen => {
            attr_enum(e, "kind", TicketKind::NAMES, true)?;
            attr_id(e, "customer", false)?;
            attr_id(e, "seller", false)
        }
        Action::ReviewDelete => attr_enum(e, "reason", DeleteReason::NAMES, false),
        Action::AccountSuspend | Action::AccountBan => {
            attr_enum(e, "reason", BanReason::NAMES, false)
        }
        Action::AccountReactivate => attr_id(e, "appeal", false),
        Action::EmployeeLeave => attr_enum(e, "reason", LeaveReason::NAMES, false),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"cs-1","time":"2026-05-03T09:12:44.120Z","actor":{"type":"employee","id":"emp-1042","role":"cs-agent"},"action":"customer.view","target":{"type":"customer","id":"cus-88123"},"fields":["name","email"],"purpose":{"ticket":"tkt-5512","code":"customer_request"},"attrs":{"tool":"cs-console"}}"#;

    fn rejected(line: &str) -> String {
        parse_event(line).unwrap_err().to_string()
    }

    fn with(key: &str, value: &str) -> String {
        let mut v: Value = serde_json::from_str(GOOD).unwrap();
        let mut cur = &mut v;
        let parts: Vec<&str> = key.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            cur = &mut cur[*p];
        }
        let last = parts[parts.len() - 1];
        if value == "<remove>" {
            cur.as_object_mut().unwrap().remove(last);
        } else {
            cur[last] = serde_json::from_str(value).unwrap();
        }
        v.to_string()
    }

    #[test]
    fn accepts_the_contract_example() {
        let e = parse_event(GOOD).unwrap();
        assert_eq!(e.action, Action::CustomerView);
        assert_eq!(e.disclosed_customers(), vec!["cus-88123"]);
    }

    #[test]
    fn names_field_and_reason() {
        let cases = [
            ("{not json", "not valid JSON"),
            ("[1,2]", "an event must be a JSON object"),
            (
                &with("id", "<remove>"),
                "field `id`: missing required field",
            ),
            (
                &with("id", "7"),
                "field `id`: expected a string, got a number",
            ),
            (&with("id", "\"\""), "field `id`: must not be empty"),
            (
                &with("time", "\"yesterday\""),
                "field `time`: `yesterday` is not an RFC 3339",
            ),
            (
                &with("actor.type", "\"robot\""),
                "field `actor.type`: unknown value `robot`",
            ),
            (
                &with("actor.name", "\"x\""),
                "field `actor.name`: unknown field",
            ),
            (
                &with("action", "\"customer.steal\""),
                "field `action`: unknown action `customer.steal`",
            ),
            (&with("colour", "1"), "field `colour`: unknown field"),
            (
                &with("fields", "[\"name\",\"dna\"]"),
                "field `fields[1]`: unknown value `dna`",
            ),
            (&with("target", "null"), "field `target`: must not be null"),
            (
                &with("target", "<remove>"),
                "field `target`: `customer.view` needs a target",
            ),
            (
                &with("target.type", "\"seller\""),
                "field `target.type`: `customer.view` needs a target of type customer",
            ),
            (
                &with("attrs.deep", "{}"),
                "field `attrs.deep`: expected a string, number or bool, got an object",
            ),
            (
                &with("attrs.big", "9007199254740993"),
                "field `attrs.big`: integer beyond 2^53",
            ),
            (
                &with("purpose.code", "\"curiosity\""),
                "field `purpose.code`: unknown value `curiosity`",
            ),
            (
                &with("outcome", "\"maybe\""),
                "field `outcome`: unknown value `maybe`",
            ),
            (
                &with("targets", "[\"cus-1\"]"),
                "field `targets`: only bulk actions",
            ),
            (
                &with("actor.type", "\"customer\""),
                "field `actor.type`: `customer.view` must be done by an actor of type employee",
            ),
        ];
        for (line, want) in cases {
            let got = rejected(line);
            assert!(got.contains(want), "for {line}\n got: {got}\nwant: {want}");
        }
    }

    #[test]
    fn action_specific_attributes() {
        let review = r#"{"id":"r1","time":"2026-01-01T00:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"review.create","target":{"type":"review","id":"rev-1"},"attrs":{"seller":"sel-1","rating":RATING}}"#;
        assert!(parse_event(&review.replace("RATING", "4")).is_ok());
        assert!(rejected(&review.replace("RATING", "6")).contains("attrs.rating"));
        assert!(rejected(&review.replace("RATING", "\"4\"")).contains("attrs.rating"));
        let ticket = r#"{"id":"t1","time":"2026-01-01T00:00:00Z","actor":{"type":"customer","id":"cus-1"},"action":"ticket.open","target":{"type":"ticket","id":"tkt-1"},"attrs":{"kind":"KIND"}}"#;
        assert!(parse_event(&ticket.replace("KIND", "order_issue")).is_ok());
        assert!(rejected(&ticket.replace("KIND", "gossip"))
            .contains("field `attrs.kind`: unknown value `gossip`"));
        let long = "s".repeat(MAX_ID_BYTES + 1);
        assert_eq!(
            rejected(&review.replace("RATING", "4").replace("sel-1", &long)),
            "field `attrs.seller`: is 129 bytes, longer than the limit of 128"
        );
        let search = r#"{"id":"s1","time":"2026-01-01T00:00:00Z","actor":{"type":"employee","id":"emp-1"},"action":"customer.search","targets":["cus-1",""]}"#;
        assert_eq!(rejected(search), "field `targets[1]`: must not be empty");
    }

    #[test]
    fn oversize_entries_are_refused() {
        let many: Vec<String> = (0..10_000).map(|i| format!("\"cus-{i:06}\"")).collect();
        let line = format!(
            r#"{{"id":"s1","time":"2026-01-01T00:00:00Z","actor":{{"type":"employee","id":"emp-1"}},"action":"customer.search","targets":[{}]}}"#,
            many.join(",")
        );
        let e = parse_event(&line).unwrap();
        let err = entry_of(&e).unwrap_err();
        assert!(err.reason.contains("attrs.batch"), "{err}");
    }

    #[test]
    fn array_elements_validate_like_lines() {
        let v: Value = serde_json::from_str(&with("actor.type", "\"robot\"")).unwrap();
        assert_eq!(parse_event_value(&v).unwrap_err().field, "actor.type");
        let v: Value = serde_json::from_str(GOOD).unwrap();
        assert_eq!(parse_event_value(&v).unwrap(), parse_event(GOOD).unwrap());
    }
}
