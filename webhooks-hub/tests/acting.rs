//! Acting on the Hub against a mock Hub over real HTTP: discussions, pull requests, Jobs,
//! `whoami` and the delivery helpers, each call's method, path, `Authorization` and JSON body as
//! `huggingface_hub` sends them, and the error answers as typed errors.

mod mock;

use std::time::Duration;

use mock::{Expect, MockHub, TOKEN, comment_event_json, job_json, payload_fixture, whoami_json};
use serde_json::json;
use webhooks_hub::{
    ApiErrorKind, DiscussionEvent, DiscussionStatus, Error, HubClient, JobSpec, JobStage,
    NewDiscussion, RepoRef, RepoType,
};

fn client(hub: &MockHub) -> HubClient {
    HubClient::builder()
        .token(TOKEN)
        .endpoint(hub.url())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

#[tokio::test]
async fn whoami_reads_the_account_and_keeps_the_rest() {
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
    ])
    .await;
    let me = client(&hub).whoami().await.unwrap();
    hub.verify().await;
    assert_eq!(
        (me.kind.as_str(), me.id.as_str(), me.name.as_str()),
        ("user", "61d2000c3c2083e1c08af22e", "me")
    );
    assert_eq!(me.fullname.as_deref(), Some("Me Myself"));
    assert_eq!(me.orgs[0].name, "my-org");
    assert_eq!(me.other["auth"]["accessToken"]["role"], "write");
}

