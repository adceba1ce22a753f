//! RFC 8785 (JSON Canonicalization Scheme) bytes.
//!
//! The ledger entry of an event is its canonical JSON: object keys sorted
//! by their UTF-16 code units, no whitespace, strings with the minimal
//! escaping of ECMAScript's `JSON.stringify`, numbers in ECMAScript's
//! shortest round-trip form. `Event` is written directly (its keys are
//! known) rather than through a `serde_json::Value`, which keeps the
//! ingest hot path free of intermediate allocations.

use crate::event::{AttrValue, Event};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Compares two keys as RFC 8785 orders them: by UTF-16 code units.
pub fn cmp_utf16(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Appends a JSON string with RFC 8785 escaping.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Ids, names and keys almost never hold a byte to escape: one scan,
    // then a single copy, instead of deciding byte by byte.
    if bytes.iter().any(|&b| needs_escape(b)) {
        write_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// The bytes RFC 8785 escapes in a string: `"`, `\` and the controls.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => {
                out.extend_from_slice(&bytes[start..i]);
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(b >> 4) as usize]);
                out.push(HEX[(b & 0xf) as usize]);
                start = i + 1;
                continue;
            }
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(esc);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Appends a number in ECMAScript's `Number.prototype.toString` form.
pub fn write_num(out: &mut Vec<u8>, n: f64) {
    if n == 0.0 {
        // Negative zero is written as `0`.
        out.push(b'0');
        return;
    }
    let mut buf = ryu_js::Buffer::new();
    out.extend_from_slice(buf.format(n).as_bytes());
}

fn write_attr(out: &mut Vec<u8>, v: &AttrValue) {
    match v {
        AttrValue::Str(s) => write_str(out, s),
        AttrValue::Num(n) => write_num(out, *n),
        AttrValue::Bool(true) => out.extend_from_slice(b"true"),
        AttrValue::Bool(false) => out.extend_from_slice(b"false"),
    }
}

/// Writes `{"k":v,...}` for keys already in canonical order.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push(b':');
        self.out
    }
    fn str(&mut self, k: &str, v: &str) {
        let out = self.key(k);
        write_str(out, v);
    }
    fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }
    fn close(self) {
        self.out.push(b'}');
    }
}

fn write_str_array<'s>(out: &mut Vec<u8>, items: impl Iterator<Item = &'s str>) {
    out.push(b'[');
    for (i, s) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, s);
    }
    out.push(b']');
}

/// Keys of `attrs` in RFC 8785 order. `BTreeMap` orders by UTF-8 bytes,
/// which differs from UTF-16 order only for characters above U+FFFF, so
/// the re-sort is nearly always a no-op.
fn attrs_in_order(attrs: &BTreeMap<String, AttrValue>) -> Vec<(&String, &AttrValue)> {
    let mut v: Vec<_> = attrs.iter().collect();
    if v.iter().any(|(k, _)| !k.is_ascii()) {
        v.sort_by(|a, b| cmp_utf16(a.0, b.0));
    }
    v
}

/// The ledger entry of an event: its RFC 8785 canonical JSON with `time`
/// in the canonical UTC form.
pub fn event_entry(e: &Event) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_event(&mut out, e);
    out
}

/// Appends the ledger entry of an event to `out`.
pub fn write_event(out: &mut Vec<u8>, e: &Event) {
    // Keys in RFC 8785 order: action, actor, attrs, fields, id, outcome,
    // purpose, target, targets, time.
    let mut o = Obj::open(out);
    o.str("action", e.action.as_str());
    {
        let out = o.key("actor");
        let mut a = Obj::open(out);
        a.str("id", &e.actor.id);
        a.opt_str("role", e.actor.role.as_deref());
        a.opt_str("site", e.actor.site.as_deref());
        a.opt_str("team", e.actor.team.as_deref());
        a.str("type", e.actor.kind.as_str());
        a.close();
    }
    if let Some(attrs) = &e.attrs {
        let out = o.key("attrs");
        let mut a = Obj::open(out);
        for (k, v) in attrs_in_order(attrs) {
            let out = a.key(k);
            write_attr(out, v);
        }
        a.close();
    }
    if let Some(fields) = &e.fields {
        let out = o.key("fields");
        write_str_array(out, fields.iter().map(|f| f.as_str()));
    }
    o.str("id", e.id.as_str());
    if let Some(outcome) = e.outcome {
        o.str("outcome", outcome.as_str());
    }
    if let Some(p) = &e.purpose {
        let out = o.key("purpose");
        let mut a = Obj::open(out);
        a.opt_str("approval", p.approval.as_deref());
        a.opt_str("code", p.code.map(|c| c.as_str()));
        a.opt_str("reason", p.reason.as_deref());
        a.opt_str("ticket", p.ticket.as_deref());
        a.close();
    }
    if let Some(t) = &e.target {
        let out = o.key("target");
        let mut a = Obj::open(out);
        a.str("id", &t.id);
        a.str("type", t.kind.as_str());
        a.close();
    }
    if let Some(targets) = &e.targets {
        let out = o.key("targets");
        write_str_array(out, targets.iter().map(String::as_str));
    }
    {
        let out = o.key("time");
        out.push(b'"');
        e.time.write_rfc3339(out);
        out.push(b'"');
    }
    o.close();
}

