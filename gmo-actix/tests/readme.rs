//! The root README's actix-web snippet are lines of `examples/readme.rs`, which compiles: a renamed
//! item breaks the build, and a README edit that the example does not follow fails here.

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

#[test]
fn the_readme_actix_snippet_compiles_as_the_example() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("the README");
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/readme.rs"))
            .expect("the example");
    let lines: Vec<String> = example.lines().map(|l| l.trim().to_owned()).collect();
    let blocks = snippets(&readme, "actix-web in 15 lines");
    assert_eq!(blocks.len(), 1, "the setup");
    for block in blocks {
        // Each block's lines stand in the example, in order (its items at the module's level,
        // its statements in `main`).
        let mut rest = lines.iter();
        for line in block.iter().filter(|l| !l.is_empty()) {
            assert!(
                rest.any(|l| l == line),
                "the README line `{line}` is not in examples/readme.rs (in order)"
            );
        }
    }
}
