//! The CORS safelists: which methods and request headers a page may send cross-origin without
//! asking first, and which response headers a script may always read.

use std::borrow::Cow;

use crate::header::{Header, HeaderList, HeaderName, HeaderValue, is_token_char};
use crate::method::Method;

/// Why a request header is not CORS-safelisted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotSafelisted<'a> {
    /// The name is not one of the safelisted names.
    Name,
    /// The value is longer than 128 bytes.
    TooLong {
        /// The value's length in bytes.
        len: usize,
    },
    /// The value holds a CORS-unsafe request-header byte.
    UnsafeByte(u8),
    /// An `Accept-Language` or `Content-Language` value holds a byte outside `0-9A-Za-z *,-.;=`.
    LanguageByte(u8),
    /// A `Content-Type` value does not parse as a MIME type.
    NotMime,
    /// A `Content-Type` whose essence is not one of the three form types; the essence borrows
    /// the value unless lower-casing it changed it.
    Essence(Cow<'a, str>),
    /// A `Range` value that is not a single `bytes=N-` or `bytes=N-M`.
    Range,
    /// The value holds a byte above 0x7F, which the spec allows and the browser does not
    /// ([`SafelistReading::ascii_only`]).
    NonAscii(u8),
    /// Set more than once, each value safelisted, but the values combined with `, ` (as the
    /// browser sends them) are not, for this reason.
    Combined(Box<NotSafelisted<'static>>),
    /// One of the names the browser adds to the safelist ([`SafelistReading::client_hints`]),
    /// with a value its rule for that name refuses; the rule, in a few words.
    ClientHint(&'static str),
}

/// How a browser applies the request-header safelist (measured by the differential matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SafelistReading {
    /// How it reads a header list: a name set more than once, and the 1024-byte total.
    pub list: ListReading,
    /// Whether a value with any byte above 0x7F needs permission (Firefox, for `Accept` and
    /// `Content-Type`); the spec refuses only the CORS-unsafe bytes.
    pub ascii_only: bool,
    /// Whether the browser also safelists `Intervention` (any value) and the client hints
    /// `DPR`, `Device-Memory` and `Downlink` (a decimal number), `Width`, `Viewport-Width` and
    /// `RTT` (digits), `ECT` (`slow-2g`, `2g`, `3g` or `4g`) and `Save-Data` (`on`, in any
    /// case): Chromium's `IsCorsSafelistedHeader`, measured by the differential matrix. They
    /// count towards the 1024-byte total like the spec's names.
    pub client_hints: bool,
}

/// How a browser reads a header list against the safelist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListReading {
    /// Value by value, then the 1024-byte total: the spec.
    Spec,
    /// The values of a header set more than once combined first, as they go on the wire, then
    /// the 1024-byte total of the combined values (Chromium).
    Combined,
    /// Value by value, with no total (Firefox).
    NoTotal,
}

impl SafelistReading {
    /// The spec's reading.
    pub const SPEC: Self = Self { list: ListReading::Spec, ascii_only: false, client_hints: false };

    /// Checks a header against the safelist as the browser reads it.
    fn check<'a>(self, name: &HeaderName, value: &'a HeaderValue) -> Result<(), NotSafelisted<'a>> {
        match check_cors_safelisted_request_header(name, value) {
            Err(NotSafelisted::Name) if self.client_hints => client_hint(name, value.as_bytes())?,
            checked => checked?,
        }
        if !self.ascii_only {
            return Ok(());
        }
        match value.as_bytes().iter().find(|&&b| b > 0x7F) {
            Some(&b) => Err(NotSafelisted::NonAscii(b)),
            None => Ok(()),
        }
    }
}

