//! The CORS preflight cache: what a browser remembers from successful preflights, so later
//! requests can skip asking. The clock is a parameter: the engine never reads one.

use crate::exchange::CredentialsMode;
use crate::method::Method;
use crate::safelist::{is_cors_non_wildcard_request_header_name, is_cors_safelisted_method};

/// Seconds on a clock the caller owns (only differences matter).
pub type Seconds = u64;

/// The preflight cache.
///
/// Entries that share a partition, origin and URL are kept together, so the key is stored (and
/// compared) once per preflight rather than once per method and header name.
///
/// <https://fetch.spec.whatwg.org/#cors-preflight-cache>
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreflightCache {
    groups: Vec<Group>,
}

/// What identifies a request to the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a> {
    /// The network partition key: the top-level site, serialized.
    pub partition: &'a str,
    /// The byte-serialized request origin (`null` once tainted).
    pub origin: &'a str,
    /// The request's current URL, serialized.
    pub url: &'a str,
    /// The request's credentials mode.
    pub credentials: CredentialsMode,
}

/// How a browser keeps preflight answers and looks a request up in the cache (measured by the
/// differential matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Chromium, close to the spec in what it matches: a credentialed entry serves every
    /// request, an uncredentialed one only requests without credentials; GET, HEAD and POST
    /// need no method entry; a cached `*` serves any method, and any header but
    /// `Authorization`, of a request without credentials, and only when the preflight that
    /// cached it was made without credentials too (the spec looks at the request's credentials
    /// alone). Unlike the spec, it keeps one preflight's answer per partition, origin and URL:
    /// a new one replaces what an earlier one allowed (`PreflightCache::AppendEntry`).
    Spec,
    /// Literally: credentialed and uncredentialed entries serve only requests of their own kind;
    /// a cached `*` is a name like any other and matches no method or header; only GET and
    /// POST need no method entry, so HEAD does; an answer whose Max-Age reads as 0 leaves the
    /// cache as it was (Firefox).
    Literal,
}

/// The entries for one partition, origin and URL.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Group {
    partition: String,
    origin: String,
    url: String,
    entries: Vec<Entry>,
}

/// One cache entry: a method or a header name one preflight allowed.
///
/// <https://fetch.spec.whatwg.org/#cache-entry>
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// Whether the preflight was made for a request that includes credentials.
    credentials: bool,
    item: Item,
    expires: Seconds,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Item {
    Method(String),
    Header(String),
}

