//! `Serialize` and `Deserialize` (feature `serde`) for the planned layout's types: the
//! forms are listed in the [module documentation](super#serialization-feature-serde).
//!
//! Addresses, sizes and register values go through [`addr`] (or [`Hex`] for values that
//! may reach 2^64): a `"0x.."` string in human-readable formats, where readers such as
//! JavaScript and `jq` would round integers above 2^53 to doubles, and an integer in
//! binary formats.

use core::fmt::{self, Write};

#[cfg(feature = "alloc")]
use serde::de::MapAccess;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};

#[cfg(feature = "alloc")]
use super::{Attr, MemAttrs, PageSize};
use super::{
    AttrList, AttrValue, Cacheability, Cores, DeviceType, ExecutionContext, Hex, Name, Page,
    PageKind, Perms, PhysicalAddressSpace, Segment, SegmentKind, Shareability, TableInfo,
};

/// What a [`MemAttrs`](super::MemAttrs) reads: `pas`, or the `non_secure` bool that
/// documents of earlier versions wrote instead.
#[derive(Deserialize)]
#[serde(rename = "MemAttrs")]
pub(crate) struct MemAttrsIn {
    kind: PageKind,
    perms: Perms,
    cache: Cacheability,
    share: Shareability,
    #[serde(default)]
    pas: Option<PhysicalAddressSpace>,
    #[serde(default)]
    non_secure: bool,
    #[serde(default)]
    device: DeviceType,
}

impl From<MemAttrsIn> for super::MemAttrs {
    fn from(a: MemAttrsIn) -> super::MemAttrs {
        let attrs = super::MemAttrs::new(a.kind)
            .with_perms(a.perms)
            .with_cache(a.cache)
            .with_share(a.share)
            .with_device(a.device)
            .with_non_secure(a.non_secure);
        match a.pas {
            Some(pas) => attrs.with_pas(pas),
            None => attrs,
        }
    }
}

/// 2^53: every integer up to it in magnitude is exact in a double (IEEE 754 binary64),
/// the number type of JSON readers such as JavaScript and `jq`.
pub(crate) const EXACT_IN_DOUBLE: u128 = 1 << 53;

/// The machine spelling of a hex number, built on the stack (no allocator): `0x`, then
/// lower-case digits, as few as the value needs, no `_`; `-` in front of a negative one.
struct HexText {
    buf: [u8; 35],
    len: usize,
}

