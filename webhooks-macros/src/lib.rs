//! The `#[webhook_endpoint]` attribute of the [`webhooks`](https://docs.rs/webhooks) crate.
//!
//! Use it through `webhooks::webhook_endpoint`; this crate only turns the attribute into code that
//! names `::webhooks::__private`, so it is of no use on its own.
//!
//! The attribute is parsed into `parse::Args`, checked together with the function into a typed
//! `validate::Endpoint`, and expanded by `expand`. Every problem becomes a `compile_error!`
//! pointing at the exact token, emitted next to the unchanged function so the rest of the crate
//! still type-checks.
#![warn(missing_docs)]

mod expand;
mod parse;
mod validate;

use proc_macro::TokenStream;

/// Registers a function as a webhook endpoint, served at `POST /webhooks/<path>` by
/// `webhooks::main!()` and `webhooks::app()`.
///
/// See the `webhooks` crate's documentation of this attribute for the full guide.
#[proc_macro_attribute]
pub fn webhook_endpoint(attr: TokenStream, item: TokenStream) -> TokenStream {
    let output = match expand_endpoint(attr.into(), item.clone().into()) {
        Ok(tokens) => tokens,
        Err(error) => {
            // Keep the user's item so that callers and rust-analyzer still see it.
            let item = proc_macro2::TokenStream::from(item);
            let error = error.to_compile_error();
            quote::quote! { #item #error }
        }
    };
    if std::env::var_os("WEBHOOKS_DEBUG_EXPANSION").is_some() {
        eprintln!("{output}");
    }
    output.into()
}

fn expand_endpoint(
    attr: proc_macro2::TokenStream,
    item: proc_macro2::TokenStream,
) -> syn::Result<proc_macro2::TokenStream> {
    let args: parse::Args = syn::parse2(attr)?;
    let endpoint = validate::Endpoint::new(args, item)?;
    Ok(expand::expand(&endpoint))
}
