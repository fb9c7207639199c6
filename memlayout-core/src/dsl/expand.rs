//! Code generation: a planned layout becomes a module of `const` tables (and, per table,
//! a `static` translation table image with its register values); a layout with
//! errors becomes the same module skeleton (so uses elsewhere still resolve) next to one
//! `compile_error!` per error.
//!
//! Generated code names the crate by one path: `::memlayout`, unless the layout says
//! otherwise (`#[memlayout(crate = "..")]`) or `memlayout::memory_layout!` passes
//! `$crate`. A hidden module `__memlayout` of the outer module re-exports its items
//! (`pub use PATH::*`; Rust 1.88, the oldest toolchain supported, refuses
//! `use $crate as ..`), and each table module imports it from there. Everything else is
//! named by absolute paths (`::core::..`). It iterates only ordered collections, so
//! identical input gives byte-identical output.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::quote;

use super::ast::{Layout, PageDecl, SegmentDecl, TableDecl};
use super::check::{MAX_COUNT, RESERVED, RESERVED_PREFIX, Scope, const_name, name_of};
use super::lower::{Decl, Decls};
use crate::aarch64::{Regime, Translation};
use crate::model::{
    AttrValue, Bytes, Cacheability, DeviceType, ExecutionContext, Hex, Page, PageKind, PageSize,
    Perms, Segment, SegmentKind, Shareability,
};
use crate::plan::Plan;

/// An address or size as a literal (decimal: building it is much cheaper than parsing
/// a hex literal, which matters for layouts of many thousand pages).
fn hex(v: u64) -> Literal {
    Literal::u64_unsuffixed(v)
}

/// A string literal holding `s`, raw (`r"..."`, `r#"..."#`) when `s` has no carriage
/// return: the compiler (or proc-macro2 outside a macro) only scans a raw literal for
/// its end, where `Literal::string` escapes it character by character in the macro.
/// For the memory map and its Markdown, megabytes in a layout of many thousand pages.
fn str_lit(s: &str) -> Literal {
    if !s.contains('\r') {
        // One `#` more than the longest run of them after a `"`.
        let mut hashes = 0;
        let mut run: Option<usize> = None;
        for b in s.bytes() {
            run = match (b, run) {
                (b'"', _) => Some(0),
                (b'#', Some(n)) => Some(n + 1),
                _ => None,
            };
            if let Some(n) = run {
                hashes = hashes.max(n + 1);
            }
        }
        let h = "#".repeat(hashes);
        if let Ok(lit) = format!("r{h}\"{s}\"{h}").parse() {
            return lit;
        }
    }
    Literal::string(s)
}

/// The distinct memory attributes of one table's pages, each emitted once as a hidden
/// constant that the pages name, to keep the expansion small.
#[derive(Default)]
struct AttrConsts {
    list: Vec<crate::model::MemAttrs>,
    /// Distinct (page size, index into `list`, shared, identity) of pages without custom
    /// attributes; such a page is emitted as a call of the table's hidden page
    /// constructor with its index here, a fraction of the tokens of a full
    /// `Page::from_parts`.
    kinds: Vec<(PageSize, usize, bool, bool)>,
}

impl AttrConsts {
    fn name(i: usize) -> Ident {
        Ident::new(&format!("__MEMLAYOUT_ATTRS_{i}"), Span::call_site())
    }

    fn index(&mut self, a: crate::model::MemAttrs) -> usize {
        match self.list.iter().position(|x| *x == a) {
            Some(i) => i,
            None => {
                self.list.push(a);
                self.list.len() - 1
            }
        }
    }

    /// The constant for `a`, added on first use.
    fn get(&mut self, a: crate::model::MemAttrs) -> Ident {
        let i = self.index(a);
        Self::name(i)
    }

