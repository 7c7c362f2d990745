//! Headers as the Fetch Standard models them: byte-sequence names and values in an ordered list.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A header name: a non-empty token, compared case-insensitively.
///
/// <https://fetch.spec.whatwg.org/#header-name>
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HeaderName(String);

/// A header value: bytes without NUL, CR or LF and without leading or trailing tab or space.
///
/// Values arrive as JSON strings; each character stands for one byte (isomorphic encoding),
/// so a character above U+00FF cannot be a header value.
///
/// <https://fetch.spec.whatwg.org/#header-value>
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HeaderValue(Vec<u8>);

/// One header: a name and a value.
///
/// <https://fetch.spec.whatwg.org/#concept-header>
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The name, as sent (case preserved).
    pub name: HeaderName,
    /// The value, normalized.
    pub value: HeaderValue,
}

/// An ordered list of headers; a name may repeat.
///
/// <https://fetch.spec.whatwg.org/#concept-header-list>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderList(Vec<Header>);

/// Why a string is not a header name or value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The name is empty.
    EmptyName,
    /// The name holds a character that is not a token character.
    NameCharacter(char),
    /// The value holds NUL, CR or LF.
    ValueControl(u8),
    /// The value holds a character that does not fit in one byte.
    ValueNotByte(char),
}

impl HeaderName {
    /// Parses a header name: one or more token characters.
    pub fn new(name: &str) -> Result<Self, HeaderError> {
        if name.is_empty() {
            return Err(HeaderError::EmptyName);
        }
        match name.chars().find(|&c| !is_token_char(c)) {
            Some(c) => Err(HeaderError::NameCharacter(c)),
            None => Ok(Self(name.to_owned())),
        }
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The byte-lowercased name, the form names take in `Access-Control-Request-Headers`.
    pub fn to_lowercase(&self) -> String {
        self.0.to_ascii_lowercase()
    }

    /// Whether this is `name`, ignoring ASCII case.
    #[inline(always)]
    pub fn is(&self, name: &str) -> bool {
        // An explanation looks names up a few hundred times and most candidates differ in
        // length, so that test is inlined where names are looked up, and the bytes compared
        // out of line.
        self.0.len() == name.len() && same_ignoring_case(self.0.as_bytes(), name.as_bytes())
    }
}

impl HeaderValue {
    /// Normalizes and checks a header value: strips leading and trailing HTTP whitespace and
    /// refuses NUL, CR, LF and characters above U+00FF.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-header-value-normalize>
    pub fn new(value: &str) -> Result<Self, HeaderError> {
        let mut bytes = Vec::with_capacity(value.len());
        for c in value.chars() {
            let b = u8::try_from(u32::from(c)).map_err(|_| HeaderError::ValueNotByte(c))?;
            if matches!(b, 0x00 | 0x0A | 0x0D) {
                return Err(HeaderError::ValueControl(b));
            }
            bytes.push(b);
        }
        let kept = without_tab_or_space(&bytes);
        bytes.truncate(kept.end);
        bytes.drain(..kept.start);
        Ok(Self(bytes))
    }

    /// `values` joined with `, `, as a header list combines the values of one name; `None` when
    /// there are none.
    pub fn combine<'v>(values: impl IntoIterator<Item = &'v HeaderValue>) -> Option<HeaderValue> {
        let mut values = values.into_iter();
        let mut combined = values.next()?.0.clone();
        for value in values {
            combined.extend_from_slice(b", ");
            combined.extend_from_slice(&value.0);
        }
        Some(HeaderValue(combined))
    }

    /// Builds a value from raw bytes as they came off the wire, normalizing as [`HeaderValue::new`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, HeaderError> {
        Self::new(&isomorphic_decode(bytes))
    }

    /// The value's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, one character per byte (isomorphic decoding).
    pub fn to_text(&self) -> String {
        isomorphic_decode(&self.0)
    }

    /// The number of bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Header {
    /// Parses a name and value.
    pub fn new(name: &str, value: &str) -> Result<Self, HeaderError> {
        Ok(Self { name: HeaderName::new(name)?, value: HeaderValue::new(value)? })
    }
}