impl HexText {
    fn new(negative: bool, value: u128) -> HexText {
        let mut text = HexText {
            buf: [0; 35],
            len: 0,
        };
        let sign = if negative { "-" } else { "" };
        // At most 1 + 2 + 32 bytes: it always fits.
        let _ = write!(text, "{sign}{value:#x}");
        text
    }

    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

impl Write for HexText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The value of `0x` (or `0X`) and hex digits, `_` allowed between them (so what [`Hex`]
/// prints for people reads back too); `None` for anything else or past `u128`.
fn parse_hex(text: &str) -> Option<u128> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if digits.is_empty() || digits.starts_with('_') {
        return None;
    }
    digits
        .chars()
        .filter(|&c| c != '_')
        .try_fold(0u128, |v, c| {
            v.checked_mul(16)?.checked_add(u128::from(c.to_digit(16)?))
        })
}

/// Reads an unsigned integer, or a hex string in a human-readable format.
struct HexVisitor;

impl Visitor<'_> for HexVisitor {
    type Value = u128;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a hex string such as \"0x80200000\" or an unsigned integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u128, E> {
        Ok(u128::from(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<u128, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u128, E> {
        u128::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<u128, E> {
        u128::try_from(v)
            .map_err(|_| E::custom("expected an unsigned integer, found a negative one"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u128, E> {
        parse_hex(v).ok_or_else(|| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

/// `#[serde(with = "addr")]` for a `u64` address, size, alignment or register value:
/// `"0x80200000"` in a human-readable format, the integer in a binary one. Reading takes
/// either form (and `_` between the digits).
pub(crate) mod addr {
    use super::*;

    /// Writes `value` as [`addr`](self) says.
    pub(crate) fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(HexText::new(false, u128::from(*value)).as_str())
        } else {
            s.serialize_u64(*value)
        }
    }

    /// Reads a value [`serialize`] wrote.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let value = if d.is_human_readable() {
            d.deserialize_any(HexVisitor)?
        } else {
            d.deserialize_u64(HexVisitor)?
        };
        u64::try_from(value)
            .map_err(|_| de::Error::custom(format_args!("{} does not fit in 64 bits", Hex(value))))
    }
}

impl Serialize for Hex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(HexText::new(false, self.0).as_str())
        } else {
            s.serialize_u128(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Hex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hex, D::Error> {
        if d.is_human_readable() {
            d.deserialize_any(HexVisitor).map(Hex)
        } else {
            d.deserialize_u128(HexVisitor).map(Hex)
        }
    }
}

impl Serialize for Name {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "alloc")]
impl<'de> Deserialize<'de> for Name {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
        alloc::string::String::deserialize(d).map(Name::from)
    }
}

impl Serialize for Perms {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Perms {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Perms, D::Error> {
        struct PermsVisitor;
        impl Visitor<'_> for PermsVisitor {
            type Value = Perms;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("permissions: \"r\", \"rw\", \"rx\", \"rwx\" or \"x\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Perms, E> {
                Perms::from_name(v).ok_or_else(|| E::unknown_variant(v, &Perms::NAMES))
            }
        }
        d.deserialize_str(PermsVisitor)
    }
}

impl Serialize for Cores {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.len() as usize))?;
        for core in self.iter() {
            seq.serialize_element(&core)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Cores {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Cores, D::Error> {
        struct CoresVisitor;
        impl<'de> Visitor<'de> for CoresVisitor {
            type Value = Cores;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-empty list of core numbers at most 63 apart")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Cores, A::Error> {
                let too_far =
                    || de::Error::custom("the cores of one table lie at most 63 apart (64 cores)");
                // The lowest core so far and the mask relative to it.
                let mut cores: Option<(u32, u64)> = None;
                while let Some(core) = seq.next_element::<u32>()? {
                    cores = Some(match cores {
                        None => (core, 1),
                        Some((first, mask)) if core >= first => {
                            let d = core - first;
                            if d >= 64 {
                                return Err(too_far());
                            }
                            (first, mask | 1 << d)
                        }
                        Some((first, mask)) => {
                            let d = first - core;
                            if d > mask.leading_zeros() {
                                return Err(too_far());
                            }
                            (core, mask << d | 1)
                        }
                    });
                }
                match cores {
                    Some((first, mask)) => Ok(Cores::from_mask(first, mask)),
                    None => Err(de::Error::invalid_length(0, &self)),
                }
            }
        }
        d.deserialize_seq(CoresVisitor)
    }
}

impl Serialize for AttrValue {
    /// In a human-readable format: a number, a string or a boolean; an integer beyond
    /// ±2^53 (which a reader using doubles would round) as a hex string. In a binary
    /// format: the enum, tagged.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !s.is_human_readable() {
            return match self {
                AttrValue::Int(v) => s.serialize_newtype_variant("AttrValue", 0, "Int", v),
                AttrValue::Str(v) => s.serialize_newtype_variant("AttrValue", 1, "Str", v),
                AttrValue::Bool(v) => s.serialize_newtype_variant("AttrValue", 2, "Bool", v),
            };
        }
        match self {
            AttrValue::Int(v) if v.unsigned_abs() > EXACT_IN_DOUBLE => {
                s.serialize_str(HexText::new(*v < 0, v.unsigned_abs()).as_str())
            }
            AttrValue::Int(v) => match i64::try_from(*v) {
                Ok(v) => s.serialize_i64(v),
                Err(_) => s.serialize_i128(*v),
            },
            AttrValue::Str(v) => s.serialize_str(v),
            AttrValue::Bool(v) => s.serialize_bool(*v),
        }
    }
}