/// RFC 8785 canonical bytes of any JSON value.
pub fn value_bytes(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_value(&mut out, v);
    out
}

fn write_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_num(out, n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| cmp_utf16(a.0, b.0));
            out.push(b'{');
            for (i, (k, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::parse_event;

    fn jcs(s: &str) -> String {
        let v: Value = serde_json::from_str(s).unwrap();
        String::from_utf8(value_bytes(&v)).unwrap()
    }

    // Known answers from RFC 8785 section 3.2.2 and appendix B.
    #[test]
    fn rfc8785_numbers() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (1e21, "1e+21"),
            (1e-7, "1e-7"),
            (333333333.3333333, "333333333.3333333"),
            (9007199254740991.0, "9007199254740991"),
            (1e23, "1e+23"),
            (5e-324, "5e-324"),
            (4.5, "4.5"),
            (0.002, "0.002"),
            (-1.5e-9, "-1.5e-9"),
        ];
        for (n, want) in cases {
            let mut out = Vec::new();
            write_num(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{n}");
        }
    }

    #[test]
    fn rfc8785_sorting_and_escaping() {
        // RFC 8785 section 3.2.3: sorting by UTF-16 code units.
        let input = r#"{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}"#;
        let out = jcs(input);
        let order = [
            "\\r",
            "1",
            "\u{80}",
            "\u{f6}",
            "\u{20ac}",
            "\u{1f600}",
            "\u{fb33}",
        ];
        let mut pos = 0;
        for k in order {
            let at = out[pos..].find(&format!("\"{k}\":")).map(|p| p + pos);
            assert!(at.is_some(), "key {k:?} out of order in {out}");
            pos = at.unwrap_or(pos);
        }
        assert_eq!(
            jcs(r#"{"a":"\u001f\u007f\"\\/\b\f"}"#),
            "{\"a\":\"\\u001f\u{7f}\\\"\\\\/\\b\\f\"}"
        );
    }

    #[test]
    fn strings_escape_as_json_stringify() {
        // serde_json escapes exactly as ECMAScript's JSON.stringify does
        // (the short forms, other controls as lowercase `\u00xx`).
        let mut texts: Vec<String> = (0u32..0x800)
            .chain([0xfffd, 0x1f600])
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        texts.extend([
            "".to_owned(),
            "\"\\\n\u{1}".to_owned(),
            "plain-id-123".to_owned(),
        ]);
        for t in texts {
            let mut out = Vec::new();
            write_str(&mut out, &t);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&t).unwrap()
            );
        }
    }

    #[test]
    fn event_entry_equals_generic_jcs_of_the_normalised_event() {
        let line = r#"{"id":"cs-7f3a-000912","time":"2026-05-03T11:12:44.120+02:00","actor":{"type":"employee","id":"emp-1042","role":"cs-agent","team":"cs-szx-2","site":"SZX"},"action":"customer.view","target":{"type":"customer","id":"cus-88123"},"fields":["name","email","address"],"purpose":{"ticket":"tkt-5512","code":"customer_request"},"attrs":{"tool":"cs-console","ip":"10.20.1.7","n":1.50,"é":true,"\ud83d\ude00":1,"\uffff":2}}"#;
        let e = parse_event(line).unwrap();
        let entry = event_entry(&e);
        let mut v: Value = serde_json::from_str(line).unwrap();
        v["time"] = Value::String("2026-05-03T09:12:44.120Z".into());
        assert_eq!(
            String::from_utf8(entry.clone()).unwrap(),
            String::from_utf8(value_bytes(&v)).unwrap()
        );
        // The entry is itself a valid event that canonicalises to itself.
        let again = parse_event(std::str::from_utf8(&entry).unwrap()).unwrap();
        assert_eq!(event_entry(&again), entry);
    }
}
