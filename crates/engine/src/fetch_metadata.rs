//! Fetch Metadata: the `Sec-Fetch-Site` and `Sec-Fetch-Mode` headers a request carries, which
//! tell the server where it comes from and how it may be read. They decide nothing in the
//! browser, but a server may refuse on them, and the lab's log shows them.
//!
//! <https://w3c.github.io/webappsec-fetch-metadata/>

use serde::{Deserialize, Serialize};
use url::Url;

use crate::origin::Origin;
use crate::secure_context::is_potentially_trustworthy;
use crate::site::Site;

/// A request's relation to its initiator, as `Sec-Fetch-Site` says it, from closest to
/// farthest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    /// Every URL so far is on the page's origin.
    SameOrigin,
    /// Some URL is on another origin of the page's site, none on another site.
    SameSite,
    /// Some URL is on another site (or the page's origin is opaque).
    CrossSite,
}

impl Relation {
    /// The header's value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SameOrigin => "same-origin",
            Self::SameSite => "same-site",
            Self::CrossSite => "cross-site",
        }
    }

    /// The relation once the request's URL list has grown by `url`: the farthest of every URL
    /// in the list, as the spec's loop over the URL list decides it, with sites compared by
    /// scheme too or not ([`Profile::schemeful_same_site`](crate::profile::Profile::schemeful_same_site)).
    ///
    /// <https://w3c.github.io/webappsec-fetch-metadata/#abstract-opdef-set-site>
    pub fn with(
        self,
        page: &Origin,
        page_site: &Site<'_>,
        url: &Url,
        url_site: &Site<'_>,
        schemeful: bool,
    ) -> Self {
        let this = if page.same_origin_url(url) {
            Self::SameOrigin
        } else if page_site.same_site_as(url_site, schemeful) {
            Self::SameSite
        } else {
            Self::CrossSite
        };
        self.max(this)
    }
}

/// Whether a request to `url` carries the Fetch Metadata headers at all: only a potentially
/// trustworthy URL does (`https`, or a loopback host such as the lab's).
///
/// <https://w3c.github.io/webappsec-fetch-metadata/#abstract-opdef-append-the-fetch-metadata-headers-for-a-request>
pub fn sent_to(url: &Url) -> bool {
    is_potentially_trustworthy(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relation_as(page: &str, urls: &[&str], schemeful: bool) -> Relation {
        let page = Origin::parse(page).unwrap();
        let page_site = page.site();
        urls.iter().fold(Relation::SameOrigin, |so_far, url| {
            let url = Url::parse(url).unwrap();
            so_far.with(&page, &page_site, &url, &Site::of_url(&url), schemeful)
        })
    }

    fn relation(page: &str, urls: &[&str]) -> Relation {
        relation_as(page, urls, true)
    }

    #[test]
    fn the_farthest_url_of_the_list_decides() {
        let page = "http://blog.fintrack.localhost:8080";
        assert_eq!(relation(page, &["http://blog.fintrack.localhost:8080/x"]), Relation::SameOrigin);
        assert_eq!(relation(page, &["http://api.fintrack.localhost:8080/me"]), Relation::SameSite);
        assert_eq!(relation(page, &["http://evil.localhost:8080/"]), Relation::CrossSite);
        // Coming back does not undo what the chain passed through.
        assert_eq!(
            relation(
                page,
                &["http://api.fintrack.localhost:8080/r", "http://blog.fintrack.localhost:8080/x"]
            ),
            Relation::SameSite
        );
        assert_eq!(
            relation(page, &["http://evil.localhost:8080/r", "http://api.fintrack.localhost:8080/me"]),
            Relation::CrossSite
        );
    }

    #[test]
    fn another_scheme_is_another_site_only_where_sites_are_schemeful() {
        let (page, url) = ("https://blog.fintrack.localhost:8443", "http://api.fintrack.localhost:8080/me");
        assert_eq!(relation_as(page, &[url], true), Relation::CrossSite);
        assert_eq!(relation_as(page, &[url], false), Relation::SameSite);
        assert_eq!(relation_as(page, &["http://evil.localhost:8080/"], false), Relation::CrossSite);
        assert_eq!(relation_as("null", &[url], false), Relation::CrossSite);
    }

    #[test]
    fn an_opaque_page_is_cross_site_to_everything() {
        assert_eq!(relation("null", &["http://api.fintrack.localhost:8080/me"]), Relation::CrossSite);
    }

    #[test]
    fn only_trustworthy_urls_get_the_headers() {
        assert!(sent_to(&Url::parse("http://api.fintrack.localhost:8080/").unwrap()));
        assert!(sent_to(&Url::parse("https://example.com/").unwrap()));
        assert!(!sent_to(&Url::parse("http://example.com/").unwrap()));
    }
}