#[cfg(feature = "alloc")]
impl<'de> Deserialize<'de> for AttrValue {
    /// Reads what [`Serialize`] writes. In a human-readable format a string reads as a
    /// string, so an integer that was written as a hex string comes back as one.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AttrValue, D::Error> {
        if !d.is_human_readable() {
            #[derive(Deserialize)]
            #[serde(rename = "AttrValue")]
            enum Tagged {
                Int(i128),
                Str(alloc::string::String),
                Bool(bool),
            }
            return Ok(match Tagged::deserialize(d)? {
                Tagged::Int(v) => AttrValue::Int(v),
                Tagged::Str(v) => AttrValue::Str(Name::from(v)),
                Tagged::Bool(v) => AttrValue::Bool(v),
            });
        }
        struct ValueVisitor;
        impl Visitor<'_> for ValueVisitor {
            type Value = AttrValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer, a string or a boolean")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AttrValue, E> {
                Ok(AttrValue::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AttrValue, E> {
                Ok(AttrValue::Int(i128::from(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AttrValue, E> {
                Ok(AttrValue::Int(i128::from(v)))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<AttrValue, E> {
                Ok(AttrValue::Int(v))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<AttrValue, E> {
                i128::try_from(v)
                    .map(AttrValue::Int)
                    .map_err(|_| E::custom("an attribute integer fits in 128 bits, signed"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<AttrValue, E> {
                Ok(AttrValue::Str(Name::from(alloc::string::String::from(v))))
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}

impl Serialize for AttrList {
    /// A map from each key to its value, in order.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.len()))?;
        for a in self.iter() {
            map.serialize_entry(&a.key, &a.value)?;
        }
        map.end()
    }
}

#[cfg(feature = "alloc")]
impl<'de> Deserialize<'de> for AttrList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AttrList, D::Error> {
        struct ListVisitor;
        impl<'de> Visitor<'de> for ListVisitor {
            type Value = AttrList;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of attribute keys to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttrList, A::Error> {
                let mut list = alloc::vec::Vec::new();
                while let Some((key, value)) = map.next_entry::<Name, AttrValue>()? {
                    list.push(Attr { key, value });
                }
                Ok(AttrList::from(list))
            }
        }
        d.deserialize_map(ListVisitor)
    }
}

/// What a [`TableInfo`] writes.
#[derive(Serialize)]
#[serde(rename = "TableInfo")]
struct TableInfoOut<'a> {
    name: &'a str,
    core: u32,
    cores: Cores,
    el: ExecutionContext,
}

impl Serialize for TableInfo {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        TableInfoOut {
            name: self.name(),
            core: self.core(),
            cores: self.cores(),
            el: self.el(),
        }
        .serialize(s)
    }
}

/// What a [`TableInfo`] reads (`core` is the first of `cores`, so it is not read).
#[cfg(feature = "alloc")]
#[derive(Deserialize)]
#[serde(rename = "TableInfo")]
struct TableInfoIn {
    name: Name,
    cores: Cores,
    el: ExecutionContext,
}

#[cfg(feature = "alloc")]
impl<'de> Deserialize<'de> for TableInfo {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TableInfo, D::Error> {
        let t = TableInfoIn::deserialize(d)?;
        Ok(TableInfo::with_name_cores(t.name, t.cores, t.el))
    }
}

/// What a [`Page`] writes.
#[derive(Serialize)]
#[serde(rename = "Page")]
struct PageOut<'a> {
    name: &'a str,
    index: u32,
    core: u32,
    el: ExecutionContext,
    #[serde(serialize_with = "addr::serialize")]
    va: u64,
    #[serde(serialize_with = "addr::serialize")]
    pa: u64,
    #[serde(serialize_with = "addr::serialize")]
    size: u64,
    kind: PageKind,
    perms: Perms,
    cacheability: Option<Cacheability>,
    shareability: Option<Shareability>,
    device_type: Option<DeviceType>,
    non_secure: bool,
    pas: PhysicalAddressSpace,
    shared: bool,
    identity: bool,
    va_equals_pa: bool,
    attrs: &'a AttrList,
    /// Written only for a guarded page.
    #[serde(serialize_with = "addr::serialize", skip_serializing_if = "is_zero")]
    guard: u64,
}

/// Whether a value is 0 (a field written only when set).
fn is_zero(v: &u64) -> bool {
    *v == 0
}

impl Serialize for Page {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        PageOut {
            name: self.name(),
            index: self.index,
            core: self.core,
            el: self.el,
            va: self.va,
            pa: self.pa,
            size: self.size.bytes(),
            kind: self.kind(),
            perms: self.perms(),
            cacheability: self.cacheability(),
            shareability: self.shareability(),
            device_type: self.device_type(),
            non_secure: self.attrs.is_non_secure(),
            pas: self.attrs.pas,
            shared: self.shared,
            identity: self.is_identity(),
            va_equals_pa: self.va_equals_pa(),
            attrs: &self.custom,
            guard: self.guard,
        }
        .serialize(s)
    }
}

/// What a [`Page`] reads: `va_equals_pa` follows from `va` and `pa`, and fields other
/// documents add (the `memlayout` command's `alias_of`) are skipped.
#[cfg(feature = "alloc")]
#[derive(Deserialize)]
#[serde(rename = "Page")]
struct PageIn {
    name: Name,
    #[serde(default)]
    index: u32,
    core: u32,
    el: ExecutionContext,
    #[serde(deserialize_with = "addr::deserialize")]
    va: u64,
    #[serde(deserialize_with = "addr::deserialize")]
    pa: u64,
    #[serde(deserialize_with = "addr::deserialize")]
    size: u64,
    kind: PageKind,
    #[serde(default)]
    perms: Option<Perms>,
    #[serde(default)]
    cacheability: Option<Cacheability>,
    #[serde(default)]
    shareability: Option<Shareability>,
    #[serde(default)]
    device_type: Option<DeviceType>,
    #[serde(default)]
    non_secure: bool,
    #[serde(default)]
    pas: Option<PhysicalAddressSpace>,
    #[serde(default)]
    shared: bool,
    #[serde(default)]
    identity: bool,
    #[serde(default)]
    attrs: AttrList,
    #[serde(default, deserialize_with = "addr::deserialize")]
    guard: u64,
}

/// Every page size in bytes, as prose: `0x1000, 0x10000, .. or 0x400000000`.
#[cfg(feature = "alloc")]
struct SizeBytes;

#[cfg(feature = "alloc")]
impl fmt::Display for SizeBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = PageSize::ALL.len() - 1;
        for (i, size) in PageSize::ALL.iter().enumerate() {
            let sep = match i {
                0 => "",
                _ if i == last => " or ",
                _ => ", ",
            };
            write!(f, "{sep}{}", Hex::from(size.bytes()))?;
        }
        Ok(())
    }
}

#[cfg(feature = "alloc")]
impl<'de> Deserialize<'de> for Page {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Page, D::Error> {
        let p = PageIn::deserialize(d)?;
        let size = PageSize::from_bytes(p.size).ok_or_else(|| {
            de::Error::custom(format_args!(
                "page `{}` has size {}, not a page size ({})",
                p.name,
                Hex::from(p.size),
                SizeBytes
            ))
        })?;
        if p.identity && p.va != p.pa {
            return Err(de::Error::custom(format_args!(
                "page `{}` is an identity page but its va {} is not its pa {}",
                p.name,
                Hex::from(p.va),
                Hex::from(p.pa)
            )));
        }
        let mut attrs = MemAttrs::new(p.kind).with_non_secure(p.non_secure);
        if let Some(pas) = p.pas {
            attrs.pas = pas;
        }
        if let Some(perms) = p.perms {
            attrs.perms = perms;
        }
        if let Some(cache) = p.cacheability {
            attrs.cache = cache;
        }
        if let Some(share) = p.shareability {
            attrs.share = share;
        }
        if let Some(device) = p.device_type {
            attrs.device = device;
        }
        Ok(Page {
            name: p.name,
            index: p.index,
            core: p.core,
            el: p.el,
            va: p.va,
            pa: p.pa,
            size,
            attrs,
            shared: p.shared,
            identity: p.identity,
            custom: p.attrs,
            guard: p.guard,
        })
    }
}

/// What a [`Segment`] writes.
#[derive(Serialize)]
#[serde(rename = "Segment")]
struct SegmentOut<'a> {
    name: &'a str,
    kind: SegmentKind,
    core: u32,
    el: ExecutionContext,
    #[serde(serialize_with = "addr::serialize")]
    va: u64,
    #[serde(serialize_with = "addr::serialize")]
    pa: u64,
    #[serde(serialize_with = "addr::serialize")]
    size: u64,
    #[serde(serialize_with = "addr::serialize")]
    align: u64,
    shared: bool,
    identity: bool,
    va_equals_pa: bool,
}

impl Serialize for Segment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SegmentOut {
            name: self.name(),
            kind: self.kind,
            core: self.core,
            el: self.el,
            va: self.va,
            pa: self.pa,
            size: self.size,
            align: self.align,
            shared: self.shared,
            identity: self.is_identity(),
            va_equals_pa: self.va_equals_pa(),
        }
        .serialize(s)
    }
}

