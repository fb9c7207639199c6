//! Where an [`Error`] is: the [`Field`] of the request at fault, the other [`Party`], and
//! the note on that party, all decided by the variant or by the code that detected it.

use alloc::format;
use alloc::string::String;

use super::{Addr, Error, Space};
use crate::layout::{MappingId, SegmentId, TableId};
use crate::model::Hex;

/// The part of a request an error is about, as the engine saw it when it detected the
/// error: a front end turns it into the tokens at fault.
///
/// Not exhaustive: each new part of the language's declarations may add one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The request as a whole (its name).
    Name,
    /// The fixed VA.
    Va,
    /// The fixed PA.
    Pa,
    /// The `identity` request (an address that comes from the other space).
    Identity,
    /// The size.
    Size,
    /// The number of pages.
    Count,
    /// The alignment.
    Align,
    /// The pool named by the request.
    Pool,
    /// The page an alias maps the PA of.
    Alias,
    /// The page a segment must sit in.
    InPage,
    /// The permissions.
    Perms,
    /// The shareability.
    Share,
    /// The cacheability.
    Cache,
    /// The kind.
    Kind,
    /// The list of tables a shared page goes in.
    Tables,
    /// The range of a pool or of a PA reservation.
    Range,
    /// The virtual range of a new table at this index of its ranges.
    VirtualRange(u32),
    /// The VA size of a new table's lower range.
    VaBits,
    /// The VA size of a new table's upper range.
    UpperVaBits,
    /// The PA size of the layout.
    PaBits,
    /// The ASID of a table.
    Asid,
    /// The VMID of a virtual machine.
    Vmid,
    /// The kernel a table runs under.
    Under,
    /// The guard of a page (`guard SIZE`).
    Guard,
    /// The request for the non-secure view of a pool in both physical address spaces.
    NonSecureView,
    /// The translation granule of a table (`granule = 16K;`).
    Granule,
    /// The `non_secure_ok` opt-in of a page, or of a table's translation tables
    /// (`tables in POOL, non_secure_ok;`, or
    /// [`Layout::allow_non_secure_tables`](crate::Layout::allow_non_secure_tables) at run
    /// time).
    NonSecureOk,
}

/// The other party of an error: what the request collides with or depends on.
///
/// Not exhaustive: new kinds of declaration may become parties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Party {
    /// A mapping (a page request).
    Mapping(MappingId),
    /// A placed segment.
    Segment(SegmentId),
    /// The pool at this index of [`Layout::pools`](crate::Layout::pools).
    Pool(u32),
    /// A table.
    Table(TableId),
    /// The virtual range at this index of the ranges of the table being added.
    VirtualRange(u32),
    /// The PA range reserved for the translation tables with
    /// [`Layout::reserve_tables_range`](crate::Layout::reserve_tables_range).
    TranslationTables,
    /// Another PA reservation, at this index of
    /// [`Layout::reservations`](crate::Layout::reservations).
    Reservation(u32),
    /// The PA size set with [`Layout::set_pa_bits`](crate::Layout::set_pa_bits).
    PaBits,
    /// The PA range reserved for the granule protection table with
    /// [`Layout::build_gpt`](crate::Layout::build_gpt).
    Gpt,
}

/// Which part of the other party's declaration a note on it points at.
///
/// Not exhaustive: notes may point at more parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OtherPart {
    /// The same part as the one at fault in the request.
    Same,
    /// The same part, else its address in this space (or its `identity`).
    SameOr(Addr),
    /// Its address in this space (or its `identity`): it matters for the room it takes.
    Addr(Addr),
    /// Its guard (`guard SIZE`), else its name.
    Guard,
}

