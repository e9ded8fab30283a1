//! The root README's adapter snippets are lines of the adapters' `examples/*_readme.rs`, which
//! compile with their crates' tests: a renamed item breaks the build, and a README edit that an
//! example does not follow fails here.

/// The code blocks (```rust … ```) of the README section headed `heading`.
fn snippets(readme: &str, heading: &str) -> Vec<Vec<String>> {
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("the README has a section `{heading}`"));
    section
        .split("```rust\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .map(|block| block.lines().map(|l| l.trim().to_owned()).collect())
        .collect()
}

/// Checks that each code block of the README section `heading` (`blocks` of them) stands in
/// `example`, its lines in order (its items at the module's level, its statements in `main`).
fn stands_in(heading: &str, blocks: usize, example: &str) {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("the README");
    let code = std::fs::read_to_string(format!("{root}/{example}")).expect("the example");
    let lines: Vec<String> = code.lines().map(|l| l.trim().to_owned()).collect();
    let found = snippets(&readme, heading);
    assert_eq!(found.len(), blocks, "code blocks of `{heading}`");
    for block in found {
        let mut rest = lines.iter();
        for line in block.iter().filter(|l| !l.is_empty()) {
            assert!(
                rest.any(|l| l == line),
                "the README line `{line}` is not in {example} (in order)"
            );
        }
    }
}

#[test]
fn the_readme_axum_snippets_are_the_compiled_example() {
    stands_in("axum in 15 lines", 2, "gmo-axum/examples/axum_readme.rs");
}

#[test]
fn the_readme_actix_snippet_is_the_compiled_example() {
    stands_in(
        "actix-web in 15 lines",
        1,
        "gmo-actix/examples/actix_readme.rs",
    );
}
