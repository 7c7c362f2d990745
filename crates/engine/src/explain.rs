//! The narrator: runs the fetch algorithms over an Exchange and writes down each decision as a step.

use crate::cors_check::{CorsCheckFailure, CorsRequest, cors_check};
use crate::exchange::{CredentialsMode, Exchange, RequestMode};
use crate::origin::Origin;
use crate::rules::{self, Rule};
use crate::verdict::{BlockedAt, Outcome, Read, Step, Verdict};
use crate::vocabulary::{Stage, cors_check_report};

/// Decides what the browser does with `exchange` and explains why.
///
/// <https://fetch.spec.whatwg.org/#concept-main-fetch>
pub fn explain(exchange: &Exchange) -> Verdict {
    let mut story = Story::new();
    let request = &exchange.request;
    let target = Origin::of(&request.url);

    if exchange.page.same_origin(&target) {
        story.pass(rules::SAME_ORIGIN, format!("The page and {} share the origin {target}.", request.url));
        return story.allowed(true);
    }

    story.info(
        rules::MODE,
        format!("{} is cross-origin to the page {}, and the mode is cors.", request.url, exchange.page),
    );
    if request.mode != RequestMode::Cors {
        // Other modes are the engine issue's next step; say so instead of guessing.
        story.info(rules::MODE, "Only cors mode is explained so far.".to_owned());
    }

    let serialized_origin = exchange.page.serialize();
    story.info(rules::ORIGIN_HEADER, format!("The request carries Origin: {serialized_origin}."));

    let check = CorsRequest { serialized_origin, credentials: request.credentials };
    match cors_check(check, &exchange.response.headers) {
        Ok(()) => {
            story.pass(rules::CORS_CHECK_ALLOW_ORIGIN, allow_origin_passed(exchange));
            if request.credentials == CredentialsMode::Include {
                story.pass(
                    rules::CORS_CHECK_ALLOW_CREDENTIALS,
                    "Access-Control-Allow-Credentials is true, so the credentialed response is shared."
                        .to_owned(),
                );
            }
            story.allowed(true)
        }
        Err(failure) => {
            let rule = match failure {
                CorsCheckFailure::AllowCredentialsNotTrue { .. } => rules::CORS_CHECK_ALLOW_CREDENTIALS,
                _ => rules::CORS_CHECK_ALLOW_ORIGIN,
            };
            story.fail(rule, cors_check_failed(&failure, serialized_origin));
            let report = cors_check_report(
                exchange.browser,
                Stage::Response,
                &failure,
                request.url.as_str(),
                serialized_origin,
                exchange.response.status,
            );
            Verdict {
                read: Read::Blocked,
                preflight_sent: false,
                request_sent: true,
                blocked_at: Some(BlockedAt::Response),
                reason: Some(report.reason.to_owned()),
                failed_parameter: report.failed_parameter,
                cookies_sent: Vec::new(),
                exposed_headers: Vec::new(),
                console: Some(report.console),
                steps: story.steps,
                findings: Vec::new(),
            }
        }
    }
}

fn allow_origin_passed(exchange: &Exchange) -> String {
    match exchange.response.headers.get("Access-Control-Allow-Origin") {
        Some(value) if value.as_bytes() == b"*" => {
            "Access-Control-Allow-Origin is * and no credentials are included, so any origin may read."
                .to_owned()
        }
        _ => format!("Access-Control-Allow-Origin equals the request's origin {}.", exchange.page),
    }
}

fn cors_check_failed(failure: &CorsCheckFailure, origin: &str) -> String {
    match failure {
        CorsCheckFailure::MissingAllowOrigin => {
            "The response has no Access-Control-Allow-Origin header, so it is not shared with other origins.".to_owned()
        }
        CorsCheckFailure::RepeatedAllowOrigin { combined } => {
            format!("Access-Control-Allow-Origin appears more than once ({combined}); it must appear exactly once.")
        }
        CorsCheckFailure::WildcardWithCredentials => {
            "Access-Control-Allow-Origin is *, which never shares a response that was fetched with credentials.".to_owned()
        }
        CorsCheckFailure::AllowOriginMismatch { value, .. } => {
            format!("Access-Control-Allow-Origin is {value:?}, which is not the request's origin {origin:?} byte for byte.")
        }
        CorsCheckFailure::AllowCredentialsNotTrue { value: Some(value) } => {
            format!("Access-Control-Allow-Credentials is {value:?}; only the exact value true shares a credentialed response.")
        }
        CorsCheckFailure::AllowCredentialsNotTrue { value: None } => {
            "Credentials are included but Access-Control-Allow-Credentials is missing; it must be true.".to_owned()
        }
    }
}

/// The steps written so far.
struct Story {
    steps: Vec<Step>,
}

impl Story {
    fn new() -> Self {
        Self { steps: Vec::new() }
    }

    fn push(&mut self, rule: Rule, outcome: Outcome, says: String) {
        self.steps.push(Step { rule: rule.id.to_owned(), spec: rule.spec_url(), outcome, says });
    }

    fn pass(&mut self, rule: Rule, says: String) {
        self.push(rule, Outcome::Pass, says);
    }

    fn fail(&mut self, rule: Rule, says: String) {
        self.push(rule, Outcome::Fail, says);
    }

    fn info(&mut self, rule: Rule, says: String) {
        self.push(rule, Outcome::Info, says);
    }

    fn allowed(self, request_sent: bool) -> Verdict {
        Verdict {
            read: Read::Allowed,
            preflight_sent: false,
            request_sent,
            blocked_at: None,
            reason: None,
            failed_parameter: None,
            cookies_sent: Vec::new(),
            exposed_headers: Vec::new(),
            console: None,
            steps: self.steps,
            findings: Vec::new(),
        }
    }
}
