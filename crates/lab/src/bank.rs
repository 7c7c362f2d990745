//! FinTrack's API payloads and its fake bank data: plain types the server answers with and the
//! app reads, and pure helpers for money and the made-up transaction history.
//!
//! Every name, account number and amount is invented: nothing here is or resembles real data.

use serde::{Deserialize, Serialize};

/// The currency of every FinTrack account, as an ISO 4217 code.
pub const CURRENCY: &str = "EUR";

/// `GET /me/balance`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// The (fake) account number.
    pub account: String,
    /// The account holder's (fake) name.
    pub holder: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The balance, a decimal string with two places.
    pub balance: String,
}

/// One entry of `GET /me/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// Its id.
    pub id: String,
    /// The booking date, `YYYY-MM-DD`.
    pub date: String,
    /// The counterparty or description.
    pub description: String,
    /// The signed amount, a decimal string with two places (negative for money out).
    pub amount: String,
}

/// `GET /me/transactions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transactions {
    /// Newest first.
    pub transactions: Vec<Transaction>,
}

/// `POST /me/transfer`, as JSON or as a form (`to=...&amount=...&memo=...`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    /// The payee's account.
    pub to: String,
    /// The amount, a decimal string (`"25"`, `"25.5"`, `"25.50"`).
    pub amount: String,
    /// An optional memo.
    #[serde(default)]
    pub memo: Option<String>,
}

/// The answer to a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferDone {
    /// The ledger entry that records it.
    pub ledger_id: u64,
    /// The amount moved.
    pub amount: String,
    /// The payee.
    pub to: String,
    /// The balance after the transfer.
    pub balance: String,
}

/// `PUT /me/email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChange {
    /// The new address.
    pub email: String,
}

/// The answer to `PUT /me/email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailChanged {
    /// The address now on file.
    pub email: String,
}

/// The answer to `DELETE /me/sessions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsRevoked {
    /// How many sessions were signed out, this one included.
    pub revoked: usize,
}

/// The answer to the dashboard's `POST /login` and `GET /whoami`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// Whether the browser is signed in.
    pub signed_in: bool,
    /// The holder's (fake) name when signed in.
    pub holder: Option<String>,
    /// The `Set-Cookie` line just sent, on login, with `…` for the token (the cookie itself is
    /// `HttpOnly`, and no script reads its value).
    pub set_cookie: Option<String>,
    /// The attributes of the session's cookie (on login and when signed in): what the browser
    /// holds, whatever the lab is set to now.
    #[serde(default)]
    pub cookie: Option<crate::cookie::CookieSettings>,
    /// When that cookie was set, in milliseconds since the Unix epoch.
    #[serde(default)]
    pub set_at_ms: Option<u64>,
}

impl WhoAmI {
    /// The answer for a browser that holds no session.
    pub fn signed_out() -> Self {
        Self { signed_in: false, holder: None, set_cookie: None, cookie: None, set_at_ms: None }
    }

    /// The answer for a browser signed in as `holder` with a session cookie set with `cookie`'s
    /// attributes at `set_at_ms` (no `Set-Cookie` line: that is the login's answer alone).
    pub fn signed_in(holder: Option<String>, cookie: crate::cookie::CookieSettings, set_at_ms: u64) -> Self {
        Self { signed_in: true, holder, set_cookie: None, cookie: Some(cookie), set_at_ms: Some(set_at_ms) }
    }
}

/// The largest single transfer the API accepts, in cents.
pub const MAX_TRANSFER_CENTS: u64 = 1_000_000;

/// Parses a positive decimal amount with at most two decimal places into cents.
pub fn parse_amount(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.len() <= 9 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (text.contains('.') && (fraction.len() > 2 || !digits(fraction))) {
        return Err(format!("amount must be a decimal like 25.00, not {text:?}"));
    }
    let whole: u64 = whole.parse().map_err(|_| "amount is too large".to_owned())?;
    let cents: u64 = format!("{fraction:0<2}").parse().unwrap_or(0);
    let total = whole * 100 + cents;
    if total == 0 {
        return Err("amount must be more than 0.00".to_owned());
    }
    if total > MAX_TRANSFER_CENTS {
        return Err(format!("amount must be at most {}", format_cents(MAX_TRANSFER_CENTS as i64)));
    }
    Ok(total)
}