impl HeaderList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header at the end.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-header-list-append>
    pub fn append(&mut self, header: Header) {
        self.0.push(header);
    }

    /// The headers in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    /// The number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a header called `name` is present.
    ///
    /// <https://fetch.spec.whatwg.org/#contains>
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|h| h.name.is(name))
    }

    /// Every value of `name`, in order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a HeaderValue> + 'a {
        self.0.iter().filter(move |h| h.name.is(name)).map(|h| &h.value)
    }

    /// The values of `name` combined with `, `, or `None` when absent.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-header-list-get>
    pub fn get(&self, name: &str) -> Option<HeaderValue> {
        HeaderValue::combine(self.values(name))
    }

    /// Like [`HeaderList::get`], borrowing the value when `name` appears once (the common case)
    /// instead of copying it.
    pub fn get_bytes(&self, name: &str) -> Option<Cow<'_, [u8]>> {
        let mut found = None;
        for header in self.0.iter().filter(|h| h.name.is(name)) {
            combine(&mut found, header.value.as_bytes());
        }
        found
    }

    /// Removes every header called `name`.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-header-list-delete>
    pub fn delete(&mut self, name: &str) {
        self.0.retain(|h| !h.name.is(name));
    }
}

/// Splits one decoded header value on commas outside quoted strings, trimming HTTP tab or
/// space around each part. One pass over the input.
///
/// <https://fetch.spec.whatwg.org/#get-decode-and-split>
pub fn get_decode_split_value(input: &str) -> Vec<String> {
    // Without quotes every comma separates values: a plain split gives the same result faster.
    if !input.contains('"') {
        return list_items(input).map(str::to_owned).collect();
    }
    let mut values = Vec::new();
    let mut current = String::new();
    let mut chars = input.chars();
    // Steps 3-5: walk the input; a quoted string is copied whole, a comma ends a value.
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                current.push('"');
                collect_quoted(&mut chars, &mut current);
            }
            ',' => values.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    values.push(current);
    values.into_iter().map(|v| trim_tab_or_space(&v).to_owned()).collect()
}

/// Whether any item of a list header's (combined) value, split as by
/// [`get_decode_split_value`], satisfies `test`; without quotes in the value this looks at the
/// items in place instead of copying them out.
pub fn any_item_in(value: &[u8], test: impl Fn(&str) -> bool) -> bool {
    let text = decode(value);
    if text.contains('"') {
        get_decode_split_value(&text).iter().any(|item| test(item))
    } else {
        list_items(&text).any(test)
    }
}

/// Adds one more value of a header to the values found so far, as the header list's "get"
/// combines them: the first is borrowed, each later one is appended after `, `.
///
/// <https://fetch.spec.whatwg.org/#concept-header-list-get>
pub(crate) fn combine<'a>(found: &mut Option<Cow<'a, [u8]>>, value: &'a [u8]) {
    match found {
        None => *found = Some(Cow::Borrowed(value)),
        Some(earlier) => {
            let combined = earlier.to_mut();
            combined.extend_from_slice(b", ");
            combined.extend_from_slice(value);
        }
    }
}

/// The items of a list header value without quotes: split on every comma, each trimmed of tab
/// and space (empty items included).
pub(crate) fn list_items(value: &str) -> impl Iterator<Item = &str> {
    // Items are a few bytes long, so a byte loop finds each comma sooner than a `split`, whose
    // searcher costs more to set up than these short scans.
    let mut rest = Some(value);
    std::iter::from_fn(move || {
        let current = rest?;
        let (item, after) = match current.bytes().position(|b| b == b',') {
            Some(comma) => (&current[..comma], Some(&current[comma + 1..])),
            None => (current, None),
        };
        rest = after;
        Some(trim_tab_or_space(item))
    })
}