#[tokio::test]
async fn comment_discussion_posts_the_comment_on_each_repo_type() {
    let hub = MockHub::start(vec![
        Expect::post("/api/models/me/my-model/discussions/3/comment")
            .body(json!({ "comment": "Thanks, **merged**!" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c1", "me", "Thanks, **merged**!") }),
            ),
        Expect::post("/api/datasets/me/my-data/discussions/1/comment")
            .body(json!({ "comment": "ok" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c2", "me", "ok") }),
            ),
        Expect::post("/api/spaces/me/app/discussions/12/comment")
            .body(json!({ "comment": "ok" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c3", "me", "ok") }),
            ),
        Expect::post("/api/models/gpt2/discussions/2/comment")
            .body(json!({ "comment": "ok" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c4", "me", "ok") }),
            ),
    ])
    .await;
    let client = client(&hub);
    let comment = client
        .comment_discussion(&RepoRef::model("me/my-model"), 3, "Thanks, **merged**!")
        .await
        .unwrap();
    assert_eq!(comment.id, "c1");
    assert_eq!(comment.author, "me");
    assert_eq!(comment.content, "Thanks, **merged**!");
    assert_eq!(comment.created_at, "2026-01-05T10:00:00.000Z");
    assert!(!comment.edited && !comment.hidden);
    for (repo, num) in [
        (RepoRef::dataset("me/my-data"), 1),
        (RepoRef::space("me/app"), 12),
        (RepoRef::model("gpt2"), 2),
    ] {
        client.comment_discussion(&repo, num, "ok").await.unwrap();
    }
    hub.verify().await;
}

#[tokio::test]
async fn create_discussion_posts_then_reads_it_back_as_the_reference_does() {
    let details = json!({
        "num": 5,
        "title": "Validation failed",
        "status": "open",
        "isPullRequest": false,
        "author": {"name": "me", "_id": "61d2000c3c2083e1c08af22e"},
        "createdAt": "2026-01-05T10:00:00.000Z",
        "repo": {"name": "me/my-data", "type": "dataset"},
        "events": [comment_event_json("c1", "me", "Column `label` is empty.")],
        "pinned": false,
        "locked": false
    });
    let hub = MockHub::start(vec![
        Expect::post("/api/datasets/me/my-data/discussions")
            .body(json!({
                "title": "Validation failed",
                "description": "Column `label` is empty.",
                "pullRequest": false
            }))
            .answer(200, json!({ "num": 5, "url": "https://example.com" })),
        Expect::get("/api/datasets/me/my-data/discussions/5?diff=1").answer(200, details),
    ])
    .await;
    let discussion = client(&hub)
        .create_discussion(
            &RepoRef::dataset("me/my-data"),
            NewDiscussion::new(" Validation failed ").description("Column `label` is empty.\n"),
        )
        .await
        .unwrap();
    hub.verify().await;
    assert_eq!(discussion.num, 5);
    assert_eq!(discussion.status, DiscussionStatus::Open);
    assert_eq!(discussion.repo_type, RepoType::Dataset);
    assert_eq!(discussion.repo_id, "me/my-data");
    assert!(!discussion.is_pull_request);
    assert_eq!(discussion.target_branch, None);
    let DiscussionEvent::Comment(first) = &discussion.events[0] else {
        panic!("{:?}", discussion.events)
    };
    assert_eq!(first.content, "Column `label` is empty.");
}

#[tokio::test]
async fn create_pull_request_sends_the_flag_and_the_default_description() {
    let details = json!({
        "num": 6,
        "title": "Retrained weights",
        "status": "draft",
        "isPullRequest": true,
        "author": {"name": "me"},
        "createdAt": "2026-01-05T10:00:00.000Z",
        "repo": {"name": "me/my-model", "type": "model"},
        "events": [
            {"id": "e1", "type": "commit", "createdAt": "t", "author": {"name": "me"},
             "data": {"subject": "Upload weights", "oid": "abc123"}},
            {"id": "e2", "type": "review-requested", "createdAt": "t", "author": {"name": "me"},
             "data": {"reviewer": "julien-c"}}
        ],
        "changes": {"base": "refs/heads/main"},
        "filesWithConflicts": ["model.safetensors"],
        "diff": "diff --git a/x b/x"
    });
    let hub = MockHub::start(vec![
        Expect::post("/api/models/me/my-model/discussions")
            .body(json!({
                "title": "Retrained weights",
                "description": "Pull Request opened with the [hf-webhooks Rust library](https://docs.rs/hf-webhooks)",
                "pullRequest": true
            }))
            .answer(200, json!({ "num": 6 })),
        Expect::get("/api/models/me/my-model/discussions/6?diff=1").answer(200, details),
    ])
    .await;
    let pr = client(&hub)
        .create_pull_request(
            &RepoRef::model("me/my-model"),
            NewDiscussion::new("Retrained weights"),
        )
        .await
        .unwrap();
    hub.verify().await;
    assert!(pr.is_pull_request);
    assert_eq!(pr.status, DiscussionStatus::Draft);
    assert_eq!(pr.target_branch.as_deref(), Some("refs/heads/main"));
    assert_eq!(pr.conflicting_files, Some(json!(["model.safetensors"])));
    assert_eq!(pr.diff.as_deref(), Some("diff --git a/x b/x"));
    assert!(
        matches!(&pr.events[0], DiscussionEvent::Commit(commit) if commit.oid == "abc123" && commit.summary == "Upload weights")
    );
    let DiscussionEvent::Other(other) = &pr.events[1] else {
        panic!("{:?}", pr.events)
    };
    assert_eq!(other.kind, "review-requested");
    assert_eq!(other.data, json!({"reviewer": "julien-c"}));
}

#[tokio::test]
async fn change_discussion_status_sends_status_and_comment() {
    let status_event = |status: &str| {
        json!({ "newStatus": {
            "id": "s1", "type": "status-change", "createdAt": "t", "author": {"name": "me"},
            "data": {"status": status}
        }})
    };
    let hub = MockHub::start(vec![
        Expect::post("/api/models/me/my-model/discussions/3/status")
            .body(json!({ "status": "closed", "comment": "Fixed in main." }))
            .answer(200, status_event("closed")),
        // A blank comment is left out, as the reference does.
        Expect::post("/api/models/me/my-model/discussions/3/status")
            .body(json!({ "status": "open" }))
            .answer(200, status_event("open")),
    ])
    .await;
    let client = client(&hub);
    let repo = RepoRef::model("me/my-model");
    let closed = client
        .change_discussion_status(&repo, 3, DiscussionStatus::Closed, Some(" Fixed in main. "))
        .await
        .unwrap();
    assert_eq!(closed.new_status, DiscussionStatus::Closed);
    let opened = client
        .change_discussion_status(&repo, 3, DiscussionStatus::Open, Some("  "))
        .await
        .unwrap();
    assert_eq!(opened.new_status, DiscussionStatus::Open);

    let merged = client
        .change_discussion_status(&repo, 3, DiscussionStatus::Merged, None)
        .await
        .unwrap_err();
    assert_eq!(
        merged.to_string(),
        "Invalid status, valid statuses are: 'open' and 'closed'"
    );
    hub.verify().await;
}

#[tokio::test]
async fn edit_discussion_comment_posts_the_content_to_the_comment() {
    let mut edited = comment_event_json("abcdef", "me", "Training done: loss 0.12");
    edited["data"]["edited"] = json!(true);
    let hub = MockHub::start(vec![
        Expect::post("/api/spaces/me/app/discussions/4/comment/abcdef/edit")
            .body(json!({ "content": "Training done: loss 0.12" }))
            .answer(200, json!({ "updatedComment": edited })),
    ])
    .await;
    let comment = client(&hub)
        .edit_discussion_comment(
            &RepoRef::space("me/app"),
            4,
            "ABCDEF",
            "Training done: loss 0.12",
        )
        .await
        .unwrap();
    hub.verify().await;
    assert!(comment.edited);
    assert_eq!(comment.content, "Training done: loss 0.12");
}

#[tokio::test]
async fn bad_arguments_are_refused_before_any_request() {
    let hub = MockHub::start(vec![]).await;
    let client = client(&hub).in_namespace("me");
    let model = RepoRef::model("me/m");
    let errors = [
        client.comment_discussion(&model, 0, "x").await.unwrap_err(),
        client
            .comment_discussion(&RepoRef::new("collection", "me/c"), 1, "x")
            .await
            .unwrap_err(),
        client
            .comment_discussion(&RepoRef::model("me/../x"), 1, "x")
            .await
            .unwrap_err(),
        client
            .edit_discussion_comment(&model, 1, "..", "x")
            .await
            .unwrap_err(),
        client.inspect_job("..").await.unwrap_err(),
        client.cancel_job("").await.unwrap_err(),
        client.run_job(JobSpec::default()).await.unwrap_err(),
        client.in_namespace("..").list_jobs().await.unwrap_err(),
    ];
    for error in &errors {
        assert!(matches!(error, Error::InvalidArgument(_)), "{error:?}");
    }
    assert_eq!(
        errors[0].to_string(),
        "Invalid discussion_num, must be a positive integer"
    );
    assert_eq!(
        errors[1].to_string(),
        "invalid repo type `collection`: expected model, dataset or space"
    );
    assert_eq!(hub.served().await, 0);
    hub.verify().await;
}

#[tokio::test]
async fn run_job_asks_whoami_once_and_sends_the_reference_body() {
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        Expect::post("/api/jobs/me")
            .body(json!({
                "dockerImage": "python:3.12",
                "command": ["python", "-c", "print('hello')"],
                "arguments": [],
                "environment": {"MODE": "full"},
                "secrets": {"HF_TOKEN": "hf_job_secret"},
                "flavor": "a10g-small",
                "timeoutSeconds": 1800
            }))
            .answer(200, job_json("j1", "RUNNING")),
        // The user name is remembered: no second whoami.
        Expect::post("/api/jobs/me")
            .body(json!({
                "spaceId": "me/duckdb",
                "command": ["duckdb", "-c", "select 1"],
                "arguments": [],
                "environment": {},
                "flavor": "cpu-basic"
            }))
            .answer(200, job_json("j2", "RUNNING")),
        // Another namespace: no whoami at all.
        Expect::post("/api/jobs/my-org")
            .body(json!({
                "dockerImage": "ubuntu",
                "command": ["echo", "hi"],
                "arguments": [],
                "environment": {},
                "flavor": "cpu-basic"
            }))
            .answer(200, job_json("j3", "RUNNING")),
    ])
    .await;
    let client = client(&hub);
    let job = client
        .run_job(
            JobSpec::image("python:3.12")
                .command(["python", "-c", "print('hello')"])
                .env("MODE", "full")
                .secret("HF_TOKEN", "hf_job_secret")
                .flavor("a10g-small")
                .timeout(Duration::from_secs(30 * 60)),
        )
        .await
        .unwrap();
    assert_eq!(job.id, "j1");
    assert_eq!(job.status.stage, JobStage::Running);
    assert_eq!(job.owner.name, "me");
    assert_eq!(client.job_url(&job), format!("{}/jobs/me/j1", hub.url()));
    client
        .run_job(JobSpec::image("hf.co/spaces/me/duckdb").command(["duckdb", "-c", "select 1"]))
        .await
        .unwrap();
    client
        .in_namespace("my-org")
        .run_job(JobSpec::image("ubuntu").command(["echo", "hi"]))
        .await
        .unwrap();
    hub.verify().await;
}

#[tokio::test]
async fn list_inspect_and_cancel_jobs() {
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        Expect::get("/api/jobs/me").answer(
            200,
            json!([job_json("j1", "RUNNING"), job_json("j2", "COMPLETED")]),
        ),
        Expect::get("/api/jobs/me/j2").answer(200, job_json("j2", "ERROR")),
        Expect::post("/api/jobs/me/j1/cancel").answer_raw(200, "text/plain", ""),
        Expect::get("/api/jobs/my-org").answer(200, json!([])),
    ])
    .await;
    let client = client(&hub);
    let jobs = client.list_jobs().await.unwrap();
    assert_eq!(
        jobs.iter()
            .map(|job| (job.id.as_str(), job.status.stage.clone()))
            .collect::<Vec<_>>(),
        [("j1", JobStage::Running), ("j2", JobStage::Completed)]
    );
    assert_eq!(jobs[0].spec.other["tags"], json!([]));
    let job = client.inspect_job("j2").await.unwrap();
    assert_eq!(job.status.stage, JobStage::Error);
    client.cancel_job("j1").await.unwrap();
    assert!(
        client
            .in_namespace("my-org")
            .list_jobs()
            .await
            .unwrap()
            .is_empty()
    );
    hub.verify().await;
}

#[tokio::test]
async fn reply_answers_the_discussion_of_a_payload() {
    let payload = payload_fixture("discussion.comment__create__hub-docs-composed.json");
    let mut dataset = payload_fixture("discussion__create__hub-docs.json");
    dataset["repo"]["type"] = json!("dataset");
    let hub = MockHub::start(vec![
        Expect::post("/api/models/some-user/some-repo/discussions/3/comment")
            .body(json!({ "comment": "echo: This adds an env key" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c9", "me", "echo: This adds an env key") }),
            ),
        Expect::post(&format!(
            "/api/datasets/{}/discussions/{}/comment",
            dataset["repo"]["name"].as_str().unwrap(),
            dataset["discussion"]["num"]
        ))
        .body(json!({ "comment": "Thanks!" }))
        .answer(200, json!({ "newMessage": comment_event_json("c10", "me", "Thanks!") })),
    ])
    .await;
    let client = client(&hub);
    let comment = client
        .reply(&payload, "echo: This adds an env key")
        .await
        .unwrap();
    assert_eq!(comment.id, "c9");
    client.reply(&dataset, "Thanks!").await.unwrap();

    let push = payload_fixture("repo.content__update__hub-docs-composed.json");
    let error = client.reply(&push, "x").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "the payload has no `discussion`: `reply` answers `discussion` and `discussion.comment` events"
    );
    hub.verify().await;
}

#[tokio::test]
async fn run_job_for_passes_the_payload_as_a_webhook_job_gets_it() {
    let mut payload = payload_fixture("repo.content__update__hub-docs-composed.json");
    payload["repo"]["type"] = json!("dataset");
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        Expect::post("/api/jobs/me")
            .body(json!({
                "dockerImage": "python:3.12",
                "command": ["python", "train.py"],
                "arguments": [],
                "environment": {
                    "WEBHOOK_PAYLOAD": serde_json::to_string(&payload).unwrap(),
                    "WEBHOOK_REPO_ID": "some-user/some-repo",
                    "WEBHOOK_REPO_TYPE": "dataset",
                    "WEBHOOK_ID": "delivery-1"
                },
                "flavor": "cpu-basic"
            }))
            .answer(200, job_json("j1", "RUNNING")),
    ])
    .await;
    let job = client(&hub)
        .run_job_for(
            &payload,
            JobSpec::image("python:3.12")
                .command(["python", "train.py"])
                .delivery_id("delivery-1"),
        )
        .await
        .unwrap();
    assert_eq!(job.id, "j1");
    hub.verify().await;
}

#[tokio::test]
async fn error_answers_are_typed_errors_with_the_hubs_message() {
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(
            401,
            json!({ "error": "Invalid credentials in Authorization header" }),
        ),
        Expect::post("/api/models/me/m/discussions/1/comment")
            .body(json!({ "comment": "x" }))
            .answer(
                403,
                json!({ "error": "You don't have the rights to comment on this repo" }),
            ),
        Expect::post("/api/models/me/gone/discussions/1/comment")
            .body(json!({ "comment": "x" }))
            .header("x-error-code", "RepoNotFound")
            .answer(401, json!({ "error": "Repository not found" })),
        Expect::get("/api/jobs/me/nope").answer(404, json!({ "error": "Job not found" })),
        Expect::post("/api/jobs/me/j1/cancel").answer_raw(503, "text/plain", "Service Unavailable"),
        Expect::get("/api/jobs/me").answer(200, json!({ "jobs": [] })),
    ])
    .await;
    let client = client(&hub);

    let unauthorized = client.list_jobs().await.unwrap_err();
    assert!(unauthorized.is_unauthorized(), "{unauthorized:?}");
    assert_eq!(
        unauthorized.to_string(),
        "the Hub answered 401 Unauthorized to GET /api/whoami-v2: \
         Invalid credentials in Authorization header"
    );

    let forbidden = client
        .comment_discussion(&RepoRef::model("me/m"), 1, "x")
        .await
        .unwrap_err();
    assert!(forbidden.is_forbidden(), "{forbidden:?}");
    assert!(
        forbidden
            .to_string()
            .ends_with(": You don't have the rights to comment on this repo")
    );

    let gone = client
        .comment_discussion(&RepoRef::model("me/gone"), 1, "x")
        .await
        .unwrap_err();
    assert!(gone.is_not_found(), "{gone:?}");
    assert_eq!(gone.status().unwrap(), 401);

    let me = client.in_namespace("me");
    let not_found = me.inspect_job("nope").await.unwrap_err();
    assert!(not_found.is_not_found());
    assert!(not_found.to_string().ends_with(": Job not found"));

    let unavailable = me.cancel_job("j1").await.unwrap_err();
    assert_eq!(unavailable.api_kind(), Some(ApiErrorKind::Server));
    assert!(unavailable.to_string().ends_with(": Service Unavailable"));

    let shape = me.list_jobs().await.unwrap_err();
    assert!(
        matches!(shape, Error::UnexpectedResponse { .. }),
        "{shape:?}"
    );
    hub.verify().await;
}
