//! `webhooks hub ...`: the real binary against a mock Hub that checks every call's method, path,
//! `Authorization` header and JSON body. The mock serves from its own thread, so the tests may
//! block on the binary.

mod cli;
#[path = "../../webhooks-hub/tests/mock/mod.rs"]
mod mock;

use assert_cmd::Command;
use cli::{hf_home, run, stderr, stdout};
use mock::{Expect, MockHub, TOKEN, create_body_for_a_url, job_webhook_json, webhook_json};
use serde_json::{Value, json};

/// `webhooks hub <args>` against `hub`, with `HF_TOKEN` set to the mock's token.
fn webhooks(hub: &MockHub, test: &str, args: &[&str]) -> Command {
    cli::hub(&hub.url(), TOKEN, test, args)
}

#[tokio::test]
async fn ls_prints_a_table_json_or_ids() {
    let list = || {
        Expect::get("/api/settings/webhooks").answer(
            200,
            json!([webhook_json("aaa111"), job_webhook_json("bbb222")]),
        )
    };
    let hub = MockHub::start(vec![list(), list(), list(), list()]).await;

    let table = stdout(&run(webhooks(&hub, "ls", &["ls"]), 0));
    assert_eq!(
        table,
        "ID      TARGET                                         DISABLED  DOMAINS           WATCHED\n\
         aaa111  https://example.com/webhooks/trigger_training  false     repo, discussion  user:julien-c, org:HuggingFaceH4\n\
         bbb222  job:python:3.12                                true      repo              model:openai-community/gpt2\n"
    );

    let json_out = stdout(&run(webhooks(&hub, "ls", &["ls", "--format", "json"]), 0));
    let parsed: Value = serde_json::from_str(&json_out).unwrap();
    assert_eq!(
        parsed,
        json!([webhook_json("aaa111"), job_webhook_json("bbb222")])
    );

    let quiet = stdout(&run(webhooks(&hub, "ls", &["ls", "--format", "quiet"]), 0));
    assert_eq!(quiet, "aaa111\nbbb222\n");
    let short = stdout(&run(webhooks(&hub, "ls", &["list", "-q"]), 0));
    assert_eq!(short, "aaa111\nbbb222\n");
    hub.verify().await;
}

#[tokio::test]
async fn ls_says_when_there_are_none() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks").answer(200, json!([])),
    ])
    .await;
    assert_eq!(
        stdout(&run(webhooks(&hub, "ls_empty", &["ls"]), 0)),
        "No webhooks.\n"
    );
    hub.verify().await;
}

#[tokio::test]
async fn info_hides_the_secret_unless_json_is_asked_for() {
    let get = || {
        Expect::get("/api/settings/webhooks/aaa111")
            .answer(200, json!({ "webhook": webhook_json("aaa111") }))
    };
    let hub = MockHub::start(vec![get(), get()]).await;

    let table = stdout(&run(webhooks(&hub, "info", &["info", "aaa111"]), 0));
    assert_eq!(
        table,
        "id:       aaa111\n\
         url:      https://example.com/webhooks/trigger_training\n\
         watched:  user:julien-c, org:HuggingFaceH4\n\
         domains:  repo, discussion\n\
         secret:   set (shown with --format json)\n\
         disabled: false\n"
    );
    assert!(!table.contains("my-secret"));

    let json_out = stdout(&run(
        webhooks(&hub, "info", &["--format", "json", "info", "aaa111"]),
        0,
    ));
    assert_eq!(
        serde_json::from_str::<Value>(&json_out).unwrap(),
        webhook_json("aaa111")
    );
    hub.verify().await;
}

#[tokio::test]
async fn create_sends_the_watch_list_domains_secret_and_url() {
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks")
            .body(create_body_for_a_url())
            .answer(200, json!({ "webhook": webhook_json("new111") })),
    ])
    .await;
    let output = run(
        webhooks(
            &hub,
            "create_url",
            &[
                "create",
                "--watch",
                "user:julien-c",
                "--watch",
                "org:HuggingFaceH4",
                "--url",
                "https://example.com/webhooks/trigger_training",
                "--domain",
                "repo",
                "--domain",
                "discussions",
                "--secret",
                "my-secret",
            ],
        ),
        0,
    );
    let text = stdout(&output);
    assert!(
        text.starts_with("Webhook created: new111\nid:       new111\n"),
        "{text}"
    );
    hub.verify().await;
}

