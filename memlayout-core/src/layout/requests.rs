//! The requests a [`Layout`](crate::Layout) takes: pools, pages and segments, built with
//! chained setters.

use alloc::string::String;
use alloc::vec::Vec;

use crate::interval::Interval;
use crate::model::{
    Attr, AttrValue, Cacheability, DeviceType, MemAttrs, Name, PageKind, PageSize, Perms,
    PhysicalAddressSpace, SegmentKind, Shareability,
};

/// A physical pool: a range of RAM or a device window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    pub(super) name: String,
    pub(super) range: Interval,
    pub(super) device: bool,
    pub(super) non_secure: bool,
    /// Declared secure as well as non-secure: in both physical address spaces.
    pub(super) secure: bool,
    /// In the Realm physical address space (FEAT_RME).
    pub(super) realm: bool,
    /// In the Root physical address space (FEAT_RME).
    pub(super) root: bool,
}

impl Pool {
    /// A pool of RAM (Normal memory).
    pub fn ram(name: impl Into<String>, start: u64, size: u64) -> PoolRequest {
        PoolRequest {
            name: name.into(),
            start,
            size,
            device: false,
            non_secure: false,
            secure: false,
            realm: false,
            root: false,
        }
    }
    /// A device window (Device memory).
    pub fn device(name: impl Into<String>, start: u64, size: u64) -> PoolRequest {
        PoolRequest {
            name: name.into(),
            start,
            size,
            device: true,
            non_secure: false,
            secure: false,
            realm: false,
            root: false,
        }
    }
    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The pool's address range.
    pub fn range(&self) -> Interval {
        self.range
    }
    /// Whether the pool is a device window.
    pub fn is_device(&self) -> bool {
        self.device
    }
    /// Whether the pool lies in the non-secure physical address space (also true for a
    /// pool in both spaces, see [`is_dual_view`](Self::is_dual_view)).
    pub fn is_non_secure(&self) -> bool {
        self.non_secure
    }
    /// Whether the pool lies in both the secure and the non-secure physical address
    /// spaces ([`PoolRequest::secure`] with [`PoolRequest::non_secure`]): the same PA is
    /// reached with secure and with non-secure accesses, as the registers of a GIC are.
    pub fn is_dual_view(&self) -> bool {
        self.secure && self.non_secure
    }
    /// Whether the pool lies in the Realm physical address space ([`PoolRequest::realm`]).
    pub fn is_realm(&self) -> bool {
        self.realm
    }
    /// Whether the pool lies in the Root physical address space ([`PoolRequest::root`]).
    pub fn is_root(&self) -> bool {
        self.root
    }
    /// The physical address spaces the pool was declared in: none for an unmarked pool
    /// (Secure once the layout declares any pool `non_secure`, `realm` or `root`), one,
    /// or Secure and Non-secure for a pool in both.
    pub fn spaces(&self) -> &'static [PhysicalAddressSpace] {
        spaces_of(self.secure, self.non_secure, self.realm, self.root)
    }
    /// The pool's space as the language declares it, for the exports to print (every
    /// export names a pool's space through this one function): `"non_secure"`,
    /// `"secure, non_secure"` (in both spaces), `"realm"` or `"root"`; `None` for a pool
    /// in the Secure space only, which an unmarked pool already is.
    pub fn space_label(&self) -> Option<&'static str> {
        space_label_of(self.secure, self.non_secure, self.realm, self.root)
    }
    /// The space in which a table of context `el` reaches the pool's PA (with
    /// `non_secure_view`, a secure table's non-secure view of a pool in both spaces),
    /// once the layout models security: an unmarked pool is Secure.
    pub(crate) fn view(
        &self,
        el: crate::ExecutionContext,
        non_secure_view: bool,
    ) -> PhysicalAddressSpace {
        use PhysicalAddressSpace as P;
        match self.spaces() {
            [P::Secure, P::NonSecure] => {
                if el.security() == crate::SecurityState::Secure && !non_secure_view {
                    P::Secure
                } else {
                    P::NonSecure
                }
            }
            [one] => *one,
            _ => P::Secure,
        }
    }
    /// Whether the pool lies in space `pas` alone (an unmarked pool in Secure): a pool
    /// in both the Secure and Non-secure spaces is in neither alone.
    pub(crate) fn only_in(&self, pas: PhysicalAddressSpace) -> bool {
        match self.spaces() {
            [] => pas == PhysicalAddressSpace::Secure,
            spaces => spaces == [pas],
        }
    }
    /// Whether the pool lies in space `pas` (an unmarked pool in Secure).
    pub(crate) fn in_space(&self, pas: PhysicalAddressSpace) -> bool {
        match self.spaces() {
            [] => pas == PhysicalAddressSpace::Secure,
            spaces => spaces.contains(&pas),
        }
    }
}

