//! A request copied as a cURL command line: DevTools' "Copy as cURL" in Chromium (bash or cmd)
//! and Firefox (POSIX or Windows), or a command someone wrote. The command is split into words
//! the way its shell would (POSIX quoting, or cmd.exe's carets and the Microsoft C runtime's
//! quotes), then its options are read the way curl reads them.

use super::{Copied, Reader, Request};

/// Reads `text` as a cURL command line: `None` when it is no such command, an error saying
/// what is wrong when it is one that cannot be read (worded to follow "This is a cURL
/// command, but").
pub fn command(text: &str) -> Option<Result<Copied, String>> {
    let text = text.trim();
    let program = text.split_whitespace().next()?;
    if !program.eq_ignore_ascii_case("curl") && !program.eq_ignore_ascii_case("curl.exe") {
        return None;
    }
    let cmd = program.eq_ignore_ascii_case("curl.exe")
        || text.contains("^\"")
        || text.lines().any(|line| line.trim_end().ends_with(" ^"));
    let words = if cmd { Ok(cmd_words(text)) } else { posix_words(text) };
    Some(words.and_then(|words| read(&words[1..])))
}

/// What the options of a command say, before they become a request.
#[derive(Debug, Default)]
struct Options {
    url: Option<String>,
    method: Option<String>,
    /// `-I`: HEAD. `-G`: GET, the data going into the query.
    head: bool,
    get: bool,
    /// The request's body, joined with `&` as curl joins several `-d`.
    data: Vec<String>,
    /// `-T`: the body is a file, sent with PUT.
    upload: bool,
    /// The headers the command sets, in order.
    headers: Vec<(String, String)>,
    /// The headers curl adds for an option (`-d`'s `Content-Type`), unless the command sets
    /// them or removes them (`-H 'Accept:'`).
    defaults: Vec<(&'static str, &'static str)>,
    removed: Vec<String>,
}

impl Options {
    fn header(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_owned(), value.to_owned()));
    }

    /// The headers sent: the command's, then curl's own for its options. With `-G` the data
    /// goes into the query and no body is sent, so neither are the body's headers.
    fn headers(mut self) -> Vec<(String, String)> {
        let defaults = if self.get { Vec::new() } else { std::mem::take(&mut self.defaults) };
        for (name, value) in defaults {
            let named = |n: &String| n.eq_ignore_ascii_case(name);
            if !self.headers.iter().any(|(n, _)| named(n)) && !self.removed.iter().any(named) {
                self.header(name, value);
            }
        }
        self.headers
    }

    /// The method curl sends: `-X`'s, else the one its other options imply.
    fn method(&self) -> &str {
        match &self.method {
            Some(method) => method,
            None if self.head => "HEAD",
            None if self.get => "GET",
            None if self.upload => "PUT",
            None if !self.data.is_empty() => "POST",
            None => "GET",
        }
    }
}

/// Reads the words after `curl`, up to the end of the command: DevTools' "Copy all as cURL"
/// joins several with ` ;` (bash) or ` &` (cmd), and only the first is read.
fn read(words: &[String]) -> Result<Copied, String> {
    let mut options = Options::default();
    let mut words = words.iter().take_while(|word| !matches!(word.as_str(), ";" | "&" | "&&" | "||" | "|"));
    while let Some(word) = words.next() {
        if let Some(long) = word.strip_prefix("--").filter(|long| !long.is_empty()) {
            let mut value = || words.next().ok_or_else(|| format!("--{long} needs a value after it"));
            option(&mut options, long, &mut value)?;
        } else if let Some(short) = word.strip_prefix('-').filter(|short| !short.is_empty()) {
            // Short options may be bundled (`-sSL`); the first that takes a value takes the
            // rest of the word, or else the next word (`-XPUT`, `-X PUT`).
            for (i, letter) in short.char_indices() {
                let Some(long) = long_name(letter) else { continue };
                if !takes_value(long) {
                    option(&mut options, long, &mut || Err(format!("-{letter} takes no value")))?;
                    continue;
                }
                let rest = &short[i + letter.len_utf8()..];
                let next = if rest.is_empty() { words.next().cloned() } else { Some(rest.to_owned()) };
                let value = next.ok_or_else(|| format!("-{letter} needs a value after it"))?;
                option(&mut options, long, &mut || Ok(&value))?;
                break;
            }
        } else if options.url.is_none() {
            options.url = Some(word.clone());
        }
    }
    request(options)
}

