//! The check record (`snapshots/schemadiff-record.json`): what `generate` consumed and
//! wrote, so that `check` can skip loading `snapshots/`, `schemas/` and the applied
//! revisions when none of them changed since (see docs/cache.md, "The check record").
//!
//! The record holds fingerprints, never a model: SHA-256 over `schemas/` (each `.sql`
//! file's path and text), over `snapshots/`, over each revision's `migrate:up` text up to
//! it, and over the JSON of the model `generate` declared at each revision it wrote. It is
//! only trusted where every fingerprint matches the files as they are now; anything else
//! is a reason to take the slow path, never an error.

use super::config::Project;
use crate::engine::{Engine, SourceFile};
use crate::model::privileges::Managed;
use crate::model::Schema;
use crate::revision::{Graph, Revision};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The record's file name in `snapshots/` (not `.sql`: no snapshot reader sees it).
pub const FILE: &str = "schemadiff-record.json";

/// The record's format; a record of another format is not used.
const FORMAT: u32 = 1;

const ABOUT: &str = "Written by `schemadiff generate` beside the snapshot files; commit it with them. `schemadiff check` uses it only where every fingerprint matches the files, and ignores it otherwise. Do not edit it: run `schemadiff generate` to rewrite it.";

/// What one revision's entry says: the fingerprint of the `migrate:up` texts of the
/// revisions up to it, and of the model `generate` declared for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct At {
    pub migrations: String,
    pub model: String,
}

/// What the fingerprints mean: a record written under another context is not used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// The schemadiff version (the model's JSON may change between versions).
    pub schemadiff: String,
    pub engine: String,
    /// `[postgres] manage` and `[postgres.roles]` of the project file: the model hashes
    /// are of models with these applied.
    pub manage: Vec<Managed>,
    pub roles: BTreeMap<String, String>,
}

/// The record file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub about: String,
    pub format: u32,
    #[serde(flatten)]
    pub context: Context,
    /// The server that normalized `schemas/` and printed the snapshots: PostgreSQL's major
    /// version, or the SQLite library's version.
    pub server: String,
    pub schemas: String,
    pub snapshots: String,
    /// The objects of `schemas/` schemadiff does not manage (what `check` notes, and
    /// `check --strict` reports), key → what.
    pub declared_unmanaged: BTreeMap<String, String>,
    /// Per revision id.
    pub revisions: BTreeMap<String, At>,
}

impl Context {
    /// The context of project `p` on engine `E` now.
    pub fn of<E: Engine>(p: &Project) -> Context {
        let mut manage = super::privileges::managed(&p.config.postgres, &Default::default());
        manage.sort();
        manage.dedup();
        Context {
            schemadiff: env!("CARGO_PKG_VERSION").to_string(),
            engine: E::DIALECT.name().to_string(),
            manage,
            roles: p.config.postgres.roles.clone(),
        }
    }
}

/// The record's path in project `p`.
pub fn path(p: &Project) -> PathBuf {
    p.snapshots().join(FILE)
}

/// Reads the record of `p`: `Err(reason)` when there is none or it cannot be used.
pub fn read(p: &Project) -> Result<Record, String> {
    let path = path(p);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{} does not exist (run `schemadiff generate` to write it)",
                path.display()
            ))
        }
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let record: Record = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a check record: {e}", path.display()))?;
    if record.format != FORMAT {
        return Err(format!(
            "{} has format {}, this schemadiff reads {FORMAT}",
            path.display(),
            record.format
        ));
    }
    Ok(record)
}

impl Record {
    /// Why this record does not apply in `now`, if it does not.
    pub fn mismatch(&self, now: &Context) -> Option<String> {
        let was = &self.context;
        let why = if was.schemadiff != now.schemadiff {
            format!(
                "it was written by schemadiff {} (this is {})",
                was.schemadiff, now.schemadiff
            )
        } else if was.engine != now.engine {
            format!("it was written for {}", was.engine)
        } else if was.manage != now.manage {
            "it was written with another `manage` (or --manage)".into()
        } else if was.roles != now.roles {
            "it was written with other [postgres.roles]".into()
        } else {
            return None;
        };
        Some(why)
    }

    /// The serialized record: pretty JSON, maps in key order, a final newline.
    pub fn text(&self) -> String {
        let mut text = crate::engine::json(self);
        text.push('\n');
        text
    }
}

/// SHA-256 in hex of fields, each length-prefixed (no two field lists hash alike), the
/// first one a label.
struct Hasher(crate::fingerprint::Fields);

impl Hasher {
    fn new(label: &str) -> Hasher {
        let mut h = Hasher(crate::fingerprint::Fields::new());
        h.field(label.as_bytes());
        h
    }

    fn field(&mut self, bytes: &[u8]) {
        self.0.field(bytes);
    }

    fn hex(self) -> String {
        self.0.hex()
    }
}

