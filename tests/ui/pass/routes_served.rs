//! The registrations reach `webhooks::app()`: each endpoint answers at the route its attribute
//! names (the function name, a positional path or `path = ...`, outer slashes stripped), and the
//! handler really is the function (async or blocking).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use webhooks::extract::Bytes;
use webhooks::{StatusCode, webhook_endpoint};

#[webhook_endpoint]
async fn by_name() -> &'static str {
    "by_name"
}

#[webhook_endpoint("/custom/path/")]
async fn positional(body: Bytes) -> String {
    format!("positional {}", body.len())
}

#[webhook_endpoint(path = "a/b")]
fn named() -> (StatusCode, &'static str) {
    (StatusCode::ACCEPTED, "named")
}

#[webhook_endpoint]
fn r#type() -> &'static str {
    "raw"
}

mod nested {
    #[webhooks::webhook_endpoint]
    async fn in_module() -> &'static str {
        "in_module"
    }
}

async fn post(addr: std::net::SocketAddr, path: &str) -> String {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nx-webhook-secret: s3cret\r\n\
             content-length: 2\r\nconnection: close\r\n\r\n{{}}"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        reply
    };
    tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("the server answers within 10 s")
}

fn status_and_body(reply: &str) -> (&str, &str) {
    let status = reply.split(' ').nth(1).unwrap();
    let body = reply.split_once("\r\n\r\n").unwrap().1;
    (status, body)
}

#[tokio::main]
async fn main() {
    let server = webhooks::app()
        .webhook_secret("s3cret")
        .bind("127.0.0.1:0")
        .launch()
        .await
        .expect("the registered endpoints form a valid server");
    let addr = server.local_addr();

    for (path, status, body) in [
        ("/webhooks/by_name", "200", "by_name"),
        ("/webhooks/custom/path", "200", "positional 2"),
        ("/webhooks/a/b", "202", "named"),
        ("/webhooks/type", "200", "raw"),
        ("/webhooks/in_module", "200", "in_module"),
        ("/webhooks/positional", "404", ""),
    ] {
        let reply = post(addr, path).await;
        let (got_status, got_body) = status_and_body(&reply);
        assert_eq!(got_status, status, "{path}: {reply}");
        if !body.is_empty() {
            assert_eq!(got_body, body, "{path}: {reply}");
        }
    }
    server.shutdown().await;
}