/// Reads one option by its long name, taking its value from `value` when it has one. Options
/// that do not change the request a browser sent (output, verbosity, TLS, timeouts) are passed
/// over, with their values.
fn option<'w>(
    options: &mut Options,
    long: &str,
    value: &mut dyn FnMut() -> Result<&'w String, String>,
) -> Result<(), String> {
    match long {
        "url" => options.url = Some(value()?.clone()),
        "request" => options.method = Some(value()?.clone()),
        "head" => options.head = true,
        "get" => options.get = true,
        "header" => {
            let line = value()?;
            match line.split_once(':') {
                // `Name:` removes a header curl would add: nothing is sent.
                Some((name, value)) if value.trim().is_empty() => {
                    options.removed.push(name.trim().to_owned());
                }
                Some((name, value)) => options.header(name.trim(), value.trim()),
                // `Name;` sends the header empty; `@file` reads headers from a file.
                None if line.ends_with(';') => options.header(line.trim_end_matches(';').trim(), ""),
                None => {}
            }
        }
        "cookie" => {
            // A value without `=` names a cookie file, sending nothing by itself.
            let cookies = value()?;
            if cookies.contains('=') {
                options.header("Cookie", cookies);
            }
        }
        "user-agent" => options.header("User-Agent", value()?),
        "referer" => options.header("Referer", value()?.trim_end_matches(";auto")),
        "user" => options.header("Authorization", &format!("Basic {}", base64(value()?.as_bytes()))),
        "oauth2-bearer" => options.header("Authorization", &format!("Bearer {}", value()?)),
        "range" => options.header("Range", &format!("bytes={}", value()?)),
        "data" | "data-ascii" | "data-binary" | "data-raw" | "data-urlencode" => {
            options.data.push(value()?.clone());
            options.defaults.push(("Content-Type", "application/x-www-form-urlencoded"));
        }
        "json" => {
            options.data.push(value()?.clone());
            options.defaults.extend([("Content-Type", "application/json"), ("Accept", "application/json")]);
        }
        "form" | "form-string" => {
            options.data.push(value()?.clone());
            options.defaults.push(("Content-Type", "multipart/form-data"));
        }
        "upload-file" => {
            value()?;
            options.upload = true;
        }
        other if takes_value(other) => {
            value()?;
        }
        _ => {}
    }
    Ok(())
}

/// The request the options describe.
fn request(options: Options) -> Result<Copied, String> {
    let Some(url) = options.url.as_deref() else {
        return Err("it names no URL".to_owned());
    };
    // curl takes a URL without a scheme for http.
    let mut url = if url.contains("://") { url.to_owned() } else { format!("http://{url}") };
    if options.get && !options.data.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url += &options.data.join("&");
    }
    let mut reader = Reader {
        request: Request { method: Some(options.method().to_owned()), url: Some(url), ..Request::default() },
        ..Reader::default()
    };
    for (name, value) in &options.headers() {
        reader.header(name, value, format!("{name}: {value}"));
    }
    Ok(reader.copied())
}

/// The short options this reader knows, by their long names.
const SHORT: &[(char, &str)] = &[
    ('X', "request"),
    ('H', "header"),
    ('b', "cookie"),
    ('d', "data"),
    ('F', "form"),
    ('I', "head"),
    ('G', "get"),
    ('A', "user-agent"),
    ('e', "referer"),
    ('u', "user"),
    ('r', "range"),
    ('T', "upload-file"),
    ('o', "output"),
    ('w', "write-out"),
    ('m', "max-time"),
    ('x', "proxy"),
    ('c', "cookie-jar"),
    ('D', "dump-header"),
    ('E', "cert"),
    ('K', "config"),
    ('U', "proxy-user"),
    ('C', "continue-at"),
    ('y', "speed-time"),
    ('Y', "speed-limit"),
    ('z', "time-cond"),
];

/// The options that take a value, as `curl --help all` lists them: those this reader reads,
/// and the common ones it passes over.
#[rustfmt::skip]
const TAKE_A_VALUE: &[&str] = &[
    "url", "request", "header", "cookie", "user-agent", "referer", "user", "oauth2-bearer", "range",
    "data", "data-ascii", "data-binary", "data-raw", "data-urlencode", "json", "form", "form-string",
    "upload-file", "output", "write-out", "max-time", "proxy", "cookie-jar", "dump-header", "cert",
    "key", "cacert", "capath", "config", "proxy-user", "continue-at", "speed-time", "speed-limit",
    "time-cond", "connect-timeout", "resolve", "connect-to", "retry", "retry-delay", "retry-max-time",
    "limit-rate", "max-redirs", "interface", "local-port", "output-dir", "trace", "trace-ascii",
    "stderr", "proto", "proto-redir",
];

