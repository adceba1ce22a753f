//! The web console: static pages served from the binary, which ask the
//! API for everything with the token the person signed in with (kept in
//! the tab's `sessionStorage`). The pages hold no data, so they need no
//! token to load, and every look at data goes through the API's role
//! checks and its `custos.access` record, exactly as a script's would.
//!
//! Every page route answers the same shell (`console.html`); the script
//! (`console/app.js`) reads the path and draws that page. Assets are
//! embedded with `include_str!`: there is no front-end build and no CDN,
//! so the console works on a machine without internet access.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

const SHELL: &str = include_str!("console.html");
const APP_JS: &str = include_str!("console/app.js");
const CHART_JS: &str = include_str!("console/chart.js");
const APP_CSS: &str = include_str!("console/app.css");

/// Scripts only from this origin (no inline script, so an id that slips
/// through escaping cannot run); inline `style` attributes are allowed
/// because the charts and bars size themselves with them.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The console's page paths (each answers the shell) and its assets.
/// Generic over the state so the API's router can merge it as it is.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(page))
        .route("/alerts", get(page))
        .route("/alerts/{id}", get(page_with_id))
        .route("/employees/{id}", get(page_with_id))
        .route("/sellers/{id}", get(page_with_id))
        .route("/cases", get(page))
        .route("/cases/{id}", get(page_with_id))
        .route("/scope", get(page))
        .route("/ledger", get(page))
        .route("/approvals", get(page))
        .route("/console/{asset}", get(asset))
}

fn secured(content_type: &'static str, cache: &'static str, body: &'static str) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Page paths carry ids (employees, cases): keep them out of Referer.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

async fn page() -> Response {
    secured("text/html; charset=utf-8", "no-store", SHELL)
}

/// The id is read by the script from the path; the shell is the same.
async fn page_with_id(Path(_id): Path<String>) -> Response {
    page().await
}

async fn asset(Path(name): Path<String>) -> Response {
    // `no-cache` (revalidate), not a long max-age: the assets change with
    // the binary and carry no version in their names.
    let (content_type, body) = match name.as_str() {
        "app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "chart.js" => ("text/javascript; charset=utf-8", CHART_JS),
        "app.css" => ("text/css; charset=utf-8", APP_CSS),
        _ => {
            return crate::error::ApiError::NotFound(format!("no console asset `{name}`"))
                .into_response()
        }
    };
    secured(content_type, "no-cache", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shell loads its assets from paths `asset` serves, and inlines
    /// no script (the CSP would block it).
    #[test]
    fn shell_references_served_assets_only() {
        for name in ["app.js", "chart.js", "app.css"] {
            assert!(
                SHELL.contains(&format!("/console/{name}")),
                "the shell does not load {name}"
            );
        }
        let inline_scripts = SHELL
            .match_indices("<script")
            .filter(|(i, _)| !SHELL[*i..].starts_with("<script src="))
            .count();
        assert_eq!(inline_scripts, 0, "the CSP forbids inline scripts");
    }
}
