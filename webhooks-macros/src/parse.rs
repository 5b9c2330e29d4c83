//! Parsing the attribute's arguments: `("/path")`, `(path = "/path")`, `respond_within = "5s"`,
//! or nothing.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The keys the attribute accepts, for "expected one of" messages.
const KEYS: &[&str] = &["path", "respond_within"];

/// The attribute's arguments, before validation.
#[derive(Default)]
pub(crate) struct Args {
    /// The path literal, positional or `path = "..."`.
    pub(crate) path: Option<LitStr>,
    /// `respond_within = "5s"`: answer 202 past this and let the handler go on.
    pub(crate) respond_within: Option<LitStr>,
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
                if !input.peek(Token![=]) {
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

/// Records `key = value`: the path, or an error for a non-string path or an unknown key.
fn check_key_value(
    args: &mut Args,
    key: &Ident,
    value: syn::Expr,
    push: &mut impl FnMut(syn::Error),
) {
    if key == "respond_within" {
        match value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) if args.respond_within.is_none() => args.respond_within = Some(lit),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => push(syn::Error::new(
                lit.span(),
                "`respond_within` is given twice\n\nhelp: keep one deadline",
            )),
            other => push(syn::Error::new_spanned(
                other,
                "`respond_within` must be a duration string\n\nhelp: write `respond_within = \"5s\"` (units: `ms`, `s`, `m`)",
            )),
        }
    } else if key == "path" {
        match value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(lit),
                ..
            }) => set_path(args, lit, push),
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
}
