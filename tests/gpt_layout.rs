memlayout::memory_layout!(include "layouts/rme.memlayout");
#[test]
fn t() {
    println!(
        "{:#x} {:#x} {:#x} {}",
        rme::gpt::TABLES_PA,
        rme::gpt::GPTBR,
        rme::gpt::GPCCR,
        rme::gpt::TRANSLATION.0.len()
    );
}
