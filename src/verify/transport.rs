//! What sends a check: the [`Transport`] trait (like [`crate::kdf::Kdf`],
//! it returns a boxed future), and [`check`], which plans the request, has
//! the transport send it once and classifies the answer. In the browser the
//! transport is one `fetch` in `js/transport.js`; tests use a fake.

use super::{
    classify, network_error, plan, timed_out, Plan, Request, Verification, VerifyError,
    VerifyOptions,
};
use std::future::Future;
use std::pin::Pin;

/// What a [`Transport`] reports for one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The server answered with this HTTP status. `body` is the response
    /// text (at most [`super::MAX_BODY_INSPECTED`] bytes are looked at) when
    /// [`Request::wants_body`] says it is needed for this status, else `None`.
    Response {
        /// The HTTP status.
        status: u16,
        /// The response text, when the request wanted it.
        body: Option<String>,
    },
    /// No answer: offline, DNS, a refused connection, a CORS refusal, or a
    /// redirect (never followed with the key).
    NoAnswer,
    /// No answer within [`Request::timeout_ms`].
    TimedOut,
    /// The caller cancelled the request.
    Aborted,
}

/// A future returned by a [`Transport`].
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Answer> + 'a>>;

/// Sends a check over HTTP: exactly `request.method` to `request.url` with
/// exactly `request.headers` and no body, no cookies or other credentials,
/// no referrer, no redirect followed, giving up after `request.timeout_ms`.
/// It needs no knowledge of providers: the request says everything.
pub trait Transport {
    /// Sends `request` once and reports what came back.
    fn send<'a>(&'a self, request: &'a Request) -> SendFuture<'a>;
}

/// Checks `key` with `provider` through `transport`: [`plan`], send, then
/// [`classify()`]. Every provider outcome, network failure and timeout is
/// `Ok`; the errors are a refusal before anything is sent
/// ([`VerifyError::Refused`]: unknown provider, the key's format, an
/// option) and the caller's abort ([`VerifyError::Aborted`]).
pub async fn check(
    transport: &dyn Transport,
    provider: &str,
    key: &str,
    opts: &VerifyOptions,
) -> Result<Verification, VerifyError> {
    let plan = plan(provider, key, opts)?;
    send_plan(transport, plan).await
}

/// Sends a planned check (nothing for [`Plan::Done`]) and classifies the
/// answer. `Err` only for [`VerifyError::Aborted`].
pub async fn send_plan(transport: &dyn Transport, plan: Plan) -> Result<Verification, VerifyError> {
    match plan {
        Plan::Done(v) => Ok(v),
        Plan::Send(req) => {
            let answer = transport.send(&req).await;
            classify_answer(&req, answer)
        }
    }
}

/// The outcome of `request` given what its transport reported: the
/// [`classify()`] of an HTTP answer, `network_error`, `timeout`. `Err` only
/// for [`VerifyError::Aborted`]. (For a transport driven from outside, as
/// the browser's `fetch` is.)
pub fn classify_answer(request: &Request, answer: Answer) -> Result<Verification, VerifyError> {
    let p = request.provider;
    Ok(match answer {
        // Anything outside 100..=599 (an opaque response's 0) says nothing.
        // classify reads the body only for the statuses it was asked for.
        Answer::Response { status, body } if (100..=599).contains(&status) => {
            classify(p, status, body.as_deref())
        }
        Answer::Response { .. } | Answer::NoAnswer => network_error(p),
        Answer::TimedOut => timed_out(p, request.timeout_ms),
        Answer::Aborted => return Err(VerifyError::Aborted),
    })
}
