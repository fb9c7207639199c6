//! One mechanism for the enums whose values are keywords of the `memory_layout!`
//! language: each keyword is spelt once, next to its variant, and the parser, `Display`,
//! the grammar reference and the exports read it from there.

/// Declares a fieldless enum whose every variant is written as one keyword, with:
///
/// * `ALL`: every value, in declaration order;
/// * `NAMES`: their keywords, in the same order (the parser's "expected one of" lists
///   and suggestions);
/// * `name()`: the keyword of a value, and `Display` writing it;
/// * `from_name()`: the value of a keyword;
/// * with feature `serde`, `Serialize` and `Deserialize` as the keyword.
///
/// Each variant is written `Variant => "keyword"`.
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $ty:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $name:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        $vis enum $ty {
            $( $(#[$vmeta])* #[cfg_attr(feature = "serde", serde(rename = $name))] $variant, )*
        }

        impl $ty {
            /// Every value, in declaration order.
            ///
            /// The array grows when a value is added: iterate or index it rather than
            /// naming its length.
            pub const ALL: [$ty; [$($name),*].len()] = [$(Self::$variant),*];

            /// The keyword of every value, in the order of [`ALL`](Self::ALL).
            pub const NAMES: [&'static str; [$($name),*].len()] = [$($name),*];

            /// The keyword as written in source.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Self::$variant => $name, )*
                }
            }

            /// Parses a keyword as written by [`name`](Self::name).
            pub fn from_name(name: &str) -> Option<Self> {
                Self::ALL.into_iter().find(|v| v.name() == name)
            }
        }

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
