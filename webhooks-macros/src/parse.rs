//! Parsing the attribute's arguments: `("/path")` or `(path = "/path")`, the filters `scope`,
//! `action`, `repo_type` and `repo`, `respond_within = "5s"`, `queue` and `max_attempts = 5`,
//! `crate = "..."`, or nothing.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The keys the attribute accepts, for "expected one of" messages.
const KEYS: &[&str] = &[
    "path",
    "scope",
    "action",
    "repo_type",
    "repo",
    "respond_within",
    "queue",
    "max_attempts",
    "crate",
];

/// The attribute's arguments, before validation.
#[derive(Default)]
pub(crate) struct Args {
    /// The path literal, positional or `path = "..."`.
    pub(crate) path: Option<LitStr>,
    /// `respond_within = "5s"`: answer 202 past this and let the handler go on.
    pub(crate) respond_within: Option<LitStr>,
    /// `scope = "repo.content"`: only this scope or narrower.
    pub(crate) scope: Option<LitStr>,
    /// `action = "update"`.
    pub(crate) action: Option<LitStr>,
    /// `repo_type = "dataset"`.
    pub(crate) repo_type: Option<LitStr>,
    /// `repo = "org/name"`.
    pub(crate) repo: Option<LitStr>,
    /// `crate = "my_webhooks"`: the path of the `webhooks` crate when it is renamed.
    pub(crate) krate: Option<LitStr>,
    /// `queue`: the endpoint is queued.
    pub(crate) queue: Option<Ident>,
    /// `max_attempts = 5`.
    pub(crate) max_attempts: Option<syn::LitInt>,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = Args::default();
        let mut errors: Option<syn::Error> = None;
        let mut push = |error: syn::Error| match &mut errors {
            Some(errors) => errors.combine(error),
            None => errors = Some(error),
        };
        while !input.is_empty() {
            if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                set_path(&mut args, lit, &mut push);
            } else if input.peek(Ident) || input.peek(Token![crate]) {
                let key: Ident = input.call(syn::ext::IdentExt::parse_any)?;
                if key == "queue" && !input.peek(Token![=]) {
                    if args.queue.is_some() {
                        push(syn::Error::new(
                            key.span(),
                            "`queue` is given twice\n\nhelp: keep one `queue`",
                        ));
                    }
                    args.queue = Some(key);
                } else if !input.peek(Token![=]) {
                    push(if key == "path" {
                        syn::Error::new(
                            key.span(),
                            "expected `=` after `path`\n\nhelp: write `path = \"/my_path\"`",
                        )
                    } else {
                        // A bare word: most likely a path written without its quotes.
                        syn::Error::new(
                            key.span(),
                            format!(
                                "expected a path string or `path = \"...\"`, found `{key}`\n\nhelp: put the path in quotes: `#[webhook_endpoint(\"{key}\")]`"
                            ),
                        )
                    });
                } else {
                    let eq: Token![=] = input.parse()?;
                    if input.is_empty() || input.peek(Token![,]) {
                        push(syn::Error::new(
                            eq.span,
                            format!(
                                "expected a value after `{key} =`\n\nhelp: write `path = \"/my_path\"`"
                            ),
                        ));
                    } else {
                        let value: syn::Expr = input.parse()?;
                        check_key_value(&mut args, &key, value, &mut push);
                    }
                }
            } else {
                let token: proc_macro2::TokenTree = input.parse()?;
                push(syn::Error::new(
                    token.span(),
                    "expected a path string or `path = \"...\"`\n\nhelp: write `#[webhook_endpoint(\"/my_path\")]`",
                ));
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        match errors {
            Some(errors) => Err(errors),
            None => Ok(args),
        }
    }
}

fn set_path(args: &mut Args, lit: LitStr, push: &mut impl FnMut(syn::Error)) {
    if args.path.is_some() {
        push(syn::Error::new(
            lit.span(),
            "the webhook path is given twice\n\nhelp: keep one path; an endpoint has exactly one route",
        ));
    } else {
        args.path = Some(lit);
    }
}

/// Records `key = value`: the path, a string option, or an error for a value that is not a
/// string literal, a key given twice, or an unknown key.
fn check_key_value(
    args: &mut Args,
    key: &Ident,
    value: syn::Expr,
    push: &mut impl FnMut(syn::Error),
) {
    let name = key.to_string();
    match (name.as_str(), &value) {
        (
            "max_attempts",
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(int),
                ..
            }),
        ) => {
            if args.max_attempts.is_some() {
                push(syn::Error::new(
                    int.span(),
                    "`max_attempts` is given twice\n\nhelp: keep one `max_attempts`",
                ));
            } else {
                args.max_attempts = Some(int.clone());
            }
            return;
        }
        ("max_attempts", other) => {
            return push(syn::Error::new_spanned(
                other,
                "`max_attempts` must be a whole number\n\nhelp: write `max_attempts = 5`",
            ));
        }
        ("queue", other) => {
            return push(syn::Error::new_spanned(
                other,
                "`queue` takes no value\n\nhelp: write `#[webhook_endpoint(queue)]`, or `#[webhook_endpoint(queue, max_attempts = 5)]`",
            ));
        }
        _ => {}
    }
    let lit = match value {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => lit,
        other if KEYS.contains(&name.as_str()) => {
            return push(syn::Error::new_spanned(
                other,
                format!(
                    "`{name}` must be a string literal\n\nhelp: write `{name} = \"{}\"`{}",
                    example(&name),
                    if name == "respond_within" {
                        " (units: `ms`, `s`, `m`)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        _ => return push(unknown_key(key)),
    };
    let slot = match name.as_str() {
        "path" => return set_path(args, lit, push),
        "respond_within" => &mut args.respond_within,
        "scope" => &mut args.scope,
        "action" => &mut args.action,
        "repo_type" => &mut args.repo_type,
        "repo" => &mut args.repo,
        "crate" => &mut args.krate,
        _ => return push(unknown_key(key)),
    };
    if slot.is_some() {
        push(syn::Error::new(
            lit.span(),
            format!("`{name}` is given twice\n\nhelp: keep one `{name}`"),
        ));
    } else {
        *slot = Some(lit);
    }
}

/// An example value for `key`, for help lines.
fn example(key: &str) -> &'static str {
    match key {
        "respond_within" => "5s",
        "scope" => "repo.content",
        "action" => "update",
        "repo_type" => "dataset",
        "repo" => "my-org/my-dataset",
        "crate" => "my_webhooks",
        _ => "/my_path",
    }
}

fn unknown_key(key: &Ident) -> syn::Error {
    let name = key.to_string();
    let help = match webhooks_core::filter::closest(&name, KEYS) {
        Some(key) => format!("did you mean `{key}`?"),
        None => "write `#[webhook_endpoint(path = \"/my_path\")]`, or `#[webhook_endpoint]` to use the function name".to_owned(),
    };
    syn::Error::new(
        key.span(),
        format!(
            "unknown argument `{key}`; expected one of: {}\n\nhelp: {help}",
            webhooks_core::filter::quoted_list(KEYS)
        ),
    )
}
