//! Everything printed at start: the secret status and the list of endpoints (the reference's
//! wording), and the rules for the public URL the endpoints are listed under.

use std::fmt::Write;
use std::net::SocketAddr;

/// The reference's three-line warning when no secret is configured, with a Rust example.
const NO_SECRET: &str = "Webhook secret is not defined. This means your webhook endpoints will be open to everyone.
To add a secret, set `WEBHOOK_SECRET` as environment variable or pass it at initialization:
\t`WebhooksServer::new().webhook_secret(\"my_secret\")`
For more details about webhook secrets, please refer to https://huggingface.co/docs/hub/webhooks#webhook-secret.";

const SECRET_SET: &str = "Webhook secret is correctly defined.";

/// The text printed when the server is ready, `routes` in order, ending with the landing page's
/// URL when there is one.
pub(crate) fn banner<'a>(
    secret_set: bool,
    url: &str,
    routes: impl IntoIterator<Item = &'a str>,
    page: Option<&str>,
) -> String {
    let mut text = String::with_capacity(512);
    text.push_str(if secret_set { SECRET_SET } else { NO_SECRET });
    text.push_str("\n\nWebhooks are correctly setup and ready to use:\n");
    for route in routes {
        let _ = writeln!(text, "  - POST {url}{route}");
    }
    text.push_str("\nGo to https://huggingface.co/settings/webhooks to setup your webhooks.\n");
    if let Some(page) = page {
        let _ = writeln!(text, "Recent deliveries and replay: {page}");
    }
    text
}

/// The base URL endpoints are listed under: `https://$SPACE_HOST` on a Space, else the public
/// URL the user configured (a tunnel they run), else the bound local address.
pub(crate) fn public_url(
    space_host: Option<&str>,
    configured: Option<&str>,
    local: SocketAddr,
) -> String {
    if let Some(host) = space_host.filter(|host| !host.is_empty()) {
        return format!("https://{}", host.trim_end_matches('/'));
    }
    if let Some(url) = configured.filter(|url| !url.is_empty()) {
        return url.trim_end_matches('/').to_owned();
    }
    let mut local = local;
    if local.ip().is_unspecified() {
        // 0.0.0.0 is where we listen, not an address to open: show the loopback one.
        local.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{local}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_rules() {
        let local: SocketAddr = "0.0.0.0:7860".parse().unwrap();
        assert_eq!(
            public_url(Some("me-app.hf.space"), Some("https://x"), local),
            "https://me-app.hf.space"
        );
        assert_eq!(
            public_url(None, Some("https://tunnel.example/"), local),
            "https://tunnel.example"
        );
        assert_eq!(public_url(None, None, local), "http://127.0.0.1:7860");
        assert_eq!(
            public_url(Some(""), None, "[::]:1".parse().unwrap()),
            "http://[::1]:1"
        );
    }
}