/// Trims HTTP tab or space from both ends of a list item.
pub(crate) fn trim_tab_or_space(item: &str) -> &str {
    &item[without_tab_or_space(item.as_bytes())]
}

/// Where `bytes` starts and ends without HTTP tab or space at either end. Tab and space are
/// single bytes, so the ends are found byte by byte, without decoding characters; the items of
/// every list header of an explanation go through here.
fn without_tab_or_space(bytes: &[u8]) -> std::ops::Range<usize> {
    let is_ws = |b: &u8| matches!(b, b'\t' | b' ');
    let start = bytes.iter().position(|b| !is_ws(b)).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !is_ws(b)).map_or(start, |i| i + 1);
    start..end
}

/// Byte-for-byte equality, ignoring ASCII case.
#[inline(never)]
fn same_ignoring_case(a: &[u8], b: &[u8]) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Decodes bytes to text, one character per byte, borrowing ASCII (the usual case) as it is.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        // ASCII maps to itself, which is the usual case.
        Ok(ascii) if ascii.is_ascii() => Cow::Borrowed(ascii),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Copies the rest of an HTTP quoted string (after its opening quote), escapes included.
///
/// <https://fetch.spec.whatwg.org/#collect-an-http-quoted-string>
fn collect_quoted(chars: &mut std::str::Chars<'_>, out: &mut String) {
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\\' => match chars.next() {
                Some(escaped) => out.push(escaped),
                None => return,
            },
            '"' => return,
            _ => {}
        }
    }
}

/// Whether `c` may appear in a token (RFC 9110 `tchar`).
///
/// <https://fetch.spec.whatwg.org/#header-name>
pub fn is_token_char(c: char) -> bool {
    // A `matches!` compiles to a few comparisons; searching a string of the symbols per
    // character was a measurable share of an explanation.
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '!' | '#' | '$' | '%' | '&' | '\'' | '*' | '+' | '-' | '.' | '^' | '_' | '`' | '|' | '~'
        )
}

/// Whether `s` is a non-empty token.
pub fn is_token(s: &str) -> bool {
    // Token characters are ASCII, so a character above it fails on its first byte as surely as
    // whole: the bytes are tested without decoding characters.
    !s.is_empty() && s.bytes().all(|b| is_token_char(char::from(b)))
}

/// The names of a list header (`Access-Control-Allow-Headers`, `-Expose-Headers`), to match
/// other names against without regard to ASCII case. A long list is sorted once, so a server
/// that answers with a megabyte of names keeps matching linear-logarithmic; the usual short
/// ones are searched as they are.
pub(crate) struct NameSet<'l, 'a> {
    listed: &'l [Cow<'a, str>],
    sorted: Vec<String>,
}

impl<'l, 'a> NameSet<'l, 'a> {
    pub(crate) fn new(listed: &'l [Cow<'a, str>]) -> Self {
        let mut sorted = Vec::new();
        if listed.len() > 16 {
            sorted = listed.iter().map(|name| name.to_ascii_lowercase()).collect();
            sorted.sort_unstable();
        }
        Self { listed, sorted }
    }

    /// Whether `name` is listed, in any case.
    pub(crate) fn contains(&self, name: &str) -> bool {
        if self.sorted.is_empty() {
            self.listed.iter().any(|listed| listed.eq_ignore_ascii_case(name))
        } else {
            self.sorted.binary_search(&name.to_ascii_lowercase()).is_ok()
        }
    }
}

/// Decodes bytes to text, one character per byte.
pub fn isomorphic_decode(bytes: &[u8]) -> String {
    decode(bytes).into_owned()
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for HeaderValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmptyName => f.write_str("a header name cannot be empty"),
            Self::NameCharacter(c) => write!(f, "{c:?} cannot appear in a header name"),
            Self::ValueControl(b) => write!(f, "a header value cannot hold the byte 0x{b:02X}"),
            Self::ValueNotByte(c) => {
                write!(f, "{c:?} does not fit in one byte, so it cannot be in a header value")
            }
        }
    }
}