/// Checks a name Chromium adds to the safelist against its value rule; `Name` for any other.
fn client_hint(name: &HeaderName, value: &[u8]) -> Result<(), NotSafelisted<'static>> {
    let digits = |v: &[u8]| !v.is_empty() && v.iter().all(u8::is_ascii_digit);
    let (rule, passes): (&'static str, bool) = if name.is("intervention") {
        return Ok(());
    } else if name.is("dpr") || name.is("device-memory") || name.is("downlink") {
        // `1*DIGIT [ "." 1*DIGIT ]`.
        let decimal = match value.iter().position(|&b| b == b'.') {
            Some(dot) => digits(&value[..dot]) && digits(&value[dot + 1..]),
            None => digits(value),
        };
        ("a decimal number", decimal)
    } else if name.is("width") || name.is("viewport-width") || name.is("rtt") {
        ("digits", digits(value))
    } else if name.is("ect") {
        ("slow-2g, 2g, 3g or 4g", matches!(value, b"slow-2g" | b"2g" | b"3g" | b"4g"))
    } else if name.is("save-data") {
        ("on", value.eq_ignore_ascii_case(b"on"))
    } else {
        return Err(NotSafelisted::Name);
    };
    if passes { Ok(()) } else { Err(NotSafelisted::ClientHint(rule)) }
}

impl NotSafelisted<'_> {
    /// The same reason, owning the essence it quotes.
    pub fn into_owned(self) -> NotSafelisted<'static> {
        match self {
            Self::Name => NotSafelisted::Name,
            Self::TooLong { len } => NotSafelisted::TooLong { len },
            Self::UnsafeByte(b) => NotSafelisted::UnsafeByte(b),
            Self::LanguageByte(b) => NotSafelisted::LanguageByte(b),
            Self::NotMime => NotSafelisted::NotMime,
            Self::Essence(essence) => NotSafelisted::Essence(Cow::Owned(essence.into_owned())),
            Self::Range => NotSafelisted::Range,
            Self::NonAscii(b) => NotSafelisted::NonAscii(b),
            Self::Combined(why) => NotSafelisted::Combined(why),
            Self::ClientHint(rule) => NotSafelisted::ClientHint(rule),
        }
    }
}

/// The outcome of computing the CORS-unsafe request-header names of a header list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnsafeNames<'a> {
    /// The names as they appear in `Access-Control-Request-Headers`: lower-cased, sorted, unique.
    pub names: Vec<UnsafeName<'a>>,
    /// For each header that is unsafe by itself, its name (as sent) and why.
    pub reasons: Vec<(&'a HeaderName, NotSafelisted<'a>)>,
    /// The summed size of the safelisted values, when it exceeded 1024 bytes and so made every
    /// safelisted header unsafe too.
    pub over_total: Option<usize>,
}

/// A CORS-unsafe request-header name as `Access-Control-Request-Headers` lists it: the header's
/// name byte-lowercased, and compared and ordered that way. It borrows the name as sent rather
/// than keep a lower-cased copy; [`UnsafeName::to_lowercase`] writes one out.
#[derive(Debug, Clone, Copy)]
pub struct UnsafeName<'a>(pub &'a HeaderName);

/// The most bytes a safelisted request-header value may have.
pub const MAX_VALUE_LEN: usize = 128;

/// The most bytes all safelisted request-header values may have together.
pub const MAX_TOTAL_LEN: usize = 1024;

/// Whether `method` is `GET`, `HEAD` or `POST`.
///
/// <https://fetch.spec.whatwg.org/#cors-safelisted-method>
pub fn is_cors_safelisted_method(method: &Method) -> bool {
    method.is_cors_safelisted()
}

/// Whether `byte` is a CORS-unsafe request-header byte.
///
/// <https://fetch.spec.whatwg.org/#cors-unsafe-request-header-byte>
pub fn is_cors_unsafe_request_header_byte(byte: u8) -> bool {
    // A control byte other than tab, one of the delimiters `"():<>?@[\]{}`, or DEL.
    (byte < 0x20 && byte != 0x09)
        || matches!(
            byte,
            b'"' | b'(' | b')' | b':' | b'<' | b'>' | b'?' | b'@' | b'[' | b'\\' | b']' | b'{' | b'}' | 0x7F
        )
}

