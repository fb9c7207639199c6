//! The raw translation-table image of one table.

use alloc::vec::Vec;

use super::TableView;

/// The translation tables of `table` as bytes: 4 KiB per table, root first,
/// little-endian descriptors, to be loaded at the table's `TABLES_PA`. Byte-identical to
/// the `TRANSLATION` image `memory_layout!` emits for the same layout.
pub fn bin(table: &TableView<'_>) -> Vec<u8> {
    table.translation.to_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::Input;
    use crate::export::testing::plan_two_tables;

    #[test]
    fn image_is_the_translation_and_walks_to_the_pages() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        for t in input.tables() {
            let bytes = bin(t);
            assert_eq!(bytes.len(), t.translation.table_count() * 4096);
            // The root entries as little-endian descriptors.
            let first = u64::from_le_bytes(bytes[..8].try_into().unwrap());
            assert_eq!(first, t.translation.descriptors()[0]);
            for p in &t.pages {
                for pg in &p.pages {
                    assert_eq!(t.translation.walk(pg.va()).map(|w| w.pa), Ok(pg.pa()));
                }
            }
        }
    }
}
