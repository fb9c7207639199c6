/* The translation-table images, placed at each table's TABLES_PA by memlayout.ld. */
    .section .memlayout.tables.core0_el3, "a"
    .incbin "core0_el3.bin"
    .section .memlayout.tables.core1_el3, "a"
    .incbin "core1_el3.bin"
    .section .memlayout.tables.core0_el1, "a"
    .incbin "core0_el1.bin"
