//! The UI's generated files (TypeScript types, label tables, reading forms)
//! must equal what the Rust code generates now, so the two never drift.
//! `scripts/generate` rewrites them (it runs this test with GRIDSAFE_BLESS=1).

use std::path::PathBuf;

fn check(name: &str, contents: String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../ui/shared/generated")
        .join(name);
    if std::env::var_os("GRIDSAFE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &contents).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == contents,
        "ui/shared/generated/{name} is out of date with crates/core; run scripts/generate and commit the result"
    );
}

fn json(v: serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(&v).unwrap();
    s.push('\n');
    s
}

#[test]
fn typescript_types_are_current() {
    check("types.ts", gridsafe_core::typescript::typescript());
}

#[test]
fn label_tables_are_current() {
    check("labels.json", json(gridsafe_core::labels::label_tables()));
}

#[test]
fn reading_forms_are_current() {
    check(
        "reading_forms.json",
        json(gridsafe_core::labels::reading_forms()),
    );
}
