//! The translation table image as `static` data; needs only `core`.

/// The prefix of the link section of a table's image: `memory_layout!` puts each table's
/// `TRANSLATION` in `.memlayout.tables.<table>` (on ELF targets), and the ld export
/// places that section at the table's `TABLES_PA`.
pub const TABLES_SECTION_PREFIX: &str = ".memlayout.tables.";

/// A translation table image as `static` data: `N` bytes aligned to 4 KiB, so the
/// tables it holds are naturally aligned wherever the linker places it.
///
/// Exhaustive on purpose: it is the bytes and nothing else (`repr(C)`), and generated
/// code builds it with the tuple constructor in `static` items.
///
/// Generated code writes, for example,
/// `pub static TRANSLATION: ::memlayout::aarch64::TranslationImage<8192> =
/// ::memlayout::aarch64::TranslationImage([...]);`.
#[repr(C, align(4096))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TranslationImage<const N: usize>(pub [u8; N]);

/// A translation table image of 16 KiB tables as `static` data: [`TranslationImage`]
/// aligned to 16 KiB, the granule of its tables.
///
/// Exhaustive on purpose, as [`TranslationImage`].
#[repr(C, align(16384))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TranslationImage16K<const N: usize>(pub [u8; N]);

/// A translation table image of 64 KiB tables as `static` data: [`TranslationImage`]
/// aligned to 64 KiB, the granule of its tables.
///
/// Exhaustive on purpose, as [`TranslationImage`].
#[repr(C, align(65536))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TranslationImage64K<const N: usize>(pub [u8; N]);

impl<const N: usize> TranslationImage16K<N> {
    /// The image bytes.
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The image length in bytes, `N`.
    pub const fn len(&self) -> usize {
        N
    }

    /// Whether the image is empty (`N` is 0).
    pub const fn is_empty(&self) -> bool {
        N == 0
    }
}

impl<const N: usize> TranslationImage64K<N> {
    /// The image bytes.
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The image length in bytes, `N`.
    pub const fn len(&self) -> usize {
        N
    }

    /// Whether the image is empty (`N` is 0).
    pub const fn is_empty(&self) -> bool {
        N == 0
    }
}

impl<const N: usize> TranslationImage<N> {
    /// The image bytes.
    pub const fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The image length in bytes, `N`.
    pub const fn len(&self) -> usize {
        N
    }

    /// Whether the image is empty (`N` is 0).
    pub const fn is_empty(&self) -> bool {
        N == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_image_is_page_aligned() {
        static IMAGE: TranslationImage<8192> = TranslationImage([7; 8192]);
        assert_eq!(core::mem::align_of::<TranslationImage<8192>>(), 4096);
        assert_eq!(IMAGE.len(), 8192);
        assert!(!IMAGE.is_empty());
        assert_eq!(IMAGE.as_bytes()[8191], 7);
        assert_eq!(IMAGE.as_bytes().as_ptr() as usize % 4096, 0);
        const LEN: usize = TranslationImage([0u8; 16]).len();
        assert_eq!(LEN, 16);
        static IMAGE16: TranslationImage16K<16384> = TranslationImage16K([1; 16384]);
        assert_eq!(IMAGE16.as_bytes().as_ptr() as usize % 16384, 0);
        assert_eq!(IMAGE16.len(), 16384);
        static IMAGE64: TranslationImage64K<65536> = TranslationImage64K([2; 65536]);
        assert_eq!(IMAGE64.as_bytes().as_ptr() as usize % 65536, 0);
        assert!(!IMAGE64.is_empty());
    }
}