fn long_name(letter: char) -> Option<&'static str> {
    SHORT.iter().find(|(short, _)| *short == letter).map(|(_, long)| *long)
}

fn takes_value(long: &str) -> bool {
    TAKE_A_VALUE.contains(&long)
}

/// Splits a POSIX shell command into words: single quotes keep everything, `$'…'` reads C
/// escapes (bash's ANSI-C quoting, which DevTools uses for `'`, `!` and control characters),
/// double quotes let a backslash escape only `$`, `` ` ``, `"`, `\` and a line break, and a
/// backslash before a line break continues the line.
fn posix_words(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    // `None` between words, so that `''` is an empty word and not none.
    let mut word: Option<String> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => words.extend(word.take()),
            '\\' => match chars.next() {
                Some('\n') | None => {}
                Some('\r') if chars.next_if_eq(&'\n').is_some() => {}
                Some(c) => word.get_or_insert_default().push(c),
            },
            '\'' => {
                let word = word.get_or_insert_default();
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(unclosed('\'')),
                    }
                }
            }
            '$' if chars.next_if_eq(&'\'').is_some() => ansi_c(&mut chars, word.get_or_insert_default())?,
            '"' => {
                let word = word.get_or_insert_default();
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') => {}
                            Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                            Some(c) => word.extend(['\\', c]),
                            None => return Err(unclosed('"')),
                        },
                        Some(c) => word.push(c),
                        None => return Err(unclosed('"')),
                    }
                }
            }
            c => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    Ok(words)
}

/// Reads the rest of a `$'…'` word into `word`. Escapes may make bytes that are not UTF-8
/// (Firefox writes `é` as `\xe9`): such bytes are read as Latin-1, which is what was meant.
fn ansi_c(chars: &mut std::iter::Peekable<std::str::Chars<'_>>, word: &mut String) -> Result<(), String> {
    let mut bytes = Vec::new();
    let push = |bytes: &mut Vec<u8>, c: char| bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    loop {
        let c = chars.next().ok_or_else(|| unclosed('\''))?;
        if c == '\'' {
            break;
        }
        if c != '\\' {
            push(&mut bytes, c);
            continue;
        }
        let escaped = chars.next().ok_or_else(|| unclosed('\''))?;
        let simple = match escaped {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' | 'E' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' | '\'' | '"' | '?' => Some(escaped),
            _ => None,
        };
        if let Some(c) = simple {
            push(&mut bytes, c);
            continue;
        }
        let (radix, most) = match escaped {
            '0'..='7' => (8, 3),
            'x' => (16, 2),
            'u' => (16, 4),
            'U' => (16, 8),
            other => {
                // bash keeps an unknown escape as written.
                push(&mut bytes, '\\');
                push(&mut bytes, other);
                continue;
            }
        };
        let mut digits = String::new();
        if radix == 8 {
            digits.push(escaped);
        }
        while digits.len() < most {
            match chars.peek() {
                Some(d) if d.is_digit(radix) => digits.push(*d),
                _ => break,
            }
            chars.next();
        }
        let Ok(code) = u32::from_str_radix(&digits, radix) else {
            // `\x` or `\u` without digits stays as written.
            push(&mut bytes, '\\');
            push(&mut bytes, escaped);
            continue;
        };
        match escaped {
            'u' | 'U' => {
                let code = match code {
                    0xd800..=0xdbff => low_surrogate(chars)
                        .map_or(code, |low| 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00)),
                    _ => code,
                };
                push(&mut bytes, char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            // An octal or hexadecimal escape is one byte (bash drops the bits above it).
            _ => bytes.push((code & 0xff) as u8),
        }
    }
    for chunk in bytes.utf8_chunks() {
        word.push_str(chunk.valid());
        word.extend(chunk.invalid().iter().copied().map(char::from));
    }
    Ok(())
}

/// Takes a `\uDC00` to `\uDFFF` escape from `chars` when one comes next: the second half of a
/// character outside the Basic Multilingual Plane, which Firefox writes as two UTF-16 escapes.
fn low_surrogate(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<u32> {
    let mut ahead = chars.clone();
    if (ahead.next()?, ahead.next()?) != ('\\', 'u') {
        return None;
    }
    let digits: String = ahead.by_ref().take(4).collect();
    if digits.len() != 4 || !digits.chars().all(|d| d.is_ascii_hexdigit()) {
        return None;
    }
    let low = u32::from_str_radix(&digits, 16).ok().filter(|low| (0xdc00..=0xdfff).contains(low))?;
    *chars = ahead;
    Some(low)
}

/// Splits a cmd.exe command into words. cmd.exe reads first: outside its own double quotes a
/// caret takes the next character as it is, and a caret before a line break continues the
/// line. Then the program's C runtime splits what is left: double quotes group, `""` inside
/// them is one quote, and backslashes escape a quote only (2n backslashes and a quote are n
/// backslashes and a quote that groups; 2n+1 are n and a quote that is kept).
fn cmd_words(text: &str) -> Vec<String> {
    let mut line = String::with_capacity(text.len());
    let mut quoted = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '^' if !quoted => match chars.next() {
                Some('\r') => {
                    chars.next();
                }
                Some('\n') | None => {}
                Some(c) => line.push(c),
            },
            c => {
                quoted ^= c == '"';
                line.push(c);
            }
        }
    }
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() && !quoted => words.extend(word.take()),
            '\\' => {
                let mut run = 1;
                while chars.next_if_eq(&'\\').is_some() {
                    run += 1;
                }
                let word = word.get_or_insert_default();
                if chars.peek() == Some(&'"') {
                    word.extend(std::iter::repeat_n('\\', run / 2));
                    if run % 2 == 1 {
                        word.push('"');
                        chars.next();
                    }
                } else {
                    word.extend(std::iter::repeat_n('\\', run));
                }
            }
            '"' => {
                let word = word.get_or_insert_default();
                if quoted && chars.next_if_eq(&'"').is_some() {
                    word.push('"');
                } else {
                    quoted = !quoted;
                }
            }
            c => word.get_or_insert_default().push(c),
        }
    }
    words.extend(word);
    words
}

