//! Requests a browser sends on behalf of another site.
//!
//! Any web page the developer opens can make the browser POST to `http://127.0.0.1:7860` (a
//! `no-cors` `fetch`, a `<form>`), and a page whose host name points at `127.0.0.1` (DNS
//! rebinding) can even read the answers. The Hub sends neither `Origin` nor `Sec-Fetch-Site`, and
//! the landing page's own requests are same-origin, so the webhooks and the deliveries API refuse
//! a request that a browser marks as coming from elsewhere; and a server listening on loopback
//! answers its API only to the host names of loopback or of its public URL.

use http::header::{HOST, ORIGIN};
use http::request::Parts;
use http::{HeaderName, StatusCode, Uri};

use crate::response::{Response, error};

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// The 403 answer when a browser sent `head` from another site: `Sec-Fetch-Site: cross-site` or
/// `same-site`, or an `Origin` that is neither this request's host nor the public URL's.
pub(crate) fn refusal(head: &Parts, public_url: &str) -> Option<Response> {
    if let Some(site) = head.headers.get(SEC_FETCH_SITE)
        && matches!(site.as_bytes(), b"cross-site" | b"same-site")
    {
        return Some(refused(
            "the browser says this request comes from another site",
        ));
    }
    let origin = head.headers.get(ORIGIN)?;
    let origin = origin.to_str().ok().and_then(authority_of);
    let host = head.headers.get(HOST).and_then(|host| host.to_str().ok());
    let public = authority_of(public_url);
    let same = origin.as_deref().is_some_and(|origin| {
        host.is_some_and(|host| origin.eq_ignore_ascii_case(host))
            || public
                .as_deref()
                .is_some_and(|public| origin.eq_ignore_ascii_case(public))
    });
    (!same).then(|| refused("its Origin is not this server"))
}

/// Whether the API may answer a request with this `Host` on a server listening on loopback: a
/// loopback name (`localhost`, `127.x.x.x`, `[::1]`) or the public URL's host, with any port.
pub(crate) fn host_allowed(head: &Parts, public_url: &str) -> bool {
    let Some(host) = head.headers.get(HOST).and_then(|host| host.to_str().ok()) else {
        return true;
    };
    let name = host_name(host);
    let loopback = name.eq_ignore_ascii_case("localhost")
        || name
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    loopback
        || authority_of(public_url)
            .is_some_and(|public| host_name(&public).eq_ignore_ascii_case(name))
}

/// The 403 for a request `host_allowed` refuses.
pub(crate) fn unknown_host() -> Response {
    refused("this server answers its API on loopback only to localhost and its public URL")
}

fn refused(why: &str) -> Response {
    error(
        StatusCode::FORBIDDEN,
        &format!("Cross-site request refused: {why}."),
    )
}

/// `host:port` of a URL (`http://127.0.0.1:7860` → `127.0.0.1:7860`).
fn authority_of(url: &str) -> Option<String> {
    let uri: Uri = url.parse().ok()?;
    Some(uri.authority()?.as_str().to_owned())
}

/// The host of `host:port` (`[::1]:80` → `[::1]`).
fn host_name(authority: &str) -> &str {
    match authority.rfind(':') {
        Some(colon) if !authority[colon..].contains(']') => &authority[..colon],
        _ => authority,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(headers: &[(&str, &str)]) -> Parts {
        let mut request = http::Request::post("/webhooks/hook");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_hub_and_the_page_pass_other_sites_do_not() {
        let public = "http://127.0.0.1:7860";
        assert!(refusal(&head(&[("host", "127.0.0.1:7860")]), public).is_none());
        assert!(
            refusal(
                &head(&[
                    ("host", "127.0.0.1:7860"),
                    ("origin", "http://127.0.0.1:7860"),
                    ("sec-fetch-site", "same-origin")
                ]),
                public
            )
            .is_none()
        );
        assert!(
            refusal(
                &head(&[
                    ("host", "me-app.hf.space"),
                    ("origin", "https://me-app.hf.space")
                ]),
                "https://me-app.hf.space"
            )
            .is_none()
        );
        for forged in [
            vec![("sec-fetch-site", "cross-site")],
            vec![("sec-fetch-site", "same-site")],
            vec![
                ("host", "127.0.0.1:7860"),
                ("origin", "https://evil.example"),
            ],
            vec![("host", "127.0.0.1:7860"), ("origin", "null")],
        ] {
            assert!(refusal(&head(&forged), public).is_some(), "{forged:?}");
        }
    }

    #[test]
    fn on_loopback_the_api_answers_loopback_names_and_the_public_url() {
        let public = "https://abc.trycloudflare.com";
        for host in [
            "localhost:7860",
            "127.0.0.1:7860",
            "[::1]:7860",
            "LOCALHOST",
            "abc.trycloudflare.com",
        ] {
            assert!(host_allowed(&head(&[("host", host)]), public), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:7860",
            "127.0.0.1.evil.example",
        ] {
            assert!(!host_allowed(&head(&[("host", host)]), public), "{host}");
        }
    }
}