#[tokio::test]
async fn create_with_a_job_sends_job_source_id_and_no_domains() {
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks")
            .body(json!({
                "watched": [{"type": "model", "name": "openai-community/gpt2"}],
                "jobSourceId": "687f911eaea852de79c4a50a"
            }))
            .answer(200, json!({ "webhook": job_webhook_json("job111") })),
    ])
    .await;
    let output = run(
        webhooks(
            &hub,
            "create_job",
            &[
                "create",
                "--job-id",
                "687f911eaea852de79c4a50a",
                "--watch",
                "model:openai-community/gpt2",
                "-q",
            ],
        ),
        0,
    );
    assert_eq!(stdout(&output), "job111\n");
    hub.verify().await;
}

#[tokio::test]
async fn create_refuses_both_targets_or_none_before_any_request() {
    let hub = MockHub::start(vec![]).await;
    let both = run(
        webhooks(
            &hub,
            "create_both",
            &[
                "create",
                "--watch",
                "user:me",
                "--url",
                "https://x",
                "--job-id",
                "j",
            ],
        ),
        2,
    );
    assert!(
        stderr(&both).starts_with("error: Set `url` or `job_id` but not both.\nhelp: "),
        "{}",
        stderr(&both)
    );
    let none = run(
        webhooks(&hub, "create_none", &["create", "--watch", "user:me"]),
        2,
    );
    assert!(
        stderr(&none).starts_with("error: Missing argument for webhook: `url` or `job_id`.\n"),
        "{}",
        stderr(&none)
    );
    assert_eq!(hub.served().await, 0);
    hub.verify().await;
}

#[tokio::test]
async fn watch_and_domain_errors_use_the_reference_wording() {
    let hub = MockHub::start(vec![]).await;
    let no_colon = run(
        webhooks(
            &hub,
            "watch",
            &["create", "--url", "https://x", "--watch", "gpt2"],
        ),
        2,
    );
    assert!(
        stderr(&no_colon).contains(
            "Expected format 'type:name' (e.g. 'model:bert-base-uncased'), got 'gpt2'. \
             Valid types: dataset, model, org, space, user."
        ),
        "{}",
        stderr(&no_colon)
    );
    let bad_type = run(
        webhooks(&hub, "watch", &["update", "abc", "--watch", "repo:gpt2"]),
        2,
    );
    assert!(
        stderr(&bad_type)
            .contains("Invalid type 'repo'. Valid types: dataset, model, org, space, user."),
        "{}",
        stderr(&bad_type)
    );
    let bad_domain = run(
        webhooks(
            &hub,
            "watch",
            &[
                "create",
                "--url",
                "https://x",
                "--watch",
                "user:me",
                "--domain",
                "pr",
            ],
        ),
        2,
    );
    assert!(
        stderr(&bad_domain).contains("Invalid domain 'pr'. Valid domains: repo, discussion."),
        "{}",
        stderr(&bad_domain)
    );
    // --watch is required to create.
    let missing = run(
        webhooks(&hub, "watch", &["create", "--url", "https://x"]),
        2,
    );
    assert!(stderr(&missing).contains("--watch <TYPE:NAME>"));
    assert_eq!(hub.served().await, 0);
    hub.verify().await;
}

#[tokio::test]
async fn update_sends_only_the_options_given() {
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks/abc")
            .body(json!({ "url": "https://new.example.com/hook" }))
            .answer(200, json!({ "webhook": webhook_json("abc") })),
        Expect::post("/api/settings/webhooks/abc")
            .body(json!({
                "watched": [{"type": "dataset", "name": "me/data"}],
                "domains": ["repo"],
                "secret": "s2"
            }))
            .answer(200, json!({ "webhook": webhook_json("abc") })),
    ])
    .await;
    let first = run(
        webhooks(
            &hub,
            "update",
            &["update", "abc", "--url", "https://new.example.com/hook"],
        ),
        0,
    );
    assert!(stdout(&first).starts_with("Webhook updated: abc\n"));
    run(
        webhooks(
            &hub,
            "update",
            &[
                "update",
                "abc",
                "--watch",
                "dataset:me/data",
                "--domain",
                "repo",
                "--secret",
                "s2",
            ],
        ),
        0,
    );
    let nothing = run(webhooks(&hub, "update", &["update", "abc"]), 2);
    assert!(stderr(&nothing).starts_with("error: nothing to update\n"));
    hub.verify().await;
}