/// What a [`Segment`] reads (`va_equals_pa` follows from `va` and `pa`).
#[cfg(feature = "alloc")]
#[derive(Deserialize)]
#[serde(rename = "Segment")]
struct SegmentIn {
    name: Name,
    kind: SegmentKind,
    core: u32,
    el: ExecutionContext,
    #[serde(deserialize_with = "addr::deserialize")]
    va: u64,
    #[serde(deserialize_with = "addr::deserialize")]
    pa: u64,
    #[serde(deserialize_with = "addr::deserialize")]
    size: u64,
    #[serde(default, deserialize_with = "addr::deserialize")]
    align: u64,
    #[serde(default)]
    shared: bool,
    #[serde(default)]
    identity: bool,
}

#[cfg(feature = "alloc")]
impl<'de> Deserialize<'de> for Segment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Segment, D::Error> {
        let s = SegmentIn::deserialize(d)?;
        if s.identity && s.va != s.pa {
            return Err(de::Error::custom(format_args!(
                "segment `{}` is an identity segment but its va {} is not its pa {}",
                s.name,
                Hex::from(s.va),
                Hex::from(s.pa)
            )));
        }
        Ok(Segment {
            name: s.name,
            kind: s.kind,
            core: s.core,
            el: s.el,
            va: s.va,
            pa: s.pa,
            size: s.size,
            align: if s.align == 0 {
                s.kind.default_align()
            } else {
                s.align
            },
            shared: s.shared,
            identity: s.identity,
        })
    }
}

/// A pool of the planned layout: `name`, `start`, `end` (exclusive, so `"0x10000000000000000"`
/// for a pool that reaches the top of the 64-bit space), `device`, `non_secure`,
/// `secure: true` only for a pool in both physical address spaces (declared `secure,
/// non_secure`), and `space`: `"secure"`, `"non_secure"`, `"secure, non_secure"`,
/// `"realm"` or `"root"` ([`Pool::space_label`](crate::layout::Pool::space_label), and
/// `"secure"` for a pool declared in no space, which is Secure memory).
#[cfg(feature = "alloc")]
impl Serialize for crate::layout::Pool {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename = "Pool")]
        struct PoolOut<'a> {
            name: &'a str,
            #[serde(serialize_with = "addr::serialize")]
            start: u64,
            end: Hex,
            device: bool,
            non_secure: bool,
            #[serde(skip_serializing_if = "core::ops::Not::not")]
            secure: bool,
            space: &'static str,
        }
        let range = self.range();
        PoolOut {
            name: self.name(),
            start: range.start(),
            end: Hex(u128::from(range.last()) + 1),
            device: self.is_device(),
            non_secure: self.is_non_secure(),
            secure: self.is_dual_view(),
            space: self.space_label().unwrap_or("secure"),
        }
        .serialize(s)
    }
}

