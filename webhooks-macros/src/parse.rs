//! Parsing the attribute's arguments: `("/path")`, `(path = "/path")`, or nothing.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The keys the attribute accepts, for "expected one of" messages.
const KEYS: &[&str] = &["path"];

/// The attribute's arguments, before validation.
#[derive(Default)]
pub(crate) struct Args {
    /// The path literal, positional or `path = "..."`.
    pub(crate) path: Option<LitStr>,
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
            } else if input.peek(Ident) {
                let key: Ident = input.parse()?;
                input.parse::<Token![=]>().map_err(|err| {
                    syn::Error::new(
                        err.span(),
                        format!("expected `=` after `{key}`\n\nhelp: write `{key} = \"...\"`"),
                    )
                })?;
                let value: syn::Expr = input.parse()?;
                if key == "path" {
                    match value {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(lit),
                            ..
                        }) => set_path(&mut args, lit, &mut push),
                        other => push(syn::Error::new_spanned(
                            other,
                            "the webhook path must be a string literal\n\nhelp: write `path = \"/my_path\"`",
                        )),
                    }
                } else {
                    push(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown argument `{key}`; expected one of: {}\n\nhelp: write `#[webhook_endpoint(path = \"/my_path\")]`, or `#[webhook_endpoint]` to use the function name",
                            KEYS.iter()
                                .map(|key| format!("`{key}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
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