#[tokio::test]
async fn enable_and_disable() {
    let mut disabled = webhook_json("abc");
    disabled["disabled"] = json!(true);
    let hub = MockHub::start(vec![
        Expect::post("/api/settings/webhooks/abc/disable")
            .answer(200, json!({ "webhook": disabled.clone() })),
        Expect::post("/api/settings/webhooks/abc/enable")
            .answer(200, json!({ "webhook": webhook_json("abc") })),
        Expect::post("/api/settings/webhooks/abc/disable")
            .answer(200, json!({ "webhook": disabled.clone() })),
    ])
    .await;
    let off = run(webhooks(&hub, "enable", &["disable", "abc"]), 0);
    assert_eq!(stdout(&off), "Webhook disabled: abc\n");
    let on = run(webhooks(&hub, "enable", &["enable", "abc"]), 0);
    assert_eq!(stdout(&on), "Webhook enabled: abc\n");
    let json_out = run(
        webhooks(&hub, "enable", &["disable", "abc", "--format", "json"]),
        0,
    );
    assert_eq!(
        serde_json::from_str::<Value>(&stdout(&json_out)).unwrap(),
        disabled
    );
    hub.verify().await;
}

#[tokio::test]
async fn delete_asks_first_and_aborts_on_no() {
    let hub = MockHub::start(vec![
        Expect::delete("/api/settings/webhooks/abc").answer(200, json!({})),
        Expect::delete("/api/settings/webhooks/def").answer(200, json!({})),
    ])
    .await;

    let mut refused = webhooks(&hub, "delete", &["delete", "abc"]);
    refused.write_stdin("n\n");
    let refused = run(refused, 1);
    assert_eq!(
        stderr(&refused),
        "Are you sure you want to delete webhook 'abc'? [y/N]: error: Aborted.\n\
         help: pass --yes to delete without asking\n"
    );
    // No answer at all (stdin closed) is a no too.
    let mut closed = webhooks(&hub, "delete", &["delete", "abc"]);
    closed.write_stdin("");
    run(closed, 1);
    assert_eq!(hub.served().await, 0);

    let mut accepted = webhooks(&hub, "delete", &["delete", "abc"]);
    accepted.write_stdin("y\n");
    assert_eq!(stdout(&run(accepted, 0)), "Webhook deleted: abc\n");

    let yes = run(webhooks(&hub, "delete", &["delete", "def", "--yes"]), 0);
    assert_eq!(stdout(&yes), "Webhook deleted: def\n");
    assert!(stderr(&yes).is_empty());
    hub.verify().await;
}

#[tokio::test]
async fn hub_errors_exit_non_zero_with_the_hubs_message() {
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks").answer(
            401,
            json!({ "error": "Invalid credentials in Authorization header" }),
        ),
        Expect::get("/api/settings/webhooks/nope")
            .answer(404, json!({ "error": "Webhook not found" })),
        Expect::post("/api/settings/webhooks/abc/enable").answer_raw(
            500,
            "text/plain",
            "Internal Error - We're working hard to fix this as soon as possible!",
        ),
    ])
    .await;

    let unauthorized = run(webhooks(&hub, "errors", &["ls"]), 1);
    assert_eq!(
        stderr(&unauthorized),
        "error: the Hub answered 401 Unauthorized to GET /api/settings/webhooks: \
         Invalid credentials in Authorization header\n\
         help: check the token (--token, HF_TOKEN or the `hf auth login` token file)\n"
    );
    assert!(stdout(&unauthorized).is_empty());

    let not_found = run(webhooks(&hub, "errors", &["info", "nope"]), 1);
    assert!(
        stderr(&not_found).starts_with(
            "error: the Hub answered 404 Not Found to GET /api/settings/webhooks/nope: \
             Webhook not found\n"
        ),
        "{}",
        stderr(&not_found)
    );

    let server_error = run(webhooks(&hub, "errors", &["enable", "abc"]), 1);
    assert!(
        stderr(&server_error).contains("500 Internal Server Error")
            && stderr(&server_error).contains("We're working hard to fix this"),
        "{}",
        stderr(&server_error)
    );
    for output in [&unauthorized, &not_found, &server_error] {
        assert!(!stderr(output).contains(TOKEN));
        assert!(!stdout(output).contains(TOKEN));
    }
    hub.verify().await;
}