/// A built table without its image: `regime`, `granule` (`"4K"`, `"16K"` or `"64K"`),
/// `tables_pa`, `table_count`, `va_bits` (`None` without a lower range; the IPA size
/// of a stage 2 table), `upper_va_bits`, `registers` (`mair`, `tcr`, `ttbr0`, `ttbr1`,
/// `sctlr_set`; for a virtual machine's stage 2 table `vtcr`, `vttbr`, `hcr_set` and
/// `vmid` instead).
#[cfg(feature = "alloc")]
impl Serialize for crate::aarch64::Translation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename = "Translation")]
        struct TranslationOut {
            regime: crate::aarch64::Regime,
            granule: crate::aarch64::Granule,
            #[serde(serialize_with = "addr::serialize")]
            tables_pa: u64,
            table_count: usize,
            va_bits: Option<u8>,
            upper_va_bits: Option<u8>,
            registers: RegistersOut,
        }
        /// A stage 1 table's `mair`, `tcr`, ...; a stage 2 table's `vtcr`, `vttbr`,
        /// `hcr_set` and `vmid` (a number).
        #[derive(Serialize)]
        #[serde(untagged)]
        enum RegistersOut {
            Stage1(crate::aarch64::Registers),
            Stage2 {
                #[serde(flatten)]
                registers: crate::aarch64::Stage2Registers,
                vmid: u16,
            },
        }
        let registers = match (self.stage2_registers(), self.vmid()) {
            (Some(registers), Some(vmid)) => RegistersOut::Stage2 { registers, vmid },
            _ => RegistersOut::Stage1(self.registers()),
        };
        TranslationOut {
            regime: self.regime(),
            granule: self.granule(),
            tables_pa: self.base_pa(),
            table_count: self.table_count(),
            va_bits: self.has_lower().then_some(self.va_bits()),
            upper_va_bits: self.upper_va_bits(),
            registers,
        }
        .serialize(s)
    }
}

#[cfg(all(test, feature = "alloc"))]
mod tests {
    use alloc::string::{String, ToString};
    use alloc::vec;
    use alloc::vec::Vec;

    use serde_json::{Value, json};
    use serde_test::{Configure, Token, assert_de_tokens_error, assert_tokens};

    use super::*;
    use crate::aarch64::Registers;
    use crate::model::{Attr, MemAttrs, PageSize};

    fn info() -> TableInfo {
        TableInfo::with_name_cores("el1", Cores::range(0, 3).unwrap(), ExecutionContext::EL1_NS)
    }

    fn kernel() -> Page {
        Page::new(
            "kernel",
            1,
            &info(),
            0xFFFF_FF80_0020_0000,
            0x8020_0000,
            PageSize::Size2M,
            MemAttrs::new(PageKind::Code).with_share(Shareability::Outer),
            false,
            vec![
                Attr::new("owner", AttrValue::Str(Name::new("fw"))),
                Attr::new("slot", AttrValue::Int(-3)),
                Attr::new("base", AttrValue::Int(0xFFFF_0000_0000_0000)),
                Attr::new("boot", AttrValue::Bool(true)),
            ],
        )
    }

    #[test]
    fn hex_text_is_the_machine_spelling() {
        let text = |v: u128| HexText::new(false, v).as_str().to_string();
        assert_eq!(text(0), "0x0");
        assert_eq!(text(0x8020_0000), "0x80200000");
        assert_eq!(text(0xFFFF_FF80_0020_0000), "0xffffff8000200000");
        assert_eq!(text(1 << 64), "0x10000000000000000");
        assert_eq!(text(u128::MAX), "0xffffffffffffffffffffffffffffffff");
        assert_eq!(HexText::new(true, 1 << 60).as_str(), "-0x1000000000000000");
    }

    #[test]
    fn hex_strings_read_back_in_any_spelling_and_nothing_else_does() {
        assert_eq!(parse_hex("0x80200000"), Some(0x8020_0000));
        assert_eq!(parse_hex("0X8020_0000"), Some(0x8020_0000));
        assert_eq!(
            parse_hex("0xFFFF_8000_0000_0000"),
            Some(0xFFFF_8000_0000_0000)
        );
        assert_eq!(parse_hex("0x1_0000_0000_0000_0000"), Some(1 << 64));
        for bad in [
            "", "0x", "0x_1", "80200000", "0x12g", "-0x1", " 0x1", "0x1 ",
        ] {
            assert_eq!(parse_hex(bad), None, "{bad:?}");
        }
        // One digit past u128.
        assert_eq!(parse_hex(&alloc::format!("0x1{}", "0".repeat(32))), None);
        let read = |v: Value| serde_json::from_value::<Hex>(v).map(|h| h.0);
        assert_eq!(read(json!("0x10")).unwrap(), 16);
        assert_eq!(read(json!(16)).unwrap(), 16);
        let err = read(json!("16")).unwrap_err().to_string();
        assert!(err.contains("a hex string such as \"0x80200000\""), "{err}");
        assert!(read(json!(-1)).is_err());
        assert!(read(json!(1.5)).is_err());
    }

