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
    }
}