/// Checks whether a header is a CORS-safelisted request-header.
///
/// <https://fetch.spec.whatwg.org/#cors-safelisted-request-header>
pub fn check_cors_safelisted_request_header<'a>(
    name: &HeaderName,
    value: &'a HeaderValue,
) -> Result<(), NotSafelisted<'a>> {
    let bytes = value.as_bytes();
    // Step 1: values longer than 128 bytes are never safelisted.
    if bytes.len() > MAX_VALUE_LEN {
        return Err(NotSafelisted::TooLong { len: bytes.len() });
    }
    // Step 2: each safelisted name has its own value rule.
    if name.is("accept") {
        first_unsafe_byte(bytes)
    } else if name.is("accept-language") || name.is("content-language") {
        match bytes.iter().find(|&&b| !is_language_byte(b)) {
            Some(&b) => Err(NotSafelisted::LanguageByte(b)),
            None => Ok(()),
        }
    } else if name.is("content-type") {
        first_unsafe_byte(bytes)?;
        // Parameters never decide the essence, and their values may hold bytes above 0x7F
        // (`name=été` is safelisted), so only what comes before the first `;` is read as text;
        // a byte above 0x7F there is no token, and the value no MIME type.
        let head = &bytes[..bytes.iter().position(|&b| b == b';').unwrap_or(bytes.len())];
        let text = std::str::from_utf8(head).map_err(|_| NotSafelisted::NotMime)?;
        let (kind, subtype, written) = mime_type_and_subtype(text).ok_or(NotSafelisted::NotMime)?;
        let is = |k: &str, s: &str| kind.eq_ignore_ascii_case(k) && subtype.eq_ignore_ascii_case(s);
        if is("application", "x-www-form-urlencoded") || is("multipart", "form-data") || is("text", "plain") {
            Ok(())
        } else {
            Err(NotSafelisted::Essence(essence(written)))
        }
    } else if name.is("range") {
        match parse_single_range(bytes) {
            // Browsers never sent suffix ranges (`bytes=-500`) without asking, so only a range
            // with a start counts.
            Some((Some(_), _)) => Ok(()),
            _ => Err(NotSafelisted::Range),
        }
    } else {
        // Step 3: any other name is not safelisted.
        Err(NotSafelisted::Name)
    }
}

/// Whether a header is a CORS-safelisted request-header.
///
/// <https://fetch.spec.whatwg.org/#cors-safelisted-request-header>
pub fn is_cors_safelisted_request_header(header: &Header) -> bool {
    check_cors_safelisted_request_header(&header.name, &header.value).is_ok()
}

/// The CORS-unsafe request-header names of a header list, with the reason for each.
///
/// Linear in the size of the list: one pass to classify, one sort of the unsafe names.
///
/// <https://fetch.spec.whatwg.org/#cors-unsafe-request-header-names>
pub fn cors_unsafe_request_header_names(headers: &HeaderList) -> UnsafeNames<'_> {
    cors_unsafe_request_header_names_as(headers, SafelistReading::SPEC)
}

