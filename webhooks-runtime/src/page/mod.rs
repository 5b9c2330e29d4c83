//! The landing page: server-rendered HTML with inline CSS and JavaScript (no framework, no CDN),
//! showing the endpoints, how to set them up, and the recent deliveries loaded from the API.

use std::fmt::Write;

use bytes::Bytes;

use crate::response::{Html, IntoResponse, Response};
use crate::service::Service;

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

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
<style>{CSS}</style>
</head>
<body data-secret-required="{secret_required}">
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
<h2>Recent deliveries</h2>
<form id="secret-form" hidden>
<label for="secret-input">Webhook secret</label>
<input id="secret-input" type="password" autocomplete="off" placeholder="the server's WEBHOOK_SECRET">
<button id="secret-save" type="submit">Show deliveries</button>
<p id="secret-error" class="error" role="alert"></p>
</form>
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
<script>{JS}</script>
</body>
</html>
"#,
        secret_required = !app.auth.is_open(),
        version = env!("CARGO_PKG_VERSION"),
    );
    Html(Bytes::from(html)).into_response()
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
