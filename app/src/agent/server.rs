//! The agent's HTTP side: three GET routes behind an optional bearer token.

use super::AgentState;
use super::metrics::CONTENT_TYPE;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE as CONTENT_TYPE_HEADER, WWW_AUTHENTICATE};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::fmt::Write as _;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// `/`, `/metrics` and `/api/snapshot` over `state`; with a token, every request (unknown
/// paths too) first needs `Authorization: Bearer TOKEN`.
pub fn router(state: Arc<AgentState>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/metrics", get(metrics))
        .route("/api/snapshot", get(snapshot))
        .layer(middleware::from_fn_with_state(Arc::clone(&state), require_token))
        .with_state(state)
}

/// Whether an `Authorization` header carries `token` as a bearer token. The scheme name is
/// case-insensitive (RFC 9110 §11.1); the token is compared in constant time (only its
/// length can be learned from timing).
pub fn bearer_matches(header: Option<&HeaderValue>, token: &str) -> bool {
    let Some(value) = header else { return false };
    let value = value.as_bytes();
    let Some((scheme, rest)) = value.split_at_checked(6) else { return false };
    if !scheme.eq_ignore_ascii_case(b"Bearer") || !rest.starts_with(b" ") {
        return false;
    }
    let presented = rest.trim_ascii();
    bool::from(presented.ct_eq(token.as_bytes()))
}

async fn require_token(State(state): State<Arc<AgentState>>, req: Request, next: Next) -> Response {
    if let Some(token) = state.token.as_deref()
        && !bearer_matches(req.headers().get(AUTHORIZATION), token)
    {
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer realm=\"sctp-inspector\"")],
            "401 Unauthorized: this agent needs `Authorization: Bearer TOKEN`\n",
        )
            .into_response();
    }
    next.run(req).await
}

fn text(status: StatusCode, body: impl Into<Bytes>, content_type: &'static str) -> Response {
    (status, [(CONTENT_TYPE_HEADER, content_type)], body.into()).into_response()
}

const PLAIN: &str = "text/plain; charset=utf-8";

async fn metrics(State(state): State<Arc<AgentState>>) -> Response {
    // Rendering thousands of associations is CPU work: off the async threads.
    match tokio::task::spawn_blocking(move || state.metrics_text()).await {
        Ok(body) => text(StatusCode::OK, body, CONTENT_TYPE),
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("render the metrics: {e}\n"), PLAIN),
    }
}

async fn snapshot(State(state): State<Arc<AgentState>>) -> Response {
    let st = Arc::clone(&state);
    match tokio::task::spawn_blocking(move || st.snapshot_json()).await {
        Ok(Some(Ok(body))) => text(StatusCode::OK, body, "application/json"),
        Ok(Some(Err(e))) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("serialize the snapshot: {e}\n"), PLAIN),
        Ok(None) => {
            let stats = state.stats();
            let why = stats.last_error.map(|e| format!(" (last error: {e})")).unwrap_or_default();
            text(StatusCode::SERVICE_UNAVAILABLE, format!("no snapshot taken yet{why}\n"), PLAIN)
        }
        Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, format!("serialize the snapshot: {e}\n"), PLAIN),
    }
}

async fn index(State(state): State<Arc<AgentState>>) -> Response {
    let stats = state.stats();
    let mut page = format!(
        "sctp-inspector agent: SCTP associations of namespace {}, sampled every {} ms\n\n\
         GET /metrics        Prometheus text exposition (sctp_* metrics)\n\
         GET /api/snapshot   the latest snapshot as JSON (sctp_core::diag::reader::HostSnapshot)\n\n",
        super::namespace_name(state.netns.as_deref()),
        state.interval.as_millis(),
    );
    let _ = writeln!(
        page,
        "snapshots taken: {}, sample errors: {}, at most {} associations exported per scrape",
        stats.snapshots_total, stats.sample_errors_total, state.max_series
    );
    if let Some(e) = &stats.last_error {
        let _ = writeln!(page, "last error: {e}{}", if stats.last_sample_ok { " (recovered since)" } else { "" });
    }
    text(StatusCode::OK, page, PLAIN)
}