/// A pool to add with [`Layout::add_pool`](crate::Layout::add_pool); built by [`Pool::ram`] or [`Pool::device`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolRequest {
    pub(super) name: String,
    pub(super) start: u64,
    pub(super) size: u64,
    pub(super) device: bool,
    pub(super) non_secure: bool,
    pub(super) secure: bool,
    pub(super) realm: bool,
    pub(super) root: bool,
}

impl PoolRequest {
    /// Marks the pool as non-secure physical memory (secure tables map it with NS set).
    pub fn non_secure(mut self) -> Self {
        self.non_secure = true;
        self
    }
    /// Marks the pool as secure physical memory, which every pool not marked
    /// [`non_secure`](Self::non_secure) already is once the layout has a non-secure pool.
    /// With [`non_secure`](Self::non_secure) too, the pool lies in both physical address
    /// spaces (a device both worlds reach, such as the GIC distributor, whose secure
    /// accesses reach the Group 0 and secure Group 1 registers): secure tables map it with
    /// NS = 0, or NS = 1 for a page that asks for [`PageRequest::non_secure_view`];
    /// non-secure tables map it (always with non-secure accesses) without error.
    pub fn secure(mut self) -> Self {
        self.secure = true;
        self
    }
    /// Marks the pool as Realm physical memory (FEAT_RME): the memory of the Realm
    /// Management Monitor and of realms. EL3 and Realm tables map it (EL3 with NSE = 1,
    /// NS = 1; Realm tables with NS = 0); secure and non-secure tables never reach it.
    /// A pool is in one space only, but for `secure` with `non_secure`: with another
    /// mark, [`Layout::add_pool`](crate::Layout::add_pool) fails with
    /// [`Error::PoolSpaces`](crate::Error::PoolSpaces).
    pub fn realm(mut self) -> Self {
        self.realm = true;
        self
    }
    /// Marks the pool as Root physical memory (FEAT_RME): EL3's own memory, which only
    /// EL3 tables map (NSE = 1, NS = 0). With FEAT_RME, EL3 runs in Root state: its code
    /// and translation tables go in Root memory.
    pub fn root(mut self) -> Self {
        self.root = true;
        self
    }
    /// The first space of the request that may not join one marked before it (in the
    /// order secure, non_secure, realm, root), with the earlier space it conflicts with,
    /// as `(earlier, offending)`; `None` when every mark may share the pool
    /// ([`PhysicalAddressSpace::may_share_pool`]).
    pub(super) fn conflicting_spaces(
        &self,
    ) -> Option<(PhysicalAddressSpace, PhysicalAddressSpace)> {
        use PhysicalAddressSpace as P;
        let marked = [
            (self.secure, P::Secure),
            (self.non_secure, P::NonSecure),
            (self.realm, P::Realm),
            (self.root, P::Root),
        ]
        .into_iter()
        .filter_map(|(on, p)| on.then_some(p));
        let mut seen: Vec<P> = Vec::new();
        for space in marked {
            if let Some(&first) = seen.iter().find(|&&f| !f.may_share_pool(space)) {
                return Some((first, space));
            }
            seen.push(space);
        }
        None
    }
}

/// A request for pages, built with chained setters and passed to [`Layout::map`](crate::Layout::map) or
/// [`Layout::map_shared`](crate::Layout::map_shared).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    pub(super) name: String,
    pub(super) size: PageSize,
    pub(super) count: u32,
    pub(super) align: u64,
    pub(super) attrs: MemAttrs,
    pub(super) identity: bool,
    pub(super) va: Option<u64>,
    pub(super) pa: Option<u64>,
    pub(super) pool: Option<String>,
    pub(super) custom: Vec<Attr>,
    pub(super) guard: u64,
    pub(super) non_secure_ok: bool,
    pub(super) non_secure_view: bool,
    /// Whether the request is for the translation tables of its tables (a reservation).
    pub(super) translation: bool,
}

impl PageRequest {
    /// A request standing for the translation tables of tables (for the checks of where
    /// they may go).
    pub(crate) fn translation_tables() -> Self {
        let mut req = PageRequest::new("translation tables", PageKind::System, PageSize::Size4K);
        req.translation = true;
        req
    }

