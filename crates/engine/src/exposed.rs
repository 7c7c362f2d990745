//! Which response headers a script can read from a CORS response: the safelisted ones, those
//! `Access-Control-Expose-Headers` names, and never `Set-Cookie`.

use std::borrow::Cow;

use crate::cors_headers::CorsHeaders;
use crate::exchange::CredentialsMode;
use crate::header::{HeaderList, NameSet};
use crate::preflight::parse_list;
use crate::safelist::{is_cors_safelisted_response_header_name, is_forbidden_response_header_name};

/// The readable headers of a response, and how `Access-Control-Expose-Headers` was read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposed<'a> {
    /// Lower-cased names of the response headers the script can read, in response order.
    pub names: Vec<String>,
    /// The names `Access-Control-Expose-Headers` lists (empty when it does not parse).
    pub listed: Vec<Cow<'a, str>>,
    /// `*` was listed and exposed every header (no credentials).
    pub star_exposes_all: bool,
    /// `*` was listed but counted only as a header literally named `*` (credentials included).
    pub star_literal: bool,
}

/// The headers of a CORS response a script can read: `headers` is the response's header list,
/// `cors` its CORS headers as [`CorsHeaders::read`] finds them.
///
/// <https://fetch.spec.whatwg.org/#concept-response-cors-exposed-header-name-list>
pub fn cors_exposed<'a>(
    headers: &HeaderList,
    cors: &CorsHeaders<'a>,
    credentials: CredentialsMode,
) -> Exposed<'a> {
    // Main fetch: the exposed list is the parsed Access-Control-Expose-Headers; a value that
    // does not parse exposes nothing extra.
    let listed = parse_list(&cors.expose_headers).unwrap_or_default();
    let star = listed.iter().any(|n| n == "*");
    let include = credentials == CredentialsMode::Include;
    // Without credentials, `*` means every header name in the response.
    let star_exposes_all = star && !include;
    let set = NameSet::new(&listed);
    let names = readable(headers, |name| {
        let readable_by_name =
            !is_forbidden_response_header_name(name) && (star_exposes_all || set.contains(name));
        readable_by_name || is_cors_safelisted_response_header_name(name, &[])
    });
    Exposed { names, listed, star_exposes_all, star_literal: star && include }
}

/// The headers of a same-origin (basic) response a script can read: all but `Set-Cookie`.
///
/// <https://fetch.spec.whatwg.org/#concept-filtered-response-basic>
pub fn basic_exposed(headers: &HeaderList) -> Vec<String> {
    readable(headers, |name| !is_forbidden_response_header_name(name))
}

fn readable(headers: &HeaderList, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    // Duplicates are found in a set once the response has many headers, so it stays
    // linear-logarithmic; a short response is searched as it is.
    let many = headers.len() > 16;
    let mut seen = std::collections::BTreeSet::new();
    for header in headers {
        if many {
            let name = header.name.to_lowercase();
            if seen.insert(name.clone()) && keep(&name) {
                names.push(name);
            }
        } else if keep(header.name.as_str()) && !names.iter().any(|n| header.name.is(n)) {
            // Only the names kept are lower-cased (and so copied).
            names.push(header.name.to_lowercase());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_exposes_all_but_set_cookie_without_credentials() {
        let list = HeaderList::of(&[
            ("Access-Control-Expose-Headers", "*"),
            ("Test", "X"),
            ("Set-Cookie", "a=1"),
            ("*", "whoa"),
        ]);
        let exposed = cors_exposed(&list, &CorsHeaders::read(&list), CredentialsMode::Omit);
        assert_eq!(exposed.names, vec!["access-control-expose-headers", "test", "*"]);
        let credentialed = cors_exposed(&list, &CorsHeaders::read(&list), CredentialsMode::Include);
        assert_eq!(credentialed.names, vec!["*"]);
        assert!(credentialed.star_literal);
    }

    #[test]
    fn safelisted_and_listed_names_are_readable() {
        let list = HeaderList::of(&[
            ("Content-Type", "text/plain"),
            ("Age", "27"),
            ("X-Total", "3"),
            ("Access-Control-Expose-Headers", "x-total"),
        ]);
        assert_eq!(
            cors_exposed(&list, &CorsHeaders::read(&list), CredentialsMode::Omit).names,
            vec!["content-type", "x-total"]
        );
        assert_eq!(basic_exposed(&HeaderList::of(&[("Set-Cookie", "a"), ("Age", "1")])), vec!["age"]);
    }
}