    /// The index of the kind of `page` in the hidden kinds table, added on first use.
    fn kind(&mut self, page: &Page) -> usize {
        let key = (
            page.page_size(),
            self.index(page.mem_attrs()),
            page.is_shared(),
            page.is_identity(),
        );
        match self.kinds.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                self.kinds.push(key);
                self.kinds.len() - 1
            }
        }
    }

    fn items(&self) -> TokenStream {
        let items = self.list.iter().enumerate().map(|(i, a)| {
            let name = Self::name(i);
            let kind = page_kind_tokens(a.kind);
            let perms = perms_tokens(a.perms);
            let cache = cache_tokens(a.cache);
            let share = share_tokens(a.share);
            // Secure and Non-secure as `with_non_secure`, as layouts without Root or
            // Realm pools always expanded.
            let pas = match a.pas {
                crate::PhysicalAddressSpace::Secure | crate::PhysicalAddressSpace::NonSecure => {
                    let ns = a.is_non_secure();
                    quote!(.with_non_secure(#ns))
                }
                pas => {
                    let v = ident(match pas {
                        crate::PhysicalAddressSpace::Root => "Root",
                        _ => "Realm",
                    });
                    quote!(.with_pas(__memlayout::PhysicalAddressSpace::#v))
                }
            };
            // The Device type only when it is not the default, so layouts without one
            // expand as before.
            let device = if a.device == DeviceType::default() {
                TokenStream::new()
            } else {
                let v = ident(a.device.name());
                quote!(.with_device(__memlayout::DeviceType::#v))
            };
            quote! {
                #[doc(hidden)]
                const #name: __memlayout::MemAttrs = __memlayout::MemAttrs::new(#kind)
                    .with_perms(#perms)
                    .with_cache(#cache)
                    .with_share(#share)
                    #pas
                    #device;
            }
        });
        let n = Literal::usize_unsuffixed(self.kinds.len());
        let kinds = self.kinds.iter().map(|&(size, a, shared, identity)| {
            let size = size_ident(size);
            let attrs = Self::name(a);
            quote!((__MemlayoutPageSize::#size, #attrs, #shared, #identity))
        });
        let constructor = if self.kinds.is_empty() {
            TokenStream::new()
        } else {
            quote! {
                #[doc(hidden)]
                const __MEMLAYOUT_KINDS: [(__MemlayoutPageSize, __memlayout::MemAttrs, bool, bool); #n] =
                    [#(#kinds),*];
                #[doc(hidden)]
                const fn __memlayout_page(
                    name: &'static str, index: u32, va: u64, pa: u64, kind: usize,
                ) -> __MemlayoutPage {
                    let (size, attrs, shared, identity) = __MEMLAYOUT_KINDS[kind];
                    __MemlayoutPage::from_parts(name, index, INFO, va, pa, size, attrs, shared, &[])
                        .with_identity(identity)
                }
            }
        };
        quote! {
            #[doc(hidden)]
            #[allow(unused_imports)]
            use __memlayout::{Page as __MemlayoutPage, PageSize as __MemlayoutPageSize};
            #(#items)*
            #constructor
        }
    }
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// `{ inner }` (or `[ inner ]`, ..) as one token tree that owns `inner`.
///
/// Interpolating a `TokenStream` variable in `quote!` copies every token of it (deep:
/// every identifier and literal is cloned), once per level of nesting it ends up in.
/// The per-page parts of a large layout (its page array, its constants, the table
/// module, the layout module) are instead moved into a group once, and a group is
/// interpolated by reference.
fn group(delimiter: Delimiter, inner: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(delimiter, inner))
}

/// The constant a page or segment becomes, spanned on its name.
fn const_ident(name: &Ident) -> Option<Ident> {
    let c = const_name(&name_of(name))?;
    if RESERVED.contains(&c.as_str()) || c.starts_with(RESERVED_PREFIX) {
        return None;
    }
    Some(Ident::new(&c, name.span()))
}

fn el_tokens(el: ExecutionContext) -> TokenStream {
    let v = ident(el.name());
    quote!(__memlayout::ExecutionContext::#v)
}

fn page_kind_tokens(k: PageKind) -> TokenStream {
    let v = ident(match k {
        PageKind::Code => "Code",
        PageKind::Data => "Data",
        PageKind::Device => "Device",
        PageKind::System => "System",
    });
    quote!(__memlayout::PageKind::#v)
}

fn segment_kind_tokens(k: SegmentKind) -> TokenStream {
    let v = ident(match k {
        SegmentKind::BspBootCode => "BspBootCode",
        SegmentKind::BootCode => "BootCode",
        SegmentKind::Code => "Code",
        SegmentKind::Rodata => "Rodata",
        SegmentKind::Data => "Data",
        SegmentKind::Bss => "Bss",
        SegmentKind::DataShared => "DataShared",
        SegmentKind::DataPreserve => "DataPreserve",
        SegmentKind::Stack => "Stack",
    });
    quote!(__memlayout::SegmentKind::#v)
}

fn perms_tokens(p: Perms) -> TokenStream {
    let v = ident(&p.name().to_ascii_uppercase());
    quote!(__memlayout::Perms::#v)
}

fn cache_tokens(c: Cacheability) -> TokenStream {
    let v = ident(match c {
        Cacheability::NonCacheable => "NonCacheable",
        Cacheability::WriteThrough => "WriteThrough",
        Cacheability::WriteBack => "WriteBack",
    });
    quote!(__memlayout::Cacheability::#v)
}

fn share_tokens(s: Shareability) -> TokenStream {
    let v = ident(match s {
        Shareability::NonShareable => "NonShareable",
        Shareability::Inner => "Inner",
        Shareability::Outer => "Outer",
    });
    quote!(__memlayout::Shareability::#v)
}

/// `&[]` or `const { &[Attr::new(..), ..] }` for a page's custom attributes.
fn custom_tokens(page: &Page) -> TokenStream {
    if page.attrs().is_empty() {
        return quote!(&[]);
    }
    let attrs = page.attrs().iter().map(|a| {
        let key = a.key.as_ref();
        let value = match &a.value {
            AttrValue::Int(v) => {
                let v = Literal::i128_unsuffixed(*v);
                quote!(__memlayout::AttrValue::Int(#v))
            }
            AttrValue::Str(s) => {
                let s = s.as_ref();
                quote!(__memlayout::AttrValue::Str(__memlayout::Name::new(#s)))
            }
            AttrValue::Bool(b) => quote!(__memlayout::AttrValue::Bool(#b)),
        };
        quote!(__memlayout::Attr::new(#key, #value))
    });
    quote!(const { &[#(#attrs),*] })
}

/// One `Page::from_parts(..)` expression; `custom` is the page's attributes, built once
/// per declaration.
fn size_ident(size: PageSize) -> Ident {
    ident(match size {
        PageSize::Size4K => "Size4K",
        PageSize::Size16K => "Size16K",
        PageSize::Size64K => "Size64K",
        PageSize::Size2M => "Size2M",
        PageSize::Size32M => "Size32M",
        PageSize::Size512M => "Size512M",
        PageSize::Size1G => "Size1G",
        PageSize::Size16G => "Size16G",
        PageSize::Size64G => "Size64G",
        PageSize::Size512G => "Size512G",
        PageSize::Size4T => "Size4T",
    })
}

/// One page: a call of the table's hidden constructor when the page has no custom
/// attributes, else a full `Page::from_parts`; `.with_guard(..)` after it for a guarded
/// page.
fn page_expr(page: &Page, name: &Literal, consts: &mut AttrConsts) -> TokenStream {
    let index = Literal::u32_unsuffixed(page.index());
    let va = hex(page.va());
    let pa = hex(page.pa());
    let guard = if page.guard() != 0 {
        let g = hex(page.guard());
        quote!(.with_guard(#g))
    } else {
        TokenStream::new()
    };
    if page.attrs().is_empty() {
        let kind = Literal::usize_unsuffixed(consts.kind(page));
        return quote!(__memlayout_page(#name, #index, #va, #pa, #kind)#guard);
    }
    let attrs = consts.get(page.mem_attrs());
    let custom = custom_tokens(page);
    let size = size_ident(page.page_size());
    let shared = page.is_shared();
    let identity = identity_call(page.is_identity());
    quote! {
        __MemlayoutPage::from_parts(
            #name, #index, INFO, #va, #pa, __MemlayoutPageSize::#size, #attrs, #shared, #custom
        )#identity #guard
    }
}

/// `.with_identity(true)` after the constructor of an identity page or segment, nothing
/// for the others (`from_parts` builds them without).
fn identity_call(identity: bool) -> TokenStream {
    if identity {
        quote!(.with_identity(true))
    } else {
        TokenStream::new()
    }
}

fn segment_expr(s: &Segment) -> TokenStream {
    let name = s.name();
    let kind = segment_kind_tokens(s.kind());
    let va = hex(s.va());
    let pa = hex(s.pa());
    let size = hex(s.size());
    let align = hex(s.align());
    let shared = s.is_shared();
    let identity = identity_call(s.is_identity());
    quote! {
        __memlayout::Segment::from_parts(
            #name, #kind, INFO, #va, #pa, #size, #align, #shared,
        )#identity
    }
}

/// `#[doc = ..]` lines: the user's doc comments, then a generated summary.
fn docs(user: &[syn::Attribute], summary: &str) -> TokenStream {
    let summary = format!(" {summary}");
    if user.is_empty() {
        quote!(#[doc = #summary])
    } else {
        quote!(#(#user)* #[doc = ""] #[doc = #summary])
    }
}

fn table_info_expr(t: &TableDecl) -> TokenStream {
    let name = name_of(&t.name);
    let el = el_tokens(t.el);
    if t.cores.len() == 1 {
        let core = Literal::u32_unsuffixed(t.cores.first());
        quote!(__memlayout::TableInfo::new(#name, #core, #el))
    } else {
        let first = Literal::u32_unsuffixed(t.cores.first());
        let mask = hex(t.cores.mask());
        quote!(__memlayout::TableInfo::for_cores(
            #name,
            __memlayout::Cores::from_mask(#first, #mask),
            #el
        ))
    }
}

fn info_item(t: &TableDecl) -> TokenStream {
    let info = table_info_expr(t);
    quote! {
        /// Name, cores and exception level of this table.
        pub const INFO: &__memlayout::TableInfo = &#info;
    }
}

/// The register suffix of a table's regime: `EL3`, `EL2` or `EL1`.
fn regs_el(el: ExecutionContext) -> String {
    format!("EL{}", Regime::of(el).privileged_level())
}

/// The input section of a table's image, `.memlayout.tables.<table>`: the section the ld
/// export places at the table's `TABLES_PA`.
pub fn tables_section(table: &str) -> String {
    format!("{}{table}", crate::aarch64::TABLES_SECTION_PREFIX)
}

/// `#[used]` and the image's link section, the latter on ELF targets only: the section
/// name is an ELF one (Mach-O wants `segment,section`, COFF truncates long names, wasm
/// turns a named section into a custom section outside memory), and the ld fragment
/// that places it is for GNU ld. The condition is evaluated in the crate that invokes the
/// macro, so it follows that crate's target.
fn link_section_attrs(table: &str) -> TokenStream {
    section_attrs(&tables_section(table))
}

/// `#[used]` and, on ELF targets, `#[link_section = section]` (see
/// [`link_section_attrs`]).
fn section_attrs(section: &str) -> TokenStream {
    quote! {
        #[used]
        #[cfg_attr(
            all(
                not(target_family = "wasm"),
                any(
                    target_os = "none", target_os = "linux", target_os = "android",
                    target_os = "freebsd", target_os = "netbsd", target_os = "openbsd",
                    target_os = "dragonfly", target_os = "fuchsia", target_os = "hermit",
                    target_os = "illumos", target_os = "solaris",
                ),
            ),
            unsafe(link_section = #section)
        )]
    }
}

/// The primitive types: a segment module of one of these names would shadow the type
/// in its table's module, whose items use `u64`, `usize`, `bool` and `str`.
const PRIMITIVE_TYPES: [&str; 19] = [
    "bool", "char", "str", "f16", "f32", "f64", "f128", "i8", "i16", "i32", "i64", "i128", "isize",
    "u8", "u16", "u32", "u64", "u128", "usize",
];

/// The module of segment `segment` of table `table`, named as the segment (its
/// `LINK_SECTION` and `link_section!`), or nothing for a segment that has no constant
/// either (a name that is not an ASCII identifier, or is reserved) or whose name is a
/// primitive type (a module `u64` would shadow the type in the table's module).
///
/// `link_section!()` exists because `#[link_section = ..]` takes a literal or a macro
/// that expands to one, never a constant. A `macro_rules!` is visible by path only
/// through a `use` (a `#[macro_export]` from a macro expansion cannot be named by path),
/// so it is `pub(crate)`: other crates write the literal.
fn segment_module(table: &str, segment: &Ident) -> TokenStream {
    let name = name_of(segment);
    if const_ident(segment).is_none() || PRIMITIVE_TYPES.contains(&name.as_str()) {
        return TokenStream::new();
    }
    let section = crate::export::ld::input_section(table, &name);
    let doc_module = format!(
        " Where code and data go to land in segment `{name}` of table `{table}`: its input \
         section `{section}`."
    );
    let doc_const = format!(
        " `\"{section}\"`: the input section the ld fragment (`memlayout export --format ld`, \
         `memlayout::build`) places in segment `{name}` of table `{table}`, at the segment's VA \
         and loaded at its PA.\n\n \
         `#[link_section]` takes a literal, not a constant: in this crate write \
         `#[unsafe(link_section = path::to::{name}::link_section!())]` (a macro of this \
         module that expands to the literal); in another crate, and in a `global_asm!` \
         `.pushsection` (whose arguments rustc expands before it can resolve this \
         module's macros), the literal."
    );
    quote! {
        #[doc = #doc_module]
        #[allow(non_snake_case)]
        pub mod #segment {
            #[doc = #doc_const]
            pub const LINK_SECTION: &str = #section;
            #[doc(hidden)]
            #[allow(unused_macros)]
            macro_rules! __memlayout_link_section {
                () => {
                    #section
                };
            }
            #[allow(unused_imports)]
            pub(crate) use __memlayout_link_section as link_section;
        }
    }
}

/// The translation tables of a table and the register values that load them.
///
/// The image is a `static` (not a `const`): it then has one address, aligned to 4 KiB by
/// [`TranslationImage`](crate::aarch64::TranslationImage), and is not copied into every
/// use. `const` code can still read it (`TRANSLATION.as_bytes()`). Its bytes are one
/// byte-string literal, far cheaper for the compiler to parse than one integer token
/// per byte. It is `#[used]` (emitted even when nothing in the crate names it, as
/// firmware that only loads `TTBR0` does) and, on ELF targets, in the section
/// `.memlayout.tables.<table>`, so a linker script can place it at `TABLES_PA` and the
/// firmware turns the MMU on without copying it.
/// A table's part in an operating system's address spaces: the kernel a process runs
/// under and its ASID, or the processes of a kernel.
#[derive(Default)]
struct Role {
    asid: Option<u16>,
    kernel: Option<String>,
    processes: Vec<String>,
}

impl Role {
    fn of(plan: &Plan, t: usize) -> Role {
        let layout = plan.layout();
        let Some(id) = plan.table_id(t) else {
            return Role::default();
        };
        let name = |t| layout.table_info(t).map(|i| i.name().to_string());
        Role {
            asid: layout.asid(id),
            kernel: layout.kernel_of(id).and_then(name),
            processes: layout.processes(id).into_iter().filter_map(name).collect(),
        }
    }
}

fn translation_items(t: &TableDecl, tr: &Translation, role: &Role) -> TokenStream {
    let section_attrs = link_section_attrs(&name_of(&t.name));
    let el = regs_el(t.el);
    let bytes = tr.bytes();
    let n = Literal::usize_unsuffixed(bytes.len());
    let image = Literal::byte_string(bytes);
    let count = tr.table_count();
    let lower = if tr.has_lower() {
        format!(
            "{} for the lower range ({}-bit VA, root at level {}, first)",
            tr.lower_table_count(),
            tr.va_bits(),
            tr.root_level(),
        )
    } else {
        String::from("no lower range")
    };
    let upper = match (tr.upper_va_bits(), tr.upper_root_level()) {
        (Some(bits), Some(level)) => format!(
            ", {} for the upper range ({bits}-bit VA from {}, root at level {level}, at [`TTBR1`])",
            tr.upper_table_count(),
            Hex::from(crate::aarch64::regs::upper_range_start(bits).unwrap_or(0)),
        ),
        _ => String::new(),
    };
    let granule = tr.granule();
    let doc_image = format!(
        " The translation tables of this table: {count} table{} of {} KiB, {lower}{upper}; \
         to be loaded at [`TABLES_PA`] (PA {}..{}); on ELF targets in the link section \
         `{}`.",
        if count == 1 { "" } else { "s" },
        granule.bytes() >> 10,
        Hex::from(tr.base_pa()),
        Hex::from(tr.end_pa()),
        tables_section(&name_of(&t.name)),
    );
    let doc_pa = format!(
        " The PA of the root table, where [`TRANSLATION`] must be loaded: {}.",
        Hex::from(tr.base_pa())
    );
    let doc_mair = format!(" `MAIR_{el}`: {}.", Hex::from(tr.mair()));
    let ranges = match (tr.has_lower(), tr.upper_va_bits()) {
        (true, Some(u)) => format!("{}-bit lower and {u}-bit upper VA", tr.va_bits()),
        (false, Some(u)) if !role.processes.is_empty() => format!(
            "{u}-bit upper VA, {}-bit lower VA for its processes",
            tr.va_bits()
        ),
        (false, Some(u)) => format!("{u}-bit upper VA only, EPD0 set"),
        _ => format!("{}-bit VA", tr.va_bits()),
    };
    let shared = match (&role.kernel, role.processes.as_slice()) {
        (Some(k), _) => format!(
            " It is the `TCR` of kernel `{k}` and of every process under it, so `TTBR0` switches between them under one `TCR`{}.",
            if tr.tcr() & crate::aarch64::regs::TCR_EL1_AS != 0 {
                " (AS set: 16-bit ASIDs, which the core must implement)"
            } else {
                ""
            }
        ),
        (None, [_, ..]) => format!(
            " Every process under this kernel ({}) has this `TCR`{}.",
            role.processes
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            if tr.tcr() & crate::aarch64::regs::TCR_EL1_AS != 0 {
                " (AS set: 16-bit ASIDs, which the core must implement)"
            } else {
                ""
            }
        ),
        (None, []) => String::new(),
    };
    let doc_tcr = format!(
        " `TCR_{el}`: {} ({ranges}, {}-bit PA, {} KiB granule{}, write-back inner shareable walks).{shared}",
        Hex::from(tr.tcr()),
        tr.pa_bits(),
        granule.bytes() >> 10,
        if tr.format().ds() {
            ", DS = 1 (FEAT_LPA2)"
        } else if tr.format().oa52 {
            ", 52-bit PA (FEAT_LPA)"
        } else {
            ""
        }
    );
    let doc_granule = format!(
        " The translation granule of this table, in bytes: {} (`granule = {granule};`).",
        granule.bytes()
    );
    let granule_bytes = Literal::u64_unsuffixed(granule.bytes());
    let image_type = match granule {
        crate::aarch64::Granule::Size16K => quote!(TranslationImage16K),
        crate::aarch64::Granule::Size64K => quote!(TranslationImage64K),
        _ => quote!(TranslationImage),
    };
    let doc_ttbr0 = match (tr.has_lower(), role.asid) {
        (true, Some(asid)) => format!(
            " `TTBR0_{el}`: {}, the lower range's root table PA with ASID {asid} in bits 63:48 (this table's pages are non-global).",
            Hex::from(tr.ttbr0())
        ),
        (true, None) => format!(
            " `TTBR0_{el}`: {}, the lower range's root table PA.",
            Hex::from(tr.ttbr0())
        ),
        (false, _) if !role.processes.is_empty() => format!(
            " `TTBR0_{el}`: 0, the kernel has no lower range of its own; load a process's `TTBR0` with it (TCR_EL1.EPD0 is clear)."
        ),
        (false, _) => {
            format!(" `TTBR0_{el}`: 0, the table has no lower range (TCR_EL1.EPD0 is set).")
        }
    };
    let doc_ttbr1 = match (tr.upper_root_pa(), &role.kernel) {
        (_, Some(k)) => format!(
            " `TTBR1_EL1`: {}, the `TTBR1` of kernel `{k}` (a process has lower ranges only; the kernel's upper range stays loaded).",
            Hex::from(tr.ttbr1())
        ),
        (Some(pa), None) => format!(
            " `TTBR1_EL1`: {}, the upper range's root table PA.",
            Hex::from(pa)
        ),
        (None, None) => String::from(
            " `TTBR1_EL1`: 0, the table has no upper range (EL3 and EL2 tables never have one; in an EL1&0 table TCR_EL1.EPD1 is set).",
        ),
    };
    let doc_sctlr = format!(
        " The bits to set in `SCTLR_{el}` to turn the MMU on with these tables: {} (M, C, I{}).",
        Hex::from(tr.sctlr_set()),
        if tr.sctlr_set() & crate::aarch64::regs::SCTLR_WXN != 0 {
            ", WXN"
        } else {
            ""
        }
    );
    let pa = Literal::u64_unsuffixed(tr.base_pa());
    let mair = Literal::u64_unsuffixed(tr.mair());
    let tcr = Literal::u64_unsuffixed(tr.tcr());
    let ttbr0 = Literal::u64_unsuffixed(tr.ttbr0());
    let ttbr1 = Literal::u64_unsuffixed(tr.ttbr1());
    let sctlr = Literal::u64_unsuffixed(tr.sctlr_set());
    quote! {
        #[doc = #doc_image]
        #section_attrs
        pub static TRANSLATION: __memlayout::aarch64::#image_type<#n> =
            __memlayout::aarch64::#image_type(*#image);
        #[doc = #doc_pa]
        pub const TABLES_PA: u64 = #pa;
        #[doc = #doc_granule]
        pub const GRANULE: u64 = #granule_bytes;
        #[doc = #doc_mair]
        pub const MAIR: u64 = #mair;
        #[doc = #doc_tcr]
        pub const TCR: u64 = #tcr;
        #[doc = #doc_ttbr0]
        pub const TTBR0: u64 = #ttbr0;
        #[doc = #doc_ttbr1]
        pub const TTBR1: u64 = #ttbr1;
        #[doc = #doc_sctlr]
        pub const SCTLR_SET: u64 = #sctlr;
    }
}

/// Module `gpt`: the granule protection table image, its PA, its level 0 table's PA and
/// the `GPTBR_EL3` and `GPCCR_EL3` values; placeholders (a zeroed 4 KiB image, zero
/// addresses and registers) without a built table.
fn gpt_module(gpt: Option<&crate::aarch64::gpt::Gpt>) -> TokenStream {
    use crate::aarch64::gpt::GPT_SECTION;
    let Some(g) = gpt else {
        return quote! {
            /// The granule protection table. Placeholder: the layout has errors.
            #[allow(dead_code)]
            pub mod gpt {
                #[allow(unused_imports)]
                use super::__memlayout;
                /// Placeholder (one zeroed table): the layout has errors.
                pub static TRANSLATION: __memlayout::aarch64::TranslationImage<4096> =
                    __memlayout::aarch64::TranslationImage([0; 4096]);
                /// Placeholder: the layout has errors.
                pub const IMAGE_PA: u64 = 0;
                /// Placeholder: the layout has errors.
                pub const TABLES_PA: u64 = 0;
                /// Placeholder: the layout has errors.
                pub const GPTBR: u64 = 0;
                /// Placeholder: the layout has errors.
                pub const GPCCR: u64 = 0;
            }
        };
    };
    let attrs = section_attrs(GPT_SECTION);
    let bytes = g.image();
    let n = Literal::usize_unsuffixed(bytes.len());
    let image = Literal::byte_string(bytes);
    let size = g.size();
    let cfg = g.config();
    let doc_mod = format!(
        " The granule protection table (FEAT_RME): every granule of every pool with its space's GPI, {} granules, {} level 0 entries, {}-bit protected size.",
        Bytes(cfg.pgs.bytes()),
        Bytes(cfg.l0gptsz.bytes()),
        g.pps().bits()
    );
    let doc_image = format!(
        " The table image: {} level 1 table{} ({} bytes each) and the level 0 table ({} bytes, at offset {}), largest alignment first, no padding; to be loaded at [`IMAGE_PA`] (PA {}..{}); on ELF targets in the link section `{}`.",
        size.level1_tables,
        if size.level1_tables == 1 { "" } else { "s" },
        Hex::from(size.level1_bytes),
        Hex::from(size.level0_bytes),
        Hex::from(size.level0_offset),
        Hex::from(g.image_pa()),
        Hex::from(g.image_pa() + size.bytes),
        GPT_SECTION
    );
    let doc_image_pa = format!(
        " The PA [`TRANSLATION`] must be loaded at (the ld export places its link section there): {}, aligned to {}.",
        Hex::from(g.image_pa()),
        Hex::from(size.align)
    );
    let doc_pa = format!(
        " The PA of the level 0 table, which [`GPTBR`] points at: {}, inside the image at [`IMAGE_PA`].",
        Hex::from(g.level0_pa())
    );
    let doc_gptbr = format!(
        " `GPTBR_EL3`: {}, BADDR = PA[51:12] of the level 0 table.",
        Hex::from(g.gptbr())
    );
    let doc_gpccr = format!(
        " `GPCCR_EL3`: {} (PPS {}-bit, PGS {}, L0GPTSZ {}, write-back inner shareable walks, GPC set). Write it after `GPTBR_EL3`, then `TLBI PAALLOS; DSB; ISB`.",
        Hex::from(g.gpccr()),
        g.pps().bits(),
        Bytes(cfg.pgs.bytes()),
        Bytes(cfg.l0gptsz.bytes())
    );
    let image_pa = Literal::u64_unsuffixed(g.image_pa());
    let pa = Literal::u64_unsuffixed(g.level0_pa());
    let gptbr = Literal::u64_unsuffixed(g.gptbr());
    let gpccr = Literal::u64_unsuffixed(g.gpccr());
    quote! {
        #[doc = #doc_mod]
        #[allow(dead_code)]
        pub mod gpt {
            #[allow(unused_imports)]
            use super::__memlayout;
            #[doc = #doc_image]
            #attrs
            pub static TRANSLATION: __memlayout::aarch64::TranslationImage<#n> =
                __memlayout::aarch64::TranslationImage(*#image);
            #[doc = #doc_image_pa]
            pub const IMAGE_PA: u64 = #image_pa;
            #[doc = #doc_pa]
            pub const TABLES_PA: u64 = #pa;
            #[doc = #doc_gptbr]
            pub const GPTBR: u64 = #gptbr;
            #[doc = #doc_gpccr]
            pub const GPCCR: u64 = #gpccr;
        }
    }
}

/// The translation items of a layout with errors: one zeroed table and zero registers,
/// so uses of them elsewhere in the crate still compile and only the real errors show.
fn placeholder_translation() -> TokenStream {
    quote! {
        /// Placeholder (one zeroed table): the layout has errors.
        pub static TRANSLATION: __memlayout::aarch64::TranslationImage<4096> =
            __memlayout::aarch64::TranslationImage([0; 4096]);
        /// Placeholder: the layout has errors.
        pub const TABLES_PA: u64 = 0;
        /// Placeholder: the layout has errors.
        pub const GRANULE: u64 = 4096;
        /// Placeholder: the layout has errors.
        pub const MAIR: u64 = 0;
        /// Placeholder: the layout has errors.
        pub const TCR: u64 = 0;
        /// Placeholder: the layout has errors.
        pub const TTBR0: u64 = 0;
        /// Placeholder: the layout has errors.
        pub const TTBR1: u64 = 0;
        /// Placeholder: the layout has errors.
        pub const SCTLR_SET: u64 = 0;
    }
}

fn table_module(t: &TableDecl, body: TokenStream) -> TokenStream {
    let module = &t.name;
    let summary = format!(
        "Page table `{}` of {} at {}.",
        name_of(&t.name),
        t.cores,
        t.el
    );
    let docs = docs(&t.docs, &summary);
    let mut inner = quote! {
        #[allow(unused_imports)]
        use super::__memlayout;
    };
    inner.extend(body);
    let inner = group(Delimiter::Brace, inner);
    quote! {
        #docs
        #[allow(dead_code)]
        pub mod #module #inner
    }
}

/// The memory map of a planned layout: the text of [`export::map`](crate::export::map::map)
/// for `MAP`, and its [`markdown`](crate::export::map::markdown) tables for the module's
/// rustdoc.
struct Map {
    text: String,
    markdown: String,
}

impl Map {
    fn of(layout: &Layout, plan: &Plan) -> Map {
        let module = name_of(&layout.name);
        let input = crate::export::Input::new(&module, plan);
        Map {
            text: crate::export::map::map(&input),
            markdown: crate::export::map::markdown(&input),
        }
    }
}

fn outer_module(
    layout: &Layout,
    krate: &TokenStream,
    body: TokenStream,
    map: Option<&Map>,
) -> TokenStream {
    let attrs = &layout.attrs;
    let vis = &layout.vis;
    let name = &layout.name;
    let tables: Vec<TokenStream> = {
        let mut seen = BTreeSet::new();
        layout
            .tables
            .iter()
            .filter(|t| seen.insert(name_of(&t.name)))
            .map(table_info_expr)
            .collect()
    };
    let k = Literal::usize_unsuffixed(tables.len());
    let (map_doc, map_item) = match map {
        Some(m) => {
            let doc = format!(
                "# Memory map\n\nEvery page and segment of each table in VA order (the text map is `MAP`).\n\n{}",
                m.markdown
            );
            let doc = str_lit(&doc);
            let text = str_lit(&m.text);
            (
                quote!(#[doc = ""] #[doc = #doc]),
                quote! {
                    /// The memory map of the layout as text, sorted by address within each
                    /// table: pools, reservations, every table's pages and segments with VA,
                    /// PA, size and attributes, then each table's translation tables and
                    /// register values (the format of `memlayout::export::map`). For a
                    /// firmware to print its own map at boot.
                    #[allow(dead_code)]
                    pub const MAP: &str = #text;
                },
            )
        }
        None => (
            TokenStream::new(),
            quote! {
                /// Placeholder (empty): the layout has errors.
                #[allow(dead_code)]
                pub const MAP: &str = "";
            },
        ),
    };
    let mut inner = quote! {
        #[doc(hidden)]
        mod __memlayout {
            #[allow(unused_imports)]
            pub use #krate::*;
        }
    };
    inner.extend(body);
    inner.extend(quote! {
        /// Every page table of the layout, in declaration order.
        #[allow(dead_code)]
        pub const TABLES: &[__memlayout::TableInfo; #k] = &[#(#tables),*];
    });
    inner.extend(map_item);
    let inner = group(Delimiter::Brace, inner);
    quote! {
        #(#attrs)*
        #map_doc
        #vis mod #name #inner
    }
}

/// Compile-time re-checks in the user's crate: every page is aligned to its size and
/// every segment to its alignment, in VA and in PA.
fn recheck() -> TokenStream {
    quote! {
        const _: () = {
            const ALL_PAGES: &[__memlayout::Page] = PAGES;
            let mut i = 0;
            while i < ALL_PAGES.len() {
                let p = &ALL_PAGES[i];
                ::core::assert!(
                    p.va().is_multiple_of(p.size()) && p.pa().is_multiple_of(p.size()),
                    "memory_layout!: a page is not aligned to its size",
                );
                i += 1;
            }
            const ALL_SEGMENTS: &[__memlayout::Segment] = SEGMENTS;
            let mut j = 0;
            while j < ALL_SEGMENTS.len() {
                let s = &ALL_SEGMENTS[j];
                ::core::assert!(
                    s.align() != 0 && s.va().is_multiple_of(s.align()) && s.pa().is_multiple_of(s.align()),
                    "memory_layout!: a segment is not aligned to its alignment",
                );
                j += 1;
            }
        };
    }
}

/// The path the expansion names the `memlayout` crate by: the layout's
/// `#[memlayout(crate = "PATH")]`, else `default`, else `::memlayout`; and the tokens to
/// emit before the module: [`dependency_check`] for `::memlayout`, else nothing.
pub fn crate_path(layout: &Layout, default: Option<&TokenStream>) -> (TokenStream, TokenStream) {
    match (&layout.krate, default) {
        (Some(path), _) => (quote!(#path), TokenStream::new()),
        (None, Some(krate)) => (krate.clone(), TokenStream::new()),
        (None, None) => (quote!(::memlayout), dependency_check()),
    }
}

/// An import of `memlayout` inside a fresh module, where only the crates of `Cargo.toml`
/// are in scope: it compiles whenever `memlayout` is a dependency, and when it is not,
/// the compiler's first error is on it and ends with "use `cargo add memlayout` to add
/// it to your `Cargo.toml`" (an absolute `::memlayout` path, as in the rest of the
/// expansion, gets no such help).
pub fn dependency_check() -> TokenStream {
    quote! {
        const _: () = {
            mod memlayout_is_a_dependency {
                #[allow(unused_imports)]
                use memlayout::Page as _;
            }
        };
    }
}

/// The module of a planned layout; `krate` is the path the expansion names the
/// `memlayout` crate by.
///
/// A table's pages and segments are each one hidden `static` array that `PAGES`,
/// `SEGMENTS` and every page and segment constant point into. A constant that indexed a
/// `const` array would hold a pointer into its own copy of the array's evaluated value,
/// which rustc encodes into the crate's metadata once per constant (quadratic in the
/// pages: most of the build of a large layout); a pointer into a `static` is one
/// relocation. `const` code still reads through them (immutable statics, Rust 1.83).
pub fn expand(layout: &Layout, krate: &TokenStream, decls: &Decls<'_>, plan: &Plan) -> TokenStream {
    let mut tables = TokenStream::new();
    for (t, table) in layout.tables.iter().enumerate() {
        let tname = name_of(&table.name);
        // The elements of the table's page array, `count` of them.
        let mut pages = TokenStream::new();
        let mut count = 0;
        let mut named = TokenStream::new();
        let mut attr_consts = AttrConsts::default();
        for pp in plan.pages(t) {
            let Some(Decl::Page(decl)) = decls.get(pp.decl) else {
                continue;
            };
            let Some(first) = pp.pages.first() else {
                continue;
            };
            let name = Literal::string(first.name());
            let first_index = count;
            for p in &pp.pages {
                if count > 0 {
                    pages.extend([TokenTree::Punct(Punct::new(',', Spacing::Alone))]);
                }
                pages.extend(page_expr(p, &name, &mut attr_consts));
                count += 1;
            }
            let shared_with = shared_tables(plan, pp.mapping);
            let summary = page_summary(decl, &tname, &pp.pages, &shared_with);
            let doc = docs(&decl.docs, &summary);
            if let Some(c) = const_ident(&decl.name) {
                let i = Literal::usize_unsuffixed(first_index);
                if decl.count.is_some() {
                    let n = Literal::usize_unsuffixed(pp.pages.len());
                    named.extend(quote! {
                        #doc
                        pub const #c: &[__MemlayoutPage; #n] =
                            match __MEMLAYOUT_PAGES.split_at(#i).1.first_chunk::<#n>() {
                                ::core::option::Option::Some(run) => run,
                                ::core::option::Option::None => ::core::unreachable!(),
                            };
                    });
                } else {
                    named.extend(quote! {
                        #doc
                        pub const #c: &__MemlayoutPage = __memlayout_page_at(#i);
                    });
                }
            }
        }
        let mut segments = Vec::new();
        for ps in plan.segments(t) {
            let Some(Decl::Segment(decl)) = decls.get(ps.decl) else {
                continue;
            };
            let s = ps.segment;
            if let Some(c) = const_ident(&decl.name) {
                let summary = format!(
                    "Segment `{}` of table `{tname}`: {}, {} bytes aligned to {}, VA {}, PA {}{}{}.",
                    s.name(),
                    s.kind(),
                    Hex::from(s.size()),
                    Hex::from(s.align()),
                    Hex::from(s.va()),
                    Hex::from(s.pa()),
                    identity_doc(s.is_identity(), s.va_equals_pa()),
                    if s.is_shared() {
                        ", shared: one PA in every table that maps its shared page"
                    } else {
                        ""
                    }
                );
                let doc = docs(&decl.docs, &summary);
                let j = Literal::usize_unsuffixed(segments.len());
                named.extend(quote! {
                    #doc
                    pub const #c: &__memlayout::Segment = __memlayout_segment_at(#j);
                });
                named.extend(segment_module(&tname, &decl.name));
            }
            segments.push(segment_expr(s));
        }
        let n = Literal::usize_unsuffixed(count);
        let m = Literal::usize_unsuffixed(segments.len());
        let pages = group(Delimiter::Bracket, pages);
        let info = info_item(table);
        let recheck = recheck();
        let hidden = attr_consts.items();
        let translation = match plan.translation(t) {
            Some(tr) => translation_items(table, tr, &Role::of(plan, t)),
            None => placeholder_translation(),
        };
        let mut body = quote! {
            #info
            #hidden
            #[doc(hidden)]
            static __MEMLAYOUT_PAGES: [__memlayout::Page; #n] = #pages;
            // The page and segment constants call these rather than each indexing an
            // array: a call is less for the compiler to check and evaluate per constant
            // than a bounds-checked index (a third less type checking in a crate with a
            // layout of many thousand pages).
            #[doc(hidden)]
            const fn __memlayout_page_at(i: usize) -> &'static __MemlayoutPage {
                &__MEMLAYOUT_PAGES[i]
            }
            #[doc(hidden)]
            const fn __memlayout_segment_at(i: usize) -> &'static __memlayout::Segment {
                &__MEMLAYOUT_SEGMENTS[i]
            }
            #[doc(hidden)]
            static __MEMLAYOUT_SEGMENTS: [__memlayout::Segment; #m] = [#(#segments),*];
            /// Every page of this table in declaration order; a `* N` request gives `N`
            /// consecutive pages.
            pub const PAGES: &[__memlayout::Page; #n] = &__MEMLAYOUT_PAGES;
            /// Every segment of this table, in declaration order.
            pub const SEGMENTS: &[__memlayout::Segment; #m] = &__MEMLAYOUT_SEGMENTS;
        };
        body.extend(named);
        body.extend(translation);
        body.extend(recheck);
        tables.extend(table_module(table, body));
    }
    if layout.gpt.is_some() {
        tables.extend(gpt_module(plan.gpt()));
    }
    outer_module(layout, krate, tables, Some(&Map::of(layout, plan)))
}

/// The names of the tables a mapping is mapped into, as "`a`, `b` and `c`".
fn shared_tables(plan: &Plan, mapping: crate::layout::MappingId) -> String {
    let layout = plan.layout();
    let names: Vec<String> = layout
        .mapping_tables(mapping)
        .into_iter()
        .filter_map(|t| layout.table_info(t).map(|i| format!("`{}`", i.name())))
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

fn page_summary(decl: &PageDecl, table: &str, pages: &[&Page], shared_with: &str) -> String {
    let Some(first) = pages.first() else {
        return format!("Page `{}` of table `{table}`.", name_of(&decl.name));
    };
    let a = first.mem_attrs();
    let count = if decl.count.is_some() {
        format!(" * {}", pages.len())
    } else {
        String::new()
    };
    let mut s = format!(
        "Page `{}` of table `{table}`: {}, {}{count}, {}",
        first.name(),
        a.kind,
        first.page_size(),
        a.perms
    );
    if !a.kind.is_device() {
        s.push_str(&format!(", {}, {}", a.cache, a.share));
    }
    s.push_str(&format!(
        ", VA {}, PA {}{}",
        Hex::from(first.va()),
        Hex::from(first.pa()),
        identity_doc(first.is_identity(), first.va_equals_pa())
    ));
    if first.is_shared() {
        s.push_str(&format!(", shared by tables {shared_with}"));
    }
    if first.guard() != 0 {
        s.push_str(&format!(
            ", {} of unmapped VA kept below and above (guard)",
            super::check::human(first.guard())
        ));
    }
    s.push('.');
    s
}

/// The rustdoc note of a page or segment at VA == PA: requested (`identity`), or as it
/// happens to be placed, which the next edit of the layout may change.
fn identity_doc(identity: bool, va_equals_pa: bool) -> &'static str {
    if identity {
        " (identity)"
    } else if va_equals_pa {
        " (VA == PA as placed, not requested: write `identity` to keep it)"
    } else {
        ""
    }
}

fn placeholder_page(p: &PageDecl) -> TokenStream {
    let name = name_of(&p.name);
    let kind = page_kind_tokens(p.kind);
    quote! {
        __memlayout::Page::from_parts(
            #name, 0, INFO, 0, 0, __memlayout::PageSize::Size4K,
            __memlayout::MemAttrs::new(#kind), false, &[],
        )
    }
}

fn placeholder_segment(s: &SegmentDecl) -> TokenStream {
    let name = name_of(&s.name);
    let kind = segment_kind_tokens(s.kind);
    quote! {
        __memlayout::Segment::from_parts(#name, #kind, INFO, 0, 0, 0, 1, false)
    }
}

/// The module skeleton of a layout that has errors, next to the errors: every table
/// module with its `INFO`, empty `PAGES` and `SEGMENTS`, a placeholder for every named
/// page and segment, and placeholder translation items (one zeroed table, zero
/// registers), so the rest of the crate only sees the real errors.
pub fn skeleton(layout: &Layout, krate: &TokenStream, errors: TokenStream) -> TokenStream {
    let scope = Scope::new(layout);
    let mut tables = TokenStream::new();
    let mut seen_tables = BTreeSet::new();
    for (t, table) in layout.tables.iter().enumerate() {
        if !seen_tables.insert(name_of(&table.name)) {
            continue;
        }
        let mut consts: BTreeSet<String> = BTreeSet::new();
        let mut named = TokenStream::new();
        let mut page = |p: &PageDecl, named: &mut TokenStream| {
            let Some(c) = const_ident(&p.name) else {
                return;
            };
            if !consts.insert(c.to_string()) {
                return;
            }
            let expr = placeholder_page(p);
            match p.count {
                Some(n) => {
                    let n = usize::try_from(n.value.min(MAX_COUNT)).unwrap_or(0);
                    named.extend(quote! {
                        #[doc = " Placeholder: the layout has errors."]
                        pub const #c: &[__memlayout::Page; #n] = &[const { #expr }; #n];
                    });
                }
                None => named.extend(quote! {
                    #[doc = " Placeholder: the layout has errors."]
                    pub const #c: &__memlayout::Page = &#expr;
                }),
            }
        };
        for p in &table.pages {
            page(p, &mut named);
        }
        for p in scope.shared_pages_in(t) {
            page(p, &mut named);
        }
        let segs = table.segments.iter().chain(scope.shared_segments_in(t));
        for s in segs {
            let Some(c) = const_ident(&s.name) else {
                continue;
            };
            if !consts.insert(c.to_string()) {
                continue;
            }
            let expr = placeholder_segment(s);
            named.extend(quote! {
                #[doc = " Placeholder: the layout has errors."]
                pub const #c: &__memlayout::Segment = &#expr;
            });
            named.extend(segment_module(&name_of(&table.name), &s.name));
        }
        let info = info_item(table);
        let translation = placeholder_translation();
        let mut body = quote! {
            #info
            #translation
            /// Empty: the layout has errors.
            pub const PAGES: &[__memlayout::Page; 0] = &[];
            /// Empty: the layout has errors.
            pub const SEGMENTS: &[__memlayout::Segment; 0] = &[];
        };
        body.extend(named);
        tables.extend(table_module(table, body));
    }
    // A table named `gpt` is an error already; one module `gpt` is enough then.
    if layout.gpt.is_some() && !layout.tables.iter().any(|t| name_of(&t.name) == "gpt") {
        tables.extend(gpt_module(None));
    }
    let mut out = errors;
    out.extend(outer_module(layout, krate, tables, None));
    out
}
