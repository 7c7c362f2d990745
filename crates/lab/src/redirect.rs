//! Where the lab's redirects point when they point somewhere a fetch may not follow, and the
//! bounce's path: shared by the server that answers them and the pages and tests that predict
//! them.

/// The path of the bounce on every page host: a logged redirect to FinTrack's balance.
pub const BOUNCE_PATH: &str = "/__lab/bounce";

/// Where `/redirect?to=` points for the targets outside the lab: `data` (a `data:` URL, which
/// is not HTTP(S)) and `invalid` (a Location that does not parse as a URL); `None` for every
/// other target.
pub fn unfollowable_location(to: &str) -> Option<&'static str> {
    match to {
        "data" => Some("data:text/plain,redirected"),
        "invalid" => Some("http://["),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unfollowable_locations_are_what_their_names_say() {
        let data = unfollowable_location("data").unwrap();
        assert_eq!(url::Url::parse(data).unwrap().scheme(), "data");
        assert!(url::Url::parse(unfollowable_location("invalid").unwrap()).is_err());
        assert_eq!(unfollowable_location("same"), None);
    }
}