impl Error {
    /// The part of the request at fault.
    pub fn field(&self) -> Field {
        use Error::*;
        match self {
            ZeroSize { field, .. }
            | Misaligned { field, .. }
            | Wraps { field, .. }
            | BeyondLimit { field, .. }
            | OutsidePools { field, .. }
            | Overlap { field, .. }
            | UnsupportedBits { field, .. }
            | SegmentInAlias { field, .. }
            | Unknown { field, .. }
            | PoolKindMismatch { field, .. }
            | SamePaInTwoTables { field, .. }
            | SecureInNonSecure { field, .. }
            | NonSecureForSecure { field, .. }
            | UnreachablePa { field, .. }
            | UntrustedPa { field, .. }
            | NonSecureViewNotDual { field, .. }
            | OptionWithoutEffect { field, .. }
            | VaRangeNotTranslated { field, .. }
            | SystemPageAttrs { field, .. }
            | InGuardGap { field, .. }
            | ProcessUpperRange { field, .. }
            | KernelRangeOverlap { field, .. }
            | IpaBeyondPa { field, .. }
            | NotInVm { field, .. }
            | VmIsolation { field, .. }
            | NotInGuest { field, .. }
            | GuestIpaUnmapped { field, .. }
            | GuestIpaIncompatible { field, .. } => *field,
            NotAVm { .. } => Field::Name,
            VmidTaken { .. } => Field::Vmid,
            GptNotRoot { .. } => Field::Pool,
            GptInDevice { field, .. } => *field,
            GptWithoutRoot | GptTwice { .. } | Gpt { .. } => Field::Name,
            GptNonSecureOk { .. } => Field::NonSecureOk,
            GptOutsideRoot { .. } | GptGranuleShared { .. } | NoRoomForGpt { .. } => Field::Range,
            AsidTooLarge { .. }
            | AsidInRegime { .. }
            | AsidTaken { .. }
            | AsidOnKernel { .. }
            | AsidZeroShared { .. }
            | AsidWithoutLower { .. } => Field::Asid,
            NotAKernel { .. } | KernelLowerPage { .. } => Field::Under,
            GuardNotGranule { .. } | GuardGapTaken { .. } | GuardNoRoom { .. } => Field::Guard,
            SizeNotInGranule { .. } => Field::Size,
            GranulesDiffer { .. } => Field::Tables,
            GranuleAfterPages { .. } | KernelGranule { .. } => Field::Granule,
            RangeNotGranuleAligned { field, .. } => *field,
            ZeroCount { .. } => Field::Count,
            AlignNotPowerOfTwo { .. } | AlignTooSmall { .. } => Field::Align,
            SizeNotMultiple { .. } | NoRoom { .. } | SegmentTooLarge { .. } | StackSize { .. } => {
                Field::Size
            }
            IdentityImpossible { .. } | IdentityConflict { .. } => Field::Identity,
            PoolOverlap { .. }
            | PoolSpaces { .. }
            | NoRoomForTables { .. }
            | TablesRangeTooSmall { .. }
            | Tables { .. } => Field::Range,
            SharedMismatch { .. } => Field::InPage,
            SegmentKindMismatch { .. } | SegmentAccess { .. } => Field::Kind,
            SegmentNotInPages { .. } => Field::Va,
            ExecutableDevice { .. } | ExecuteOnlyNotUser { .. } => Field::Perms,
            NonShareableAcrossCores { .. } => Field::Share,
            NoTables { .. } => Field::Tables,
            VaBitsTooSmall { upper: true, .. } => Field::UpperVaBits,
            VaBitsTooSmall { upper: false, .. } => Field::VaBits,
            SharedAlias { .. }
            | Duplicate { .. }
            | MismatchedAlias { .. }
            | DeviceWithoutPa { .. }
            | RegimeTaken { .. } => Field::Name,
        }
    }

    /// The other party: what the request collides with or depends on, if anything.
    pub fn other(&self) -> Option<Party> {
        use Error::*;
        match self {
            Overlap { other, .. }
            | PoolOverlap { other, .. }
            | MismatchedAlias { other, .. }
            | SamePaInTwoTables { other, .. }
            | VmIsolation { other, .. }
            | GuestIpaIncompatible { other, .. }
            | VaBitsTooSmall { other, .. }
            | GuardGapTaken { other, .. }
            | GptGranuleShared { other, .. } => Some(*other),
            BeyondLimit { other, .. }
            | SegmentInAlias { other, .. }
            | Duplicate { other, .. }
            | SegmentKindMismatch { other, .. }
            | SegmentAccess { other, .. }
            | SegmentTooLarge { other, .. }
            | SharedMismatch { other, .. }
            | RegimeTaken { other, .. }
            | AsidTaken { other, .. }
            | AsidOnKernel { other, .. }
            | AsidZeroShared { other, .. }
            | KernelLowerPage { other, .. }
            | NotAKernel { other, .. }
            | InGuardGap { other, .. }
            | KernelRangeOverlap { other, .. }
            | VmidTaken { other, .. }
            | IpaBeyondPa { other, .. }
            | NotInVm { other, .. } => *other,
            NoRoom { taken, .. } | IdentityImpossible { taken, .. } => {
                taken.first().map(|t| t.party)
            }
            GptNonSecureOk { .. } => Some(Party::Gpt),
            _ => None,
        }
    }

