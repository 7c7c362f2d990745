//! FinTrack's API on `api.fintrack.localhost`: realistic fake banking endpoints, answered with
//! the CORS policy in force, every side effect written to the ledger.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{any, delete, get, post, put};
use corslab_lab::bank::{
    EmailChange, EmailChanged, SessionsRevoked, Transactions, TransferDone, TransferRequest, format_cents,
    parse_amount, plausible_email,
};
use corslab_lab::hosts::{API, https_origin_on, origin_on};
use corslab_lab::policy::{Ask, PolicyId};
use corslab_lab::redirect::unfollowable_location;
use corslab_lab::state::{Effect, LedgerEntry, LiveEvent};

use crate::Lab;
use crate::error::LabError;
use crate::front_door::Arrival;
use crate::record::query_param;
use crate::request_headers::{self, content_type_essence};

/// The policy that answered a request, left on the response for the log.
#[derive(Debug, Clone, Copy)]
pub struct PolicyUsed(pub PolicyId);

/// The ledger entries a request caused, left on the response for the log.
#[derive(Debug, Clone, Default)]
pub struct Effects(pub Vec<u64>);

/// The API's routes, wrapped in the CORS policy layer, and `/scripted` beside it.
pub fn router(lab: Lab) -> Router {
    Router::new()
        .route("/me/balance", get(balance))
        .route("/me/transactions", get(transactions))
        .route("/me/transfer", post(transfer))
        .route("/me/email", put(change_email))
        .route("/me/sessions", delete(revoke_sessions))
        .route("/redirect", any(redirect))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(lab.clone(), cors_policy))
        // Merged after the layer, so scripted answers carry no policy's headers.
        .merge(crate::scripted::router())
        .with_state(lab)
}

/// Applies the policy chosen for this request (`?policy=` or the lab's current one): answers
/// preflights itself, exactly as the policy says, and adds the policy's headers to every other
/// answer (errors and redirects included, unless the policy is the one that forgets them).
async fn cors_policy(State(lab): State<Lab>, request: Request, next: Next) -> Response {
    let origin = header_str(request.headers(), header::ORIGIN).map(str::to_owned);
    let request_id = request.extensions().get::<Arrival>().map_or(0, |a| a.id);
    let policy = match query_param(request.uri().query(), "policy") {
        Some(id) => match PolicyId::from_id(&id) {
            Some(policy) => policy,
            None => {
                let ids: Vec<&str> = PolicyId::ALL.iter().map(|p| p.id()).collect();
                let error =
                    LabError::BadRequest(format!("unknown policy {id:?}; choose one of: {}", ids.join(", ")));
                // The lab's own policy answers a request that names none it knows.
                return under_policy(
                    &lab,
                    lab.policy(),
                    origin.as_deref(),
                    request_id,
                    error.into_response(),
                );
            }
        },
        None => lab.policy(),
    };
    let Some((method, headers)) = preflight_of(&request) else {
        let response = next.run(request).await;
        return under_policy(&lab, policy, origin.as_deref(), request_id, response);
    };
    let ask = Ask {
        origin: origin.as_deref(),
        request_method: Some(&method),
        request_headers: headers.as_deref(),
        status: 0,
    };
    let status = StatusCode::from_u16(policy.preflight_status()).unwrap_or(StatusCode::NO_CONTENT);
    let mut response = status.into_response();
    if status == StatusCode::METHOD_NOT_ALLOWED {
        // What a framework without CORS code answers: no OPTIONS route.
        response = LabError::MethodNotAllowed.into_response();
    }
    add_headers(response.headers_mut(), policy.headers(&lab.ports(), &ask));
    stamped(policy, request_id, response)
}

/// An answer the front door gives before the API's routes see the request (a body too large,
/// a request too slow), with what the policy in force adds to every answer: the request's own
/// (`?policy=`), else the lab's. A page the policy lets read its errors reads this one too.
pub(crate) fn refusal(
    lab: &Lab,
    uri: &Uri,
    origin: Option<&str>,
    request_id: u64,
    error: LabError,
) -> Response {
    let policy = query_param(uri.query(), "policy")
        .and_then(|id| PolicyId::from_id(&id))
        .unwrap_or_else(|| lab.policy());
    under_policy(lab, policy, origin, request_id, error.into_response())
}