/// The CORS-unsafe request-header names of a header list as a browser works them out: the
/// spec's algorithm, or [`SafelistReading`]'s departures from it.
pub fn cors_unsafe_request_header_names_as(
    headers: &HeaderList,
    reading: SafelistReading,
) -> UnsafeNames<'_> {
    let mut unsafe_names = Vec::new();
    let mut reasons = Vec::new();
    let mut safelisted_size = 0usize;
    // Steps 1-3: sort headers into unsafe ones and safelisted ones, summing the latter's sizes.
    for header in headers {
        match reading.check(&header.name, &header.value) {
            Ok(()) => safelisted_size += header.value.len(),
            Err(why) => {
                unsafe_names.push(UnsafeName(&header.name));
                reasons.push((&header.name, why));
            }
        }
    }
    if reading.list == ListReading::Combined {
        // The total counts the combined values: with the `, ` that joins a repeated name's
        // values, and without those of a name whose combined value is not safelisted.
        let (joins, withdrawn) = combined_values(headers, reading, &mut unsafe_names, &mut reasons);
        safelisted_size = safelisted_size + joins - withdrawn;
    }
    // Step 4: past 1024 bytes in total, the safelisted headers need permission too.
    let over_total =
        (safelisted_size > MAX_TOTAL_LEN && reading.list != ListReading::NoTotal).then_some(safelisted_size);
    if over_total.is_some() {
        unsafe_names.extend(
            headers.iter().filter(|h| reading.check(&h.name, &h.value).is_ok()).map(|h| UnsafeName(&h.name)),
        );
    }
    // Step 5: convert to a sorted-lowercase set (an UnsafeName compares as lower case).
    // <https://fetch.spec.whatwg.org/#convert-header-names-to-a-sorted-lowercase-set>
    unsafe_names.sort_unstable();
    unsafe_names.dedup();
    UnsafeNames { names: unsafe_names, reasons, over_total }
}

/// Checks each header set more than once, whose values each passed on their own, with its
/// values combined in list order. Returns the bytes the joining `, ` add to the values that stay
/// safelisted, and the bytes of the values that no longer are. One sort groups the names, so
/// this stays linear-ish in the size of the list however often a name repeats.
fn combined_values<'a>(
    headers: &'a HeaderList,
    reading: SafelistReading,
    unsafe_names: &mut Vec<UnsafeName<'a>>,
    reasons: &mut Vec<(&'a HeaderName, NotSafelisted<'a>)>,
) -> (usize, usize) {
    let (mut joins, mut withdrawn) = (0, 0);
    let mut by_name: Vec<(usize, &Header)> = headers.iter().enumerate().collect();
    by_name.sort_unstable_by(|(i, a), (j, b)| UnsafeName(&a.name).cmp(&UnsafeName(&b.name)).then(i.cmp(j)));
    for group in by_name.chunk_by(|(_, a), (_, b)| a.name.is(b.name.as_str())) {
        // A name set once was checked on its own; one with an unsafe value is unsafe already.
        if group.len() < 2 || !group.iter().all(|(_, h)| reading.check(&h.name, &h.value).is_ok()) {
            continue;
        }
        let name = &group[0].1.name;
        let Some(combined) = HeaderValue::combine(group.iter().map(|(_, h)| &h.value)) else { continue };
        match reading.check(name, &combined) {
            Ok(()) => joins += 2 * (group.len() - 1),
            Err(why) => {
                withdrawn += group.iter().map(|(_, h)| h.value.len()).sum::<usize>();
                unsafe_names.push(UnsafeName(name));
                reasons.push((name, NotSafelisted::Combined(Box::new(why.into_owned()))));
            }
        }
    }
    (joins, withdrawn)
}

impl UnsafeName<'_> {
    /// The name as sent, case preserved.
    pub fn as_sent(&self) -> &str {
        self.0.as_str()
    }

    /// The byte-lowercased name.
    pub fn to_lowercase(&self) -> String {
        self.0.to_lowercase()
    }

    fn lowercase_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.as_str().bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl PartialEq for UnsafeName<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.is(other.0.as_str())
    }
}

impl Eq for UnsafeName<'_> {}

impl PartialOrd for UnsafeName<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for UnsafeName<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.lowercase_bytes().cmp(other.lowercase_bytes())
    }
}

/// Whether a name is a no-CORS-safelisted request-header name: the four a `no-cors` request
/// may carry.
///
/// <https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header-name>
pub fn is_no_cors_safelisted_request_header_name(name: &HeaderName) -> bool {
    ["accept", "accept-language", "content-language", "content-type"].iter().any(|n| name.is(n))
}

