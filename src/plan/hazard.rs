//! Hazards: what a reviewer must see before running a step. Each belongs to the step that
//! causes it; one [`HazardKind`] enum with one metadata table ([`HazardKind::info`]).

use serde::Serialize;

/// The kinds of hazard, in the order reviewers should care about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HazardKind {
    DeletesData,
    LikelyRename,
    MayFailOnExistingRows,
    EnumValueRemoval,
    VirtualTableRecreated,
    Irreversible,
    RecreatesView,
    RecreatesFunction,
    UnsupportedChange,
    RewritesTable,
    LocksTable,
    IndexBuild,
}

/// What a kind means: its code (in scripts, JSON and `--allow`), a summary, whether
/// `--strict` blocks it by default, its documentation page's path in the repository, and
/// that page's text (embedded in the binary, printed by `schemadiff explain CODE`).
pub struct HazardInfo {
    pub code: &'static str,
    pub summary: &'static str,
    pub blocking: bool,
    pub doc: &'static str,
    pub page: &'static str,
}

impl HazardKind {
    pub const ALL: [HazardKind; 12] = [
        HazardKind::DeletesData,
        HazardKind::LikelyRename,
        HazardKind::MayFailOnExistingRows,
        HazardKind::EnumValueRemoval,
        HazardKind::VirtualTableRecreated,
        HazardKind::Irreversible,
        HazardKind::RecreatesView,
        HazardKind::RecreatesFunction,
        HazardKind::UnsupportedChange,
        HazardKind::RewritesTable,
        HazardKind::LocksTable,
        HazardKind::IndexBuild,
    ];

    /// Returns the kind's metadata (the one table every renderer reads).
    pub fn info(self) -> HazardInfo {
        let (code, summary, blocking, doc) = match self {
            HazardKind::DeletesData => (
                "deletes-data",
                "deletes data that a downgrade cannot bring back",
                true,
                "docs/hazards/deletes-data.md",
            ),
            HazardKind::LikelyRename => (
                "likely-rename",
                "a drop and an add that look like a rename",
                true,
                "docs/hazards/likely-rename.md",
            ),
            HazardKind::MayFailOnExistingRows => (
                "may-fail-on-existing-rows",
                "may fail on the rows already in the table",
                true,
                "docs/hazards/may-fail-on-existing-rows.md",
            ),
            HazardKind::EnumValueRemoval => (
                "enum-value-removal",
                "removes a value from an enum type: rows holding it stop the script",
                true,
                "docs/hazards/enum-value-removal.md",
            ),
            HazardKind::VirtualTableRecreated => (
                "virtual-table-recreated",
                "drops and re-creates a virtual table: it loses its rows unless the module keeps them",
                true,
                "docs/hazards/virtual-table-recreated.md",
            ),
            HazardKind::Irreversible => (
                "irreversible",
                "the downgrade cannot give back exactly what this step changes",
                true,
                "docs/hazards/irreversible.md",
            ),
            HazardKind::RecreatesView => (
                "recreates-view",
                "drops and re-creates a view: grants and triggers on it that schemadiff does not model are lost",
                true,
                "docs/hazards/recreates-view.md",
            ),
            HazardKind::RecreatesFunction => (
                "recreates-function",
                "drops and re-creates a function whose signature changes, and what depends on it: grants on it are lost, and its dependents are briefly absent",
                true,
                "docs/hazards/recreates-function.md",
            ),
            HazardKind::UnsupportedChange => (
                "unsupported-change",
                "a change schemadiff cannot carry out in place: the step as written stops the script; make the change by hand",
                true,
                "docs/hazards/unsupported-change.md",
            ),
            HazardKind::RewritesTable => (
                "rewrites-table",
                "copies the whole table (time and disk grow with its size; writers wait)",
                false,
                "docs/hazards/rewrites-table.md",
            ),
            HazardKind::LocksTable => (
                "locks-table",
                "holds a lock on an existing table that blocks writes (or reads) while it scans or rewrites it",
                false,
                "docs/hazards/locks-table.md",
            ),
            HazardKind::IndexBuild => (
                "index-build",
                "builds an index over existing rows (time grows with the table; writers wait)",
                false,
                "docs/hazards/index-build.md",
            ),
        };
        HazardInfo {
            code,
            summary,
            blocking,
            doc,
            page: self.page(),
        }
    }

