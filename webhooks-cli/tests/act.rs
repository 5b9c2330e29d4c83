//! `webhooks hub comment` and `webhooks hub job ...`: the real binary against a mock Hub that
//! checks every call's method, path, `Authorization` header and JSON body.

mod cli;
#[path = "../../webhooks-hub/tests/mock/mod.rs"]
mod mock;

use assert_cmd::Command;
use cli::{run, stderr, stdout};
use mock::{Expect, MockHub, TOKEN, comment_event_json, job_json, whoami_json};
use serde_json::{Value, json};

/// `webhooks hub <args>` against `hub`, with `HF_TOKEN` set to the mock's token.
fn webhooks(hub: &MockHub, test: &str, args: &[&str]) -> Command {
    cli::hub(&hub.url(), TOKEN, test, args)
}

#[tokio::test]
async fn comment_posts_to_the_discussion_and_says_where() {
    let posted = || {
        Expect::post("/api/datasets/me/my-data/discussions/3/comment")
            .body(json!({ "comment": "Thanks, **merged**!" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c1", "me", "Thanks, **merged**!") }),
            )
    };
    let hub = MockHub::start(vec![
        posted(),
        posted(),
        posted(),
        Expect::post("/api/models/me/my-model/discussions/1/comment")
            .body(json!({ "comment": "hi" }))
            .answer(
                200,
                json!({ "newMessage": comment_event_json("c2", "me", "hi") }),
            ),
    ])
    .await;
    let args = [
        "comment",
        "me/my-data",
        "3",
        "Thanks, **merged**!",
        "--repo-type",
        "dataset",
    ];
    let table = stdout(&run(webhooks(&hub, "comment", &args), 0));
    assert_eq!(
        table,
        format!(
            "Comment posted: c1\nView at: {}/datasets/me/my-data/discussions/3#c1\n",
            hub.url()
        )
    );
    let quiet = stdout(&run(
        webhooks(&hub, "comment", &[&args[..], &["-q"]].concat()),
        0,
    ));
    assert_eq!(quiet, "c1\n");
    let json_out = stdout(&run(
        webhooks(
            &hub,
            "comment",
            &[&args[..], &["--format", "json"]].concat(),
        ),
        0,
    ));
    assert_eq!(
        serde_json::from_str::<Value>(&json_out).unwrap(),
        json!({
            "id": "c1",
            "author": "me",
            "createdAt": "2026-01-05T10:00:00.000Z",
            "content": "Thanks, **merged**!",
            "edited": false,
            "hidden": false
        })
    );
    // A model is the default repo type, as in huggingface_hub.
    run(
        webhooks(&hub, "comment", &["comment", "me/my-model", "1", "hi"]),
        0,
    );
    hub.verify().await;
}

#[tokio::test]
async fn comment_errors_say_what_to_check() {
    let hub = MockHub::start(vec![
        Expect::post("/api/models/me/m/discussions/9/comment")
            .body(json!({ "comment": "x" }))
            .answer(404, json!({ "error": "Discussion not found" })),
        Expect::post("/api/models/me/m/discussions/8/comment")
            .body(json!({ "comment": "x" }))
            .answer(403, json!({ "error": "Forbidden: pass a write token" })),
    ])
    .await;
    let not_found = run(
        webhooks(&hub, "comment_errors", &["comment", "me/m", "9", "x"]),
        1,
    );
    assert_eq!(
        stderr(&not_found),
        "error: the Hub answered 404 Not Found to POST /api/models/me/m/discussions/9/comment: \
         Discussion not found\n\
         help: check the repo, its --repo-type and the discussion's number\n"
    );
    let forbidden = run(
        webhooks(&hub, "comment_errors", &["comment", "me/m", "8", "x"]),
        1,
    );
    assert!(
        stderr(&forbidden).ends_with(
            ": Forbidden: pass a write token\nhelp: the token may not be allowed to write in \
             this repo's discussions: use one with write access\n"
        ),
        "{}",
        stderr(&forbidden)
    );

    // Refused before any request: number 0, an unknown repo type, a `..` in the repo id.
    for (args, needle) in [
        (&["comment", "me/m", "0", "x"][..], "0 is not in 1.."),
        (
            &["comment", "me/m", "1", "x", "--repo-type", "collection"][..],
            "invalid value 'collection'",
        ),
        (
            &["comment", "../m", "1", "x"][..],
            "error: `..` is not a valid repo id part",
        ),
    ] {
        let output = run(webhooks(&hub, "comment_errors", args), 2);
        assert!(stderr(&output).contains(needle), "{}", stderr(&output));
    }
    hub.verify().await;
}

#[tokio::test]
async fn job_run_sends_what_hf_jobs_run_sends() {
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        Expect::post("/api/jobs/me")
            .body(json!({
                "dockerImage": "python:3.12",
                "command": ["python", "-c", "print('hi')"],
                "arguments": [],
                "environment": {"MODE": "full", "FROM_SHELL": "shell value"},
                "secrets": {"HF_TOKEN": TOKEN, "API_KEY": "k"},
                "flavor": "a10g-small",
                "timeoutSeconds": 1800
            }))
            .answer(200, job_json("j1", "RUNNING")),
        Expect::post("/api/jobs/my-org")
            .body(json!({
                "spaceId": "me/duckdb",
                "command": ["duckdb", "-c", "select 1"],
                "arguments": [],
                "environment": {},
                "flavor": "cpu-basic"
            }))
            .answer(200, job_json("j2", "RUNNING")),
    ])
    .await;
    let mut command = webhooks(
        &hub,
        "job_run",
        &[
            "job",
            "run",
            "-e",
            "MODE=full",
            "--env",
            "FROM_SHELL",
            "-s",
            "HF_TOKEN",
            "--secrets",
            "API_KEY=k",
            "--flavor",
            "a10g-small",
            "--timeout",
            "30m",
            "python:3.12",
            "--",
            "python",
            "-c",
            "print('hi')",
        ],
    );
    command.env("FROM_SHELL", "shell value");
    let started = run(command, 0);
    assert_eq!(
        stdout(&started),
        format!(
            "Job started with ID: j1\nView at: {}/jobs/me/j1\n",
            hub.url()
        )
    );

    // Without `--`, everything after the image is the command, dashes included.
    let quiet = run(
        webhooks(
            &hub,
            "job_run",
            &[
                "jobs",
                "run",
                "--namespace",
                "my-org",
                "-q",
                "hf.co/spaces/me/duckdb",
                "duckdb",
                "-c",
                "select 1",
            ],
        ),
        0,
    );
    assert_eq!(stdout(&quiet), "j2\n");
    hub.verify().await;
}

