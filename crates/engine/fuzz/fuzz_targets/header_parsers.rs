//! Fuzzes the header-level parsers with raw bytes: values, lists, MIME types, ranges, origins
//! and the CORS-unsafe name computation. None may panic, and splitting stays consistent.

#![no_main]

use corslab_engine::header::{Header, HeaderList, HeaderName, HeaderValue, get_decode_split_value};
use corslab_engine::origin::Origin;
use corslab_engine::{preflight, safelist};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text: String = data.iter().map(|&b| char::from(b)).collect();
    let parts = get_decode_split_value(&text);
    // Splitting never loses a comma outside quotes: there is one more part than such commas,
    // and every part is trimmed.
    assert!(!parts.is_empty());
    assert!(parts.iter().all(|p| !p.starts_with([' ', '\t']) && !p.ends_with([' ', '\t'])));
    let _ = safelist::mime_essence(&text);
    let _ = safelist::parse_single_range(data);
    let _ = Origin::parse(&text);
    if let Ok(value) = HeaderValue::from_bytes(data) {
        let mut list = HeaderList::new();
        for name in ["Access-Control-Allow-Methods", "Access-Control-Allow-Headers", "Content-Type", "Range", "Accept-Language", "X-Test"] {
            list.append(Header { name: HeaderName::new(name).expect("a valid name"), value: value.clone() });
        }
        let _ = preflight::parse_list(&list.get_bytes("Access-Control-Allow-Methods"));
        let unsafe_names = safelist::cors_unsafe_request_header_names(&list);
        assert!(unsafe_names.names.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
    }
});