    /// The kind's page (`docs/hazards/CODE.md`), embedded so `schemadiff explain` and the
    /// pages cannot drift apart.
    fn page(self) -> &'static str {
        match self {
            HazardKind::DeletesData => include_str!("../../docs/hazards/deletes-data.md"),
            HazardKind::LikelyRename => include_str!("../../docs/hazards/likely-rename.md"),
            HazardKind::MayFailOnExistingRows => {
                include_str!("../../docs/hazards/may-fail-on-existing-rows.md")
            }
            HazardKind::EnumValueRemoval => {
                include_str!("../../docs/hazards/enum-value-removal.md")
            }
            HazardKind::VirtualTableRecreated => {
                include_str!("../../docs/hazards/virtual-table-recreated.md")
            }
            HazardKind::Irreversible => include_str!("../../docs/hazards/irreversible.md"),
            HazardKind::RecreatesView => include_str!("../../docs/hazards/recreates-view.md"),
            HazardKind::RecreatesFunction => {
                include_str!("../../docs/hazards/recreates-function.md")
            }
            HazardKind::UnsupportedChange => {
                include_str!("../../docs/hazards/unsupported-change.md")
            }
            HazardKind::RewritesTable => include_str!("../../docs/hazards/rewrites-table.md"),
            HazardKind::LocksTable => include_str!("../../docs/hazards/locks-table.md"),
            HazardKind::IndexBuild => include_str!("../../docs/hazards/index-build.md"),
        }
    }

    /// Parses a code such as `deletes-data`.
    pub fn from_code(code: &str) -> Option<HazardKind> {
        HazardKind::ALL.into_iter().find(|k| k.info().code == code)
    }
}

/// One hazard of one step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub detail: String,
}

impl Hazard {
    pub fn new(kind: HazardKind, detail: String) -> Hazard {
        Hazard { kind, detail }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_distinct_code_that_parses_back() {
        let mut codes: Vec<&str> = HazardKind::ALL.iter().map(|k| k.info().code).collect();
        for k in HazardKind::ALL {
            assert_eq!(HazardKind::from_code(k.info().code), Some(k));
            assert!(k.info().doc.ends_with(&format!("{}.md", k.info().code)));
        }
        codes.dedup();
        assert_eq!(codes.len(), HazardKind::ALL.len());
        assert_eq!(HazardKind::from_code("nope"), None);
    }

    /// `schemadiff explain` prints the embedded pages: every kind has its page (the one its
    /// `doc` names), and every page in docs/hazards/ (but the index) belongs to a kind.
    #[test]
    fn every_kind_has_a_page_and_every_page_a_kind() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/hazards");
        for k in HazardKind::ALL {
            let info = k.info();
            let on_disk = std::fs::read_to_string(dir.join(format!("{}.md", info.code)))
                .unwrap_or_else(|e| panic!("no page for hazard kind {}: {e}", info.code));
            assert_eq!(
                info.page, on_disk,
                "{}: embedded page is not its file",
                info.code
            );
            assert!(
                info.page.starts_with(&format!("# Hazard: `{}`", info.code)),
                "{}: page has another kind's title",
                info.code
            );
        }
        let mut pages: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md") && n != "README.md")
            .collect();
        pages.sort();
        for page in pages {
            let code = page.trim_end_matches(".md");
            assert!(
                HazardKind::from_code(code).is_some(),
                "docs/hazards/{page} belongs to no hazard kind in src/plan/hazard.rs"
            );
        }
    }
}