#[tokio::test]
async fn the_token_comes_from_the_flag_then_hf_token_then_the_token_file() {
    let hub = MockHub::start(vec![
        // --token wins over HF_TOKEN.
        Expect::get("/api/settings/webhooks")
            .token("hf_from_flag")
            .answer(200, json!([])),
        // Without HF_TOKEN: $HF_HOME/token, as `hf auth login` writes it.
        Expect::get("/api/settings/webhooks")
            .token("hf_from_file")
            .answer(200, json!([])),
    ])
    .await;
    run(
        webhooks(&hub, "token_flag", &["ls", "--token", "hf_from_flag"]),
        0,
    );

    let home = hf_home("token_file");
    std::fs::write(home.join("token"), "hf_from_file\n").unwrap();
    let mut from_file = webhooks(&hub, "unused", &["ls"]);
    from_file.env_remove("HF_TOKEN").env("HF_HOME", &home);
    run(from_file, 0);
    hub.verify().await;
}

#[tokio::test]
async fn no_token_at_all_is_a_clear_error_before_any_request() {
    let hub = MockHub::start(vec![]).await;
    let mut command = webhooks(&hub, "no_token", &["ls"]);
    command.env_remove("HF_TOKEN");
    let output = run(command, 1);
    let text = stderr(&output);
    assert!(text.starts_with("error: no Hugging Face token: "), "{text}");
    assert!(text.contains("hf-home-hub-no_token/token"), "{text}");
    assert!(text.contains("\nhelp: "), "{text}");
    assert_eq!(hub.served().await, 0);
}

#[tokio::test]
async fn an_unreachable_hub_exits_non_zero() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hub = MockHub::start(vec![]).await;
    let mut command = webhooks(&hub, "unreachable", &["ls"]);
    command.env("HF_ENDPOINT", format!("http://127.0.0.1:{port}"));
    let output = run(command, 1);
    assert!(
        stderr(&output).starts_with(&format!(
            "error: cannot reach the Hub at http://127.0.0.1:{port}/api/settings/webhooks: "
        )),
        "{}",
        stderr(&output)
    );
}

/// Text with a screen clear, a window-title change and a C1 control sequence in it.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[2Jgone\u{9b}31m";
/// How `HOSTILE` is printed.
const ESCAPED: &str = r"\u001b]0;pwned\u0007\u001b[2Jgone\u009b31m";

#[tokio::test]
async fn what_the_hub_says_is_printed_with_its_control_characters_escaped() {
    let mut hostile = webhook_json("abc");
    hostile["url"] = json!(format!("https://example.com/{HOSTILE}\nid: forged"));
    hostile["watched"] = json!([{"type": "user", "name": HOSTILE}]);
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks/nope")
            .answer(404, json!({ "error": format!("{HOSTILE}\nhelp: forged") })),
        Expect::get("/api/settings/webhooks").answer(200, json!([hostile.clone()])),
        Expect::get("/api/settings/webhooks/abc").answer(200, json!({ "webhook": hostile })),
        Expect::get("/api/settings/webhooks").answer(200, json!([hostile.clone()])),
    ])
    .await;

    let error = run(webhooks(&hub, "hostile", &["info", "nope"]), 1);
    assert_eq!(
        stderr(&error),
        format!(
            "error: the Hub answered 404 Not Found to GET /api/settings/webhooks/nope: \
             {ESCAPED}\\u000ahelp: forged\n\
             help: `webhooks hub ls` lists your webhooks and their ids\n"
        )
    );

    let table = stdout(&run(webhooks(&hub, "hostile", &["ls"]), 0));
    assert_eq!(
        table.lines().nth(1).unwrap(),
        format!(
            "abc  https://example.com/{ESCAPED}\\u000aid: forged  false     repo, discussion  \
             user:{ESCAPED}"
        )
    );
    assert_eq!(table.lines().count(), 2, "{table}");

    let details = stdout(&run(webhooks(&hub, "hostile", &["info", "abc"]), 0));
    assert!(
        details.contains(&format!(
            "\nurl:      https://example.com/{ESCAPED}\\u000aid: forged\n"
        )),
        "{details}"
    );

    // JSON stays valid JSON and gives back the Hub's text exactly.
    let json_out = stdout(&run(
        webhooks(&hub, "hostile", &["ls", "--format", "json"]),
        0,
    ));
    assert!(json_out.contains(r"\u009b31m"), "{json_out}");
    assert_eq!(
        serde_json::from_str::<Value>(&json_out).unwrap(),
        json!([hostile])
    );

    for output in [&table, &details, &json_out, &stderr(&error)] {
        assert!(
            !output.contains(['\u{1b}', '\u{7}', '\u{9b}']),
            "{output:?}"
        );
    }
    hub.verify().await;
}

