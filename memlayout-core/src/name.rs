//! Names and attribute lists that are either `'static` data (what `memory_layout!`
//! emits, built and read in `const` context, no allocator needed) or, with feature
//! `alloc`, owned (what the run-time engine builds).
//!
//! Both compare, order and hash by content, so a static and an owned value with the same
//! content are equal.

#[cfg(feature = "alloc")]
use alloc::{borrow::Cow, string::String, vec::Vec};
use core::cmp::Ordering;
use core::hash::{Hash, Hasher};
use core::{fmt, ops::Deref};

use crate::model::Attr;

/// The name of a page, segment or table, or the key or string value of a custom
/// attribute: a `&'static str` or, with feature `alloc`, an owned `String`.
///
/// [`Name::new`] and [`Name::as_str`] are `const fn`s. It dereferences to `str` and
/// compares with `str`. With feature `alloc` a `Name` may own a `String`, so it has a
/// destructor and `const` code reads it (and the pages that hold one) behind a reference,
/// as `memory_layout!` emits them; write the same without `alloc`, so enabling the
/// feature elsewhere in the build does not break the crate:
///
/// ```
/// use memlayout::Name;
///
/// const BOOT: &Name = &Name::new("boot");
/// const LEN: usize = BOOT.as_str().len();
/// assert_eq!(*BOOT, "boot");
/// assert_eq!(LEN, 4);
/// ```
#[derive(Clone)]
pub struct Name(NameRepr);

#[derive(Clone)]
enum NameRepr {
    Static(&'static str),
    #[cfg(feature = "alloc")]
    Owned(String),
}

impl Name {
    /// A name from static text, usable in `const` context.
    pub const fn new(name: &'static str) -> Name {
        Name(NameRepr::Static(name))
    }

    /// The text, usable in `const` context.
    pub const fn as_str(&self) -> &str {
        match &self.0 {
            NameRepr::Static(s) => s,
            #[cfg(feature = "alloc")]
            NameRepr::Owned(s) => s.as_str(),
        }
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl core::borrow::Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialEq<str> for Name {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<Name> for str {
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&'static str> for Name {
    fn from(name: &'static str) -> Name {
        Name::new(name)
    }
}

#[cfg(feature = "alloc")]
impl From<String> for Name {
    fn from(name: String) -> Name {
        Name(NameRepr::Owned(name))
    }
}

#[cfg(feature = "alloc")]
impl From<&String> for Name {
    fn from(name: &String) -> Name {
        Name(NameRepr::Owned(name.clone()))
    }
}

#[cfg(feature = "alloc")]
impl From<Cow<'static, str>> for Name {
    fn from(name: Cow<'static, str>) -> Name {
        match name {
            Cow::Borrowed(s) => Name::new(s),
            Cow::Owned(s) => Name::from(s),
        }
    }
}

#[cfg(feature = "alloc")]
impl From<Name> for String {
    fn from(name: Name) -> String {
        match name.0 {
            NameRepr::Static(s) => String::from(s),
            NameRepr::Owned(s) => s,
        }
    }
}

/// The custom attributes of a page: a `&'static [Attr]` or, with feature `alloc`, an
/// owned `Vec<Attr>`. It dereferences to `[Attr]`; [`AttrList::new`] and
/// [`AttrList::as_slice`] are `const fn`s.
#[derive(Clone)]
pub struct AttrList(ListRepr);

#[derive(Clone)]
enum ListRepr {
    Static(&'static [Attr]),
    #[cfg(feature = "alloc")]
    Owned(Vec<Attr>),
}

impl AttrList {
    /// No attributes.
    pub const EMPTY: AttrList = AttrList::new(&[]);

    /// A list from static attributes, usable in `const` context.
    pub const fn new(attrs: &'static [Attr]) -> AttrList {
        AttrList(ListRepr::Static(attrs))
    }

    /// The attributes, usable in `const` context.
    pub const fn as_slice(&self) -> &[Attr] {
        match &self.0 {
            ListRepr::Static(s) => s,
            #[cfg(feature = "alloc")]
            ListRepr::Owned(v) => v.as_slice(),
        }
    }
}

impl Default for AttrList {
    fn default() -> AttrList {
        AttrList::EMPTY
    }
}

impl Deref for AttrList {
    type Target = [Attr];
    fn deref(&self) -> &[Attr] {
        self.as_slice()
    }
}

impl PartialEq for AttrList {
    fn eq(&self, other: &AttrList) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for AttrList {}

impl Hash for AttrList {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl fmt::Debug for AttrList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl From<&'static [Attr]> for AttrList {
    fn from(attrs: &'static [Attr]) -> AttrList {
        AttrList::new(attrs)
    }
}

impl<const N: usize> From<&'static [Attr; N]> for AttrList {
    fn from(attrs: &'static [Attr; N]) -> AttrList {
        AttrList::new(attrs)
    }
}

#[cfg(feature = "alloc")]
impl From<Vec<Attr>> for AttrList {
    fn from(attrs: Vec<Attr>) -> AttrList {
        AttrList(ListRepr::Owned(attrs))
    }
}

#[cfg(feature = "alloc")]
impl From<Cow<'static, [Attr]>> for AttrList {
    fn from(attrs: Cow<'static, [Attr]>) -> AttrList {
        match attrs {
            Cow::Borrowed(s) => AttrList::new(s),
            Cow::Owned(v) => AttrList::from(v),
        }
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use super::*;
    use crate::model::AttrValue;
    use alloc::collections::BTreeSet;
    use alloc::string::ToString;
    use alloc::vec;

    #[test]
    fn static_and_owned_names_are_equal_by_content() {
        let a = Name::new("boot");
        let b = Name::from("boot".to_string());
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        let set: BTreeSet<Name> = [a.clone(), b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_eq!(a, "boot");
        assert_eq!("boot", a);
        assert_eq!(alloc::format!("{a} {a:?}"), "boot \"boot\"");
        assert!(Name::new("a") < Name::from("b".to_string()));
        assert_eq!(String::from(a), "boot");
    }

    #[test]
    fn static_and_owned_lists_are_equal_by_content() {
        static ATTRS: [Attr; 1] = [Attr::new("k", AttrValue::Bool(true))];
        let owned = AttrList::from(vec![Attr {
            key: Name::from("k".to_string()),
            value: AttrValue::Bool(true),
        }]);
        assert_eq!(AttrList::from(&ATTRS), owned);
        assert_ne!(AttrList::EMPTY, owned);
        assert_eq!(owned.len(), 1);
    }
}
