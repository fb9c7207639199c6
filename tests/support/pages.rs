//! Shorthands for the pages the table tests build: attributes by kind, and the page
//! and block sizes of a granule.

use memlayout::aarch64::Granule;
use memlayout::{DeviceType, MemAttrs, PageKind, PageSize, Perms};

/// Code pages with `perms`.
pub fn code(perms: Perms) -> MemAttrs {
    MemAttrs::new(PageKind::Code).with_perms(perms)
}

/// Data pages with `perms`.
pub fn data(perms: Perms) -> MemAttrs {
    MemAttrs::new(PageKind::Data).with_perms(perms)
}

/// Read/write Device pages of type `device`.
pub fn device(device: DeviceType) -> MemAttrs {
    MemAttrs::new(PageKind::Device)
        .with_perms(Perms::RW)
        .with_device(device)
}

/// The page size of one `granule` page (4K, 16K or 64K).
pub fn granule_page(granule: Granule) -> PageSize {
    PageSize::from_bytes(granule.bytes()).expect("every granule is a page size")
}

/// The size of a level 2 block of `granule` (2M, 32M or 512M).
pub fn level2_block(granule: Granule) -> PageSize {
    PageSize::from_bytes(granule.level_size(2)).expect("every level 2 block is a page size")
}
