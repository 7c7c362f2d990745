//! The expected-differences file (`tests/matrix/expected-differences.toml`): every known place
//! where the engine and a real browser differ, each with its reason. A difference it does not
//! describe fails the matrix, and so does an entry that describes a field where they agree (an
//! unexpected pass: the difference is gone, delete the entry) or, in a full run, one that
//! matches no scenario (stale).

use corslab_engine::Browser;
use serde::Deserialize;

use crate::compare::{Check, Field};

/// The parsed file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The entries, in file order.
    #[serde(default, rename = "difference")]
    pub entries: Vec<Entry>,
}

/// One known difference.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Scenario id patterns; `*` matches any run of characters.
    pub scenarios: Vec<String>,
    /// The browser, or both when absent.
    #[serde(default)]
    pub browser: Option<Browser>,
    /// The field that differs.
    pub field: Field,
    /// The engine's value, when the entry pins it.
    #[serde(default)]
    pub engine: Option<String>,
    /// The browser's value, when the entry pins it.
    #[serde(default)]
    pub observed: Option<String>,
    /// Why they differ, and why the engine is left as it is.
    pub reason: String,
}

/// How one compared field of one scenario in one browser came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The engine and the browser agree, and no entry says otherwise.
    Agrees,
    /// They differ as the entry with this index describes.
    Expected(usize),
    /// They differ and no entry describes it (or the entry pins other values).
    Unexpected,
    /// They agree, yet the entry with this index says they differ.
    UnexpectedPass(usize),
}

/// The file's path, relative to the repository root.
pub const PATH: &str = "tests/matrix/expected-differences.toml";

impl Expected {
    /// Reads the file's text, refusing entries for the required fields: those must agree in
    /// every scenario, and a difference there is an engine bug to fix.
    pub fn parse(text: &str) -> Result<Self, String> {
        let expected: Self = toml::from_str(text).map_err(|e| format!("{PATH}: {e}"))?;
        for (i, entry) in expected.entries.iter().enumerate() {
            if entry.field.required() {
                return Err(format!(
                    "{PATH}: difference {} is about {}, which must agree in every scenario: fix the engine instead",
                    i + 1,
                    entry.field.name()
                ));
            }
            if entry.scenarios.is_empty() || entry.reason.trim().is_empty() {
                return Err(format!("{PATH}: difference {} needs scenarios and a reason", i + 1));
            }
        }
        Ok(expected)
    }

    /// Marks one compared field of scenario `id` in `browser`.
    pub fn mark(&self, id: &str, browser: Browser, check: &Check) -> Mark {
        let covering = self.entries.iter().enumerate().find(|(_, e)| e.covers(id, browser, check.field));
        match (covering, check.agrees()) {
            (None, true) => Mark::Agrees,
            (None, false) => Mark::Unexpected,
            (Some((i, _)), true) => Mark::UnexpectedPass(i),
            (Some((i, entry)), false) if entry.pins(check) => Mark::Expected(i),
            (Some(_), false) => Mark::Unexpected,
        }
    }

    /// The entries that matched nothing among `used` (indices of entries some mark named).
    pub fn stale(&self, used: &[usize]) -> Vec<usize> {
        (0..self.entries.len()).filter(|i| !used.contains(i)).collect()
    }
}

impl Entry {
    fn covers(&self, id: &str, browser: Browser, field: Field) -> bool {
        self.field == field
            && self.browser.is_none_or(|b| b == browser)
            && self.scenarios.iter().any(|pattern| glob(pattern, id))
    }

    fn pins(&self, check: &Check) -> bool {
        self.engine.as_ref().is_none_or(|v| *v == check.engine)
            && self.observed.as_ref().is_none_or(|v| *v == check.browser)
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters.
pub fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[difference]]
scenarios = ["response/*/attacker"]
browser = "firefox"
field = "console"
observed = "x"
reason = "Firefox words it differently"
"#;

    fn check(engine: &str, browser: &str) -> Check {
        Check { field: Field::Console, engine: engine.to_owned(), browser: browser.to_owned() }
    }

    #[test]
    fn entries_excuse_exactly_the_difference_they_describe() {
        let expected = Expected::parse(FILE).unwrap();
        let id = "response/acao-star/attacker";
        assert_eq!(expected.mark(id, Browser::Firefox, &check("y", "x")), Mark::Expected(0));
        assert_eq!(expected.mark(id, Browser::Firefox, &check("y", "z")), Mark::Unexpected, "another value");
        assert_eq!(expected.mark(id, Browser::Firefox, &check("x", "x")), Mark::UnexpectedPass(0));
        assert_eq!(expected.mark(id, Browser::Chromium, &check("y", "x")), Mark::Unexpected, "other browser");
        assert_eq!(expected.mark("response/x/sibling", Browser::Firefox, &check("y", "x")), Mark::Unexpected);
        assert_eq!(expected.mark(id, Browser::Chromium, &check("x", "x")), Mark::Agrees);
        assert_eq!(expected.stale(&[]), vec![0]);
        assert!(expected.stale(&[0]).is_empty());
    }

    #[test]
    fn required_fields_cannot_be_excused() {
        let file = FILE.replace("\"console\"", "\"cookies_sent\"");
        assert!(Expected::parse(&file).unwrap_err().contains("fix the engine"));
        assert!(
            Expected::parse("[[difference]]\nscenarios = []\nfield = \"reason\"\nreason = \"r\"").is_err()
        );
        assert!(Expected::parse("bogus = 1").is_err());
        assert_eq!(Expected::parse("").unwrap(), Expected::default());
    }

    #[test]
    fn globs_match_any_run_of_characters() {
        assert!(glob("a/*/c", "a/b/c"));
        assert!(glob("a/*", "a/"));
        assert!(glob("*", ""));
        assert!(glob("*b*", "abc"));
        assert!(!glob("a/*/c", "a/b/d"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("a*bc", "abc*"));
        assert!(glob("a*b*b", "abbb"));
    }
}
