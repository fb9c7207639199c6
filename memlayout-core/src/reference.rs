//! The reference text of the `memory_layout!` language, written once: the grammar with
//! the meaning of every declaration, option and segment kind, and what the macro expands
//! to.
//!
//! It is the `# Grammar` and `# Output` sections of the `dsl` module's docs (as
//! `dsl::reference::GRAMMAR` and `EXPANSION`) and of the rustdoc of `memory_layout!`
//! in `memlayout` and `memlayout-macros` (through the hidden `__grammar_doc!` and
//! `__expansion_doc!` macros, which expand to the text as a string literal, and exist
//! with every feature, since `memlayout`'s `macros` needs no `dsl`), and the README's
//! "Grammar" and "What it expands to" sections must equal it (a test of the workspace
//! compares them).
//!
//! To change the language's documentation, edit the text below, then copy it into the
//! README with `MEMLAYOUT_BLESS=1 cargo test -p memlayout-tests --test readme`. Write
//! plain Markdown without intra-doc links: the same text is read on GitHub and by
//! rustdoc in two crates.

/// Expands to [`GRAMMAR`] as a string literal, for `#[doc = ..]` attributes.
#[doc(hidden)]
#[macro_export]
macro_rules! __grammar_doc {
    () => {
        r#"Keywords are in quotes; `NUM` is an integer literal, optionally suffixed `K`, `M`, `G` or
`T` (`0x8000_0000`, `4K`, `2M`, `1G`, `4T`); `INT` is a plain integer; `{ x }` repeats, `[ x ]` is
optional. `///` doc comments may precede any declaration.

```text
layout     = { attribute } [ visibility ] "mod" IDENT "{" { item } "}" ;
                                               (* attributes pass to the module, but
                                                  #[memlayout(crate = "PATH")] *)
item       = "seed" "=" NUM ";"
           | "pa_bits" "=" INT ";"                     (* 32, 36, 40, 42, 44, 48 or 52; at most once *)
           | "granule" "=" NUM ";"                     (* 4K, 16K or 64K; every table's; at most once *)
           | "tables" ( "at" range | "in" IDENT ) [ "," "non_secure_ok" ] ";"  (* at most once *)
           | "wxn" ";"                                 (* at most once *)
           | "gpt" ( "in" IDENT | "at" range ) [ "," "l0gptsz" NUM ] ";"  (* at most once *)
           | "physical" IDENT "=" range { "," ( "device" | "secure" | "non_secure" | "realm" | "root" ) } ";"
           | "table" IDENT "(" cores "," EL { "," table_opt } [ "," ] ")" "{" { table_item } "}"
           | "shared" page
           | "shared" segment ;
cores      = "core" INT                                (* one core *)
           | "cores" INT ( "..=" | ".." ) INT           (* one table for several cores *)
           | "cores" "[" INT { "," INT } [ "," ] "]" ;  (* at most 64: lowest + 0..63 *)
table_opt  = "asid" INT                                (* a process's ASID, 0 to 65535; at most once *)
           | "under" IDENT ;                           (* the kernel table it runs under; at most once *)
table_item = "virtual" range { "," range } ";"
           | "va_bits" [ "upper" ] "=" INT ";"         (* 25 to 52; each at most once *)
           | "granule" "=" NUM ";"                     (* 4K, 16K or 64K; this table's; at most once *)
           | "tables" "in" IDENT [ "," "non_secure_ok" ] ";"  (* this table's own pool; at most once *)
           | page | segment ;
page       = "page" IDENT ":" page_kind "," ( NUM [ "*" INT ] | alias )
             { "," page_opt } [ "," ] ";" ;
page_kind  = "code" | "data" | "device" | "system" ;
page_opt   = "identity" | "va" NUM | "pa" NUM | "pool" IDENT | alias
           | "r" | "rw" | "rx" | "rwx" | "x"
           | "write_back" | "write_through" | "non_cacheable"
           | "non_shareable" | "inner" | "outer"
           | "nGnRnE" | "nGnRE" | "nGRE" | "GRE"           (* device pages *)
           | "attrs" "{" [ attr { "," attr } [ "," ] ] "}"
           | "tables" "[" [ IDENT { "," IDENT } [ "," ] ] "]"     (* shared pages *)
           | "guard" NUM                                (* unmapped VA below and above *)
           | "non_secure_ok"                            (* executable page of a secure table in non-secure PA *)
           | "non_secure_view" ;                        (* a secure table's NS = 1 view of a pool in both spaces *)
alias      = "alias" [ IDENT "::" ] IDENT ;
attr       = IDENT "=" ( [ "-" ] INT | STRING | "true" | "false" ) ;
segment    = "segment" IDENT ":" segment_kind "," NUM { "," segment_opt } [ "," ] ";" ;
segment_kind = "bsp_boot_code" | "boot_code" | "code" | "rodata" | "data" | "bss"
           | "data_shared" | "data_preserve" | "stack" ;
segment_opt = "align" NUM | "identity" | "in" IDENT | "va" NUM ;
range      = NUM ".." ( NUM | "+" NUM ) ;
EL         = "EL3" | "EL2_NS" | "EL2_S" | "EL2_Realm" | "EL1_NS" | "EL1_S"
           | "EL1_Realm" | "EL0_NS" | "EL0_S" | "EL0_Realm" ;
```

What each declaration means:

* `#[memlayout(crate = "PATH")]` before `mod` names the path by which the expansion
  reaches the `memlayout` crate: `::memlayout` by default, or the `$crate` of
  `memlayout::memory_layout!`, which works under any name the dependency has. Give it
  when the expansion cannot find `memlayout` by that name: `memlayout_macros::memory_layout!`
  used with a renamed dependency (`crate = "::ml"`) or through a crate that re-exports
  memlayout (`crate = "::my_hal::memlayout"`). Other attributes (doc comments, `cfg`,
  lints) go to the module.
* `seed = NUM;` places everything at random but reproducible addresses: the same seed
  and input give the same layout on every machine. Without it, everything goes at the
  lowest fitting address.
* `physical NAME = RANGE;` declares a pool of physical addresses (RAM unless `device`)
  that pages and translation tables are drawn from.
* `table NAME (core N, EL)` declares the translation tables of one core at one exception
  level and security state; `virtual RANGE, ..;` gives the virtual ranges its pages may
  take. `table NAME (cores 0..=3, EL)` (or `cores [0, 1, 2, 3]`) declares one table used
  by several cores, as a secure monitor's table usually is: a shared page maps once into
  it, and its `INFO` is `TableInfo::for_cores` with a `Cores` set (its pages report the
  first core).
* `page NAME : KIND, SIZE;` maps a page into the enclosing table. Kinds: `code`
  (executable), `data`, `device` (Device memory, never executable) and `system` (for
  example translation tables; always Normal write-back and never executable: `x` or
  another cacheability on it is an error). `SIZE * N` maps `N` consecutive pages (contiguous in VA
  and PA).
* `shared page` maps one PA into every table (or only those of `tables [..]`), each at
  its own VA; `shared segment` is a segment with one PA, `in` a shared page.
* `segment NAME : KIND, BYTES;` places a segment (a linker section) of `BYTES` bytes in a
  mapped page of a matching kind.

What each option means:

* `identity`: VA == PA. `va NUM` and `pa NUM`: a fixed virtual or physical address;
  the other one is still chosen by the allocator. `pool NAME`: take the PA from that pool.
* `r`, `rw`, `rx`, `rwx`, `x`: the permissions. `x` is execute-only, for pages of EL0
  tables: EL0 may run the page but not read or write it (`AP[2:1] = 0b10`, `UXN = 0`,
  `PXN = 1`, as Linux's execute-only user mappings; EL1 can still read it). `code`
  segments go in an `x` page, `rodata` and the data kinds do not. The privileged level
  of a regime always reads what it maps, so `x` on a page of an EL1, EL2 or EL3 table
  (or a shared page one maps) is an error: execute-only there needs FEAT_PIE
  (permission indirection), which memlayout does not use. `write_back`, `write_through`,
  `non_cacheable`: the cacheability of Normal memory. `non_shareable`, `inner`, `outer`:
  its shareability; `non_shareable` memory is not kept coherent between cores, so a page
  mapped for more than one core (a table of several cores, tables of different cores,
  an alias in another core's table) is an error when it is `non_shareable`.
* `nGnRnE`, `nGnRE`, `nGRE`, `GRE`: the Device memory type of a `device` page (default
  `nGnRE`): whether accesses may be gathered (G), reordered (R) and acknowledged early
  (E). `nGnRnE` for strongly ordered registers (PCIe configuration space, some interrupt
  controllers), `nGnRE` for ordinary MMIO, `nGRE` and `GRE` for frame buffers and
  write-combining buffers. On a page of another kind it is an error (Normal memory takes
  a cacheability instead). Every table loads one fixed `MAIR` holding all seven memory
  types memlayout uses (attribute bytes `0x00`, `0x04`, `0x08` and `0x0C` for the four
  Device types, `0x44`, `0xBB`, `0xFF` for Normal memory), so no table runs out of the
  eight MAIR slots and tables loaded together share one `MAIR` value.
* `attrs { key = value, .. }`: your own attributes (integers, strings, booleans), kept on
  the emitted `Page`; they change neither placement nor the tables.
* `tables [T, ..]` (shared pages only): the tables that map the page.
* Segments: `align NUM` a power-of-two alignment; `identity` a segment inside an
  identity page; `in PAGE` inside that page; `va NUM` at a fixed VA.

Rules:

* Page sizes are those of the table's granule (below): with the default 4 KiB granule
  4K, 64K, 2M, 32M, 1G or 16G; a page sits at a VA and a PA that are multiples of its
  size, and is one page (one constant, one `Page`) whatever its size. A size says how
  many bytes one translation maps; the granule decides how the tables write it. With
  the 4 KiB granule, 4K is a level 3 page, 2M a level 2 block, 1G a level 1 block, and
  64K, 32M and 16G are 16 of those (16 pages of 4K, 16 blocks of 2M, 16 blocks of 1G)
  with the Contiguous bit, a hint that lets one TLB entry hold the whole page (Arm ARM
  DDI 0487, D8.6.1 "The Contiguous bit"). Another size is an error that lists the
  table's sizes, or suggests `SIZE * N` (`12K` is `4K * 3`). Ranges must be 4K-aligned
  and a multiple of 4K (a table's `virtual` ranges: of its granule).
* Permissions default to `rx` for code and `rw` otherwise; memory to `write_back`,
  `inner`; device pages to `nGnRE`. Device pages are never executable and take no
  cacheability or shareability.
* `physical .., device` declares a device window (only `device` pages go there). Device
  registers sit at fixed addresses, so a `device` page needs `pa` (or `alias`).
* `non_secure` marks non-secure PA, which secure tables map with the NS bit set. Once any
  pool is `non_secure`, every unmarked pool is secure, and a table of a non-secure context
  (`EL2_NS`, `EL1_NS`, `EL0_NS`) holds only non-secure PA: a `pa`, `pool`, alias or
  shared page that puts secure PA there is an error on that token; its pages and its
  translation tables are placed only in non-secure pools, and `tables in`/`at` a secure
  pool is an error. A data page of secure tables without `pool` prefers secure pools. Without
  any `non_secure`, `realm` or `root` pool, security is not modelled.
* `secure, non_secure` together declare a pool in both physical address spaces, for a
  device both worlds reach at one PA, such as the GIC, whose Group 0 and secure Group 1
  registers answer only secure accesses: `physical gic = 0x0800_0000 .. +16M, device,
  secure, non_secure;`. Secure tables map it with NS = 0 (the secure view), and with
  NS = 1 for a page with the `non_secure_view` option; non-secure tables map it (always
  with non-secure accesses) and neither is an error. Two tables reach one such register
  frame through one `shared page .. tables [..]` or an `alias` (two pages of their own
  at one PA overlap); the shared page has one PA and each table's own view. `non_secure_view` on a page of any other pool is an
  error on that keyword, and so is `non_secure_view` or `non_secure_ok` on a page that no
  table of the Secure state maps, or `non_secure_ok` on a page that is neither `code`
  nor has `x` permission: there they change nothing. For the rule below, a pool in both spaces counts as non-secure
  memory (the normal world can write it). `secure` alone says what an unmarked pool
  already is. The map, the SVG and the linker MEMORY note write `secure, non_secure`,
  JSON `"secure": true` next to `"non_secure": true`, the C header a
  `<TABLE>_<PAGE>_NS` value (the view each table uses) for pages of such a pool.
* Secure tables never depend on non-secure memory, which the normal world can rewrite:
  once any pool is `non_secure`, the translation tables of a table of a secure context
  (`EL3`, `EL2_S`, `EL1_S`, `EL0_S`) and its executable pages (`code`, or any page with
  `x` permission) take their PA only from secure pools. No room there is a "no room"
  error naming the secure pools tried and the non-secure pools refused (never a silent
  move to non-secure memory); `tables in`/`at` a non-secure pool, or a `pool`, `pa`,
  alias or shared page that gives such a page non-secure PA, is an error on that token.
  `non_secure_ok` allows it knowingly, for a loader that cannot write secure memory:
  on `tables in POOL, non_secure_ok;` (a table's own, or the layout's for every table
  without its own), on `tables at RANGE, non_secure_ok;`, and as a page option. Data
  pages of secure tables still prefer secure pools and may fall back to non-secure ones.
* `realm` and `root` declare pools in the Realm and Root physical address spaces of the
  Realm Management Extension (FEAT_RME): `physical rmm = 0x4800_0000 .. +256M, realm;`.
  A pool lies in one space: another pair than `secure, non_secure` (`realm, root`,
  `realm, non_secure`, `root, secure`, ...) is an error on the second keyword. Once any
  pool is `non_secure`, `realm` or `root`, every unmarked pool is secure. Which tables
  reach which space (a `pa`, `pool`, alias or shared page that gives a table PA it does
  not reach is an error on that token):

  | table | reaches | descriptor bits |
  |-------|---------|-----------------|
  | `EL3` | secure, non-secure, root, realm | {NSE (bit 11), NS (bit 5)}: secure {0, 0}, non-secure {0, 1}, root {1, 0}, realm {1, 1} |
  | `EL2_S`, `EL1_S`, `EL0_S` | secure, non-secure | NS = 1 for non-secure |
  | `EL2_Realm` | realm, non-secure | NS = 1 for non-secure |
  | `EL1_Realm`, `EL0_Realm` | realm, non-secure | none: NS is RES0 at stage 1 |
  | `EL2_NS`, `EL1_NS`, `EL0_NS` | non-secure | none |

  (Arm ARM DDI 0487, D8.3 "Translation table descriptor formats": R_GVZML and R_XTYPW
  for NSE at EL3, R_LYKFZ for NS at Realm EL2, I_CZPRF for the Realm EL1&0 stage 1.) In
  the Realm EL1&0 regime the architecture leaves the choice to stage 2: stage 1 outputs
  a Realm IPA, and the RMM's stage-2 descriptor picks the space with its NS bit (bit
  55, R_GYNXY), so a Realm EL1 or EL0 page of a non-secure pool is reached only when
  stage 2 maps its IPA with NS = 1. A pool in both secure and non-secure spaces is
  reached through its non-secure view by Realm and non-secure tables.
* Where each table keeps its translation tables and executable pages, once any pool
  declares a space: a Realm table (`EL2_Realm`, `EL1_Realm`, `EL0_Realm`) in `realm`
  pools; an `EL3` table in `root` pools once the layout has any `realm` or `root` pool
  (with FEAT_RME, EL3 runs in Root state: its table walks are Root accesses, and an
  instruction fetched from another space is a permission fault, R_ZWRVD), in secure
  pools otherwise; other secure tables in secure pools (Root is not reachable from
  Secure state); non-secure tables in non-secure pools. `non_secure_ok` lets translation
  tables use non-secure memory (beside a `gpt` that is an error: the table gives
  non-secure pools to the Non-secure space alone), and executable pages only of secure
  tables other than a Root-state EL3: Realm and Root state never execute from another
  space (R_PKTDS at Realm EL2, R_YMCSL at the Realm stage 2). Another pool is an error
  on the token that puts the page there; no room in the table's space is a "no room"
  error naming its pools. Data pages prefer the table's own space and may fall back to
  any space the table reaches: a Realm table's data to non-secure pools, an EL3 table's
  to any.
* The exports name a pool's space as it is declared: the map and the SVG write
  `non_secure`, `secure, non_secure`, `realm` or `root` after the pool, the linker
  MEMORY note the same, JSON a `"space"` next to `"non_secure"` and `"secure"`; a page
  in JSON has `"pas"`, the space its table reaches it in.
* A core has one translation table base register at EL3, and one at EL2 per security
  state: a second `EL3` table of a core, or a second `EL2_NS` (or `EL2_S`) one, is an
  error. A core may have any number of EL1 and EL0 tables (the address spaces of
  processes or guests, switched at run time).
* Automatic placement never picks the first page of a VA space (`0 .. 0x1000`), so a null
  pointer never reaches mapped memory; only a fixed `va 0` (or `identity` at `pa 0`)
  maps it.
* `alias [TABLE::]PAGE` maps the PA of another page again; a different memory type
  (another Device type too), cacheability or shareability is an error (the Arm
  architecture forbids mismatched aliases). An alias hosts no segments: its bytes belong to the page it aliases. With
  `identity`, the alias sits at VA == the PA it maps (an error on `identity` if that VA
  is taken or outside the table's ranges); `pa`, `pool` and `* N` do not combine with
  `alias`.
* `guard SIZE` keeps SIZE of VA unmapped directly below and directly above the page (or
  the whole `* N` run), in every table that maps it, so an access that runs off either
  end (a stack overflow) takes a translation fault instead of reaching the next page.
  SIZE is a non-zero multiple of the table's granule (an error on SIZE otherwise).
  Automatic placement keeps both gaps free, with or without a `seed`; two guarded pages
  may share a gap, and a gap may leave the table's `virtual` ranges. A page with a fixed
  `va` (or an alias, or any other page) whose VA lies in a gap is an error on that page,
  with a note on the guarded page. Only VA is kept: the PA next to the page may hold
  anything. The map writes `guard SIZE` after the page, JSON a `guard` (bytes), the C
  header `<TABLE>_<PAGE>_GUARD`, and the SVG draws the gaps.
* Segment kinds and the pages that take them (segments become linker sections):

  | kind | holds | pages that take it |
  |------|-------|--------------------|
  | `bsp_boot_code` | boot code of the bootstrap processor | code with execute (`rx`, `rwx`, `x`) |
  | `boot_code` | boot code every core runs | code with execute (`rx`, `rwx`, `x`) |
  | `code` | code (`.text`) | code with execute (`rx`, `rwx`, `x`) |
  | `rodata` | read-only data (`.rodata`) | code, or data without write (`r`, `rx`); not `x` |
  | `data` | initialised writable data (`.data`) | data with write (`rw`, `rwx`) |
  | `bss` | zero-initialised data (`.bss`) | data with write (`rw`, `rwx`) |
  | `data_shared` | data shared between agents | data |
  | `data_preserve` | data preserved across resets | data |
  | `stack` | a stack | data with write (`rw`, `rwx`) |

  Code kinds are 8-byte aligned unless `align` says otherwise, and never less than 4
  (A64 instructions): `align 1` or `align 2` on code is an error. Stacks are 16-byte
  aligned (the AArch64 SP alignment) with a size that is a multiple of 16: a smaller
  `align` or another size is an error. Other kinds are byte-aligned unless `align` says
  otherwise. Device and system pages take no segments. A
  segment in a page that does not take its kind is an error naming the page and its
  permissions.
* `in PAGE` places a segment inside that page (or its `* N` run); an `identity` segment
  goes where VA == PA: in an `identity` page, or in any page of its kind that was placed
  at VA == PA (write `in PAGE` to choose the page); a shared segment goes `in` a shared
  page and has one PA.
* `pa_bits` sets the size of the physical address space: every pool and fixed `pa` must
  lie below `2^pa_bits`, and it is the PS/IPS field of the TCR. Without it, the limit is
  48 bits and the PS/IPS field is the smallest size covering every pool, at least 40
  bits.
* `granule = 4K | 16K | 64K;` sets the translation granule of every table; the same item
  inside a `table` sets that table's (4K when neither is given). The granule gives the
  page sizes: 4K: `4K`, `2M`, `1G` (and `512G` level 0 blocks with 52-bit addresses) and
  the Contiguous groups `64K`, `32M`, `16G`; 16K: `16K`, `32M` (and `64G` with 52 bits)
  and the groups `2M`, `1G`; 64K: `64K`, `512M` (and `4T` with `pa_bits = 52`) and the
  groups `2M`, `16G`. Another size is an error on the size that lists the table's sizes;
  a shared page goes in tables of one granule; `virtual` ranges, fixed `va` and `pa` and
  guards follow the granule; translation tables are granule-sized and aligned (a 64 KiB
  table holds 8192 entries), and each table module has `GRANULE` (bytes).
* Each table translates the smallest VA range the architecture allows (25 to 48 bits,
  or up to 52 with `va_bits`; Arm ARM D8.2) that covers its `virtual` ranges: T0SZ = 64 - bits, and the root level
  follows (4K: level 0 for 40 to 48 bits, level 1 for 31 to 39, level 2 for 25 to 30;
  16K: level 0 at 48, 1 for 37 to 47, 2 for 26 to 36, 3 at 25; 64K: level 1 for 43 to
  48, 2 for 30 to 42, 3 for 25 to 29), so a table whose ranges lie below 1 GiB has a
  short walk. `va_bits = N;` inside a table asks for a larger size; one smaller than the
  ranges need, or outside 25 to 52, is an error on `N`. Over 48 bits (and with
  `pa_bits = 52`) the table uses the 52-bit format: FEAT_LPA2 with `TCR_ELx.DS` = 1 for
  4K and 16K (a level -1 root for 4K at 49 to 52 bits; descriptors without a
  shareability field, so Normal pages must be `inner`), FEAT_LVA and FEAT_LPA for 64K;
  `virtual` ranges may then reach past 2^48.
* In an EL1 or EL0 table, a `virtual` range whose bits from the VA size up are all ones
  (`virtual 0xFFFF_8000_0000_0000 .. +1G;`, anything from `0xFFFF_0000_0000_0000`, or
  from `0xFFF0_0000_0000_0000` with `va_bits upper = 52;`) is
  in the upper range, translated through `TTBR1_EL1`: kernels mapped at `0xFFFF_...`. A
  table may have lower ranges, upper ranges or both; the upper range gets its own
  smallest size (T1SZ), which `va_bits upper = N;` raises (`va_bits = N;` sizes the
  lower range only). Without an upper range `TCR_EL1.EPD1` is set, without a lower one
  `EPD0`. Pages, shared pages, aliases, segments, seeds, blocks and the contiguous hint
  work the same in both ranges; `identity` is impossible in the upper range (no PA
  reaches it). A range that is neither lower nor upper (`0x8000_0000_0000_0000`), or any
  upper range in an EL3 or EL2 table (one range only, no VHE), is an error on the range.
* A kernel and its processes: `table shell (cores 0..=3, EL0_NS, asid 1, under kernel)`
  makes `shell` a process that runs under the EL1 table `kernel`, whose upper range
  (`TTBR1`) stays loaded while `TTBR0` switches between processes. The kernel and every
  process under it emit the same `TCR` and `MAIR`: T1SZ from the kernel's upper range,
  T0SZ covering the kernel's lower ranges and every process's ranges (each process is
  built for that size), EPD0 = EPD1 = 0, A1 = 0 (`TTBR0` holds the ASID), and AS (16-bit
  ASIDs, which the core must implement: `ID_AA64MMFR0_EL1.ASIDBits`) when any ASID of
  the kernel's processes is over 255. A process module's `TTBR1` is the kernel's. The
  kernel must be an EL1 table of the process's security state, used by every core of
  the process, with an upper range, and not a process itself; a process has lower ranges
  only, and a kernel's own lower ranges (an identity map it boots through) must not
  overlap them. `asid N` (an EL1 or EL0 table, 0 to 65535) makes every page of the table
  non-global (nG = 1; EL0 pages always are) and puts N in bits 63:48 of its `TTBR0`;
  kernel pages stay global, so a kernel takes no `asid`. Two processes of one kernel
  with one ASID are an error on the second `N`. A process without `asid` runs with
  ASID 0 (its EL0 pages are non-global all the same): a kernel that runs several such
  processes must flush the TLB (`TLBI VMALLE1`) when it switches `TTBR0` between them,
  and `asid 0` on another process of the same kernel is an error on the `0`. The ASID
  travels in `TTBR0`, so a table with `asid` needs a lower range.
  Automatic placement puts a kernel's pages in its upper range; its lower ranges take
  only pages with a fixed `va` and `identity` pages.
* `tables at START .. END` (or `.. +SIZE`) reserves that whole range before any page is
  placed and packs the translation tables of every table there, in declaration order; the
  range must be RAM inside a pool and large enough for every table. `tables in POOL` puts
  them anywhere in that RAM pool. Without either, the allocator puts them in the RAM
  pools, preferring pools of each table's security state. `tables in POOL;` inside a
  table puts that table's translation tables in its own RAM pool (a monitor's in SRAM,
  a kernel's in DRAM), overriding the layout's `tables at`/`tables in` for that table
  only: a `tables at` range then packs only the tables without a pool of their own.
* `wxn` sets `SCTLR_ELx.WXN` in every table's `SCTLR_SET` (writable memory is
  execute-never); an `rwx` code or data page is then an error.
* `gpt in POOL;` or `gpt at START .. END;` builds the granule protection table of
  FEAT_RME as const data: every granule of every pool gets its space's GPI (Secure 0x8
  for `secure` or unmarked pools, Non-secure 0x9, Root 0xA, Realm 0xB, "any access" 0xF
  for `secure, non_secure` pools) and memory in no pool "no access" (0x0); the protected
  size (PPS) is the smallest that covers every pool, the granule (PGS, independent of the
  tables' translation granule) 4 KiB. `l0gptsz` is the bytes one level 0 entry covers, a fixed property of
  the implementation (`GPCCR_EL3.L0GPTSZ`, read-only): 1G (the default, QEMU's), 16G,
  64G or 512G. The table is Root memory: `in` names a `root` RAM pool (the allocator
  picks an aligned range there after the pages, before the translation tables); `at`
  gives a range inside a `root` pool that is reserved whole before any page is placed,
  the image at its start (aligned to its largest table: a level 1 table when it has
  one, else the level 0 table). A `gpt` without a `root` pool, `in` a pool that is not
  `root`, `at` a range outside Root memory or over pages, the translation tables' range
  or a device pool, a bad `l0gptsz`, a second `gpt`, a table named `gpt`, and no room in
  the pool are errors; so are two pools of different spaces in one granule (pools are
  4 KiB aligned today, so only a larger granule makes that possible). `non_secure_ok` on
  the tables of a table that is not non-secure is an error on that `non_secure_ok` (with
  a note on `gpt`): the table gives non-secure pools to the Non-secure space alone, and
  the table walks its tables in its own space, so every walk would take a granule
  protection fault. A secure table's code page in non-secure memory (`non_secure_ok` on
  the page) is fetched in the Non-secure space, which those granules allow, so it stays
  allowed. A `secure, non_secure` pool gets "any access", which Realm and Root accesses
  pass too: the architecture has no GPI for two spaces.
* Placement never depends on declaration order: fixed placements first, then identity,
  then shared, then the rest, largest first. The same input gives a byte-identical
  expansion.
"#
    };
}

/// Expands to [`EXPANSION`] as a string literal, for `#[doc = ..]` attributes.
#[doc(hidden)]
#[macro_export]
macro_rules! __expansion_doc {
    () => {
        r#"`VIS mod NAME { .. }` (with the module's attributes) holding `TABLES: &[TableInfo; K]`,
every table in declaration order, `MAP: &str`, the memory map as text (pools,
reservations, each table's pages and segments sorted by VA, its translation tables and
register values; for a firmware to print its own map at boot), and one module per table
with:

* `INFO: &TableInfo`; `PAGES: &[Page; N]`, every page mapped in the table (its shared pages
  included) in declaration order, a `* N` page giving `N` consecutive pages;
  `SEGMENTS: &[Segment; M]`;
* one constant per page (`&Page`, or `&[Page; N]` for `* N`) and per segment (`&Segment`),
  named in UPPER_SNAKE_CASE (`BOOT`, `BSP_BOOT`); two names that would give the same
  constant, or the same C define or ld symbol (`MEMLAYOUT_<TABLE>_<NAME>_*` joins the
  names with `_`, so table `a_b` with page `c` and table `a` with page `b_c` collide),
  are an error;
* per segment, a module named as the segment (`bsp_boot`) that says where code and data
  go to land in it: `LINK_SECTION: &str`, its input section `.memlayout.<table>.<segment>`
  (names as declared), the one the ld export places at the segment's VA and PA, and
  `link_section!()`, a macro that expands to the same literal, for
  `#[unsafe(link_section = soc::core0_el3::bsp_boot::link_section!())]` (the attribute
  takes a literal, not a constant). The macro is `pub(crate)`; in other crates, and in
  a `global_asm!` `.pushsection` (whose arguments rustc expands before it can resolve
  the macro), write the literal. A segment named like a primitive type (`u64`, `str`)
  gets no module, which would shadow the type in the table's module;
* `static TRANSLATION: TranslationImage<BYTES>`: the table's AArch64 translation tables
  (root first, one granule each, little-endian), aligned to the granule
  (`TranslationImage16K<BYTES>` and `TranslationImage64K<BYTES>` for the 16 KiB and
  64 KiB granules), to be loaded at `TABLES_PA`;
  readable in `const` code through `TRANSLATION.as_bytes()`. It is `#[used]` (emitted
  even when only `TTBR0` is named) and, on ELF targets (`target_os` `none`, `linux`,
  `android`, the BSDs, `fuchsia`, `hermit`, `illumos`, `solaris`; never wasm), it has
  `#[link_section = ".memlayout.tables.<table>"]`, the section the ld export places at
  `TABLES_PA` (with `KEEP`): firmware linked with that fragment finds its tables in
  place and loads `TTBR0` and turns the MMU on without copying them. On a hosted ELF
  target the section is an ordinary read-only section the linker places after the
  others, so host builds and tests are unaffected; macOS, Windows and UEFI builds get no
  section. Use each table name once among the layouts linked into one image: tables of
  one name share one section;
* `GRANULE` (`u64`): the table's translation granule in bytes (4096, 16384 or 65536);
* `TABLES_PA`, `MAIR`, `TCR`, `TTBR0`, `TTBR1`, `SCTLR_SET` (`u64`): where the tables go
  and the values of the table's regime registers (`*_EL3`, `*_EL2` or `*_EL1`) that load
  them. `TRANSLATION` holds the lower range's tables (from `TTBR0`) then the upper
  range's (from `TTBR1`); `TTBR0` is 0 without a lower range, `TTBR1` 0 without an upper
  one (always in EL3 and EL2 tables). A process's (`under KERNEL`) `TCR`, `MAIR` and
  `TTBR1` are its kernel's, and its `TTBR0` carries its ASID in bits 63:48;
  `SCTLR_SET` holds the bits to set (M, C, I, and WXN with `wxn`);
* compile-time re-checks (`const _: () = assert!(..)`) that every emitted page is aligned
  to its size, so a planner bug cannot ship a misaligned table.

With `gpt in ..;` or `gpt at ..;`, a module `gpt` next to the tables' modules holds the
granule protection table: `static TRANSLATION: TranslationImage<BYTES>` (the level 1
tables and the level 0 table, largest alignment first, usually the level 1 tables, so
the image has no padding; little-endian; `#[used]`, and on ELF targets in the link
section `.memlayout.gpt`, which the ld export places at `IMAGE_PA`), `IMAGE_PA` (where
the image is loaded), `TABLES_PA` (the level 0 table's PA, inside the image and not
necessarily its start: what `GPTBR_EL3` points at), `GPTBR` (`GPTBR_EL3`) and `GPCCR`
(`GPCCR_EL3` with PPS, PGS, L0GPTSZ, write-back inner shareable walks and GPC set:
write `GPTBR_EL3`, then `GPCCR_EL3`, then `TLBI PAALLOS; DSB; ISB`).

The module's rustdoc ends with a "Memory map" section: per table, where its translation
tables go and a Markdown table of every page and segment sorted by VA (VA and PA ranges,
size, kind and permissions, name, attributes), so `cargo doc` shows the layout next to
the constants.

On errors, the same modules hold `INFO`, empty `PAGES` and `SEGMENTS`, a placeholder per
page and segment, each segment's module, one zeroed 4 KiB table as `TRANSLATION`, zero
registers and an empty `MAP` (and a module `gpt` of the same placeholders), so code that
uses them only sees the real errors.
"#
    };
}

/// The grammar of the language with the meaning of every declaration, option and
/// segment kind (Markdown).
#[cfg(feature = "dsl")]
pub const GRAMMAR: &str = crate::__grammar_doc!();

/// What `memory_layout!` expands to (Markdown).
#[cfg(feature = "dsl")]
pub const EXPANSION: &str = crate::__expansion_doc!();

#[cfg(all(test, feature = "dsl"))]
mod tests {
    use std::prelude::rust_2024::*;

    use super::GRAMMAR;
    use crate::model::{
        Cacheability, ExecutionContext, PageKind, Perms, SegmentKind, Shareability,
    };

    /// The quoted keywords of the grammar production `name = .. ;`, in order.
    fn production(name: &str) -> Vec<&'static str> {
        let start = GRAMMAR
            .lines()
            .position(|l| l.split_whitespace().next() == Some(name))
            .expect("the production is in the grammar");
        let mut words = Vec::new();
        for line in GRAMMAR.lines().skip(start) {
            // Comments `(* .. *)` hold no keywords of the production.
            let text = line.split("(*").next().unwrap_or_default();
            words.extend(text.split('"').skip(1).step_by(2));
            if text.trim_end().ends_with(';') {
                break;
            }
        }
        words
    }

    #[test]
    fn grammar_spells_the_model_enums() {
        assert_eq!(production("page_kind"), PageKind::NAMES);
        assert_eq!(production("segment_kind"), SegmentKind::NAMES);
        assert_eq!(production("EL"), ExecutionContext::NAMES);
        let mut values = Vec::from(Perms::NAMES);
        values.extend(Cacheability::NAMES.into_iter().rev());
        values.extend(Shareability::NAMES);
        let options = production("page_opt");
        let at = options.iter().position(|w| *w == "r").unwrap_or_default();
        assert_eq!(options[at..at + values.len()], values[..]);
    }
}