impl PreflightCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of live and expired entries held.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.entries.len()).sum()
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether unexpired entries let this request go without a preflight: its method (unless
    /// it needs no entry) and each of the header names a preflight would ask about.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-http-fetch> (step 4.1, which looks for a
    /// [method](https://fetch.spec.whatwg.org/#concept-cache-match-method) and a
    /// [header-name](https://fetch.spec.whatwg.org/#concept-cache-match-header) cache entry match)
    pub fn allows<'n>(
        &self,
        key: Key<'_>,
        method: &Method,
        names: impl IntoIterator<Item = &'n str>,
        now: Seconds,
        lookup: Lookup,
    ) -> bool {
        let needs_entry = match lookup {
            Lookup::Spec => !is_cors_safelisted_method(method),
            Lookup::Literal => !matches!(method.as_str(), "GET" | "POST"),
        };
        (!needs_entry || self.matches_method(key, method.as_str(), now, lookup))
            && names.into_iter().all(|name| self.matches_header(key, name, now, lookup))
    }

    /// Whether any unexpired entry serves this request, whatever it allows: what a browser
    /// that preflights a request with nothing left to ask about needs to skip the preflight.
    pub fn holds(&self, key: Key<'_>, now: Seconds, lookup: Lookup) -> bool {
        self.live(key, now, lookup).next().is_some()
    }

    /// Whether an unexpired entry allows `method` for this request.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-cache-match-method>
    pub fn matches_method(&self, key: Key<'_>, method: &str, now: Seconds, lookup: Lookup) -> bool {
        self.live(key, now, lookup).any(|e| match &e.item {
            Item::Method(m) => m == method || (m == "*" && e.star_counts(key, lookup)),
            Item::Header(_) => false,
        })
    }

    /// Whether an unexpired entry allows the header `name` for this request.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-cache-match-header>
    pub fn matches_header(&self, key: Key<'_>, name: &str, now: Seconds, lookup: Lookup) -> bool {
        self.live(key, now, lookup).any(|e| match &e.item {
            Item::Header(h) => {
                h.eq_ignore_ascii_case(name)
                    || (h == "*"
                        && e.star_counts(key, lookup)
                        && !is_cors_non_wildcard_request_header_name(name))
            }
            Item::Method(_) => false,
        })
    }

    /// Records what a successful preflight allowed, for `max_age` seconds from `now`: beside
    /// what earlier preflights allowed, or in their place where the browser keeps one answer
    /// ([`Lookup::Spec`]). A `max_age` of 0 refreshes the entries this answer names to expire
    /// now, as the spec does; Firefox ([`Lookup::Literal`]) leaves the cache as it was instead
    /// (measured by the matrix's `cache-update` family: its `nsCORSPreflightListener::
    /// AddResultToCache` returns before touching the cache when the age is 0).
    ///
    /// <https://fetch.spec.whatwg.org/#concept-cache-create-entry>
    pub fn insert(
        &mut self,
        key: Key<'_>,
        methods: &[impl AsRef<str>],
        header_names: &[impl AsRef<str>],
        max_age: Seconds,
        now: Seconds,
        lookup: Lookup,
    ) {
        if max_age == 0 && lookup == Lookup::Literal {
            return;
        }
        let credentials = key.credentials == CredentialsMode::Include;
        let at = match self.groups.iter().position(|g| g.is(key)) {
            Some(at) => at,
            None => {
                self.groups.push(Group {
                    partition: key.partition.to_owned(),
                    origin: key.origin.to_owned(),
                    url: key.url.to_owned(),
                    entries: Vec::new(),
                });
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[at];
        if lookup == Lookup::Spec {
            group.entries.clear();
        }
        let items = methods
            .iter()
            .map(|m| Item::Method(m.as_ref().to_owned()))
            .chain(header_names.iter().map(|h| Item::Header(h.as_ref().to_owned())));
        for item in items {
            // An existing entry for the same item is refreshed rather than duplicated.
            group.entries.retain(|e| !(e.credentials == credentials && e.item.same(&item)));
            if max_age > 0 {
                group.entries.push(Entry { credentials, item, expires: now.saturating_add(max_age) });
            }
        }
    }

    /// Drops every entry for this request's partition, origin and URL: what a failed preflight
    /// does.
    ///
    /// <https://fetch.spec.whatwg.org/#concept-cache-clear>
    /// Returns whether there was anything to drop: an entry, live or expired.
    pub fn clear(&mut self, key: Key<'_>) -> bool {
        let mut dropped = false;
        self.groups.retain(|g| {
            let hit = g.is(key);
            dropped |= hit && !g.entries.is_empty();
            !hit
        });
        dropped
    }

    fn live<'a>(
        &'a self,
        key: Key<'a>,
        now: Seconds,
        lookup: Lookup,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        let include = key.credentials == CredentialsMode::Include;
        let serves = move |e: &Entry| match lookup {
            // A credentialed entry serves every request; an uncredentialed one only requests
            // that do not include credentials.
            Lookup::Spec => e.credentials || !include,
            Lookup::Literal => e.credentials == include,
        };
        self.groups
            .iter()
            .filter(move |g| g.is(key))
            .flat_map(|g| g.entries.iter())
            .filter(move |e| e.expires > now && serves(e))
    }
}

impl Group {
    fn is(&self, key: Key<'_>) -> bool {
        self.partition == key.partition && self.origin == key.origin && self.url == key.url
    }
}

impl Entry {
    /// Whether a cached `*` stands for any name for this request: only in Chromium, for a
    /// request without credentials, from a preflight made without them.
    fn star_counts(&self, key: Key<'_>, lookup: Lookup) -> bool {
        lookup == Lookup::Spec && !self.credentials && key.credentials != CredentialsMode::Include
    }
}

impl Item {
    fn same(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Method(a), Self::Method(b)) => a == b,
            (Self::Header(a), Self::Header(b)) => a.eq_ignore_ascii_case(b),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &[&str] = &[];

