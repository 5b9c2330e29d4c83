//! Checking the function and its path, producing the typed [`Endpoint`] model.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::{FnArg, ItemFn, ReturnType, Type};
use webhooks_core::{Invalid, filter};

use crate::parse::Args;

/// The most handler arguments the runtime supports.
const MAX_ARGS: usize = 8;

/// A validated endpoint: a free function that can be a handler, and its path.
pub(crate) struct Endpoint {
    /// The function, unchanged.
    pub(crate) item: ItemFn,
    /// The path as written (or the function name); the runtime adds `/webhooks/`.
    pub(crate) path: String,
    /// Whether the function is `async` (a plain `fn` runs on the blocking pool).
    pub(crate) is_async: bool,
    /// The argument types, for assertions spanned on each.
    pub(crate) arg_types: Vec<Type>,
    /// The return type, when it can be named (not `impl Trait`).
    pub(crate) output: Option<Type>,
    /// `respond_within`, in milliseconds.
    pub(crate) respond_within_ms: Option<u64>,
    /// The event filters, checked against the Hub's known values.
    pub(crate) filters: Filters,
    /// The path of the `webhooks` crate (`::webhooks` unless renamed with `crate = "..."`).
    pub(crate) krate: syn::Path,
    /// For a queued endpoint, the attempts each delivery gets (`None`: the runtime's default).
    pub(crate) queue: Option<Option<u32>>,
}

/// The attribute's filters, each a checked string.
#[derive(Default)]
pub(crate) struct Filters {
    pub(crate) scope: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) repo_type: Option<String>,
    pub(crate) repo: Option<String>,
}

impl Endpoint {
    pub(crate) fn new(args: Args, item: TokenStream) -> syn::Result<Self> {
        let item: ItemFn = match syn::parse2(item.clone()) {
            Ok(item) => item,
            Err(_) => {
                let span = item
                    .into_iter()
                    .next()
                    .map_or_else(Span::call_site, |token| token.span());
                return Err(syn::Error::new(
                    span,
                    "`#[webhook_endpoint]` can only be used on functions\n\nhelp: put it on an `async fn` (or a plain `fn`) that takes the webhook payload, e.g. `async fn my_hook(payload: WebhookPayload)`",
                ));
            }
        };
        let mut errors = Errors::default();
        check_signature(&item, &mut errors);
        let name = item.sig.ident.unraw().to_string();
        let path = match &args.path {
            Some(lit) => {
                let path = lit.value();
                if let Err(invalid) = webhooks_core::route(&path) {
                    // An empty path has one more way out here: no path at all.
                    let extra = if path.trim_matches('/').is_empty() {
                        ", or remove the argument to use the function name"
                    } else {
                        ""
                    };
                    errors.push(spanned_with_help(lit.span(), &invalid, extra));
                }
                path
            }
            None => name,
        };
        let respond_within_ms =
            args.respond_within
                .as_ref()
                .and_then(|lit| match parse_duration_ms(&lit.value()) {
                    Ok(ms) => Some(ms),
                    Err(reason) => {
                        errors.push(syn::Error::new(lit.span(), reason));
                        None
                    }
                });
        let arg_types = item
            .sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                FnArg::Typed(pat) => Some((*pat.ty).clone()),
                FnArg::Receiver(_) => None,
            })
            .collect();
        let output = match &item.sig.output {
            ReturnType::Default => Some(syn::parse_quote!(())),
            ReturnType::Type(_, ty) if !contains_impl_trait(ty) => Some((**ty).clone()),
            ReturnType::Type(..) => None,
        };
        let filters = Filters {
            scope: checked(&args.scope, &mut errors, filter::check_scope),
            action: checked(&args.action, &mut errors, filter::check_action),
            repo_type: checked(&args.repo_type, &mut errors, filter::check_repo_type),
            repo: checked(&args.repo, &mut errors, filter::check_repo),
        };
        let krate = match &args.krate {
            None => syn::parse_quote!(::webhooks),
            Some(lit) => match lit.parse_with(syn::Path::parse_mod_style) {
                Ok(path) => path,
                Err(_) => {
                    errors.push(syn::Error::new(
                        lit.span(),
                        format!(
                            "`{}` is not a crate path\n\nhelp: write the name your `Cargo.toml` gives the `hf-webhooks` dependency, e.g. `crate = \"my_webhooks\"`",
                            lit.value()
                        ),
                    ));
                    syn::parse_quote!(::webhooks)
                }
            },
        };
        let max_attempts = args.max_attempts.as_ref().and_then(|int| {
            match int.base10_parse::<u32>() {
                Ok(0) | Err(_) => {
                    errors.push(syn::Error::new(
                        int.span(),
                        "`max_attempts` must be a whole number from 1 to 4294967295\n\nhelp: write `max_attempts = 5`",
                    ));
                    None
                }
                Ok(attempts) => Some(attempts),
            }
        });
        if let (None, Some(int)) = (&args.queue, &args.max_attempts) {
            errors.push(syn::Error::new(
                int.span(),
                "`max_attempts` is for queued endpoints\n\nhelp: add `queue`: `#[webhook_endpoint(queue, max_attempts = 5)]`",
            ));
        }
        if let (Some(_), Some(lit)) = (&args.queue, &args.respond_within) {
            errors.push(syn::Error::new(
                lit.span(),
                "`respond_within` has no effect on a queued endpoint: it answers `202` as soon as the delivery is stored\n\nhelp: remove `respond_within`",
            ));
        }
        let queue = args.queue.as_ref().map(|_| max_attempts);
        errors.finish()?;
        Ok(Self {
            queue,
            krate,
            is_async: item.sig.asyncness.is_some(),
            item,
            path,
            arg_types,
            output,
            respond_within_ms,
            filters,
        })
    }
}

