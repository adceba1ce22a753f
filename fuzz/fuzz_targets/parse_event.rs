//! The event parser on arbitrary bytes: it must never panic, and whatever
//! it accepts must canonicalise to an entry that parses back to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(event) = custos_core::parse_event(text) {
        let entry = custos_core::canonical::event_entry(&event);
        let again = std::str::from_utf8(&entry).expect("entries are UTF-8");
        let reparsed = custos_core::parse_event(again).expect("an entry is a valid event");
        assert_eq!(custos_core::canonical::event_entry(&reparsed), entry);
    }
});