/// Whether a name and value are a no-CORS-safelisted request-header.
///
/// <https://fetch.spec.whatwg.org/#no-cors-safelisted-request-header>
pub fn is_no_cors_safelisted_request_header(name: &HeaderName, value: &HeaderValue) -> bool {
    is_no_cors_safelisted_request_header_name(name)
        && check_cors_safelisted_request_header(name, value).is_ok()
}

/// Whether a response header name is CORS-safelisted given the `Access-Control-Expose-Headers`
/// list.
///
/// <https://fetch.spec.whatwg.org/#cors-safelisted-response-header-name>
pub fn is_cors_safelisted_response_header_name(name: &str, exposed: &[String]) -> bool {
    const ALWAYS: [&str; 7] = [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ];
    ALWAYS.iter().any(|n| n.eq_ignore_ascii_case(name))
        || (!is_forbidden_response_header_name(name) && exposed.iter().any(|e| e.eq_ignore_ascii_case(name)))
}

/// Whether a response header name is one a script may never read: `Set-Cookie`, `Set-Cookie2`.
///
/// <https://fetch.spec.whatwg.org/#forbidden-response-header-name>
pub fn is_forbidden_response_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("set-cookie") || name.eq_ignore_ascii_case("set-cookie2")
}

/// Whether a name is a CORS non-wildcard request-header name: `Authorization`, which a `*` in
/// `Access-Control-Allow-Headers` never covers.
///
/// <https://fetch.spec.whatwg.org/#cors-non-wildcard-request-header-name>
pub fn is_cors_non_wildcard_request_header_name(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization")
}

/// The essence (`type/subtype`, lower-cased) of a MIME type string, or `None` when it does not
/// parse. Parameters never make a MIME type invalid, so they are not looked at.
///
/// <https://mimesniff.spec.whatwg.org/#parse-a-mime-type>
pub fn mime_essence(input: &str) -> Option<String> {
    let (_, _, written) = mime_type_and_subtype(input)?;
    Some(essence(written).into_owned())
}

/// The type, the subtype and `type/subtype` of a MIME type string, as written, or `None` when
/// it does not parse.
///
/// <https://mimesniff.spec.whatwg.org/#parse-a-mime-type>
fn mime_type_and_subtype(input: &str) -> Option<(&str, &str, &str)> {
    // The delimiters and HTTP whitespace are ASCII, so the input is cut at byte positions: a
    // content type is a short string, which a byte loop scans faster than a `str` pattern.
    let position = |s: &str, delimiter: u8| s.bytes().position(|b| b == delimiter);
    // Step 1: strip leading and trailing HTTP whitespace.
    let start = input.bytes().position(|b| !is_http_whitespace(b)).unwrap_or(input.len());
    let input = trim_end_http_whitespace(&input[start..]);
    // Steps 2-4: the type runs up to the first `/` and must be a non-empty token.
    let slash = position(input, b'/')?;
    let (kind, rest) = (&input[..slash], &input[slash + 1..]);
    // Steps 5-8: the subtype runs up to the first `;`, trailing whitespace removed, and must be
    // a non-empty token.
    let subtype = &rest[..position(rest, b';').unwrap_or(rest.len())];
    let subtype = trim_end_http_whitespace(subtype);
    let is_token = |s: &str| !s.is_empty() && s.bytes().all(is_http_token_byte);
    let written = &input[..kind.len() + 1 + subtype.len()];
    (is_token(kind) && is_token(subtype)).then_some((kind, subtype, written))
}

