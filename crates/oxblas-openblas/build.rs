//! Links LAPACKE: Debian's and Ubuntu's OpenBLAS packages do not export the
//! LAPACKE C interface, which lives in `liblapacke` (package `liblapacke-dev`).
fn main() {
    println!("cargo:rustc-link-lib=lapacke");
    println!("cargo:rerun-if-changed=build.rs");
}
