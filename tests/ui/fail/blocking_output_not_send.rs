use std::rc::Rc;

use webhooks::{IntoResponse, Response, webhook_endpoint};

/// A reply that holds an `Rc`, so it cannot be sent back from the blocking pool.
struct Reply(Rc<str>);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        self.0.to_string().into_response()
    }
}

#[webhook_endpoint]
fn hook() -> Reply {
    Reply(Rc::from("done"))
}

fn main() {}
