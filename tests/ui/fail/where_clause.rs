use webhooks::webhook_endpoint;

#[webhook_endpoint]
async fn hook()
where
    u8: Copy,
{
}

fn main() {}
