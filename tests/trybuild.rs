//! Compile-time behaviour of `#[webhook_endpoint]`: what it accepts (`tests/ui/pass`, each built
//! and run) and how it refuses what it cannot serve (`tests/ui/fail`, each checked against its
//! `.stderr` snapshot).
//!
//! Regenerate the snapshots after a deliberate change to a message with
//! `TRYBUILD=overwrite cargo test --test trybuild`, then review the diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