    /// Which part of the other party's declaration a note on it points at.
    pub fn other_part(&self) -> OtherPart {
        match self {
            Error::Overlap {
                space: Space::Physical,
                ..
            }
            | Error::SamePaInTwoTables { .. }
            | Error::VmIsolation { .. } => OtherPart::SameOr(Addr::Pa),
            Error::GuestIpaIncompatible { .. } => OtherPart::Same,
            Error::Overlap { .. } => OtherPart::SameOr(Addr::Va),
            Error::NoRoom { taken, .. } | Error::IdentityImpossible { taken, .. } => {
                OtherPart::Addr(taken.first().map_or(Addr::Va, |t| t.addr))
            }
            Error::InGuardGap { .. } => OtherPart::Guard,
            Error::GuardGapTaken { .. } => OtherPart::Addr(Addr::Va),
            _ => OtherPart::Same,
        }
    }

    /// The note on the other party's declaration, named `other`: `` `x` first mapped
    /// here``.
    pub fn note(&self, other: &str) -> String {
        match self {
            Error::Overlap {
                other: Party::TranslationTables,
                ..
            } => String::from("the translation tables are reserved here"),
            Error::Overlap {
                other: Party::Gpt, ..
            } => String::from("the granule protection table is reserved here"),
            Error::GptNonSecureOk { .. } => {
                String::from("the granule protection table is declared here")
            }
            Error::GptGranuleShared { with_gpi, .. } => {
                format!("`{other}` gives the granule to {} here", with_gpi.name())
            }
            Error::Overlap {
                other: Party::VirtualRange(_),
                ..
            } => String::from("the other range is declared here"),
            Error::Overlap {
                other: Party::Segment(_),
                ..
            } => format!("`{other}` is placed here"),
            Error::Overlap { .. } | Error::MismatchedAlias { .. } => {
                format!("`{other}` first mapped here")
            }
            Error::Duplicate { .. } => format!("`{other}` first declared here"),
            Error::AsidTaken { asid, .. } => format!("`{other}` has ASID {asid} here"),
            Error::AsidOnKernel { .. } => format!("`{other}` runs under it here"),
            Error::AsidZeroShared { .. } => {
                format!("`{other}` has no `asid`, so it runs with ASID 0")
            }
            Error::KernelRangeOverlap { kernel_range, .. } => {
                format!("`{other}` has the lower range {kernel_range} here")
            }
            Error::SamePaInTwoTables { with_table, .. } | Error::VmIsolation { with_table, .. } => {
                format!("`{other}` of table `{with_table}` maps it here")
            }
            Error::VmidTaken { vmid, .. } => format!("`{other}` has VMID {vmid} here"),
            Error::GuestIpaIncompatible { vm, .. } => {
                format!("stage 2 page `{other}` of VM `{vm}` is declared here")
            }
            Error::IpaBeyondPa {
                pa_bits,
                other: Some(Party::PaBits),
                ..
            } => format!("`pa_bits = {pa_bits}` sets the PA size here"),
            Error::IdentityImpossible { taken, .. } | Error::NoRoom { taken, .. }
                if !taken.is_empty() =>
            {
                format!(
                    "`{other}` takes {} {} here",
                    taken[0].addr,
                    Hex::from(taken[0].at)
                )
            }
            Error::VaBitsTooSmall { needed, .. } => format!("this range needs {needed} bits"),
            Error::InGuardGap { guard, .. } => format!(
                "`{other}` keeps {} of unmapped VA below and above it",
                crate::model::Bytes(*guard)
            ),
            Error::GuardGapTaken { .. } => format!("`{other}` is mapped here"),
            Error::BeyondLimit {
                bits,
                other: Some(Party::PaBits),
                ..
            } => format!("`pa_bits = {bits}` sets the limit; raise it to cover the range"),
            _ => format!("`{other}` declared here"),
        }
    }
}