    fn key(credentials: CredentialsMode) -> Key<'static> {
        Key {
            partition: "http://fintrack.localhost",
            origin: "http://blog.fintrack.localhost",
            url: "http://api.fintrack.localhost/x",
            credentials,
        }
    }

    #[test]
    fn entries_expire_with_the_clock() {
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Omit), &["PUT"], &["x-test"], 10, 100, Lookup::Literal);
        assert!(cache.matches_method(key(CredentialsMode::Omit), "PUT", 109, Lookup::Spec));
        assert!(cache.matches_header(key(CredentialsMode::Omit), "X-Test", 109, Lookup::Spec));
        assert!(!cache.matches_method(key(CredentialsMode::Omit), "PUT", 110, Lookup::Spec));
    }

    #[test]
    fn uncredentialed_entries_do_not_serve_credentialed_requests() {
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Omit), &["PUT"], NONE, 60, 0, Lookup::Literal);
        assert!(!cache.matches_method(key(CredentialsMode::Include), "PUT", 1, Lookup::Spec));
        cache.insert(key(CredentialsMode::Include), &["DELETE"], NONE, 60, 0, Lookup::Literal);
        assert!(cache.matches_method(key(CredentialsMode::Omit), "DELETE", 1, Lookup::Spec));
    }

    #[test]
    fn stars_match_only_without_credentials_and_never_authorization() {
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Omit), &["*"], &["*"], 60, 0, Lookup::Spec);
        assert!(cache.matches_method(key(CredentialsMode::Omit), "PATCH", 1, Lookup::Spec));
        assert!(!cache.matches_method(key(CredentialsMode::Include), "PATCH", 1, Lookup::Spec));
        assert!(cache.matches_header(key(CredentialsMode::Omit), "x-a", 1, Lookup::Spec));
        assert!(!cache.matches_header(key(CredentialsMode::Omit), "Authorization", 1, Lookup::Spec));
    }

    #[test]
    fn chromium_ignores_a_star_its_credentialed_preflight_cached() {
        // Measured: matrix family cache/star-include-then-omit (Chromium's PreflightResult
        // honours `*` only when it was not made with credentials).
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Include), &["PUT", "*"], &["x-a", "*"], 60, 0, Lookup::Spec);
        assert!(cache.matches_method(key(CredentialsMode::Omit), "PUT", 1, Lookup::Spec));
        assert!(!cache.matches_method(key(CredentialsMode::Omit), "PATCH", 1, Lookup::Spec));
        assert!(!cache.matches_header(key(CredentialsMode::Omit), "x-b", 1, Lookup::Spec));
    }

    #[test]
    fn chromium_keeps_the_last_preflight_and_firefox_every_one() {
        // Measured: matrix family cache/replaced.
        for (lookup, keeps_first) in [(Lookup::Spec, false), (Lookup::Literal, true)] {
            let mut cache = PreflightCache::new();
            cache.insert(key(CredentialsMode::Include), &["PUT"], NONE, 60, 0, lookup);
            cache.insert(key(CredentialsMode::Include), &["DELETE"], NONE, 60, 0, lookup);
            assert_eq!(cache.matches_method(key(CredentialsMode::Include), "PUT", 1, lookup), keeps_first);
            assert!(cache.matches_method(key(CredentialsMode::Include), "DELETE", 1, lookup));
        }
    }

    #[test]
    fn a_zero_max_age_expires_what_it_names_in_chromium_and_leaves_firefox_alone() {
        // Measured: matrix family cache-update (a PUT's entry, then an answer with 0 for it).
        for (lookup, keeps_put) in [(Lookup::Spec, false), (Lookup::Literal, true)] {
            let mut cache = PreflightCache::new();
            cache.insert(key(CredentialsMode::Omit), &["PUT"], &["x-lab"], 600, 0, lookup);
            cache.insert(key(CredentialsMode::Omit), &["PUT"], &["x-late"], 0, 1, lookup);
            assert_eq!(cache.matches_method(key(CredentialsMode::Omit), "PUT", 2, lookup), keeps_put);
            assert_eq!(cache.matches_header(key(CredentialsMode::Omit), "x-lab", 2, lookup), keeps_put);
            assert!(!cache.matches_header(key(CredentialsMode::Omit), "x-late", 2, lookup));
        }
    }

    #[test]
    fn a_literal_lookup_keeps_credentials_apart_and_stars_plain() {
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Include), &["PUT"], &["x-a"], 60, 0, Lookup::Literal);
        let literal = |credentials, method: &str, names: &[&str]| {
            let method = Method::new(method).unwrap();
            cache.allows(key(credentials), &method, names.iter().copied(), 1, Lookup::Literal)
        };
        assert!(literal(CredentialsMode::Include, "PUT", &["X-A"]));
        assert!(!literal(CredentialsMode::Omit, "PUT", &["X-A"]));
        assert!(literal(CredentialsMode::Include, "GET", &["x-a"]));
        assert!(!literal(CredentialsMode::Include, "HEAD", &["x-a"]));

        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Omit), &["*"], &["*"], 60, 0, Lookup::Literal);
        let delete = Method::new("DELETE").unwrap();
        assert!(!cache.allows(key(CredentialsMode::Omit), &delete, ["x-b"], 1, Lookup::Literal));
        assert!(cache.allows(key(CredentialsMode::Omit), &delete, ["x-b"], 1, Lookup::Spec));
    }

    #[test]
    fn a_spec_lookup_needs_no_method_entry_for_safelisted_methods() {
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Include), NONE, &["x-a"], 60, 0, Lookup::Literal);
        let head = Method::new("HEAD").unwrap();
        assert!(cache.allows(key(CredentialsMode::Omit), &head, ["x-a"], 1, Lookup::Spec));
        assert!(!cache.allows(key(CredentialsMode::Omit), &head, ["x-a", "x-b"], 1, Lookup::Spec));
    }

    #[test]
    fn keys_separate_partitions_origins_and_urls() {
        let mut cache = PreflightCache::new();
        cache.insert(key(CredentialsMode::Omit), &["PUT"], NONE, 60, 0, Lookup::Literal);
        let other = Key { partition: "http://evil.localhost", ..key(CredentialsMode::Omit) };
        assert!(!cache.matches_method(other, "PUT", 1, Lookup::Spec));
        assert!(cache.clear(key(CredentialsMode::Omit)));
        assert!(cache.is_empty());
        // A preflight that allowed nothing to cache leaves nothing to drop.
        cache.insert(key(CredentialsMode::Omit), NONE, NONE, 60, 0, Lookup::Literal);
        assert!(!cache.clear(key(CredentialsMode::Omit)));
    }
}
