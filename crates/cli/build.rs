//! Rebuilds the CLI when the Trunk-built app it embeds changes.

fn main() {
    // Cargo scans a directory given here for any changed file.
    println!("cargo::rerun-if-changed=../../target/dist");
}
