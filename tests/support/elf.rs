//! The section headers of a little-endian ELF64 file (the object format of the host test
//! binaries and of bare-metal AArch64 images), read without external tools.

/// One section: its name, address (VMA), size and bytes (empty for `NOBITS`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    /// The name, for example `.memlayout.tables.el3`.
    pub name: String,
    /// The address it is loaded at (`sh_addr`).
    pub addr: u64,
    /// The size in bytes (`sh_size`).
    pub size: u64,
    /// The contents; empty for a `NOBITS` section.
    pub data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or_else(|| format!("ELF file truncated at byte {at}"))
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes(s.try_into().unwrap_or([0; 4])))
        .ok_or_else(|| format!("ELF file truncated at byte {at}"))
}

fn u64_at(b: &[u8], at: usize) -> Result<u64, String> {
    b.get(at..at + 8)
        .map(|s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
        .ok_or_else(|| format!("ELF file truncated at byte {at}"))
}

fn usize_of(v: u64) -> Result<usize, String> {
    usize::try_from(v).map_err(|_| format!("ELF offset {v:#x} does not fit in usize"))
}

/// Every section of an ELF64 little-endian file, in header order.
///
/// Errors: not ELF, not 64-bit little-endian, or truncated.
pub fn sections(file: &[u8]) -> Result<Vec<Section>, String> {
    if file.get(..4) != Some(b"\x7fELF".as_slice()) {
        return Err("not an ELF file (no \\x7fELF magic)".into());
    }
    if file.get(4) != Some(&2) || file.get(5) != Some(&1) {
        return Err("not a 64-bit little-endian ELF file".into());
    }
    let shoff = usize_of(u64_at(file, 0x28)?)?;
    let shentsize = usize::from(u16_at(file, 0x3A)?);
    let shnum = usize::from(u16_at(file, 0x3C)?);
    let shstrndx = usize::from(u16_at(file, 0x3E)?);
    let header = |i: usize| -> Result<(u32, u32, u64, u64, u64), String> {
        let h = shoff + i * shentsize;
        Ok((
            u32_at(file, h)?,        // sh_name
            u32_at(file, h + 4)?,    // sh_type
            u64_at(file, h + 0x10)?, // sh_addr
            u64_at(file, h + 0x18)?, // sh_offset
            u64_at(file, h + 0x20)?, // sh_size
        ))
    };
    let (_, _, _, str_off, str_size) = header(shstrndx)?;
    let strtab = file
        .get(usize_of(str_off)?..usize_of(str_off + str_size)?)
        .ok_or("ELF section name table lies outside the file")?;
    let mut out = Vec::with_capacity(shnum);
    for i in 0..shnum {
        let (name, kind, addr, offset, size) = header(i)?;
        let name_bytes = strtab.get(name as usize..).unwrap_or_default();
        let end = name_bytes.iter().position(|&b| b == 0).unwrap_or(0);
        const SHT_NOBITS: u32 = 8;
        let data = if kind == SHT_NOBITS || kind == 0 {
            Vec::new()
        } else {
            file.get(usize_of(offset)?..usize_of(offset + size)?)
                .ok_or_else(|| format!("ELF section {i} lies outside the file"))?
                .to_vec()
        };
        out.push(Section {
            name: String::from_utf8_lossy(&name_bytes[..end]).into_owned(),
            addr,
            size,
            data,
        });
    }
    Ok(out)
}
