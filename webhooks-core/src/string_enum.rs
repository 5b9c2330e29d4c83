//! `string_enum!`: the one way the `webhooks` crates model a string set the Hub may extend.

/// Declares an enum for a string set the Hub may extend: one variant per known value plus
/// `Other(String)`, so that a value the Hub adds tomorrow still parses (the Hub asks receivers to
/// tolerate them) and is written back unchanged.
///
/// The enum gets `as_str`, `KNOWN` (every known value), `is_known`, `From<&str>`,
/// `From<String>`, `FromStr`, `Display`, comparisons with `str`, and serde's `Serialize` and
/// `Deserialize` as a JSON string. It is `#[non_exhaustive]`.
///
/// # Examples
/// ```
/// webhooks_core::string_enum! {
///     /// A colour.
///     pub enum Colour {
///         /// Red.
///         Red = "red",
///         /// Green.
///         Green = "green",
///     }
/// }
///
/// assert_eq!(Colour::from("red"), Colour::Red);
/// assert_eq!(Colour::from("teal"), Colour::Other("teal".into()));
/// assert_eq!(Colour::Green.as_str(), "green");
/// assert_eq!(Colour::KNOWN, &[Colour::Red, Colour::Green]);
/// assert!(!Colour::from("teal").is_known());
/// ```
#[macro_export]
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version of the crate does not know yet, kept verbatim.
            Other(::std::string::String),
        }

        impl $name {
            /// Every value this version of the crate knows, in the Hub's order.
            pub const KNOWN: &'static [$name] = &[$( $name::$variant, )+];

            /// The value exactly as the Hub writes it in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $text, )+
                    Self::Other(other) => other,
                }
            }

            /// Whether this is one of the [`KNOWN`](Self::KNOWN) values (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $( $text => Self::$variant, )+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for $name {
            fn from(value: ::std::string::String) -> Self {
                match value.as_str() {
                    $( $text => Self::$variant, )+
                    _ => Self::Other(value),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::cmp::PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl ::std::cmp::PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl $crate::__private::serde::Serialize for $name {
            fn serialize<S: $crate::__private::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> $crate::__private::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::__private::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                struct Visitor;
                impl $crate::__private::serde::de::Visitor<'_> for Visitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: $crate::__private::serde::de::Error>(
                        self,
                        value: &str,
                    ) -> ::std::result::Result<$name, E> {
                        ::std::result::Result::Ok($name::from(value))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}
