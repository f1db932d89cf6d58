//! Static files embedded in the binary, served under content-hashed URLs with a long cache.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::routing::{Need, Routes, get};

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

fn hashed(name: &str, ext: &str, body: &str) -> String {
    let h = Sha256::digest(body.as_bytes());
    let short: String = h.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("/static/{name}.{short}.{ext}")
}

pub fn css_path() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| hashed("app", "css", CSS))
}

pub fn js_path() -> &'static str {
    static P: OnceLock<String> = OnceLock::new();
    P.get_or_init(|| hashed("app", "js", JS))
}

async fn asset(Path(file): Path<String>) -> Response {
    let path = format!("/static/{file}");
    let (body, kind) = if path == css_path() {
        (CSS, "text/css; charset=utf-8")
    } else if path == js_path() {
        (JS, "text/javascript; charset=utf-8")
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body)
        .into_response()
}

pub fn routes() -> Routes {
    Routes::new().route("/static/{file}", get(Need::Public, asset))
}