#[tokio::test]
async fn a_secret_in_a_webhook_url_is_only_shown_as_json() {
    let mut webhook = webhook_json("abc");
    webhook["url"] = json!("https://example.com/webhooks/x?secret=s3cret");
    let hub = MockHub::start(vec![
        Expect::get("/api/settings/webhooks").answer(200, json!([webhook.clone()])),
        Expect::get("/api/settings/webhooks/abc")
            .answer(200, json!({ "webhook": webhook.clone() })),
        Expect::get("/api/settings/webhooks/abc")
            .answer(200, json!({ "webhook": webhook.clone() })),
    ])
    .await;
    let table = stdout(&run(webhooks(&hub, "url_secret", &["ls"]), 0));
    assert!(
        table.contains("  https://example.com/webhooks/x?secret=<redacted>  "),
        "{table}"
    );
    let details = stdout(&run(webhooks(&hub, "url_secret", &["info", "abc"]), 0));
    assert!(
        details.contains("\nurl:      https://example.com/webhooks/x?secret=<redacted>\n"),
        "{details}"
    );
    for text in [&table, &details] {
        assert!(!text.contains("s3cret"), "{text}");
    }
    let json_out = stdout(&run(
        webhooks(&hub, "url_secret", &["info", "abc", "--format", "json"]),
        0,
    ));
    assert_eq!(serde_json::from_str::<Value>(&json_out).unwrap(), webhook);
    hub.verify().await;
}

#[tokio::test]
async fn dot_ids_are_refused_before_any_request() {
    let hub = MockHub::start(vec![]).await;
    for (args, id) in [
        (&["info", ".."][..], ".."),
        (&["info", "."][..], "."),
        (&["disable", ".."][..], ".."),
        (&["update", "..", "--url", "https://x"][..], ".."),
        (&["delete", "..", "--yes"][..], ".."),
    ] {
        let output = run(webhooks(&hub, "dots", args), 2);
        assert_eq!(
            stderr(&output),
            format!(
                "error: `{id}` is not a valid webhook id: it would change the meaning of the URL path\n"
            ),
            "{args:?}"
        );
    }
    assert_eq!(hub.served().await, 0);
    hub.verify().await;
}

#[tokio::test]
async fn a_plain_http_endpoint_off_this_machine_gets_a_warning() {
    // The id is refused before any request, so nothing is ever sent to that host.
    let hub = MockHub::start(vec![]).await;
    let mut remote = webhooks(&hub, "plain_http", &["info", ".."]);
    remote.env("HF_ENDPOINT", "http://hub.example.invalid/");
    let output = run(remote, 2);
    assert_eq!(
        stderr(&output),
        "warning: the Hub endpoint http://hub.example.invalid is plain HTTP: your token travels \
         unencrypted (use https://, or HF_ENDPOINT on this machine's loopback address)\n\
         error: `..` is not a valid webhook id: it would change the meaning of the URL path\n"
    );

    // Loopback endpoints (a mock, a local mirror) stay quiet.
    for endpoint in [hub.url(), hub.url().replace("127.0.0.1", "localhost")] {
        let mut local = webhooks(&hub, "plain_http", &["info", ".."]);
        local.env("HF_ENDPOINT", endpoint);
        let output = run(local, 2);
        assert!(
            stderr(&output).starts_with("error: "),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(hub.served().await, 0);
}