/// The fingerprint of a set of declared files (name relative to their directory, text).
pub fn files<'a>(files: impl IntoIterator<Item = (String, &'a str)>) -> String {
    let mut h = Hasher::new("files");
    for (name, text) in files {
        h.field(name.as_bytes());
        h.field(text.as_bytes());
    }
    h.hex()
}

/// The fingerprint of the `.sql` files of `dir` as `check` would declare them.
pub fn dir(dir: &Path) -> Result<String, String> {
    let read = crate::engine::read_sources(dir).map_err(|e| e.to_string())?;
    Ok(files(
        read.iter().map(|f| (relative(dir, f), f.text.as_str())),
    ))
}

/// A source file's path relative to `dir`, with `/` separators.
fn relative(dir: &Path, f: &SourceFile) -> String {
    let rel = f.path.strip_prefix(dir).unwrap_or(&f.path);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.join("/")
}

/// The fingerprint of the `migrate:up` texts of `revs` (in order) and their ids.
pub fn migrations(revs: &[&Revision]) -> String {
    let mut h = Hasher::new("migrations");
    for r in revs {
        h.field(r.id.as_bytes());
        h.field(r.up.as_bytes());
    }
    h.hex()
}

/// The revisions up to and including `id` in `g`, in order.
pub fn up_to<'g>(g: &'g Graph, id: &str) -> Vec<&'g Revision> {
    let goal = g.closure([id]);
    g.ordered().filter(|r| goal.contains(&r.id)).collect()
}

/// The fingerprint of a model: SHA-256 of its JSON (deterministic: ordered maps, nothing
/// the model does not compare besides its unmanaged objects).
pub fn model(schema: &Schema) -> String {
    struct W<'h>(&'h mut Sha256);
    impl std::io::Write for W<'_> {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut sha = Sha256::new();
    sha.update(b"model\0");
    if serde_json::to_writer(W(&mut sha), schema).is_err() {
        // Not reachable for a model (every key is a string); a hash no record holds.
        sha.update(b"\0unserializable");
    }
    crate::fingerprint::hex(&sha.finalize())
}

/// The fingerprint `check` compares a live model with: its JSON once the privilege kinds
/// not managed are dropped (as `check` compares it).
pub fn live_model(live: &mut Schema, context: &Context) -> String {
    super::privileges::live_side(live, &context.manage);
    model(live)
}

/// What `generate` records of the model of `schemas/` it declared: computed before the
/// model is changed for the comparison.
pub struct Declared {
    /// The fingerprint of the model as `check` compares the live one with it.
    model: String,
    /// Its unmanaged objects, as `check` lists them.
    unmanaged: BTreeMap<String, String>,
}

impl Declared {
    /// What `check` needs of `declared` (the model of `schemas/`, privileges not scoped).
    pub fn of<E: Engine>(p: &Project, declared: &Schema) -> Declared {
        let context = Context::of::<E>(p);
        let mut expected = declared.clone();
        super::privileges::replayed_side(&mut expected, &context.manage, &p.config.postgres);
        let model = model(&expected);
        // The declared side as `check` lists its unmanaged objects: the privileges of
        // kinds not managed are listed before they are dropped.
        let mut listed = Schema {
            acl: declared.acl.clone(),
            unmanaged: declared.unmanaged.clone(),
            ..Schema::default()
        };
        super::privileges::declared_side(&mut listed, &context.manage, None);
        // Freeing a large model one allocation at a time costs more than it saves.
        std::mem::forget(expected);
        Declared {
            model,
            unmanaged: listed.unmanaged,
        }
    }
}

/// The record `generate` writes: fingerprints of what it consumed and wrote
/// (`snapshots`: of the snapshot as it is after `generate`), the model declared for
/// revision `head` of `graph` (none for a revision written by hand: `--empty`), and the
/// entries of the previous record whose revisions' texts are unchanged.
pub fn after_generate<E: Engine>(
    p: &Project,
    declared: Declared,
    snapshots: String,
    graph: &Graph,
    head: Option<&str>,
    server: String,
) -> Result<Record, String> {
    let context = Context::of::<E>(p);
    let schemas = dir(&p.schemas())?;
    let mut revisions = BTreeMap::new();
    if let Ok(old) = read(p) {
        if old.mismatch(&context).is_none() && old.server == server {
            for (id, at) in old.revisions {
                if graph.get(&id).is_some() && migrations(&up_to(graph, &id)) == at.migrations {
                    revisions.insert(id, at);
                }
            }
        }
    }
    if let Some(head) = head {
        let at = At {
            migrations: migrations(&up_to(graph, head)),
            model: declared.model,
        };
        revisions.insert(head.to_string(), at);
    }
    Ok(Record {
        about: ABOUT.into(),
        format: FORMAT,
        context,
        server,
        schemas,
        snapshots,
        declared_unmanaged: declared.unmanaged,
        revisions,
    })
}