    #[test]
    fn addresses_are_strings_for_people_and_integers_for_machines() {
        let regs = Registers {
            mair: 0x44_BB_FF_04_00,
            tcr: 0x8081_3510,
            ttbr0: 0,
            ttbr1: 0xFFFF_FFFF_F000,
            sctlr_set: 0x1005,
        };
        assert_eq!(
            serde_json::to_value(regs).unwrap(),
            json!({
                "mair": "0x44bbff0400", "tcr": "0x80813510", "ttbr0": "0x0",
                "ttbr1": "0xfffffffff000", "sctlr_set": "0x1005",
            })
        );
        assert_eq!(
            serde_json::from_value::<Registers>(serde_json::to_value(regs).unwrap()).unwrap(),
            regs
        );
        let field = |name: &'static str, v: u64| [Token::Str(name), Token::U64(v)];
        let mut tokens = vec![Token::Struct {
            name: "Registers",
            len: 5,
        }];
        tokens.extend(field("mair", regs.mair));
        tokens.extend(field("tcr", regs.tcr));
        tokens.extend(field("ttbr0", regs.ttbr0));
        tokens.extend(field("ttbr1", regs.ttbr1));
        tokens.extend(field("sctlr_set", regs.sctlr_set));
        tokens.push(Token::StructEnd);
        assert_tokens(&regs.compact(), &tokens);
        // A human-readable reader takes integers too, and refuses what passes 64 bits.
        let mut readable = tokens.clone();
        readable[2] = Token::Str("0x44BB_FF04_00");
        serde_test::assert_de_tokens(&regs.readable(), &readable);
        let last = readable.len() - 2;
        readable[last] = Token::Str("0x10000000000000000");
        assert_de_tokens_error::<serde_test::Readable<Registers>>(
            &readable,
            "0x1_0000_0000_0000_0000 does not fit in 64 bits",
        );
    }

    #[test]
    fn a_page_is_written_as_the_json_export_writes_it_and_reads_back() {
        let page = kernel();
        let v = serde_json::to_value(&page).unwrap();
        assert_eq!(
            v,
            json!({
                "name": "kernel", "index": 1, "core": 0, "el": "EL1_NS",
                "va": "0xffffff8000200000", "pa": "0x80200000", "size": "0x200000",
                "kind": "code", "perms": "rx", "cacheability": "write_back",
                "shareability": "outer", "device_type": null, "non_secure": false, "pas": "secure", "shared": false,
                "identity": false, "va_equals_pa": false,
                "attrs": { "owner": "fw", "slot": -3, "base": "0xffff000000000000", "boot": true },
            })
        );
        // The integer beyond 2^53 comes back as the string it was written as; the rest
        // is the same page, attributes in order.
        let text = serde_json::to_string(&page).unwrap();
        let back: Page = serde_json::from_str(&text).unwrap();
        assert_eq!(
            back.attr("base"),
            Some(&AttrValue::Str(Name::from(String::from(
                "0xffff000000000000"
            ))))
        );
        let mut expected: Vec<Attr> = page.attrs().to_vec();
        expected[2].value = AttrValue::Str(Name::from(String::from("0xffff000000000000")));
        assert_eq!(back.attrs(), &expected[..]);
        assert_eq!(
            (back.va(), back.pa(), back.page_size()),
            (page.va(), page.pa(), page.page_size())
        );
        assert_eq!(
            (back.mem_attrs(), back.core(), back.el()),
            (page.mem_attrs(), 0, ExecutionContext::EL1_NS)
        );
        // Without the big integer, the round trip is exact.
        let small = Page::new(
            "small",
            0,
            &info(),
            0x4000_0000,
            0x4000_0000,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Data),
            true,
            vec![Attr::new("n", AttrValue::Int(1 << 53))],
        )
        .with_identity(true);
        let json = serde_json::to_string(&small).unwrap();
        assert!(
            json.contains(r#""identity":true,"va_equals_pa":true"#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<Page>(&json).unwrap(), small);
    }

    #[test]
    fn a_device_page_has_no_cacheability_and_reads_back() {
        let uart = Page::new(
            "uart",
            0,
            &info(),
            0x900_0000,
            0x900_0000,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Device).with_non_secure(true),
            false,
            Vec::new(),
        );
        let v = serde_json::to_value(&uart).unwrap();
        assert_eq!(
            (&v["cacheability"], &v["shareability"]),
            (&Value::Null, &Value::Null)
        );
        assert_eq!(v["device_type"], json!("nGnRE"));
        assert_eq!(v["non_secure"], json!(true));
        // At VA == PA without asking for it.
        assert_eq!(
            (&v["identity"], &v["va_equals_pa"]),
            (&json!(false), &json!(true))
        );
        assert_eq!(serde_json::from_value::<Page>(v).unwrap(), uart);
    }

