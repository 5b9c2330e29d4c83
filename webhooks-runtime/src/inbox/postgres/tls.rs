//! TLS to the database, as the URL asks for it with libpq's `sslmode` and `sslrootcert`.
//!
//! `sslmode=require`, `verify-ca` and `verify-full` all connect with TLS (rustls on ring, the
//! `postgres-tls` feature) and check the server's certificate, and its name against the URL's
//! host: against Mozilla's roots (`webpki-roots`, compiled in), or against the PEM file
//! `sslrootcert` names (a managed database's own CA). Without `sslmode`, or with `disable`,
//! `allow` or `prefer`, the connection is plain text. Without the feature, a URL asking for TLS
//! is refused, naming the feature.

use deadpool_postgres::{Manager, ManagerConfig};
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;

use crate::inbox::StoreError;

/// A TLS client configuration.
#[cfg(feature = "postgres-tls")]
pub(super) type Tls = rustls::ClientConfig;

/// No TLS in this build.
#[cfg(not(feature = "postgres-tls"))]
pub(super) enum Tls {}

/// What the URL asks for: the URL without the parameters tokio-postgres does not read, and the
/// TLS configuration when it asks for TLS.
pub(super) struct Asked {
    pub(super) url: String,
    pub(super) tls: Option<Tls>,
}

/// The pool's connection manager for `config`, with TLS when `tls` is given.
pub(super) fn manager(
    mut config: tokio_postgres::Config,
    tls: Option<Tls>,
    recycling: ManagerConfig,
) -> Manager {
    match tls {
        #[cfg(feature = "postgres-tls")]
        Some(tls) => {
            config.ssl_mode(SslMode::Require);
            Manager::from_config(
                config,
                tokio_postgres_rustls::MakeRustlsConnect::new(tls),
                recycling,
            )
        }
        #[cfg(not(feature = "postgres-tls"))]
        Some(tls) => match tls {},
        None => {
            // `prefer` (tokio-postgres' default) would try TLS first when the client has it.
            config.ssl_mode(SslMode::Disable);
            Manager::from_config(config, NoTls, recycling)
        }
    }
}

/// Reads `sslmode` and `sslrootcert` off `url` (named `target` in errors).
pub(super) fn read(url: &str, target: &str) -> Result<Asked, StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(Asked {
            url: url.to_owned(),
            tls: None,
        });
    };
    let mut kept = Vec::new();
    let mut mode = None;
    let mut root_file = None;
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("sslmode", value)) => mode = Some(value.to_owned()),
            Some(("sslrootcert", value)) => {
                root_file = Some(percent_encoding::percent_decode_str(value).decode_utf8_lossy());
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    let tls = match mode.as_deref() {
        None | Some("disable" | "allow" | "prefer") => None,
        Some(mode @ ("require" | "verify-ca" | "verify-full")) => {
            Some(config(root_file.as_deref(), target, mode)?)
        }
        Some(other) => {
            return Err(StoreError::new(format!(
                "the inbox {target} has sslmode={other}; expected one of disable, prefer, require, verify-ca, verify-full"
            )));
        }
    };
    Ok(Asked { url, tls })
}

/// Without the `postgres-tls` feature: an error naming it.
#[cfg(not(feature = "postgres-tls"))]
fn config(_: Option<&str>, target: &str, mode: &str) -> Result<Tls, StoreError> {
    Err(StoreError::new(format!(
        "the inbox {target} asks for TLS (sslmode={mode}), and this build has no TLS for PostgreSQL: enable the `postgres-tls` feature of `hf-webhooks`"
    )))
}

/// A client configuration trusting Mozilla's roots, or only those in `root_file`.
#[cfg(feature = "postgres-tls")]
fn config(root_file: Option<&str>, target: &str, _mode: &str) -> Result<Tls, StoreError> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    let mut roots = rustls::RootCertStore::empty();
    match root_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let unreadable = |err: &dyn std::fmt::Display| {
                StoreError::new(format!(
                    "the inbox {target}: cannot read the certificates in sslrootcert={path}: {err}"
                ))
            };
            let certificates =
                CertificateDer::pem_file_iter(path).map_err(|err| unreadable(&err))?;
            for certificate in certificates {
                let certificate = certificate.map_err(|err| unreadable(&err))?;
                roots.add(certificate).map_err(|err| unreadable(&err))?;
            }
            if roots.is_empty() {
                return Err(unreadable(&"the file holds no certificate"));
            }
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| StoreError::new(format!("the inbox {target}: TLS: {err}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_unless_tls_is_asked_for() {
        for url in [
            "postgres://db/app",
            "postgres://db/app?sslmode=disable",
            "postgres://db/app?application_name=x&sslmode=prefer",
        ] {
            let asked = read(url, "t").unwrap();
            assert!(asked.tls.is_none(), "{url}");
        }
        let asked = read("postgres://db/app?application_name=x&sslmode=prefer", "t").unwrap();
        assert_eq!(asked.url, "postgres://db/app?application_name=x");
    }

    #[test]
    #[cfg(feature = "postgres-tls")]
    fn require_and_verify_full_connect_with_tls() {
        for mode in ["require", "verify-ca", "verify-full"] {
            let asked = read(
                &format!("postgres://db/app?sslmode={mode}&connect_timeout=3"),
                "t",
            )
            .unwrap();
            assert!(asked.tls.is_some(), "{mode}");
            assert_eq!(asked.url, "postgres://db/app?connect_timeout=3");
        }
    }

    #[test]
    #[cfg(not(feature = "postgres-tls"))]
    fn without_the_feature_tls_names_it() {
        let Err(err) = read("postgres://db/app?sslmode=require", "postgres://db/app") else {
            panic!("accepted");
        };
        assert_eq!(
            err.to_string(),
            "the inbox postgres://db/app asks for TLS (sslmode=require), and this build has no TLS for PostgreSQL: enable the `postgres-tls` feature of `hf-webhooks`"
        );
    }

    #[test]
    #[cfg(feature = "postgres-tls")]
    fn a_bad_mode_or_root_file_says_so() {
        let Err(err) = read("postgres://db/app?sslmode=sometimes", "postgres://db/app") else {
            panic!("accepted");
        };
        assert_eq!(
            err.to_string(),
            "the inbox postgres://db/app has sslmode=sometimes; expected one of disable, prefer, require, verify-ca, verify-full"
        );
        let Err(err) = read(
            "postgres://db/app?sslmode=require&sslrootcert=/no/such/ca.pem",
            "postgres://db/app",
        ) else {
            panic!("accepted");
        };
        assert!(
            err.to_string().starts_with(
                "the inbox postgres://db/app: cannot read the certificates in sslrootcert=/no/such/ca.pem: "
            ),
            "{err}"
        );
    }
}