    /// One page of `size` and `kind`, with the kind's default permissions, write-back
    /// and inner shareable.
    pub fn new(name: impl Into<String>, kind: PageKind, size: PageSize) -> Self {
        PageRequest {
            name: name.into(),
            size,
            count: 1,
            align: size.bytes(),
            attrs: MemAttrs::new(kind),
            identity: false,
            va: None,
            pa: None,
            pool: None,
            custom: Vec::new(),
            guard: 0,
            non_secure_ok: false,
            non_secure_view: false,
            translation: false,
        }
    }
    /// Asks for `count` consecutive pages (contiguous in VA and in PA).
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
    /// Allows an executable page (kind `code`, or execute permission) of a secure table
    /// to take non-secure PA (from a `non_secure` pool, by `pool`, `pa` or automatic
    /// placement), which the layout otherwise refuses once it models security
    /// ([`Error::NonSecureForSecure`](crate::Error::NonSecureForSecure)): for a loader
    /// that cannot write secure memory, knowing that the normal world could rewrite that
    /// code. The language's `non_secure_ok` page option.
    pub fn non_secure_ok(mut self) -> Self {
        self.non_secure_ok = true;
        self
    }
    /// In a secure table, maps a pool declared in both physical address spaces
    /// ([`PoolRequest::secure`] and [`PoolRequest::non_secure`]) through its non-secure
    /// view (NS = 1) instead of its secure one (NS = 0). Non-secure tables always use the
    /// non-secure view. A page that asks for it from a pool not in both spaces is
    /// [`Error::NonSecureViewNotDual`](crate::Error::NonSecureViewNotDual). The
    /// language's `non_secure_view` page option.
    pub fn non_secure_view(mut self) -> Self {
        self.non_secure_view = true;
        self
    }
    /// Aligns VA and PA to `align` (at least the page size; a power of two).
    pub fn align(mut self, align: u64) -> Self {
        self.align = align;
        self
    }
    /// Sets the permissions. Execute-only ([`Perms::X`]) is for pages of EL0 tables:
    /// mapping it into any other table is [`Error::ExecuteOnlyNotUser`](crate::Error::ExecuteOnlyNotUser).
    pub fn perms(mut self, perms: Perms) -> Self {
        self.attrs.perms = perms;
        self
    }
    /// Sets the cacheability.
    pub fn cache(mut self, cache: Cacheability) -> Self {
        self.attrs.cache = cache;
        self
    }
    /// Sets the shareability.
    pub fn share(mut self, share: Shareability) -> Self {
        self.attrs.share = share;
        self
    }
    /// Sets the Device memory type of a `device` page (default Device-nGnRE); Normal
    /// memory ignores it.
    pub fn device(mut self, device: DeviceType) -> Self {
        self.attrs.device = device;
        self
    }
    /// Asks for VA == PA.
    pub fn identity(mut self) -> Self {
        self.identity = true;
        self
    }
    /// Fixes the VA.
    pub fn va(mut self, va: u64) -> Self {
        self.va = Some(va);
        self
    }
    /// Fixes the PA.
    pub fn pa(mut self, pa: u64) -> Self {
        self.pa = Some(pa);
        self
    }
    /// Takes the PA from the named pool.
    pub fn pool(mut self, pool: impl Into<String>) -> Self {
        self.pool = Some(pool.into());
        self
    }
    /// Adds a custom attribute.
    pub fn attr(mut self, key: impl Into<String>, value: AttrValue) -> Self {
        self.custom.push(Attr {
            key: Name::from(key.into()),
            value,
        });
        self
    }
    /// Keeps `bytes` of VA unmapped directly below and directly above the page (or the
    /// whole run of `count` pages) in every table it is mapped into, so an access that
    /// runs off either end takes a translation fault (a guard page, as around a stack).
    ///
    /// `bytes` is a multiple of the 4 KiB translation granule
    /// ([`Error::GuardNotGranule`](crate::Error::GuardNotGranule) otherwise); 0, the
    /// default, is no guard. Automatic placement keeps both gaps free of pages (two
    /// guarded pages may share a gap, and a gap may leave the table's virtual ranges); a
    /// page whose VA lies in a gap is
    /// [`Error::InGuardGap`](crate::Error::InGuardGap), a guarded page whose gap holds a
    /// page already mapped [`Error::GuardGapTaken`](crate::Error::GuardGapTaken). Only
    /// VA is kept: the PA next to the page may hold anything.
    pub fn guard(mut self, bytes: u64) -> Self {
        self.guard = bytes;
        self
    }
    /// The total size in bytes (at most 2^32 pages of 1 GiB, so it always fits).
    pub fn bytes(&self) -> u64 {
        self.size.bytes() * u64::from(self.count)
    }
}