#[tokio::test]
async fn job_run_refuses_a_variable_it_cannot_fill() {
    let hub = MockHub::start(vec![]).await;
    let mut command = webhooks(
        &hub,
        "job_run_unset",
        &["job", "run", "-e", "NOT_SET_ANYWHERE", "ubuntu", "true"],
    );
    command.env_remove("NOT_SET_ANYWHERE");
    let output = run(command, 2);
    assert_eq!(
        stderr(&output),
        "error: --env NOT_SET_ANYWHERE: `NOT_SET_ANYWHERE` is not set in this environment\n\
         help: pass --env NOT_SET_ANYWHERE=VALUE\n"
    );
    let bad_timeout = run(
        webhooks(
            &hub,
            "job_run_unset",
            &["job", "run", "--timeout", "soon", "ubuntu"],
        ),
        2,
    );
    assert!(
        stderr(&bad_timeout).contains("invalid duration 'soon'"),
        "{}",
        stderr(&bad_timeout)
    );
    assert_eq!(hub.served().await, 0);
}

#[tokio::test]
async fn job_ls_shows_running_jobs_unless_all() {
    let mut space_job = job_json("j3", "UPDATING");
    space_job.as_object_mut().unwrap().remove("dockerImage");
    space_job["spaceId"] = json!("me/duckdb");
    space_job["command"] = json!(["duckdb", "-c", "select\u{1b}[2J 1"]);
    let jobs = json!([
        job_json("j1", "RUNNING"),
        job_json("j2", "COMPLETED"),
        space_job
    ]);
    let list = || Expect::get("/api/jobs/me").answer(200, jobs.clone());
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        list(),
        Expect::get("/api/whoami-v2").answer(200, whoami_json()),
        list(),
        Expect::get("/api/jobs/my-org").answer(200, json!([job_json("j9", "ERROR")])),
        Expect::get("/api/jobs/my-org").answer(200, json!([job_json("j9", "ERROR")])),
    ])
    .await;

    let running = stdout(&run(webhooks(&hub, "job_ls", &["job", "ls"]), 0));
    assert_eq!(
        running,
        "JOB ID  IMAGE/SPACE             COMMAND                      CREATED              STATUS\n\
         j1      python:3.12             python -c print('hello')     2026-01-05 10:00:00  RUNNING\n\
         j3      hf.co/spaces/me/duckdb  duckdb -c select\\u001b[2J 1  2026-01-05 10:00:00  UPDATING\n"
    );
    let all = stdout(&run(
        webhooks(&hub, "job_ls", &["job", "ps", "--all", "-q"]),
        0,
    ));
    assert_eq!(all, "j1\nj2\nj3\n");
    let none = stdout(&run(
        webhooks(&hub, "job_ls", &["job", "ls", "--namespace", "my-org"]),
        0,
    ));
    assert_eq!(none, "No jobs found\n");
    let json_out = stdout(&run(
        webhooks(
            &hub,
            "job_ls",
            &[
                "job",
                "ls",
                "--all",
                "--namespace",
                "my-org",
                "--format",
                "json",
            ],
        ),
        0,
    ));
    assert_eq!(
        serde_json::from_str::<Value>(&json_out).unwrap(),
        json!([job_json("j9", "ERROR")])
    );
    hub.verify().await;
}

