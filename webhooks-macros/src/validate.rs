//! Checking the function and its path, producing the typed [`Endpoint`] model.

use proc_macro2::{Span, TokenStream};
use syn::{FnArg, Ident, ItemFn, ReturnType, Type};

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
}

/// The attribute's filters, each a checked string.
#[derive(Default)]
pub(crate) struct Filters {
    pub(crate) scope: Option<String>,
    pub(crate) action: Option<String>,
    pub(crate) repo_type: Option<String>,
    pub(crate) repo: Option<String>,
}

/// The scopes the Hub sends today; narrower ones below them are accepted too.
const SCOPES: &[&str] = &[
    "repo",
    "repo.content",
    "repo.config",
    "discussion",
    "discussion.comment",
];
const ACTIONS: &[&str] = &["create", "update", "delete", "move"];
const REPO_TYPES: &[&str] = &["model", "dataset", "space"];

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
        let name = unraw(&item.sig.ident);
        let path = match &args.path {
            Some(lit) => {
                let path = lit.value();
                if let Err(reason) = check_path(&path) {
                    errors.push(syn::Error::new(lit.span(), reason));
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
            scope: checked(&args.scope, &mut errors, check_scope),
            action: checked(&args.action, &mut errors, |value| {
                check_known(value, "action", ACTIONS)
            }),
            repo_type: checked(&args.repo_type, &mut errors, |value| {
                check_known(value, "repo_type", REPO_TYPES)
            }),
            repo: checked(&args.repo, &mut errors, check_repo),
        };
        errors.finish()?;
        Ok(Self {
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
    check: impl Fn(&str) -> Result<(), String>,
) -> Option<String> {
    let lit = lit.as_ref()?;
    let value = lit.value();
    match check(&value) {
        Ok(()) => Some(value),
        Err(message) => {
            errors.push(syn::Error::new(lit.span(), message));
            None
        }
    }
}

/// A known scope, or a narrower one below a known scope (the Hub adds those, e.g.
/// `repo.config.dois`) that is not a near-miss of a known one (`repo.contnet` is a typo).
fn check_scope(scope: &str) -> Result<(), String> {
    if SCOPES.contains(&scope) {
        return Ok(());
    }
    let narrower = SCOPES.iter().any(|known| {
        scope
            .strip_prefix(known)
            .is_some_and(|rest| rest.starts_with('.') && rest.len() > 1)
    });
    let well_formed = !scope.split('.').any(str::is_empty);
    if narrower && well_formed && closest(scope, SCOPES).is_none() {
        return Ok(());
    }
    Err(unknown_value(scope, "scope", SCOPES))
}

fn check_known(value: &str, what: &str, known: &[&str]) -> Result<(), String> {
    if known.contains(&value) {
        Ok(())
    } else {
        Err(unknown_value(value, what, known))
    }
}

fn unknown_value(value: &str, what: &str, known: &[&str]) -> String {
    let list = known
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let help = match closest(value, known) {
        Some(suggestion) => format!("help: did you mean `{suggestion}`?"),
        None => format!("help: use one of {list}"),
    };
    format!("unknown {what} `{value}`; the Hub sends {list}\n\n{help}")
}

fn check_repo(repo: &str) -> Result<(), String> {
    let valid = repo
        .split_once('/')
        .is_some_and(|(owner, name)| !owner.is_empty() && !name.is_empty() && !name.contains('/'))
        && !repo.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{repo}` is not a repo name\n\nhelp: write the full name, `owner/name`, e.g. `repo = \"my-org/my-dataset\"`"
        ))
    }
}

/// The known value closest to `value` by edit distance, when it is a plausible typo.
fn closest<'a>(value: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (edit_distance(value, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= candidate.len().div_ceil(3).max(1))
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between two short strings.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// Milliseconds in a duration such as `"500ms"`, `"5s"` or `"2m"`.
fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let help = "\n\nhelp: write a whole number and a unit, e.g. \"500ms\", \"5s\" or \"2m\"";
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration{help}"))?;
    let factor = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        _ => {
            return Err(format!(
                "`{text}` has no known unit (`ms`, `s` or `m`){help}"
            ));
        }
    };
    match number.checked_mul(factor) {
        Some(0) => Err(format!("`respond_within` must be longer than zero{help}")),
        Some(ms) => Ok(ms),
        None => Err(format!("`{text}` is too long{help}")),
    }
}

/// The same rules as the runtime's `webhooks::route`, checked at compile time.
fn check_path(path: &str) -> Result<(), String> {
    let trimmed = path.trim_matches('/');
    let help = "\n\nhelp: write a path such as \"/trigger_training\" or \"ci/retrain\"";
    if trimmed.is_empty() {
        return Err(format!(
            "the webhook path {path:?} is empty once its outer `/` are removed{help}, or remove the argument to use the function name"
        ));
    }
    if trimmed.split('/').any(str::is_empty) {
        return Err(format!(
            "the webhook path {path:?} contains an empty segment (`//`){help}"
        ));
    }
    if let Some(bad) = trimmed
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        let what = if bad.is_whitespace() {
            "whitespace"
        } else {
            "a control character"
        };
        return Err(format!("the webhook path {path:?} contains {what}{help}"));
    }
    if let Some(bad) = trimmed.chars().find(|c| matches!(c, '?' | '#' | '%')) {
        return Err(format!(
            "the webhook path {path:?} contains `{bad}`, which cannot be part of a route{help}"
        ));
    }
    Ok(())
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

/// The function's name without a raw-identifier prefix (`r#type` → `type`).
fn unraw(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map(str::to_owned).unwrap_or(name)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_typos() {
        assert_eq!(closest("repo.contnet", SCOPES), Some("repo.content"));
        assert_eq!(closest("updat", ACTIONS), Some("update"));
        assert_eq!(closest("datset", REPO_TYPES), Some("dataset"));
        assert_eq!(closest("kernel", REPO_TYPES), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn scopes_narrower_than_known_ones_are_accepted() {
        assert!(check_scope("repo.config.dois").is_ok());
        assert!(check_scope("discussion").is_ok());
        assert!(check_scope("repository").is_err());
        assert!(check_scope("repo.").is_err());
        assert!(check_scope("repo..x").is_err());
        assert!(check_scope("repo.contnet").is_err());
    }
}
