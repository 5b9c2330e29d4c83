//! Turning a validated [`Endpoint`] into code: the function unchanged, plus a registration in the
//! global endpoint collection and type assertions spanned on each argument and the return type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::validate::Endpoint;

pub(crate) fn expand(endpoint: &Endpoint) -> TokenStream {
    let item = &endpoint.item;
    let ident = &item.sig.ident;
    let name = ident.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let path = &endpoint.path;
    let handler = if endpoint.is_async {
        quote! { #ident }
    } else {
        quote! { ::webhooks::__private::Blocking(#ident) }
    };
    // `line!()` spanned on the function name reports the function's line, not the attribute's.
    let line = quote_spanned! { ident.span() => ::core::line!() };
    let arg_assertions = endpoint.arg_types.iter().map(|ty| {
        quote_spanned! { ty.span() => __webhooks_from_delivery::<#ty>(); }
    });
    let output_assertion = endpoint.output.as_ref().map(|ty| {
        let span = match &item.sig.output {
            syn::ReturnType::Type(_, ty) => ty.span(),
            syn::ReturnType::Default => ident.span(),
        };
        quote_spanned! { span => __webhooks_into_response::<#ty>(); }
    });

    quote! {
        #item

        const _: () = {
            fn __webhooks_handler() -> ::webhooks::__private::ErasedHandler {
                ::webhooks::__private::ErasedHandler::new(#handler)
            }

            ::webhooks::__private::inventory::submit! {
                ::webhooks::__private::Endpoint::new(#name, #path, ::core::file!(), #line, __webhooks_handler)
            }

            #[allow(dead_code, clippy::extra_unused_type_parameters)]
            fn __webhooks_assertions() {
                fn __webhooks_from_delivery<T: ::webhooks::FromDelivery>() {}
                fn __webhooks_into_response<T: ::webhooks::IntoResponse>() {}
                #(#arg_assertions)*
                #output_assertion
            }
        };
    }
}
