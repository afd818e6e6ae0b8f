//! Plain `cargo test` (no Go, no kubectl, no cluster) does not build the end-to-end suite: it
//! needs the local control plane of `testenv/`. This test says how to run it and checks that
//! the README's test command does.

#[cfg(not(feature = "e2e"))]
#[test]
fn end_to_end_suite_is_off_run_make_test_or_cargo_test_features_e2e() {
    eprintln!(
        "note: the end-to-end suite (tests/e2e.rs) is off; `make test` runs it against the local \
         control plane (or: cargo test --features e2e)"
    );
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let makefile = std::fs::read_to_string(root.join("Makefile")).expect("Makefile");
    let test_target = makefile.split("\ntest:").nth(1).expect("a `test:` target in the Makefile");
    let recipe: String = test_target.lines().skip(1).take_while(|l| l.starts_with('\t')).collect();
    assert!(recipe.contains("--features e2e"), "`make test` must enable the e2e suite: {recipe}");
    assert!(root.join("testenv/up.sh").is_file(), "the suite starts the plane with testenv/up.sh");
}

#[cfg(feature = "e2e")]
#[test]
fn end_to_end_suite_is_on() {
    assert!(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e.rs").is_file());
}