fn unclosed(quote: char) -> String {
    format!("a {quote} quote in it never closes; copy the whole command again")
}

/// Standard base64 with padding, as curl encodes `-u user:password`.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// DevTools' POSIX quoting: single quotes, or bash's `$'…'` when the text holds a `'` or a
    /// character `special` picks, which `escape` writes.
    fn devtools_posix(text: &str, special: impl Fn(char) -> bool, escape: impl Fn(char) -> String) -> String {
        if !text.chars().any(|c| special(c) || c == '\'') {
            return format!("'{text}'");
        }
        let mut out = "$'".to_owned();
        for c in text.chars() {
            match c {
                '\\' => out += "\\\\",
                '\'' => out += "\\'",
                '\n' => out += "\\n",
                '\r' => out += "\\r",
                c if special(c) => out += &escape(c),
                c => out.push(c),
            }
        }
        out + "'"
    }

    /// Chromium's "Copy as cURL (bash)" quoting.
    fn chromium_bash(text: &str) -> String {
        let special = |c: char| matches!(c, '\0'..='\x1f' | '\x7f'..='\u{9f}' | '!');
        devtools_posix(text, special, |c| format!("\\u{:04x}", u32::from(c)))
    }

    /// Firefox's "Copy as cURL (POSIX)" quoting.
    fn firefox_posix(text: &str) -> String {
        let special = |c: char| !(' '..='~').contains(&c) || c == '!';
        // Firefox escapes UTF-16 code units: a character beyond U+FFFF is two escapes.
        devtools_posix(text, special, |c| match u32::from(c) {
            0x21 => "\\041".to_owned(),
            code @ ..=0xff => format!("\\x{code:02x}"),
            _ => c.encode_utf16(&mut [0; 2]).iter().map(|unit| format!("\\u{unit:04x}")).collect(),
        })
    }

    /// Firefox's "Copy as cURL (Windows)" quoting for cmd.exe.
    fn firefox_cmd(text: &str) -> String {
        let mut out = "^\"".to_owned();
        let quoted = text.replace('"', "\\\"");
        let plain =
            |c: char| c.is_ascii_alphanumeric() || c.is_whitespace() || "_-:=+~/.',?;()*`".contains(c);
        let mut chars = quoted.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '%' && chars.peek().is_some_and(|n| n.is_ascii_alphanumeric() || *n == '_') {
                out += "^%^";
            } else if plain(c) {
                out.push(c);
            } else {
                out.push('^');
                out.push(c);
            }
        }
        out + "^\""
    }

    const TRICKY: &[&str] = &[
        "plain",
        "",
        "it's",
        "wow!",
        "a \"quoted\" word",
        "back\\slash",
        "line\nbreak",
        "tab\there",
        "100% sure, %PATH%",
        "caret ^ and <angle> | pipe & amp",
        "café ☕ 😀",
        "{\"email\":\"x@example.com\",\"note\":\"it's!\"}",
        "$HOME `date` $(id)",
    ];

    #[test]
    fn what_each_browser_quotes_reads_back_as_it_was() {
        for text in TRICKY {
            for (quoting, quoted) in
                [("Chromium bash", chromium_bash(text)), ("Firefox POSIX", firefox_posix(text))]
            {
                let words = posix_words(&format!("curl {quoted} x")).unwrap();
                assert_eq!(words, ["curl", text, "x"], "{quoting}: {quoted}");
            }
            let quoted = firefox_cmd(text);
            if text.contains('\n') || text.contains('\\') {
                // Neither cmd.exe nor the C runtime can carry these through: browsers double
                // backslashes, or break the line, and curl.exe gets something else.
                continue;
            }
            let words = cmd_words(&format!("curl.exe {quoted} x"));
            assert_eq!(words, ["curl.exe", text, "x"], "Firefox cmd: {quoted}");
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn any_text_quoted_for_a_posix_shell_reads_back(text in "\\PC*|[\\x00-\\x7f]*|.*") {
            // Firefox writes U+0080 to U+00FF as single bytes; two of them in a row may be the
            // UTF-8 of another character, which bash and this reader both take them for.
            let latin1 = |c: char| ('\u{80}'..='\u{ff}').contains(&c);
            let unambiguous = !text.chars().zip(text.chars().skip(1)).any(|(a, b)| latin1(a) && latin1(b));
            let firefox = unambiguous.then(|| firefox_posix(&text));
            for quoted in std::iter::once(chromium_bash(&text)).chain(firefox) {
                let words = posix_words(&format!("curl {quoted} x")).unwrap();
                proptest::prop_assert_eq!(words, ["curl", &text, "x"], "{}", quoted);
            }
        }

        #[test]
        fn any_text_quoted_for_cmd_reads_back(text in "[^\\\\\\r\\n\\x00]*") {
            let quoted = firefox_cmd(&text);
            let words = cmd_words(&format!("curl.exe {quoted} x"));
            proptest::prop_assert_eq!(words, ["curl.exe", &text, "x"], "{}", quoted);
        }
    }

    #[test]
    fn byte_escapes_are_utf8_when_they_can_be_and_latin1_when_not() {
        let read = |quoted: &str| posix_words(&format!("curl {quoted}")).unwrap().remove(1);
        // Firefox's `é`, and bash's UTF-8 bytes of it.
        assert_eq!(read("$'caf\\xe9'"), "café");
        assert_eq!(read("$'caf\\xc3\\xa9'"), "café");
        // So Firefox's `Â¡` reads as `¡`, the character its bytes make, as bash sends it.
        assert_eq!(read(&firefox_posix("Â¡")), "¡");
        // A lone half of a surrogate pair is no character.
        assert_eq!(read("$'\\ud83d!'"), "\u{fffd}!");
    }

    #[test]
    fn chromiums_copy_as_curl_bash_is_a_request() {
        let text = "curl 'http://api.fintrack.localhost:8080/me/email' \\\n  -X 'PUT' \\\n  \
                    -H 'Accept: */*' \\\n  -H 'Content-Type: application/json' \\\n  \
                    -b 'session=abc' \\\n  -H 'Origin: http://blog.fintrack.localhost:8080' \\\n  \
                    -H 'Referer: http://blog.fintrack.localhost:8080/' \\\n  -H 'Sec-Fetch-Mode: cors' \\\n  \
                    -H 'X-Csrf: 1' \\\n  --data-raw $'{\"note\":\"it\\'s\"}' \\\n  --compressed";
        let copied = command(text).unwrap().unwrap();
        let request = &copied.request;
        assert_eq!(request.method.as_deref(), Some("PUT"));
        assert_eq!(request.url.as_deref(), Some("http://api.fintrack.localhost:8080/me/email"));
        assert_eq!(request.origin.as_deref(), Some("http://blog.fintrack.localhost:8080"));
        assert_eq!(request.headers, "Content-Type: application/json\nX-Csrf: 1");
        assert_eq!(request.left_out, ["Accept", "Cookie", "Origin", "Referer", "Sec-Fetch-Mode"]);
        assert_eq!((copied.mode.as_deref(), copied.credentials.as_deref()), (Some("cors"), Some("include")));
    }

    #[test]
    fn firefoxs_copy_as_curl_windows_is_a_request() {
        let text = "curl.exe ^\"https://api.example/items?q=^%^22a^%^22^\" ^\n  -X DELETE ^\n  \
                    -H ^\"Authorization: Bearer t^\" ^\n  -H ^\"X-Q: say ^\\^\"yo^\\^\"^\" ^\n  \
                    -H ^\"Referer: https://app.example/list^\"";
        let copied = command(text).unwrap().unwrap();
        let request = &copied.request;
        assert_eq!(request.method.as_deref(), Some("DELETE"));
        assert_eq!(request.url.as_deref(), Some("https://api.example/items?q=%22a%22"));
        assert_eq!(request.headers, "Authorization: Bearer t\nX-Q: say \"yo\"");
        // Without an Origin, the page is the referrer's origin.
        assert_eq!(request.origin.as_deref(), Some("https://app.example"));
        assert!(request.origin_from_referrer);
        assert_eq!((copied.mode, copied.credentials), (None, None));
    }

    #[test]
    fn options_take_the_request_curl_sends() {
        let read = |text: &str| command(text).unwrap().unwrap().request;
        let posted = read("curl -sSL -d 'a=1' -d b=2 api.example/form");
        assert_eq!(posted.method.as_deref(), Some("POST"));
        assert_eq!(posted.url.as_deref(), Some("http://api.example/form"));
        assert_eq!(posted.headers, "Content-Type: application/x-www-form-urlencoded");
        let json =
            read("curl --json '{}' -XPATCH -u alice:s3cret -H 'Content-Type: text/plain' https://a.example/");
        assert_eq!(json.method.as_deref(), Some("PATCH"));
        assert_eq!(json.headers, "Authorization: Basic YWxpY2U6czNjcmV0\nContent-Type: text/plain");
        // What curl adds is sorted as any header is: `Accept` is taken for the browser's own.
        assert_eq!(json.left_out, ["Accept"]);
        let head = read("curl -I --url https://a.example/x -r 0-99 -H 'X-Empty;' -H 'Content-Type: ' -d x");
        assert_eq!(head.method.as_deref(), Some("HEAD"));
        assert_eq!(head.headers, "Range: bytes=0-99\nX-Empty: ");
        let all = read("curl 'https://a.example/1' -H 'X-A: 1' ;\ncurl 'https://a.example/2' -H 'X-B: 2'");
        assert_eq!((all.url.as_deref(), all.headers.as_str()), (Some("https://a.example/1"), "X-A: 1"));
        let get = read("curl -G -d q=1 'https://a.example/s?x=0' -o out.json");
        assert_eq!(
            (get.method.as_deref(), get.url.as_deref()),
            (Some("GET"), Some("https://a.example/s?x=0&q=1"))
        );
        assert_eq!(get.headers, "", "no body, so no Content-Type");
        let preflight = read(
            "curl -X OPTIONS https://a.example/x -H 'Origin: https://b.example' \
             -H 'Access-Control-Request-Method: PUT' -H 'Access-Control-Request-Headers: x-a'",
        );
        assert_eq!(preflight.method.as_deref(), Some("PUT"));
        assert_eq!(preflight.preflight_for, Some(vec!["x-a".to_owned()]));
    }

    #[test]
    fn a_command_that_cannot_be_read_says_why() {
        let problem = |text: &str| command(text).unwrap().unwrap_err();
        assert_eq!(problem("curl 'https://a.example/' -H 'X: 1"), unclosed('\''));
        assert_eq!(problem("curl -H 'X: 1'"), "it names no URL");
        assert_eq!(problem("curl https://a.example/ -X"), "-X needs a value after it");
        assert_eq!(problem("curl https://a.example/ --header"), "--header needs a value after it");
        assert!(command("GET /x HTTP/1.1").is_none());
        assert!(command("curly: braces").is_none());
    }

    #[test]
    fn base64_pads_as_curl_does() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"a"), "YQ==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }
}
