//! `memory_layout!(include ..)` on a layout file gives the same layout as the file front
//! end (`memlayout::dsl::file`), which the `memlayout` command uses.

use memlayout::export::Input;
use memlayout::memory_layout;

memory_layout!(include "layouts/board.memlayout");

fn planned() -> memlayout::dsl::file::Planned {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/layouts/board.memlayout"
    ))
    .unwrap();
    match memlayout::dsl::file::plan_text(&text) {
        Ok(p) => p,
        Err(d) => panic!("{d:?}"),
    }
}

#[test]
fn the_macro_and_the_file_front_end_agree() {
    let file = planned();
    assert_eq!(file.module(), "soc");
    let input = Input::new(file.module(), file.plan());
    let tables = input.tables();
    assert_eq!(tables.len(), soc::TABLES.len());
    let macro_tables = [
        (
            soc::core0_el3::PAGES.as_slice(),
            soc::core0_el3::SEGMENTS.as_slice(),
            soc::core0_el3::TABLES_PA,
            soc::core0_el3::TCR,
            soc::core0_el3::TRANSLATION.as_bytes(),
        ),
        (
            soc::core0_el1::PAGES.as_slice(),
            soc::core0_el1::SEGMENTS.as_slice(),
            soc::core0_el1::TABLES_PA,
            soc::core0_el1::TCR,
            soc::core0_el1::TRANSLATION.as_bytes(),
        ),
    ];
    for (t, (pages, segments, tables_pa, tcr, image)) in tables.iter().zip(macro_tables) {
        let file_pages: Vec<_> = t
            .pages
            .iter()
            .flat_map(|p| p.pages.iter().copied())
            .collect();
        assert_eq!(file_pages.len(), pages.len());
        for (a, b) in file_pages.iter().zip(pages) {
            assert_eq!(
                (a.name(), a.va(), a.pa(), a.size()),
                (b.name(), b.va(), b.pa(), b.size())
            );
        }
        for (a, b) in t.segments.iter().zip(segments) {
            let a = a.segment;
            assert_eq!(
                (a.name(), a.va(), a.pa(), a.size()),
                (b.name(), b.va(), b.pa(), b.size())
            );
        }
        assert_eq!(t.translation.base_pa(), tables_pa);
        assert_eq!(t.translation.tcr(), tcr);
        assert_eq!(memlayout::export::bin::bin(t), image);
    }
}

#[test]
fn the_macro_carries_the_memory_map_of_the_file_front_end() {
    let file = planned();
    let input = Input::new(file.module(), file.plan());
    assert_eq!(soc::MAP, memlayout::export::map::map(&input));
    // Sorted by address within each table, every page listed.
    for t in input.tables() {
        for pp in &t.pages {
            let line = format!(" {}..", memlayout::model::Hex::from(pp.pages[0].va()));
            assert!(soc::MAP.contains(&line), "{line}");
        }
    }
}
