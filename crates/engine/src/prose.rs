//! Sentence assembly for the narrator: a sentence is a list of pieces (fixed text, URLs, origins,
//! methods, numbers, lists of names) written into one string allocated at its exact length.
//!
//! An explanation writes about twenty sentences. Going through `format!` costs a formatter pass
//! per argument and a buffer that grows (or is oversized) per sentence; adding up the pieces'
//! lengths first and copying them once is most of what brought a typical explanation under
//! 2 µs. The crate's `says!` macro is how sentences are built, so call sites read as the sentence
//! they write.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use url::Url;

use crate::header::HeaderName;
use crate::local_network::AddressSpace;
use crate::method::Method;
use crate::origin::Origin;
use crate::safelist::UnsafeName;

/// A piece of a sentence: something that knows how long it is written out, and writes itself.
pub(crate) trait Piece {
    /// The length in bytes of the written piece.
    fn len(&self) -> usize;
    /// Appends the piece to `out`.
    fn put(&self, out: &mut String);
}

/// Writes `pieces` (a tuple of pieces) into one string of exactly their length.
pub(crate) fn sentence(pieces: &impl Piece) -> String {
    let mut out = String::with_capacity(pieces.len());
    pieces.put(&mut out);
    out
}

/// Names joined by a separator (`content-type, x-csrf`), written without building the joined
/// string first.
pub(crate) struct List<'a, T> {
    items: &'a [T],
    separator: &'static str,
}

/// `items` joined by `separator`.
pub(crate) fn list<'a, T: Piece>(items: &'a [T], separator: &'static str) -> List<'a, T> {
    List { items, separator }
}

/// A header name written byte-lowercased, as `Access-Control-Request-Headers` lists it, without
/// copying it first.
pub(crate) struct Lowercase<'a>(pub &'a str);

/// A string written as Rust's `{:?}` quotes it, escapes included, as the failure sentences
/// quote a header value the server sent.
pub(crate) struct Quoted<'a>(pub &'a str);

impl Piece for str {
    fn len(&self) -> usize {
        str::len(self)
    }
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ?Sized> Piece for &T {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn put(&self, out: &mut String) {
        (**self).put(out);
    }
}

impl Piece for String {
    fn len(&self) -> usize {
        self.as_str().len()
    }
    fn put(&self, out: &mut String) {
        out.push_str(self);
    }
}

impl<T: Piece + ToOwned + ?Sized> Piece for Cow<'_, T> {
    fn len(&self) -> usize {
        (**self).len()
    }
    fn put(&self, out: &mut String) {
        (**self).put(out);
    }
}

impl Piece for Url {
    fn len(&self) -> usize {
        self.as_str().len()
    }
    fn put(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

impl Piece for Origin {
    fn len(&self) -> usize {
        self.serialize().len()
    }
    fn put(&self, out: &mut String) {
        out.push_str(self.serialize());
    }
}

impl Piece for Method {
    fn len(&self) -> usize {
        self.as_str().len()
    }
    fn put(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

impl Piece for HeaderName {
    fn len(&self) -> usize {
        self.as_str().len()
    }
    fn put(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

impl Piece for AddressSpace {
    fn len(&self) -> usize {
        self.as_str().len()
    }
    fn put(&self, out: &mut String) {
        out.push_str(self.as_str());
    }
}

impl Piece for u64 {
    fn len(&self) -> usize {
        self.checked_ilog10().map_or(1, |digits| digits as usize + 1)
    }
    fn put(&self, out: &mut String) {
        // Digits are produced from the right, into a buffer wide enough for u64::MAX.
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = *self;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend(digits[at..].iter().map(|&d| char::from(d)));
    }
}

impl Piece for u16 {
    fn len(&self) -> usize {
        u64::from(*self).len()
    }
    fn put(&self, out: &mut String) {
        u64::from(*self).put(out);
    }
}

impl Piece for usize {
    fn len(&self) -> usize {
        (*self as u64).len()
    }
    fn put(&self, out: &mut String) {
        (*self as u64).put(out);
    }
}

impl<T: Piece> Piece for List<'_, T> {
    fn len(&self) -> usize {
        let names: usize = self.items.iter().map(Piece::len).sum();
        names + self.separator.len() * self.items.len().saturating_sub(1)
    }
    fn put(&self, out: &mut String) {
        for (i, name) in self.items.iter().enumerate() {
            if i > 0 {
                out.push_str(self.separator);
            }
            name.put(out);
        }
    }
}

impl Piece for UnsafeName<'_> {
    fn len(&self) -> usize {
        self.as_sent().len()
    }
    fn put(&self, out: &mut String) {
        Lowercase(self.as_sent()).put(out);
    }
}

impl Piece for Lowercase<'_> {
    fn len(&self) -> usize {
        // ASCII lower-casing keeps every character's length.
        self.0.len()
    }
    fn put(&self, out: &mut String) {
        let start = out.len();
        out.push_str(self.0);
        out[start..].make_ascii_lowercase();
    }
}

impl Piece for Quoted<'_> {
    fn len(&self) -> usize {
        let mut counter = Counter(0);
        let _ = write!(counter, "{:?}", self.0);
        counter.0
    }
    fn put(&self, out: &mut String) {
        let _ = write!(out, "{:?}", self.0);
    }
}

/// A tuple of pieces is the pieces one after the other: what `says!` passes to [`sentence`].
macro_rules! tuple_pieces {
    ($($piece:ident)+) => {
        #[allow(non_snake_case)]
        impl<$($piece: Piece),+> Piece for ($($piece,)+) {
            fn len(&self) -> usize {
                let ($($piece,)+) = self;
                0 $(+ $piece.len())+
            }
            fn put(&self, out: &mut String) {
                let ($($piece,)+) = self;
                $($piece.put(out);)+
            }
        }
    };
}

tuple_pieces!(A);
tuple_pieces!(A B);
tuple_pieces!(A B C);
tuple_pieces!(A B C D);
tuple_pieces!(A B C D E);
tuple_pieces!(A B C D E F);
tuple_pieces!(A B C D E F G);
tuple_pieces!(A B C D E F G H);
tuple_pieces!(A B C D E F G H I);
tuple_pieces!(A B C D E F G H I J);
tuple_pieces!(A B C D E F G H I J K);
tuple_pieces!(A B C D E F G H I J K L);

/// Counts the bytes written to it.
struct Counter(usize);

impl fmt::Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_are_exactly_as_long_as_their_pieces() {
        let names = ["content-type".to_owned(), "x-csrf".to_owned()];
        let s = says!("A ", 204u16, " lists ", list(&names, ", "), ".");
        assert_eq!(s, "A 204 lists content-type, x-csrf.");
        assert_eq!(s.capacity(), s.len());
    }

    #[test]
    fn numbers_match_display() {
        for n in [0u64, 7, 10, 99, 100, 65_535, u64::MAX] {
            assert_eq!(says!(n), n.to_string());
            assert_eq!(Piece::len(&n), n.to_string().len());
        }
    }

    #[test]
    fn lists_and_quotes_match_join_and_debug() {
        let empty: [&str; 0] = [];
        assert_eq!(says!(list(&empty, ", ")), "");
        assert_eq!(says!(list(&["a"], ", ")), "a");
        assert_eq!(says!(Quoted("a\"b\u{7}")), format!("{:?}", "a\"b\u{7}"));
        assert_eq!(says!("[", Lowercase("X-Csrf"), "]"), "[x-csrf]");
    }
}