impl std::error::Error for HeaderError {}

#[cfg(test)]
impl HeaderList {
    /// The list of `pairs`, for tests; an invalid name or value panics.
    pub(crate) fn of(pairs: &[(&str, &str)]) -> Self {
        pairs.iter().map(|(n, v)| Header::new(n, v).unwrap()).collect()
    }
}

impl FromIterator<Header> for HeaderList {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a HeaderList {
    type Item = &'a Header;
    type IntoIter = std::slice::Iter<'a, Header>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Header {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut pair = serializer.serialize_tuple(2)?;
        pair.serialize_element(self.name.as_str())?;
        pair.serialize_element(&self.value.to_text())?;
        pair.end()
    }
}

impl<'de> Deserialize<'de> for Header {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairVisitor;
        impl<'de> Visitor<'de> for PairVisitor {
            type Value = Header;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [name, value] pair of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Header, A::Error> {
                let name: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let value: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                if seq.next_element::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::invalid_length(3, &self));
                }
                let name = HeaderName::new(&name)
                    .map_err(|e| de::Error::custom(format_args!("header name {name:?}: {e}")))?;
                let value = HeaderValue::new(&value)
                    .map_err(|e| de::Error::custom(format_args!("header {name}: {e}")))?;
                Ok(Header { name, value })
            }
        }
        deserializer.deserialize_tuple(2, PairVisitor)
    }
}

impl Serialize for HeaderList {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for HeaderList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<Header>::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_trimmed_of_tab_and_space_only() {
        assert_eq!(HeaderValue::new(" \tx y\t ").unwrap().as_bytes(), b"x y");
        assert_eq!(HeaderValue::new("\u{b}x").unwrap().as_bytes(), b"\x0bx");
    }

    #[test]
    fn values_refuse_nul_cr_lf_and_wide_characters() {
        assert_eq!(HeaderValue::new("a\nb"), Err(HeaderError::ValueControl(b'\n')));
        assert_eq!(HeaderValue::new("\u{100}"), Err(HeaderError::ValueNotByte('\u{100}')));
        assert_eq!(HeaderValue::new("\u{e9}").unwrap().as_bytes(), &[0xE9]);
    }

    #[test]
    fn names_must_be_tokens() {
        assert!(HeaderName::new("X-Csrf").is_ok());
        assert_eq!(HeaderName::new(""), Err(HeaderError::EmptyName));
        assert_eq!(HeaderName::new("a b"), Err(HeaderError::NameCharacter(' ')));
    }

    #[test]
    fn get_combines_repeated_values() {
        let list: HeaderList =
            [Header::new("A", "1").unwrap(), Header::new("a", "2").unwrap()].into_iter().collect();
        assert_eq!(list.get("A").unwrap().as_bytes(), b"1, 2");
        assert_eq!(list.get("b"), None);
    }

    #[test]
    fn any_item_in_sees_the_same_items_as_get_decode_split() {
        let list: HeaderList = [
            Header::new("Vary", "Accept-Encoding , Origin").unwrap(),
            Header::new("X", r#""a,b", c"#).unwrap(),
        ]
        .into_iter()
        .collect();
        let any_item =
            |name, test: fn(&str) -> bool| list.get_bytes(name).is_some_and(|v| any_item_in(&v, test));
        assert!(any_item("vary", |n| n == "Origin"));
        assert!(any_item("x", |n| n == r#""a,b""#));
        assert!(!any_item("x", |n| n == "b\""));
        assert!(!any_item("missing", |_| true));
    }

    #[test]
    fn get_decode_split_keeps_quoted_commas() {
        assert_eq!(get_decode_split_value(r#"a, "b,c" ,d"#), vec!["a", r#""b,c""#, "d"]);
        assert_eq!(get_decode_split_value(""), vec![""]);
        assert_eq!(get_decode_split_value(",,"), vec!["", "", ""]);
    }
}