/// Formats cents as a decimal string with two places: `-1234` is `"-12.34"`.
pub fn format_cents(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Whether `email` looks like an address (one `@`, a dot in the domain, no spaces or control
/// characters, ≤ 254 bytes).
pub fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.contains(char::is_whitespace)
        && !email.contains(char::is_control)
        && !domain.contains('@')
}

/// A made-up account opened from `seed`: holder, account number, starting balance and history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeAccount {
    /// The holder's name.
    pub holder: String,
    /// The account number (`LAB-` followed by digits: no real scheme).
    pub account: String,
    /// The email on file.
    pub email: String,
    /// The balance in cents.
    pub balance_cents: i64,
    /// The history, newest first.
    pub transactions: Vec<Transaction>,
}

/// A plausible account made from `seed`, the same every time for the same seed.
pub fn fake_account(seed: u64) -> FakeAccount {
    // Every holder is Alex, the customer of the lab's story; the surname tells accounts apart.
    const FIRST: &str = "Alex";
    const LAST: [&str; 8] =
        ["Demo", "Example", "Sample", "Testwell", "Placeholder", "Mock", "Fixture", "Dummy"];
    const PAYEES: [(&str, i64, i64); 12] = [
        ("Bakery Lumen", -320, -1890),
        ("Metro card top-up", -2000, -5000),
        ("Salary, Example Corp", 285_000, 342_000),
        ("Rent, Placeholder Homes", -98_000, -98_000),
        ("Grocer & Sons", -1450, -11_200),
        ("Streaming Service Ltd", -1299, -1299),
        ("Pharmacy Nightingale", -560, -4380),
        ("Refund, Mock Electronics", 1999, 12_999),
        ("Café Ristretto", -280, -940),
        ("Power & Light Utility", -6420, -9870),
        ("Bookshop Marginalia", -1500, -4200),
        ("Transfer from Robin Sample", 2500, 15_000),
    ];
    let mut rng = SplitMix(seed);
    let first = FIRST;
    let last = LAST[rng.below(LAST.len() as u64) as usize];
    let balance_cents = 500_000 + rng.below(2_000_000) as i64;
    let mut transactions = Vec::new();
    // Thirty days of history, newest first, dated relative to a fixed made-up day.
    for i in 0..24u64 {
        let (payee, low, high) = PAYEES[rng.below(PAYEES.len() as u64) as usize];
        let (low, high) = (low.min(high), low.max(high));
        let amount = low + rng.below((high - low) as u64 + 1) as i64;
        let day = 30 - (i * 30 / 24);
        transactions.push(Transaction {
            id: format!("tx-{:04x}-{i:02}", seed & 0xffff),
            date: format!("2026-10-{day:02}"),
            description: payee.to_owned(),
            amount: format_cents(amount),
        });
    }
    FakeAccount {
        holder: format!("{first} {last}"),
        account: format!("LAB-{:04}-{:04}", rng.below(10_000), rng.below(10_000)),
        email: format!("{}.{}@fintrack.localhost", first.to_lowercase(), last.to_lowercase()),
        balance_cents,
        transactions,
    }
}

/// SplitMix64: a tiny deterministic generator, so fake data needs no randomness crate.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_parse_to_cents_or_say_why_not() {
        assert_eq!(parse_amount("25"), Ok(2500));
        assert_eq!(parse_amount("25.5"), Ok(2550));
        assert_eq!(parse_amount(" 0.07 "), Ok(7));
        for bad in ["", "0", "-5", "1.234", "1e3", "abc", ".5", "5.", "99999999999", "10000.01"] {
            assert!(parse_amount(bad).is_err(), "{bad:?}");
        }
        assert_eq!(parse_amount("10000.00"), Ok(MAX_TRANSFER_CENTS));
    }

    #[test]
    fn cents_format_with_sign_and_two_places() {
        assert_eq!(format_cents(1_284_055), "12840.55");
        assert_eq!(format_cents(-7), "-0.07");
        assert_eq!(format_cents(0), "0.00");
    }

    #[test]
    fn fake_accounts_are_stable_per_seed_and_obviously_fake() {
        let a = fake_account(7);
        assert_eq!(a, fake_account(7));
        assert_ne!(a.account, fake_account(8).account);
        assert!(a.account.starts_with("LAB-"));
        assert!(a.email.ends_with("@fintrack.localhost"));
        assert_eq!(a.transactions.len(), 24);
        assert!(a.balance_cents > 0);
        assert!(a.holder.starts_with("Alex "), "the story calls the customer Alex: {}", a.holder);
    }

    #[test]
    fn emails_are_checked_loosely() {
        assert!(plausible_email("a@b.example"));
        for bad in ["", "a", "a@b", "@b.c", "a@.b", "a b@c.d", "a@b@c.d", "a\u{7f}@b.c", "a\u{1b}[31m@b.c"] {
            assert!(!plausible_email(bad), "{bad:?}");
        }
    }
}