/// Parses a single range header value without whitespace: `bytes=` then an optional start, a
/// `-` and an optional end. Returns `(start, end)`, or `None` on failure.
///
/// <https://fetch.spec.whatwg.org/#simple-range-header-value>
pub fn parse_single_range(value: &[u8]) -> Option<(Option<u64>, Option<u64>)> {
    // Steps 1-4: the unit is `bytes`, exactly in lower case (as in Chromium and Firefox, so
    // `Bytes=0-9` needs a preflight), then `=`.
    let rest = value.strip_prefix(b"bytes=")?;
    // Steps 5-8: digits for the start, then a `-`.
    let dash = rest.iter().position(|&b| b == b'-')?;
    let (start, end) = (&rest[..dash], &rest[dash + 1..]);
    // Steps 9-12: digits for the end, and nothing after them.
    let start = parse_digits(start)?;
    let end = parse_digits(end)?;
    // Steps 13-15: at least one of the two, and never a start after the end.
    match (start, end) {
        (None, None) => None,
        (Some(s), Some(e)) if s > e => None,
        range => Some(range),
    }
}

/// A MIME type's essence from its `type/subtype` as written: lower-cased, copied only when that
/// changes it.
///
/// <https://mimesniff.spec.whatwg.org/#mime-type-essence>
fn essence(written: &str) -> Cow<'_, str> {
    if written.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(written.to_ascii_lowercase())
    } else {
        Cow::Borrowed(written)
    }
}

/// Whether a byte is HTTP whitespace as MIME parsing trims it.
fn is_http_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\r' | b' ' | 0x0C)
}

/// `s` without trailing HTTP whitespace.
fn trim_end_http_whitespace(s: &str) -> &str {
    &s[..s.bytes().rposition(|b| !is_http_whitespace(b)).map_or(0, |i| i + 1)]
}

fn first_unsafe_byte(bytes: &[u8]) -> Result<(), NotSafelisted<'static>> {
    match bytes.iter().find(|&&b| is_cors_unsafe_request_header_byte(b)) {
        Some(&b) => Err(NotSafelisted::UnsafeByte(b)),
        None => Ok(()),
    }
}

fn is_language_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b' ' | b'*' | b',' | b'-' | b'.' | b';' | b'=')
}

fn is_http_token_byte(b: u8) -> bool {
    is_token_char(char::from(b))
}

