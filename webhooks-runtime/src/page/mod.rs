//! The landing page: server-rendered HTML, its style and script served beside it (no framework,
//! no CDN), showing the endpoints, how to set them up, the queued deliveries and the recent ones,
//! loaded from the API.

use std::fmt::Write;

use bytes::Bytes;
use http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HeaderValue};

use crate::response::{Html, IntoResponse, Response};
use crate::service::Service;

/// The page's style and script, served as files of their own (`/assets/...`) so that the page's
/// Content-Security-Policy needs no `unsafe-inline`.
pub(crate) const CSS: &str = include_str!("page.css");
pub(crate) const JS: &str = include_str!("page.js");
/// Where the page finds them; the version makes a new release's files new URLs.
pub(crate) const CSS_PATH: &str = concat!("/assets/page-", env!("CARGO_PKG_VERSION"), ".css");
pub(crate) const JS_PATH: &str = concat!("/assets/page-", env!("CARGO_PKG_VERSION"), ".js");

/// `GET /`.
pub(crate) fn render(app: &Service) -> Response {
    let url = app.site.url();
    let count = app.router.paths().count();
    let mut endpoints = String::new();
    for (path, route) in app.router.routes() {
        let _ = write!(
            endpoints,
            "<li><code class=\"url\">POST {}{}</code>",
            escape(url),
            escape(path)
        );
        if !route.filter.is_empty() {
            let _ = write!(
                endpoints,
                "<span class=\"filter\">{}</span>",
                escape(&route.filter.to_string())
            );
        }
        endpoints.push_str("</li>\n");
    }
    let secret = if app.auth.is_open() {
        "<strong>No secret is configured</strong>: anyone who knows these URLs can call them. Set \
         <code>WEBHOOK_SECRET</code> and give the Hub the same secret."
    } else {
        "A <strong>webhook secret is configured</strong>: deliveries without it are refused (it is \
         also needed below to see and replay deliveries)."
    };
    let on_space = std::env::var_os("SPACE_ID").is_some();
    let hint = if on_space {
        "This app runs on a Space: the URLs above are public. Keep the secret in the Space's \
         settings (Secrets)."
            .to_owned()
    } else if url.starts_with("http://127.")
        || url.starts_with("http://[::1]")
        || url.starts_with("http://localhost")
    {
        "This app runs locally: the Hub cannot reach it here. Run a tunnel (cloudflared, ngrok, ...) \
         and set <code>WEBHOOKS_PUBLIC_URL</code> to its URL, or deploy the app to a Space."
            .to_owned()
    } else {
        format!(
            "The endpoints are announced under <code>{}</code>.",
            escape(url)
        )
    };
    let name = escape(&app.site.name);
    let plural = if count == 1 {
        "webhook is"
    } else {
        "webhooks are"
    };
    let html = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} · webhooks</title>
<link rel="stylesheet" href="{CSS_PATH}">
</head>
<body data-secret-required="{secret_required}" data-queued="{queued}">
<main>
<header>
<h1>{name}</h1>
<p class="lead">A Hugging Face Hub webhooks server, up and running.</p>
</header>
<section id="endpoints">
<h2>{count} {plural} registered:</h2>
<ul class="endpoints">
{endpoints}</ul>
<p>{secret}</p>
<p>Go to <a href="https://huggingface.co/settings/webhooks">your webhook settings</a> on the Hub to set up
your webhooks with these URLs (see the <a href="https://huggingface.co/docs/hub/webhooks">webhooks guide</a>).</p>
<p class="hint">{hint}</p>
</section>
<section id="activity">
<form id="secret-form" hidden>
<label for="secret-input">Webhook secret</label>
<input id="secret-input" type="password" autocomplete="off" placeholder="the server's WEBHOOK_SECRET">
<button id="secret-save" type="submit">Show deliveries</button>
<p id="secret-error" class="error" role="alert"></p>
</form>
<div id="inbox" hidden>
<h2>Queued deliveries</h2>
<p id="inbox-status" role="status"></p>
<div class="table-wrap">
<table id="queue">
<thead><tr><th>Received</th><th>Endpoint</th><th>Delivery</th><th>Status</th><th>Attempts</th><th>Last error</th><th></th></tr></thead>
<tbody></tbody>
</table>
</div>
<p id="retry-result" role="status"></p>
</div>
<h2>Recent deliveries</h2>
<p id="activity-status" role="status">Loading…</p>
<div class="table-wrap">
<table id="deliveries">
<thead><tr><th>Time</th><th>Endpoint</th><th>Event</th><th>Repo</th><th>Status</th><th>Latency</th><th></th></tr></thead>
<tbody></tbody>
</table>
</div>
<p id="replay-result" role="status"></p>
</section>
<footer><p>Served by <code>webhooks</code> {version} · <a href="/health">health</a></p></footer>
</main>
<script src="{JS_PATH}"></script>
</body>
</html>
"#,
        secret_required = !app.auth.is_open(),
        queued = app.queued,
        version = env!("CARGO_PKG_VERSION"),
    );
    let mut response = Html(Bytes::from(html)).into_response();
    response
        .headers_mut()
        .insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    response
}

/// The page's Content-Security-Policy: its own script, style and API only, no inline code, never
/// in a frame, no `<base>`, no form submissions.
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// The page's style or script.
pub(crate) fn asset(path: &str) -> Response {
    let (body, kind) = if path == CSS_PATH {
        (CSS, "text/css; charset=utf-8")
    } else {
        (JS, "text/javascript; charset=utf-8")
    };
    let mut response = Response::new(Bytes::from_static(body.as_bytes()).into());
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(kind));
    // The path changes with each release, so a browser may keep it as long as it likes.
    headers.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    response
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup() {
        assert_eq!(
            super::escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
