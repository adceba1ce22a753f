//! The web console: one page served from the binary, which asks the API
//! for everything with the token the person enters. The page itself
//! holds no data, so it needs no token to load.

use axum::http::header;
use axum::response::IntoResponse;

const PAGE: &str = include_str!("console.html");

pub async fn overview() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'",
            ),
        ],
        PAGE,
    )
}
