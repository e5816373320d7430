//! Links the `emulator` binary with packed relative relocations (DT_RELR) where the toolchain
//! and C library support them.
//!
//! The binary is position-independent and carries about 180K relative relocations, most of
//! them DataFusion's. As classic RELA entries they fill a 4.4 MB table that the loader reads
//! at every start, which made up a third of an idle emulator's resident memory; packed, the
//! table is about 50 KB (idle RSS measured 18.4 -> 14.1 MB).
//!
//! DT_RELR needs GNU ld 2.38 or lld 15 and glibc 2.36 at run time, so the flag is used only if a
//! probe program linked with it runs here. A cross build skips the probe and the flag.

use std::path::PathBuf;
use std::process::Command;

const FLAG: &str = "-Wl,-z,pack-relative-relocs";

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    let host = std::env::var("HOST").unwrap_or_default();
    if target == host && target.ends_with("-linux-gnu") && probe_links_and_runs() {
        println!("cargo::rustc-link-arg-bins={FLAG}");
    }
}

fn probe_links_and_runs() -> bool {
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        return false;
    };
    let source = out_dir.join("relr_probe.rs");
    let binary = out_dir.join("relr_probe");
    let program = "static NAME: &str = \"relr\";\n\
                   fn main() { std::process::exit(i32::from(NAME.len() != 4)); }\n";
    if std::fs::write(&source, program).is_err() {
        return false;
    }
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let linked = Command::new(rustc)
        .arg(&source)
        .arg("-o")
        .arg(&binary)
        .args(["-C", &format!("link-arg={FLAG}")])
        .output()
        .is_ok_and(|out| out.status.success() && out.stderr.is_empty());
    linked && Command::new(&binary).status().is_ok_and(|s| s.success())
}
