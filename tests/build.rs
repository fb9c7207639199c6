//! Runs the build-script API on the README's layout, for tests/build_api.rs.

fn main() {
    memlayout::build::generate("layouts/board.memlayout");
}