/// Digits as a number: `Some(None)` for no digits (an open end of the range), `None` for anything
/// else or an overflow.
fn parse_digits(digits: &[u8]) -> Option<Option<u64>> {
    if digits.is_empty() {
        return Some(None);
    }
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut n: u64 = 0;
    for &d in digits {
        n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(Some(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(name: &str, value: &str) -> Result<(), NotSafelisted<'static>> {
        let header = Header::new(name, value).unwrap();
        check_cors_safelisted_request_header(&header.name, &header.value).map_err(NotSafelisted::into_owned)
    }

    #[test]
    fn unsafe_bytes_are_controls_delimiters_and_del() {
        assert!(is_cors_unsafe_request_header_byte(0x01));
        assert!(!is_cors_unsafe_request_header_byte(b'\t'));
        assert!(is_cors_unsafe_request_header_byte(b'"'));
        assert!(is_cors_unsafe_request_header_byte(0x7F));
        assert!(!is_cors_unsafe_request_header_byte(b'*'));
    }

    #[test]
    fn values_over_128_bytes_are_unsafe() {
        assert_eq!(check("accept", &"a".repeat(128)), Ok(()));
        assert_eq!(check("accept", &"a".repeat(129)), Err(NotSafelisted::TooLong { len: 129 }));
    }

    #[test]
    fn content_type_is_judged_by_essence() {
        assert_eq!(check("content-type", "text/plain;charset=utf-8"), Ok(()));
        assert_eq!(check("content-type", "Text/Plain;charset=utf-8"), Ok(()));
        assert_eq!(check("content-type", "multipart/form-data; boundary=x"), Ok(()));
        assert_eq!(
            check("content-type", "application/json"),
            Err(NotSafelisted::Essence("application/json".into()))
        );
        assert_eq!(
            check("content-type", " Application/JSON ; charset=utf-8"),
            Err(NotSafelisted::Essence("application/json".into()))
        );
        assert_eq!(check("content-type", "text"), Err(NotSafelisted::NotMime));
        assert_eq!(check("content-type", "text/plain; a=\"b\""), Err(NotSafelisted::UnsafeByte(b'"')));
    }

    #[test]
    fn languages_allow_a_narrow_alphabet() {
        assert_eq!(check("accept-language", "en-GB, fr;q=0.5"), Ok(()));
        assert_eq!(check("content-language", "@"), Err(NotSafelisted::LanguageByte(b'@')));
    }

    #[test]
    fn range_must_be_one_simple_range_with_a_start() {
        assert_eq!(check("range", "bytes=0-"), Ok(()));
        assert_eq!(check("range", "bytes=5-10"), Ok(()));
        assert_eq!(check("range", "bytes=-500"), Err(NotSafelisted::Range));
        assert_eq!(check("range", "bytes=10-5"), Err(NotSafelisted::Range));
        assert_eq!(check("range", "bytes 0-"), Err(NotSafelisted::Range));
        assert_eq!(check("range", "bytes=0-1,3-4"), Err(NotSafelisted::Range));
        assert_eq!(check("range", "Bytes=0-9"), Err(NotSafelisted::Range));
        assert_eq!(check("range", "BYTES=0-9"), Err(NotSafelisted::Range));
        assert_eq!(check("range", "bytes=+1-9"), Err(NotSafelisted::Range));
    }

    #[test]
    fn unsafe_names_are_sorted_lowercase_and_unique() {
        let headers = HeaderList::of(&[("X-B", "1"), ("x-a", "1"), ("X-b", "2"), ("Accept", "*/*")]);
        let names = cors_unsafe_request_header_names(&headers).names;
        assert_eq!(names.iter().map(UnsafeName::to_lowercase).collect::<Vec<_>>(), ["x-a", "x-b"]);
    }

    #[test]
    fn over_1024_bytes_makes_safelisted_headers_unsafe() {
        let value = "a".repeat(128);
        let headers: Vec<(&str, &str)> = (0..9).map(|_| ("accept", value.as_str())).collect();
        let nine = HeaderList::of(&headers);
        let unsafe_names = cors_unsafe_request_header_names(&nine);
        assert_eq!(unsafe_names.names.iter().map(UnsafeName::to_lowercase).collect::<Vec<_>>(), ["accept"]);
        assert_eq!(unsafe_names.over_total, Some(1152));
        let eight = HeaderList::of(&headers[..8]);
        assert!(
            cors_unsafe_request_header_names(&eight).names.is_empty(),
            "1024 bytes exactly is still fine"
        );
    }

    #[test]
    fn browsers_read_repeated_headers_their_own_way() {
        let (a, b) = ("a".repeat(100), "b".repeat(100));
        let two = HeaderList::of(&[("Accept", a.as_str()), ("Accept", b.as_str())]);
        let unsafe_names = |list, reading| cors_unsafe_request_header_names_as(list, reading);
        // Each value alone is safelisted; joined as Chromium sends them, they are 202 bytes.
        assert!(unsafe_names(&two, list(ListReading::Spec)).names.is_empty());
        assert!(unsafe_names(&two, list(ListReading::NoTotal)).names.is_empty());
        let combined = unsafe_names(&two, list(ListReading::Combined));
        assert_eq!(combined.names.len(), 1);
        assert_eq!(
            combined.reasons[0].1,
            NotSafelisted::Combined(Box::new(NotSafelisted::TooLong { len: 202 }))
        );
        // Short values joined stay safelisted.
        let short = HeaderList::of(&[("Accept", "text/html"), ("accept", "text/plain")]);
        assert!(unsafe_names(&short, list(ListReading::Combined)).names.is_empty());
        // Firefox counts no total.
        let value = "a".repeat(128);
        let nine: Vec<(&str, &str)> = (0..9).map(|_| ("accept", value.as_str())).collect();
        let nine = HeaderList::of(&nine);
        let firefox = unsafe_names(&nine, list(ListReading::NoTotal));
        assert!(firefox.names.is_empty() && firefox.over_total.is_none());
    }

    fn list(list: ListReading) -> SafelistReading {
        SafelistReading { list, ..SafelistReading::SPEC }
    }

    #[test]
    fn a_byte_above_0x7f_is_safelisted_by_the_spec_but_not_by_firefox() {
        let accept = HeaderList::of(&[("Accept", "text/\u{e9}t\u{e9}")]);
        assert!(cors_unsafe_request_header_names(&accept).names.is_empty());
        let firefox = SafelistReading { list: ListReading::NoTotal, ascii_only: true, client_hints: false };
        let refused = cors_unsafe_request_header_names_as(&accept, firefox);
        assert_eq!(refused.reasons[0].1, NotSafelisted::NonAscii(0xE9));
        // Content-Type's parameters may hold such bytes, for the spec.
        let typed = HeaderList::of(&[("Content-Type", "text/plain; name=\u{e9}t\u{e9}")]);
        assert!(cors_unsafe_request_header_names(&typed).names.is_empty());
        assert_eq!(cors_unsafe_request_header_names_as(&typed, firefox).names.len(), 1);
        assert_eq!(check("content-type", "text/pl\u{e9}in"), Err(NotSafelisted::NotMime));
    }

    #[test]
    fn safelisted_response_headers_and_set_cookie() {
        assert!(is_cors_safelisted_response_header_name("Content-Type", &[]));
        assert!(!is_cors_safelisted_response_header_name("x-total", &[]));
        assert!(is_cors_safelisted_response_header_name("x-total", &["X-Total".into()]));
        assert!(!is_cors_safelisted_response_header_name("set-cookie", &["set-cookie".into()]));
    }

    #[test]
    fn chromium_safelists_client_hints_by_their_value_rules() {
        let chromium = SafelistReading { list: ListReading::Combined, ascii_only: false, client_hints: true };
        let unsafe_in = |name: &str, value: &str, reading| {
            let list = HeaderList::of(&[(name, value)]);
            !cors_unsafe_request_header_names_as(&list, reading).names.is_empty()
        };
        for (name, value) in [
            ("DPR", "2"),
            ("Device-Memory", "0.5"),
            ("Downlink", "10"),
            ("Width", "1280"),
            ("RTT", "50"),
            ("ECT", "slow-2g"),
            ("Save-Data", "ON"),
            ("Intervention", "<https://example.com/x>"),
        ] {
            assert!(!unsafe_in(name, value, chromium), "{name}: {value}");
            assert!(unsafe_in(name, value, SafelistReading::SPEC), "the spec safelists no {name}");
        }
        for (name, value) in [
            ("DPR", "abc"),
            ("DPR", "1."),
            ("DPR", ".5"),
            ("Width", "1.5"),
            ("ECT", "5g"),
            ("Save-Data", "off"),
        ] {
            assert!(unsafe_in(name, value, chromium), "{name}: {value}");
        }
        // They count towards the 1024-byte total: nine names of 128 bytes are 1152.
        let (digits, letters) = ("1".repeat(128), "a".repeat(128));
        let nine = [
            ("Accept", letters.as_str()),
            ("Accept-Language", letters.as_str()),
            ("Content-Language", letters.as_str()),
            ("Intervention", letters.as_str()),
            ("DPR", digits.as_str()),
            ("Downlink", digits.as_str()),
            ("Width", digits.as_str()),
            ("Viewport-Width", digits.as_str()),
            ("RTT", digits.as_str()),
        ];
        let (nine, eight) = (HeaderList::of(&nine), HeaderList::of(&nine[..8]));
        let over = cors_unsafe_request_header_names_as(&nine, chromium);
        assert_eq!((over.names.len(), over.over_total), (9, Some(1152)));
        let eight = cors_unsafe_request_header_names_as(&eight, chromium);
        assert!(eight.names.is_empty(), "1024 bytes exactly is still fine");
    }
}
