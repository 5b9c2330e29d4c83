//! Turning a validated [`Endpoint`] into code: the function unchanged, plus a registration in the
//! global endpoint collection.
//!
//! The registration goes through a helper generated for this one function, generic over each
//! argument type and the return type and bounded as the runtime's `Handler` impls are. It is called
//! with those types written out (`__webhooks_register::<ArgType, .., ReturnType, _>(function)`),
//! so rustc checks each bound on its own and blames the turbofish argument it constrains: a type
//! that is not `FromDelivery` or `IntoResponse` is reported once, on that type as the user wrote it
//! and worded by the trait's `#[diagnostic::on_unimplemented]`, and a future that is not `Send`
//! gets rustc's own explanation on the function's name. (`ErasedHandler::new(function)` alone
//! would only say that the whole function "is not a webhook handler".)

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::validate::Endpoint;

pub(crate) fn expand(endpoint: &Endpoint) -> TokenStream {
    let item = &endpoint.item;
    let ident = &item.sig.ident;
    let name = ident.unraw().to_string();
    let path = &endpoint.path;
    let krate = &endpoint.krate;
    // `line!()` spanned on the function name reports the function's line, not the attribute's.
    let line = quote_spanned! { ident.span() => ::core::line!() };

    let args: Vec<_> = (1..=endpoint.arg_types.len())
        .map(|i| format_ident!("__WebhooksArg{i}"))
        .collect();
    // Each turbofish argument carries the span an error about it should point at: the user's own
    // tokens for the types, the return type for an `impl Trait` one, the name for the rest.
    let arg_types = &endpoint.arg_types;
    let output = match (&endpoint.output, &item.sig.output) {
        (Some(ty), _) => quote! { #ty },
        (None, syn::ReturnType::Type(_, ty)) => quote_spanned! { ty.span() => _ },
        (None, syn::ReturnType::Default) => quote_spanned! { ident.span() => _ },
    };
    let inferred = quote_spanned! { ident.span() => _ };

    // The bounds of the runtime's `Handler` impls, for an `async fn` and for a plain `fn` run on
    // the blocking pool.
    let (generics, bounds, handler, turbofish) = if endpoint.is_async {
        (
            quote! { #(#args,)* __WebhooksOutput, __WebhooksFuture, __WebhooksFn },
            quote! {
                __WebhooksFn: ::core::ops::Fn(#(#args),*) -> __WebhooksFuture
                    + ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
                __WebhooksFuture: ::core::future::Future<Output = __WebhooksOutput>
                    + ::core::marker::Send + 'static,
                __WebhooksOutput: #krate::__private::IntoResponse,
                #(#args: #krate::__private::FromDelivery + ::core::marker::Send,)*
            },
            quote! { function },
            quote! { #(#arg_types,)* #output, #inferred, #inferred },
        )
    } else {
        (
            quote! { #(#args,)* __WebhooksOutput, __WebhooksFn },
            quote! {
                __WebhooksFn: ::core::ops::Fn(#(#args),*) -> __WebhooksOutput
                    + ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
                __WebhooksOutput: #krate::__private::IntoResponse + ::core::marker::Send + 'static,
                #(#args: #krate::__private::FromDelivery + ::core::marker::Send + 'static,)*
            },
            quote! { #krate::__private::Blocking(function) },
            quote! { #(#arg_types,)* #output, #inferred },
        )
    };
    let filters = &endpoint.filters;
    let filter_calls = [
        ("scope", &filters.scope),
        ("action", &filters.action),
        ("repo_type", &filters.repo_type),
        ("repo", &filters.repo),
    ]
    .into_iter()
    .filter_map(|(method, value)| {
        let method = format_ident!("{method}");
        value.as_ref().map(|value| quote! { .#method(#value) })
    });
    let respond_within = endpoint
        .respond_within_ms
        .map(|ms| quote! { .respond_within_millis(#ms) });
    let queue = endpoint.queue.map(|attempts| match attempts {
        Some(attempts) => quote! { .queued(#attempts) },
        None => quote! { .queued(#krate::__private::DEFAULT_MAX_ATTEMPTS) },
    });
    let register = quote! { __webhooks_register::<#turbofish>(#ident) };

    quote! {
        #item

        const _: () = {
            fn __webhooks_register<#generics>(
                function: __WebhooksFn,
            ) -> #krate::__private::ErasedHandler
            where
                #bounds
            {
                #krate::__private::ErasedHandler::new(#handler)
            }

            fn __webhooks_handler() -> #krate::__private::ErasedHandler {
                #register
            }

            #krate::__private::inventory::submit! {
                #krate::__private::Endpoint::new(#name, ::core::module_path!(), #path, ::core::file!(), #line, __webhooks_handler)#(#filter_calls)*#respond_within #queue
            }
        };
    }
}
