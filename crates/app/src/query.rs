//! Page state in the URL's query string: an ordered list of parameters that reads from and
//! writes to `location.search`, so every console and playground state is a shareable link.

/// The parameters of a query string, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `?a=1&b=two%20words` (the `?` is optional; `+` means a space).
    pub fn parse(search: &str) -> Self {
        let search = search.strip_prefix('?').unwrap_or(search);
        Self(
            search
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(k), decode(v))
                })
                .collect(),
        )
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// Sets `key` to `value`, keeping its place when present.
    pub fn set(&mut self, key: &str, value: &str) {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => value.clone_into(&mut pair.1),
            None => self.0.push((key.to_owned(), value.to_owned())),
        }
    }

    /// Sets `key` when `value` differs from `default`, and removes it otherwise, so URLs stay short.
    pub fn set_unless(&mut self, key: &str, value: &str, default: &str) {
        if value == default { self.remove(key) } else { self.set(key, value) }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.0.retain(|(k, _)| k != key);
    }

    /// `?a=1&b=2`, or the empty string when there are no parameters.
    pub fn to_search(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.0.iter().enumerate() {
            out.push(if i == 0 { '?' } else { '&' });
            encode_into(k, &mut out);
            out.push('=');
            encode_into(v, &mut out);
        }
        out
    }
}

fn encode_into(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b':' | b'/' | b',') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(byte >> 4)] as char);
            out.push(HEX[usize::from(byte & 15)] as char);
        }
    }
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b'%' => out.push(b'%'),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_newlines_colons_and_unicode() {
        let mut q = Query::default();
        q.set("h", "Access-Control-Allow-Origin: *\nVary: Origin");
        q.set("page", "http://bücher.example:8080");
        q.set("empty", "");
        let again = Query::parse(&q.to_search());
        assert_eq!(again, q);
    }

    #[test]
    fn set_keeps_the_place_and_set_unless_drops_defaults() {
        let mut q = Query::parse("a=1&b=2");
        q.set("a", "3");
        q.set_unless("b", "x", "x");
        assert_eq!(q.to_search(), "?a=3");
        assert_eq!(Query::parse("?x=a+b%2").get("x"), Some("a b%2"));
    }
}