/// An answer to a request that is not a preflight, under `policy`: the policy's headers for its
/// status, then [`stamped`].
fn under_policy(
    lab: &Lab,
    policy: PolicyId,
    origin: Option<&str>,
    request_id: u64,
    mut response: Response,
) -> Response {
    let ask = Ask { origin, status: response.status().as_u16(), ..Ask::default() };
    add_headers(response.headers_mut(), policy.headers(&lab.ports(), &ask));
    stamped(policy, request_id, response)
}

/// What every API answer carries: no caching, the request's id, and (for the log) its policy.
fn stamped(policy: PolicyId, request_id: u64, mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(id) = HeaderValue::from_str(&request_id.to_string()) {
        headers.insert(HeaderName::from_static("x-request-id"), id);
    }
    response.extensions_mut().insert(PolicyUsed(policy));
    response
}

/// `GET /me/balance`.
async fn balance(State(lab): State<Lab>, headers: HeaderMap) -> Result<Response, LabError> {
    let session = session(&headers)?;
    let mut state = lab.state();
    let account = state.bank.account(&session).ok_or(LabError::NotSignedIn)?;
    Ok(Json(account.balance()).into_response())
}

/// `GET /me/transactions`.
async fn transactions(State(lab): State<Lab>, headers: HeaderMap) -> Result<Response, LabError> {
    let session = session(&headers)?;
    let mut state = lab.state();
    let account = state.bank.account(&session).ok_or(LabError::NotSignedIn)?;
    Ok(Json(Transactions { transactions: account.fake.transactions.clone() }).into_response())
}