#[tokio::test]
async fn job_inspect_and_cancel() {
    let mut failed = job_json("j2", "ERROR");
    failed["status"]["message"] = json!("exit code 1");
    let hub = MockHub::start(vec![
        Expect::get("/api/jobs/my-org/j1").answer(200, job_json("j1", "RUNNING")),
        Expect::get("/api/jobs/my-org/j2").answer(200, failed.clone()),
        Expect::get("/api/jobs/my-org/j1").answer(200, job_json("j1", "RUNNING")),
        Expect::post("/api/jobs/my-org/j1/cancel").answer(200, json!({})),
        Expect::get("/api/jobs/my-org/nope").answer(404, json!({ "error": "Job not found" })),
    ])
    .await;
    let namespace = ["--namespace", "my-org"];
    let details = stdout(&run(
        webhooks(
            &hub,
            "job_inspect",
            &[&["job", "inspect", "j1", "j2"][..], &namespace].concat(),
        ),
        0,
    ));
    assert_eq!(
        details,
        format!(
            "id:      j1\nstatus:  RUNNING\nimage:   python:3.12\ncommand: python -c print('hello')\n\
             flavor:  cpu-basic\ncreated: 2026-01-05 10:00:00\nowner:   me\nurl:     {url}/jobs/me/j1\n\
             \n\
             id:      j2\nstatus:  ERROR (exit code 1)\nimage:   python:3.12\ncommand: python -c print('hello')\n\
             flavor:  cpu-basic\ncreated: 2026-01-05 10:00:00\nowner:   me\nurl:     {url}/jobs/me/j2\n",
            url = hub.url()
        )
    );
    let json_out = stdout(&run(
        webhooks(
            &hub,
            "job_inspect",
            &[
                &["job", "inspect", "j1", "--format", "json"][..],
                &namespace,
            ]
            .concat(),
        ),
        0,
    ));
    assert_eq!(
        serde_json::from_str::<Value>(&json_out).unwrap(),
        json!([job_json("j1", "RUNNING")])
    );
    let canceled = stdout(&run(
        webhooks(
            &hub,
            "job_inspect",
            &[&["job", "cancel", "j1"][..], &namespace].concat(),
        ),
        0,
    ));
    assert_eq!(canceled, "Job canceled: j1\n");
    let missing = run(
        webhooks(
            &hub,
            "job_inspect",
            &[&["job", "inspect", "nope"][..], &namespace].concat(),
        ),
        1,
    );
    assert_eq!(
        stderr(&missing),
        "error: the Hub answered 404 Not Found to GET /api/jobs/my-org/nope: Job not found\n\
         help: `webhooks hub job ls --all` lists your Jobs and their ids\n"
    );
    hub.verify().await;
}

#[tokio::test]
async fn a_bad_token_fails_the_whoami_of_a_job_command() {
    let hub = MockHub::start(vec![
        Expect::get("/api/whoami-v2").token("hf_expired").answer(
            401,
            json!({ "error": "Invalid credentials in Authorization header" }),
        ),
    ])
    .await;
    let output = run(
        webhooks(&hub, "job_401", &["job", "ls", "--token", "hf_expired"]),
        1,
    );
    assert_eq!(
        stderr(&output),
        "error: the Hub answered 401 Unauthorized to GET /api/whoami-v2: \
         Invalid credentials in Authorization header\n\
         help: check the token (--token, HF_TOKEN or the `hf auth login` token file)\n"
    );
    hub.verify().await;
}