/// A request for a segment, built with chained setters and passed to
/// [`Layout::place_segment`](crate::Layout::place_segment) or [`Layout::place_shared_segment`](crate::Layout::place_shared_segment).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentRequest {
    pub(super) name: String,
    pub(super) kind: SegmentKind,
    pub(super) size: u64,
    pub(super) align: Option<u64>,
    pub(super) identity: bool,
    pub(super) in_page: Option<String>,
    pub(super) va: Option<u64>,
}

impl SegmentRequest {
    /// A segment of `size` bytes and `kind`, aligned to the kind's minimum.
    pub fn new(name: impl Into<String>, kind: SegmentKind, size: u64) -> Self {
        SegmentRequest {
            name: name.into(),
            kind,
            size,
            align: None,
            identity: false,
            in_page: None,
            va: None,
        }
    }
    /// Aligns the segment to `align` bytes (a power of two, at least the kind's
    /// [`min_align`](crate::SegmentKind::min_align): 16 for stacks, 4 for code; less is
    /// [`Error::AlignTooSmall`](crate::Error::AlignTooSmall)). Without it the segment gets
    /// the kind's [`default_align`](crate::SegmentKind::default_align).
    pub fn align(mut self, align: u64) -> Self {
        self.align = Some(align);
        self
    }
    /// Asks for VA == PA (the segment then lies in identity pages).
    pub fn identity(mut self) -> Self {
        self.identity = true;
        self
    }
    /// Places the segment inside the named page (or `* N` pages).
    pub fn in_page(mut self, page: impl Into<String>) -> Self {
        self.in_page = Some(page.into());
        self
    }
    /// Fixes the VA.
    pub fn va(mut self, va: u64) -> Self {
        self.va = Some(va);
        self
    }
}

/// The physical address spaces of a pool marked `secure`, `non_secure`, `realm`, `root`
/// (see [`Pool::spaces`]).
fn spaces_of(
    secure: bool,
    non_secure: bool,
    realm: bool,
    root: bool,
) -> &'static [PhysicalAddressSpace] {
    use PhysicalAddressSpace as P;
    match (secure, non_secure, realm, root) {
        (_, _, true, _) => &[P::Realm],
        (_, _, _, true) => &[P::Root],
        (true, true, _, _) => &[P::Secure, P::NonSecure],
        (false, true, _, _) => &[P::NonSecure],
        (true, false, _, _) => &[P::Secure],
        (false, false, _, _) => &[],
    }
}

/// The space of a pool marked `secure`, `non_secure`, `realm`, `root` as the language
/// declares it (see [`Pool::space_label`]): the engine's pools and the checker's
/// declarations name it through this one function.
pub(crate) fn space_label_of(
    secure: bool,
    non_secure: bool,
    realm: bool,
    root: bool,
) -> Option<&'static str> {
    use PhysicalAddressSpace as P;
    match spaces_of(secure, non_secure, realm, root) {
        [P::Secure, P::NonSecure] => Some("secure, non_secure"),
        [P::NonSecure] => Some("non_secure"),
        [P::Realm] => Some("realm"),
        [P::Root] => Some("root"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::layout::Pool;
    use crate::model::PhysicalAddressSpace as Pas;
    use crate::{Error, Layout};
    use alloc::string::ToString;

    /// With three marks, the error names the first mark that may not join the ones
    /// before it: `realm` after `secure, non_secure`, which may share a pool.
    #[test]
    fn third_space_is_the_one_that_may_not_join() {
        let mut l = Layout::new();
        let e = l
            .add_pool(Pool::ram("p", 0, 1 << 20).secure().non_secure().realm())
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::PoolSpaces {
                    first: Pas::Secure,
                    second: Pas::Realm,
                    ..
                }
            ),
            "{e:?}"
        );
        let text = e.to_string();
        assert!(text.contains("`secure` and `realm`"), "{text}");
        assert!(!text.contains("`secure` and `non_secure`"), "{text}");
        let e = l
            .add_pool(Pool::ram("q", 0, 1 << 20).non_secure().realm().root())
            .unwrap_err();
        assert!(
            matches!(
                &e,
                Error::PoolSpaces {
                    first: Pas::NonSecure,
                    second: Pas::Realm,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(l.pools().is_empty());
    }
}