/// `POST /me/transfer`: JSON, a URL-encoded form, or a `text/plain` form. No CSRF token, on
/// purpose: whether a cross-site form moves money is up to the cookie's SameSite attribute.
async fn transfer(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, LabError> {
    let body = crate::error::body(body)?;
    let session = session(&headers)?;
    let request = transfer_request(&headers, &body)?;
    let cents = parse_amount(&request.amount).map_err(LabError::Unprocessable)?;
    let to = request.to.trim();
    if to.is_empty()
        || to.len() > 34
        || !to.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
    {
        return Err(LabError::Unprocessable(
            "to must be an account like LAB-1234-5678 (letters, digits, dashes)".to_owned(),
        ));
    }
    let memo: String =
        request.memo.unwrap_or_default().chars().filter(|c| !c.is_control()).take(140).collect();

    let mut guard = lab.state();
    let state = &mut *guard;
    let account = state.bank.account(&session).ok_or(LabError::NotSignedIn)?;
    // The ledger id is taken only for a transfer that happens, so refusals leave no gap.
    let (balance_after_cents, ledger_id) =
        account.transfer(cents, to, &memo, || state.ledger.next_id()).map_err(LabError::Unprocessable)?;
    let account_number = account.fake.account.clone();
    let effect = Effect::Transfer { amount_cents: cents, to: to.to_owned(), memo, balance_after_cents };
    let entry = ledger_entry(&lab, &arrival, &headers, ledger_id, account_number, effect);
    state.ledger.push(entry.clone());
    drop(guard);
    lab.publish(LiveEvent::Ledger(entry));

    let done = TransferDone {
        ledger_id,
        amount: format_cents(i64::try_from(cents).unwrap_or(i64::MAX)),
        to: to.to_owned(),
        balance: format_cents(balance_after_cents),
    };
    Ok(with_effects(Json(done).into_response(), ledger_id))
}

/// `PUT /me/email`: JSON only, so a cross-origin caller always needs a preflight.
async fn change_email(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, LabError> {
    let body = crate::error::body(body)?;
    let session = session(&headers)?;
    if content_type_essence(&headers).as_deref() != Some("application/json") {
        return Err(LabError::UnsupportedMediaType(
            "send the new address as JSON: {\"email\": \"...\"}".to_owned(),
        ));
    }
    let change: EmailChange = json_body(&body)?;
    let email = change.email.trim().to_owned();
    if let Some((at, c)) = email.char_indices().find(|(_, c)| c.is_control()) {
        return Err(LabError::Unprocessable(format!(
            "the email address holds the control character U+{:04X} at byte {at}: send it without",
            u32::from(c)
        )));
    }
    if !plausible_email(&email) {
        return Err(LabError::Unprocessable(format!("{email:?} is not an email address")));
    }
    let mut state = lab.state();
    let account = state.bank.account(&session).ok_or(LabError::NotSignedIn)?;
    let from = std::mem::replace(&mut account.fake.email, email.clone());
    let account_number = account.fake.account.clone();
    let ledger_id = state.ledger.next_id();
    let entry = ledger_entry(
        &lab,
        &arrival,
        &headers,
        ledger_id,
        account_number,
        Effect::EmailChanged { from, to: email.clone() },
    );
    state.ledger.push(entry.clone());
    drop(state);
    lab.publish(LiveEvent::Ledger(entry));
    Ok(with_effects(Json(EmailChanged { email }).into_response(), ledger_id))
}

/// `DELETE /me/sessions`: signs the account out everywhere.
async fn revoke_sessions(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    headers: HeaderMap,
) -> Result<Response, LabError> {
    let session = session(&headers)?;
    let mut state = lab.state();
    let account_number =
        state.bank.account(&session).map(|a| a.fake.account.clone()).ok_or(LabError::NotSignedIn)?;
    let count = state.bank.revoke_all(&session);
    let ledger_id = state.ledger.next_id();
    let entry =
        ledger_entry(&lab, &arrival, &headers, ledger_id, account_number, Effect::SessionsRevoked { count });
    state.ledger.push(entry.clone());
    drop(state);
    lab.publish(LiveEvent::Ledger(entry));
    Ok(with_effects(Json(SessionsRevoked { revoked: count }).into_response(), ledger_id))
}

/// `/redirect?to=same|cross|port-N|https|credentialed|relative&status=301|302|303|307|308&hops=N`,
/// any method: redirects to `/me/balance` on this origin, on the API's other-port origin, on
/// another port the lab listens on, on the API's https origin, with credentials in the URL, or
/// by a path alone; with `hops` above 1, to this endpoint again with
/// one hop fewer, so a chain of up to 30 redirects ends there. Three more targets are places a
/// fetch may not follow: `to=data` (a `data:` URL), `to=invalid` (a Location that does not
/// parse) and `to=none` (no Location at all).
async fn redirect(
    State(lab): State<Lab>,
    axum::Extension(arrival): axum::Extension<Arrival>,
    request: Request,
) -> Result<Response, LabError> {
    let query = request.uri().query();
    let status = redirect_status(query)?;
    let hops = match query_param(query, "hops").as_deref().map(str::parse::<u8>) {
        None => 1,
        Some(Ok(hops @ 1..=MAX_HOPS)) => hops,
        Some(_) => {
            return Err(LabError::BadRequest(format!("hops must be a number from 1 to {MAX_HOPS}")));
        }
    };
    let ports = lab.ports();
    let here = arrival.port;
    let to = query_param(query, "to");
    let to = to.as_deref().unwrap_or("same");
    let origin = match to {
        "same" => origin_on(API, here),
        "cross" => {
            let other = match ports.second {
                Some(second) if here != second => second,
                Some(_) => ports.main,
                None => {
                    return Err(LabError::Unprocessable(
                        "a cross-origin redirect needs the lab's second port; start it without --no-second-port".to_owned(),
                    ));
                }
            };
            origin_on(API, other)
        }
        port if port.starts_with("port-") => {
            match port["port-".len()..].parse::<u16>().ok().filter(|p| lab.serves_http_on(*p)) {
                Some(port) => origin_on(API, port),
                None => {
                    return Err(LabError::BadRequest(format!(
                        "{port:?} names no port this lab serves http on: the main port is port-{} (to=https goes to its https port)",
                        ports.main
                    )));
                }
            }
        }
        "https" => match ports.https {
            Some(port) => https_origin_on(API, port),
            None => {
                return Err(LabError::Unprocessable(
                    "a redirect to https needs the lab's https port, which only test harnesses start"
                        .to_owned(),
                ));
            }
        },
        "credentialed" => origin_on(&format!("user:pass@{API}"), here),
        "relative" => String::new(),
        "data" | "invalid" => return Ok(redirect_to(status, unfollowable_location(to))),
        "none" => return Ok(redirect_to(status, None)),
        other => {
            return Err(LabError::BadRequest(format!(
                "to must be same, cross, port-N, https, credentialed, relative, data, invalid or none, not {other:?}"
            )));
        }
    };
    // The run and the policy carry over, so the hop lands in the same run under the same policy;
    // a chain carries its target and status too, with one hop fewer.
    let mut carried: Vec<(String, String)> = Vec::new();
    let path = if hops > 1 {
        for name in ["to", "status"] {
            carried.extend(query_param(query, name).map(|v| (name.to_owned(), v)));
        }
        carried.push(("hops".to_owned(), (hops - 1).to_string()));
        "/redirect"
    } else {
        "/me/balance"
    };
    let location = with_run_and_policy(format!("{origin}{path}"), carried, query)?;
    Ok((status, [(header::LOCATION, location)]).into_response())
}

/// The redirect status `?status=` asks for, 302 when it asks for none.
pub(crate) fn redirect_status(query: Option<&str>) -> Result<StatusCode, LabError> {
    match query_param(query, "status").as_deref().unwrap_or("302") {
        "301" => Ok(StatusCode::MOVED_PERMANENTLY),
        "302" => Ok(StatusCode::FOUND),
        "303" => Ok(StatusCode::SEE_OTHER),
        "307" => Ok(StatusCode::TEMPORARY_REDIRECT),
        "308" => Ok(StatusCode::PERMANENT_REDIRECT),
        other => {
            Err(LabError::BadRequest(format!("status must be 301, 302, 303, 307 or 308, not {other:?}")))
        }
    }
}

/// `url` with the `carried` parameters, then the request's `run` and `policy`, so a redirect's
/// hop lands in the same run under the same policy.
pub(crate) fn with_run_and_policy(
    mut url: String,
    mut carried: Vec<(String, String)>,
    query: Option<&str>,
) -> Result<HeaderValue, LabError> {
    carried.extend(
        ["run", "policy"]
            .into_iter()
            .filter_map(|name| query_param(query, name).map(|v| (name.to_owned(), v))),
    );
    if !carried.is_empty() {
        url.push('?');
        url.push_str(&serde_urlencoded::to_string(&carried).unwrap_or_default());
    }
    HeaderValue::from_str(&url).map_err(|_| LabError::BadRequest("the run id cannot go in a URL".to_owned()))
}

/// A redirect status with a fixed Location, or none.
fn redirect_to(status: StatusCode, location: Option<&'static str>) -> Response {
    match location {
        Some(location) => (status, [(header::LOCATION, HeaderValue::from_static(location))]).into_response(),
        None => status.into_response(),
    }
}

/// The longest redirect chain `/redirect` makes: more than the 20 redirects a browser follows.
const MAX_HOPS: u8 = 30;

async fn not_found() -> LabError {
    LabError::NotFound
}

async fn method_not_allowed() -> LabError {
    LabError::MethodNotAllowed
}

/// The preflight's requested method and headers, when the request is a CORS preflight.
fn preflight_of(request: &Request) -> Option<(String, Option<String>)> {
    if request.method() != Method::OPTIONS {
        return None;
    }
    let method = header_str(request.headers(), header::ACCESS_CONTROL_REQUEST_METHOD)?.to_owned();
    let headers = header_str(request.headers(), header::ACCESS_CONTROL_REQUEST_HEADERS).map(str::to_owned);
    Some((method, headers))
}

fn add_headers(headers: &mut HeaderMap, add: Vec<(&'static str, String)>) {
    for (name, value) in add {
        // A reflected value that is not a valid header value (it came in as one, so this does
        // not happen) is left out rather than answered broken.
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(HeaderName::from_static(lower(name)), value);
        }
    }
}

/// The policies' header names in lower case, as `HeaderName::from_static` requires.
fn lower(name: &'static str) -> &'static str {
    use corslab_lab::policy::names;
    match name {
        names::ALLOW_ORIGIN => "access-control-allow-origin",
        names::ALLOW_CREDENTIALS => "access-control-allow-credentials",
        names::ALLOW_METHODS => "access-control-allow-methods",
        names::ALLOW_HEADERS => "access-control-allow-headers",
        names::EXPOSE_HEADERS => "access-control-expose-headers",
        names::MAX_AGE => "access-control-max-age",
        _ => "vary",
    }
}

fn header_str(headers: &HeaderMap, name: HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn session(headers: &HeaderMap) -> Result<String, LabError> {
    request_headers::session(headers).ok_or(LabError::NotSignedIn)
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, LabError> {
    serde_json::from_slice(body)
        .map_err(|e| LabError::BadRequest(format!("the body is not the JSON expected: {e}")))
}

/// A transfer from JSON, a URL-encoded form, or a `text/plain` form (`name=value` lines, or
/// JSON sent as text/plain to dodge a preflight: both are real CSRF techniques). Both forms are
/// read alike ([`transfer_form`]): a field given twice, or a field that is not UTF-8, is refused.
fn transfer_request(headers: &HeaderMap, body: &[u8]) -> Result<TransferRequest, LabError> {
    match content_type_essence(headers).as_deref() {
        Some("application/json") => json_body(body),
        Some("application/x-www-form-urlencoded") => {
            let fields = body
                .split(|&b| b == b'&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (name, value) = split_once(pair, b'=').unwrap_or((pair, b""));
                    (form_decode(name), form_decode(value))
                })
                .collect();
            transfer_form(fields, true)
        }
        Some("text/plain") => {
            if body.trim_ascii_start().starts_with(b"{") {
                return json_body(body);
            }
            let fields = body
                .split(|&b| b == b'\n')
                .filter_map(|line| split_once(line.strip_suffix(b"\r").unwrap_or(line), b'='))
                .map(|(name, value)| (name.to_vec(), value.to_vec()))
                .collect();
            transfer_form(fields, false)
        }
        _ => Err(LabError::UnsupportedMediaType(
            "send a transfer as JSON, application/x-www-form-urlencoded or text/plain".to_owned(),
        )),
    }
}

/// A transfer from a form's fields (names and values as bytes, decoded): each of `to`, `amount`
/// and `memo` at most once and UTF-8. Other fields are refused when `strict` (as the URL-encoded
/// form always refused them), and skipped otherwise (a text/plain form's other lines).
fn transfer_form(fields: Vec<(Vec<u8>, Vec<u8>)>, strict: bool) -> Result<TransferRequest, LabError> {
    let mut to = None;
    let mut amount = None;
    let mut memo = None;
    for (name, value) in fields {
        let slot = match name.as_slice() {
            b"to" => &mut to,
            b"amount" => &mut amount,
            b"memo" => &mut memo,
            other if strict => {
                let shown: String = String::from_utf8_lossy(other).chars().take(40).collect();
                return Err(LabError::BadRequest(format!(
                    "the form is not a transfer: it has the field {shown:?}; send to, amount and memo only"
                )));
            }
            _ => continue,
        };
        let name = String::from_utf8_lossy(&name).into_owned();
        if slot.is_some() {
            return Err(LabError::BadRequest(format!(
                "the form gives the {name} field more than once: give it once"
            )));
        }
        let value = String::from_utf8(value).map_err(|e| {
            LabError::BadRequest(format!(
                "the form's {name} field is not UTF-8 (a stray byte at byte {}): send it as UTF-8",
                e.utf8_error().valid_up_to()
            ))
        })?;
        *slot = Some(value);
    }
    Ok(TransferRequest {
        to: to.ok_or_else(|| LabError::BadRequest("the form has no to field".to_owned()))?,
        amount: amount.ok_or_else(|| LabError::BadRequest("the form has no amount field".to_owned()))?,
        memo,
    })
}

fn split_once(bytes: &[u8], at: u8) -> Option<(&[u8], &[u8])> {
    let i = bytes.iter().position(|&b| b == at)?;
    Some((&bytes[..i], &bytes[i + 1..]))
}

/// One name or value of a URL-encoded form, as bytes: `+` is a space and `%XX` the byte XX
/// (a `%` not followed by two hex digits stands for itself, as browsers read it).
fn form_decode(text: &[u8]) -> Vec<u8> {
    let hex = |b: u8| char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'+' => out.push(b' '),
            b'%' => match (text.get(i + 1).copied().and_then(hex), text.get(i + 2).copied().and_then(hex)) {
                (Some(high), Some(low)) => {
                    out.push(high * 16 + low);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    out
}

fn ledger_entry(
    lab: &Lab,
    arrival: &Arrival,
    headers: &HeaderMap,
    id: u64,
    account: String,
    effect: Effect,
) -> LedgerEntry {
    let text = |name| header_str(headers, name).map(|v| v.chars().take(256).collect::<String>());
    LedgerEntry {
        id,
        at_ms: lab.now_ms(),
        run: arrival.run.clone(),
        request: arrival.id,
        account,
        origin: text(header::ORIGIN),
        sec_fetch_site: text(HeaderName::from_static("sec-fetch-site")),
        content_type: text(header::CONTENT_TYPE),
        effect,
    }
}

fn with_effects(mut response: Response, ledger_id: u64) -> Response {
    response.extensions_mut().insert(Effects(vec![ledger_id]));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(content_type: &str, body: &[u8]) -> Result<TransferRequest, LabError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        transfer_request(&headers, body)
    }

    #[test]
    fn both_form_encodings_refuse_a_field_given_twice() {
        for (content_type, body) in [
            ("application/x-www-form-urlencoded", &b"to=LAB-1&amount=5&to=LAB-2"[..]),
            ("text/plain", &b"to=LAB-1\r\namount=5\r\nto=LAB-2\r\n"[..]),
        ] {
            let error = form(content_type, body).unwrap_err();
            assert_eq!(error.message(), "the form gives the to field more than once: give it once");
        }
    }

    #[test]
    fn both_form_encodings_refuse_a_memo_that_is_not_utf8() {
        for (content_type, body) in [
            ("application/x-www-form-urlencoded", &b"to=LAB-1&amount=5&memo=caf%E9"[..]),
            ("text/plain", &b"to=LAB-1\namount=5\nmemo=caf\xe9\n"[..]),
        ] {
            let error = form(content_type, body).unwrap_err();
            assert!(error.message().starts_with("the form's memo field is not UTF-8"), "{error}");
            assert_eq!(error.status(), StatusCode::BAD_REQUEST);
        }
    }

    #[test]
    fn both_form_encodings_read_the_same_transfer() {
        let expected = TransferRequest {
            to: "LAB-1".to_owned(),
            amount: "5.50".to_owned(),
            memo: Some("caf\u{e9} & co+".to_owned()),
        };
        let url = form("application/x-www-form-urlencoded", b"to=LAB-1&amount=5.50&memo=caf%C3%A9+%26+co%2B");
        assert_eq!(url.unwrap(), expected);
        let text = form("text/plain", "to=LAB-1\r\namount=5.50\r\nmemo=caf\u{e9} & co+\r\n".as_bytes());
        assert_eq!(text.unwrap(), expected);
        assert_eq!(form_decode(b"100%+%zz%4"), b"100% %zz%4");
        let unknown = form("application/x-www-form-urlencoded", b"to=LAB-1&amount=5&x=1").unwrap_err();
        assert!(unknown.message().contains("\"x\""), "{unknown}");
    }
}
