//! The rule catalog: every check the engine makes, with a stable id, its spec anchor and a plain
//! sentence saying what it decides.
//!
//! Ids are part of the output contract (`Verdict.steps[].rule`): never rename one; retire it instead.

use std::fmt;

/// The Fetch Standard revision the anchors below were taken from.
pub const FETCH_REVISION: &str = "whatwg/fetch@586cd2a44c2a865b37c166dc0740f3fb8bb220d6 (2026-07-02)";

/// Base URL of the Fetch Standard.
pub const FETCH_SPEC: &str = "https://fetch.spec.whatwg.org/";

/// One rule the engine applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// The stable id (`cors_check.allow_origin`).
    pub id: &'static str,
    /// Where the rule is specified: a Fetch anchor (`#concept-cors-check`) or a full URL.
    pub spec: &'static str,
    /// What the rule decides, in one sentence of our own.
    pub summary: &'static str,
}

impl Rule {
    /// The full URL of the rule's specification section.
    pub fn spec_url(&self) -> String {
        match self.spec.strip_prefix('#') {
            Some(anchor) => format!("{FETCH_SPEC}#{anchor}"),
            None => self.spec.to_owned(),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

macro_rules! catalog {
    ($($(#[$doc:meta])* $name:ident = $id:literal, $spec:literal, $summary:literal;)*) => {
        $( $(#[$doc])* pub const $name: Rule = Rule { id: $id, spec: $spec, summary: $summary }; )*
        /// Every rule, in catalog order.
        pub const ALL: &[Rule] = &[$($name),*];
    };
}

catalog! {
    /// Same-origin requests skip the CORS protocol.
    SAME_ORIGIN = "origin.same_origin", "#concept-main-fetch",
        "A request to the page's own origin is read without any CORS check.";
    /// The request mode decides how a cross-origin request is handled.
    MODE = "request.mode", "#concept-request-mode",
        "A cross-origin request in cors mode goes through the CORS protocol; no-cors yields an opaque response; same-origin mode refuses it.";
    /// The value of the `Origin` header.
    ORIGIN_HEADER = "request.origin_header", "#serializing-a-request-origin",
        "The Origin header carries the page's serialized origin, or null once a redirect has crossed origins.";
    /// The CORS check's `Access-Control-Allow-Origin` part.
    CORS_CHECK_ALLOW_ORIGIN = "cors_check.allow_origin", "#concept-cors-check",
        "Access-Control-Allow-Origin must be present once and equal the request's origin byte for byte, or be * when no credentials are included.";
    /// The CORS check's `Access-Control-Allow-Credentials` part.
    CORS_CHECK_ALLOW_CREDENTIALS = "cors_check.allow_credentials", "#concept-cors-check",
        "When credentials are included, Access-Control-Allow-Credentials must be exactly true.";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pinned list of Fetch anchors, from the spec revision in [`FETCH_REVISION`].
    const ANCHORS: &str = include_str!("../spec/fetch-anchors.txt");

    #[test]
    fn every_cited_fetch_anchor_exists_in_the_pinned_revision() {
        let known: Vec<&str> = ANCHORS.lines().skip(1).collect();
        for rule in ALL {
            if let Some(anchor) = rule.spec.strip_prefix('#') {
                assert!(known.contains(&anchor), "{}: #{anchor} is not in the pinned anchor list", rule.id);
            } else {
                assert!(rule.spec.starts_with("https://"), "{}: spec must be #anchor or a URL", rule.id);
            }
        }
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        assert_eq!(before, ids.len(), "duplicate rule id");
    }

    #[test]
    fn pinned_list_names_the_revision() {
        assert!(ANCHORS.lines().next().unwrap().contains("586cd2a44c2a865b37c166dc0740f3fb8bb220d6"));
        assert!(FETCH_REVISION.contains("586cd2a44c2a865b37c166dc0740f3fb8bb220d6"));
    }
}