fn check_signature(item: &ItemFn, errors: &mut Errors) {
    let sig = &item.sig;
    if let Some(receiver) = sig.receiver() {
        errors.push(syn::Error::new_spanned(
            receiver,
            "`#[webhook_endpoint]` cannot be used on methods: the endpoint has no `self` to call it on\n\nhelp: make it a free function, and reach shared state through a `static` (e.g. `std::sync::OnceLock`)",
        ));
    }
    if !sig.generics.params.is_empty() {
        errors.push(syn::Error::new_spanned(
            &sig.generics,
            "a webhook endpoint cannot be generic: the server must know the exact types to build its arguments\n\nhelp: remove the generic parameters and use concrete types such as `WebhookPayload` or `Json<MyType>`",
        ));
    } else if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(syn::Error::new_spanned(
            where_clause,
            "a webhook endpoint cannot have a `where` clause: its types are all concrete\n\nhelp: remove the `where` clause",
        ));
    }
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new(
            constness.span,
            "a webhook endpoint cannot be a `const fn`\n\nhelp: remove `const`",
        ));
    }
    if let Some(abi) = &sig.abi {
        errors.push(syn::Error::new_spanned(
            abi,
            "a webhook endpoint cannot be an `extern` function\n\nhelp: remove the `extern` ABI; call the foreign function from inside the endpoint",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(syn::Error::new(
            unsafety.span,
            "a webhook endpoint cannot be an `unsafe fn`: the server could not uphold its safety contract\n\nhelp: remove `unsafe` and use an `unsafe` block inside the function",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(syn::Error::new_spanned(
            variadic,
            "a webhook endpoint cannot be variadic",
        ));
    }
    let typed: Vec<_> = sig
        .inputs
        .iter()
        .filter_map(|arg| match arg {
            FnArg::Typed(pat) => Some(pat),
            FnArg::Receiver(_) => None,
        })
        .collect();
    for arg in &typed {
        if let Type::Reference(reference) = &*arg.ty {
            errors.push(syn::Error::new_spanned(
                reference,
                "webhook handler arguments must be owned: the delivery is gone once the handler is called\n\nhelp: take the value itself, e.g. `payload: WebhookPayload` instead of `payload: &WebhookPayload`",
            ));
        } else if contains_impl_trait(&arg.ty) {
            errors.push(syn::Error::new_spanned(
                &arg.ty,
                "webhook handler arguments cannot be `impl Trait`\n\nhelp: name a concrete type such as `WebhookPayload`",
            ));
        }
    }
    if typed.len() > MAX_ARGS {
        errors.push(syn::Error::new_spanned(
            &sig.inputs,
            format!("a webhook endpoint takes at most {MAX_ARGS} arguments\n\nhelp: group them in a type that implements `FromDelivery`"),
        ));
    }
}

/// The literal's value when `check` accepts it; otherwise an error on the literal.
fn checked(
    lit: &Option<syn::LitStr>,
    errors: &mut Errors,
    check: impl Fn(&str) -> Result<(), Invalid>,
) -> Option<String> {
    let lit = lit.as_ref()?;
    let value = lit.value();
    match check(&value) {
        Ok(()) => Some(value),
        Err(invalid) => {
            errors.push(spanned_with_help(lit.span(), &invalid, ""));
            None
        }
    }
}

/// A compile error at `span` saying what `invalid` says, its help line extended by `extra`.
fn spanned_with_help(span: Span, invalid: &Invalid, extra: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!("{}\n\nhelp: {}{extra}", invalid.message(), invalid.help()),
    )
}

/// Milliseconds in a duration such as `"500ms"`, `"5s"` or `"2m"` (humantime's syntax).
fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let help = "\n\nhelp: write a number and a unit, e.g. \"500ms\", \"5s\" or \"2m\"";
    let duration = humantime::parse_duration(text)
        .map_err(|err| format!("`{text}` is not a duration: {err}{help}"))?;
    match u64::try_from(duration.as_millis()) {
        Ok(0) => Err(format!("`respond_within` must be at least 1ms{help}")),
        Ok(ms) => Ok(ms),
        Err(_) => Err(format!("`{text}` is too long{help}")),
    }
}

fn contains_impl_trait(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::visit_type(&mut finder, ty);
    finder.0
}

/// Errors gathered so they are all reported at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}