    #[test]
    fn bad_pages_are_errors() {
        let mut v = serde_json::to_value(kernel()).unwrap();
        v["size"] = json!("0x3000");
        let err = serde_json::from_value::<Page>(v.clone())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("page `kernel` has size 0x3000, not a page size"),
            "{err}"
        );
        v["size"] = json!("0x1000");
        v["identity"] = json!(true);
        let err = serde_json::from_value::<Page>(v.clone())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "is an identity page but its va 0xFFFF_FF80_0020_0000 is not its pa 0x8020_0000"
            ),
            "{err}"
        );
        v["identity"] = json!(false);
        v["perms"] = json!("wx");
        let err = serde_json::from_value::<Page>(v.clone())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("unknown variant `wx`, expected one of `r`, `rw`, `rx`, `rwx`"),
            "{err}"
        );
        v["perms"] = json!("rw");
        v["kind"] = json!("heap");
        let err = serde_json::from_value::<Page>(v).unwrap_err().to_string();
        assert!(err.contains("unknown variant `heap`"), "{err}");
    }

    #[test]
    fn segments_and_tables_round_trip() {
        let s = Segment::new(
            "stack",
            SegmentKind::Stack,
            &info(),
            0xFFFF_FF80_0000_1000,
            0x8000_1000,
            0x800,
            16,
            true,
        );
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(
            v,
            json!({
                "name": "stack", "kind": "stack", "core": 0, "el": "EL1_NS",
                "va": "0xffffff8000001000", "pa": "0x80001000", "size": "0x800", "align": "0x10",
                "shared": true, "identity": false, "va_equals_pa": false,
            })
        );
        assert_eq!(serde_json::from_value::<Segment>(v).unwrap(), s);
        let t = info();
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(
            v,
            json!({ "name": "el1", "core": 0, "cores": [0, 1, 2, 3], "el": "EL1_NS" })
        );
        assert_eq!(serde_json::from_value::<TableInfo>(v).unwrap(), t);
    }

    #[test]
    fn cores_read_in_any_order_within_64() {
        let read = |v: Value| serde_json::from_value::<Cores>(v).map_err(|e| e.to_string());
        assert_eq!(read(json!([5, 2, 3])), Ok(Cores::from_mask(2, 0b1011)));
        assert_eq!(read(json!([63, 0])), Ok(Cores::from_mask(0, 1 | 1 << 63)));
        assert_eq!(
            read(json!([100, 37])),
            Ok(Cores::from_mask(37, 1 | 1 << 63))
        );
        assert_eq!(read(json!([7])), Ok(Cores::one(7)));
        for far in [
            json!([0, 64]),
            json!([64, 0]),
            json!([1, 2, 65]),
            json!([65, 2, 1]),
        ] {
            let err = read(far).unwrap_err();
            assert!(err.contains("lie at most 63 apart"), "{err}");
        }
        assert!(read(json!([])).unwrap_err().contains("invalid length 0"));
        for c in [
            Cores::one(3),
            Cores::range(0, 63).unwrap(),
            Cores::from_mask(u32::MAX - 3, 0b1101),
        ] {
            assert_eq!(read(serde_json::to_value(c).unwrap()), Ok(c));
        }
    }

    #[test]
    fn attribute_values_are_tagged_in_binary_formats_and_numbers_in_json() {
        // (serde_test has no token for the `i128` of `Int`.)
        assert_tokens(
            &AttrValue::Bool(true).compact(),
            &[
                Token::NewtypeVariant {
                    name: "AttrValue",
                    variant: "Bool",
                },
                Token::Bool(true),
            ],
        );
        assert_tokens(
            &AttrValue::Str(Name::new("fw")).compact(),
            &[
                Token::NewtypeVariant {
                    name: "AttrValue",
                    variant: "Str",
                },
                Token::Str("fw"),
            ],
        );
        // In a human-readable format, every integer a double holds is a number.
        let json = |v: i128| serde_json::to_value(AttrValue::Int(v)).unwrap();
        assert_eq!(json(1 << 53), json!(9007199254740992_u64));
        assert_eq!(json(-(1 << 53)), json!(-9007199254740992_i64));
        assert_eq!(json((1 << 53) + 1), json!("0x20000000000001"));
        assert_eq!(json(-(1 << 53) - 1), json!("-0x20000000000001"));
        assert_eq!(
            json(i128::MIN),
            json!("-0x80000000000000000000000000000000")
        );
    }

    #[test]
    fn enums_are_their_keywords() {
        assert_eq!(
            serde_json::to_value(SegmentKind::BspBootCode).unwrap(),
            json!("bsp_boot_code")
        );
        assert_eq!(
            serde_json::to_value(ExecutionContext::EL1_Realm).unwrap(),
            json!("EL1_Realm")
        );
        assert_eq!(serde_json::to_value(PageSize::Size1G).unwrap(), json!("1G"));
        for size in PageSize::ALL {
            let v = serde_json::to_value(size).unwrap();
            assert_eq!(v, json!(size.name()));
            assert_eq!(serde_json::from_value::<PageSize>(v).unwrap(), size);
        }
        assert_eq!(
            serde_json::to_value(PageSize::Size64K).unwrap(),
            json!("64K")
        );
        assert_eq!(
            serde_json::to_value(PageSize::Size32M).unwrap(),
            json!("32M")
        );
        assert_eq!(
            serde_json::to_value(PageSize::Size16G).unwrap(),
            json!("16G")
        );
        assert_eq!(
            serde_json::to_value(crate::aarch64::Regime::El10).unwrap(),
            json!("EL1&0")
        );
        assert_eq!(
            serde_json::to_value(crate::aarch64::Regime::Stage2).unwrap(),
            json!("EL1&0 stage 2")
        );
        assert_eq!(
            serde_json::to_value(super::super::SecurityState::NonSecure).unwrap(),
            json!("non_secure")
        );
        for c in Cacheability::ALL {
            let v = serde_json::to_value(c).unwrap();
            assert_eq!(v, json!(c.name()));
            assert_eq!(serde_json::from_value::<Cacheability>(v).unwrap(), c);
        }
        let m = MemAttrs::new(PageKind::Data).with_cache(Cacheability::NonCacheable);
        let v = serde_json::to_value(m).unwrap();
        assert_eq!(
            v,
            json!({ "kind": "data", "perms": "rw", "cache": "non_cacheable", "share": "inner", "pas": "secure", "device": "nGnRE" })
        );
        assert_eq!(serde_json::from_value::<MemAttrs>(v).unwrap(), m);
        let realm = m.with_pas(PhysicalAddressSpace::Realm);
        let v = serde_json::to_value(realm).unwrap();
        assert_eq!(v["pas"], json!("realm"));
        assert_eq!(serde_json::from_value::<MemAttrs>(v).unwrap(), realm);
        // Written before physical address spaces: `non_secure`, a bool.
        let ns = json!({ "kind": "data", "perms": "rw", "cache": "non_cacheable", "share": "inner", "non_secure": true, "device": "nGnRE" });
        assert_eq!(
            serde_json::from_value::<MemAttrs>(ns).unwrap(),
            m.with_non_secure(true)
        );
        for pas in PhysicalAddressSpace::ALL {
            assert_eq!(serde_json::to_value(pas).unwrap(), json!(pas.name()));
        }
        // Written before Device types: the default type.
        let old = json!({ "kind": "device", "perms": "rw", "cache": "write_back", "share": "inner", "non_secure": false });
        assert_eq!(
            serde_json::from_value::<MemAttrs>(old).unwrap(),
            MemAttrs::new(PageKind::Device)
        );
        let gre = MemAttrs::new(PageKind::Device).with_device(DeviceType::GRE);
        let v = serde_json::to_value(gre).unwrap();
        assert_eq!(v["device"], json!("GRE"));
        assert_eq!(serde_json::from_value::<MemAttrs>(v).unwrap(), gre);
        let x = serde_json::to_value(Perms::X).unwrap();
        assert_eq!(x, json!("x"));
        assert_eq!(serde_json::from_value::<Perms>(x).unwrap(), Perms::X);
    }

    #[test]
    fn pools_and_translations_of_a_plan() {
        let plan = crate::export::testing::plan_two_tables();
        let pools = serde_json::to_value(plan.layout().pools()).unwrap();
        assert_eq!(
            pools,
            json!([
                { "name": "ram", "start": "0x80000000", "end": "0xc0000000", "device": false, "non_secure": false, "space": "secure" },
                { "name": "mmio", "start": "0x9000000", "end": "0xa000000", "device": true, "non_secure": false, "space": "secure" },
            ])
        );
        let tr = plan.translation(0).unwrap();
        let text = serde_json::to_string(tr).unwrap();
        assert!(
            text.starts_with(r#"{"regime":"EL3","granule":"4K","tables_pa":"0x"#)
                && text.contains(r#","table_count":"#)
                && text.contains(r#","va_bits":"#)
                && text.contains(r#","upper_va_bits":null,"registers":{"mair":"0x"#),
            "{text}"
        );
        let v = serde_json::to_value(tr).unwrap();
        assert_eq!(v["regime"], json!("EL3"));
        assert_eq!(v["tables_pa"], json!(alloc::format!("{:#x}", tr.base_pa())));
        assert_eq!(
            v["registers"]["tcr"],
            json!(alloc::format!("{:#x}", tr.tcr()))
        );
        assert_eq!(v["table_count"], json!(tr.table_count()));
    }

    #[test]
    fn every_pool_writes_its_space() {
        use crate::layout::{Layout, Pool};
        let mut l = Layout::new();
        l.add_pool(Pool::ram("bl31", 0x0E00_0000, 1 << 20).root())
            .unwrap();
        l.add_pool(Pool::ram("rmm", 0x4800_0000, 1 << 20).realm())
            .unwrap();
        l.add_pool(Pool::ram("sram", 0x0400_0000, 1 << 20)).unwrap();
        l.add_pool(
            Pool::device("gic", 0x0800_0000, 1 << 20)
                .secure()
                .non_secure(),
        )
        .unwrap();
        let v = serde_json::to_value(l.pools()).unwrap();
        assert_eq!(v[0]["space"], json!("root"));
        assert_eq!(v[1]["space"], json!("realm"));
        // Declared in no space: Secure memory, written so.
        assert_eq!(v[2]["space"], json!("secure"));
        assert_eq!(v[3]["space"], json!("secure, non_secure"));
        assert_eq!(v[3]["secure"], json!(true));
    }
}
