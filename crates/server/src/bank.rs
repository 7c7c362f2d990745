//! FinTrack's books: sessions, fake accounts and the operations the API performs on them.
//! Every login opens a fresh made-up account, so each browser (and each test) gets its own.

use std::collections::{HashMap, VecDeque};

use corslab_lab::bank::{Balance, FakeAccount, Transaction, fake_account, format_cents};
use corslab_lab::cookie::CookieSettings;

use crate::random_token;

/// Sessions and accounts, bounded: the oldest session is forgotten first.
#[derive(Debug)]
pub struct Bank {
    sessions: HashMap<String, u64>,
    order: VecDeque<String>,
    accounts: HashMap<u64, Account>,
    next_account: u64,
    max_sessions: usize,
}

/// One account.
#[derive(Debug)]
pub struct Account {
    /// Its fake identity and history.
    pub fake: FakeAccount,
    /// The attributes of the session cookie it was opened with.
    pub cookie: CookieSettings,
    /// When that cookie was set, in milliseconds since the Unix epoch.
    pub set_at_ms: u64,
}

/// How many transactions an account keeps: transfers add to the history, memory does not grow.
const MAX_TRANSACTIONS: usize = 50;

impl Bank {
    /// An empty bank that keeps at most `max_sessions` sessions.
    pub fn new(max_sessions: usize) -> Self {
        Self {
            sessions: HashMap::new(),
            order: VecDeque::new(),
            accounts: HashMap::new(),
            next_account: 1,
            max_sessions: max_sessions.max(1),
        }
    }

    /// Opens a fresh account and a session for it, whose cookie has `cookie`'s attributes and was
    /// set at `set_at_ms`; returns the session id.
    pub fn open(&mut self, cookie: CookieSettings, set_at_ms: u64) -> String {
        let id = self.next_account;
        self.next_account += 1;
        let seed = u64::from_str_radix(&random_token()[..16], 16).unwrap_or(id);
        self.accounts.insert(id, Account { fake: fake_account(seed), cookie, set_at_ms });
        let token = random_token();
        self.sessions.insert(token.clone(), id);
        self.order.push_back(token.clone());
        while self.sessions.len() > self.max_sessions {
            let Some(oldest) = self.order.pop_front() else { break };
            self.end(&oldest);
        }
        token
    }

    /// Ends one session; the account goes when its last session does.
    pub fn end(&mut self, token: &str) {
        if let Some(account) = self.sessions.remove(token) {
            self.order.retain(|t| t != token);
            if !self.sessions.values().any(|a| *a == account) {
                self.accounts.remove(&account);
            }
        }
    }

    /// The account behind a session.
    pub fn account(&mut self, token: &str) -> Option<&mut Account> {
        let id = *self.sessions.get(token)?;
        self.accounts.get_mut(&id)
    }

    /// Ends every session of the account behind `token`; returns how many ended.
    pub fn revoke_all(&mut self, token: &str) -> usize {
        let Some(&account) = self.sessions.get(token) else { return 0 };
        let tokens: Vec<String> =
            self.sessions.iter().filter(|(_, a)| **a == account).map(|(t, _)| t.clone()).collect();
        for token in &tokens {
            self.end(token);
        }
        tokens.len()
    }

    /// How many sessions exist.
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Forgets everything.
    pub fn clear(&mut self) {
        self.sessions.clear();
        self.order.clear();
        self.accounts.clear();
    }
}

impl Account {
    /// The balance as the API answers it.
    pub fn balance(&self) -> Balance {
        Balance {
            account: self.fake.account.clone(),
            holder: self.fake.holder.clone(),
            currency: corslab_lab::bank::CURRENCY.to_owned(),
            balance: format_cents(self.fake.balance_cents),
        }
    }

    /// Moves `cents` to `to`, recorded under the ledger id `id` gives, asked only once the
    /// transfer is sure to happen; returns the balance after and that id, or why not.
    pub fn transfer(
        &mut self,
        cents: u64,
        to: &str,
        memo: &str,
        id: impl FnOnce() -> u64,
    ) -> Result<(i64, u64), String> {
        let cents = i64::try_from(cents).map_err(|_| "amount is too large".to_owned())?;
        if cents > self.fake.balance_cents {
            return Err(format!(
                "insufficient funds: the balance is {}",
                format_cents(self.fake.balance_cents)
            ));
        }
        let id = id();
        self.fake.balance_cents -= cents;
        let description =
            if memo.is_empty() { format!("Transfer to {to}") } else { format!("Transfer to {to}: {memo}") };
        self.fake.transactions.insert(
            0,
            Transaction {
                id: format!("tx-lab-{id}"),
                date: "2026-11-01".to_owned(),
                description,
                amount: format_cents(-cents),
            },
        );
        self.fake.transactions.truncate(MAX_TRANSACTIONS);
        Ok((self.fake.balance_cents, id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_bounded_oldest_first() {
        let mut bank = Bank::new(2);
        let first = bank.open(CookieSettings::default(), 0);
        let second = bank.open(CookieSettings::default(), 0);
        let third = bank.open(CookieSettings::default(), 0);
        assert_eq!(bank.sessions(), 2);
        assert!(bank.account(&first).is_none());
        assert!(bank.account(&second).is_some() && bank.account(&third).is_some());
    }

    #[test]
    fn transfers_move_money_and_refuse_overdrafts() {
        let mut bank = Bank::new(4);
        let token = bank.open(CookieSettings::default(), 0);
        let account = bank.account(&token).unwrap();
        let before = account.fake.balance_cents;
        assert_eq!(account.transfer(2500, "LAB-1", "rent", || 1), Ok((before - 2500, 1)));
        assert_eq!(account.fake.transactions[0].amount, "-25.00");
        let refused =
            account.transfer(u64::try_from(before).unwrap(), "LAB-1", "", || panic!("no id for a refusal"));
        assert!(refused.is_err());
        assert_eq!(bank.revoke_all(&token), 1);
        assert_eq!(bank.sessions(), 0);
    }
}
