//! The kept scratch database: one empty database per role on the dev server, in which the
//! incremental reload ([`super::incremental`]) runs inside a transaction that is always
//! rolled back, instead of creating a database and dropping it on every run.
//!
//! A new database costs the server about 300 files and the whole of `template0` written to
//! its WAL, and dropping it forces a checkpoint: 30–50 ms each on a quiet machine, several
//! times that on a busy disk, on every `generate` after an edit. Rolled back, the kept
//! database holds nothing between runs: not after an error, not after the process is
//! killed (the server rolls back a transaction whose connection is gone).
//!
//! It is used only when it is provably as a new one would be ([`CATALOGS`]): owned by the
//! role, no object made after `initdb`, no database-level setting, no default privileges or
//! event trigger, and no other schemadiff using it (a session advisory lock, released when
//! the connection closes). Otherwise, and when `SCHEMADIFF_KEEP_SCRATCH=0`, a new scratch
//! database is created and dropped as before; `--verbose` says why.

use super::super::Error;
use super::ScratchDb;
use crate::introspect::postgres::connect::{connect_config, Config};
use crate::pg_error::db_message;
use postgres::error::SqlState;
use postgres::Client;

/// The advisory lock a schemadiff holds on the kept database while it uses it.
pub const LOCK: i64 = 0x5344_4b45_5054;

/// The catalogs whose rows are objects a database is made with or a user adds: a new
/// database from `template0` has none from OID 16384 on (`FirstNormalObjectId`), which
/// are made after `initdb`.
const CATALOGS: [&str; 23] = [
    "pg_class",
    "pg_namespace",
    "pg_type",
    "pg_proc",
    "pg_extension",
    "pg_language",
    "pg_operator",
    "pg_opclass",
    "pg_opfamily",
    "pg_am",
    "pg_collation",
    "pg_conversion",
    "pg_cast",
    "pg_transform",
    "pg_ts_config",
    "pg_ts_dict",
    "pg_ts_parser",
    "pg_ts_template",
    "pg_foreign_data_wrapper",
    "pg_foreign_server",
    "pg_event_trigger",
    "pg_default_acl",
    "pg_publication",
];

/// One row: whether this session got the lock (`$1`), whether the database is the role's,
/// and whether it holds anything a new database from `template0` would not: an object of
/// [`CATALOGS`] made after `initdb`, or a database-level setting.
fn pristine_query() -> String {
    let made: Vec<String> = CATALOGS
        .iter()
        .map(|c| format!("NOT EXISTS (SELECT FROM pg_catalog.{c} WHERE oid >= 16384)"))
        .collect();
    format!(
        "SELECT pg_catalog.pg_try_advisory_lock($1::bigint), \
         (SELECT d.datdba = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user) \
            FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()), \
         {} \
         AND NOT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s \
            JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase \
            WHERE d.datname = pg_catalog.current_database())",
        made.join(" AND ")
    )
}

/// Where the incremental reload runs: a connection to the kept database, or to a new
/// scratch database (then dropped after use).
pub struct Scratch {
    client: Client,
    fresh: Option<ScratchDb>,
}

/// Whether the kept database may be used (`SCHEMADIFF_KEEP_SCRATCH` unset, empty or not 0).
pub fn allowed() -> bool {
    std::env::var("SCHEMADIFF_KEEP_SCRATCH").map_or(true, |v| v != "0")
}

/// The kept database's name for the role `server` connects as: `schemadiff_kept_` and
/// the start of the role name's SHA-256 (a role's name may hold any character).
pub fn name(server: &Config) -> String {
    let role = server.get_user().unwrap_or_default();
    let hash = crate::fingerprint::sha256_hex(role.as_bytes());
    format!("schemadiff_kept_{}", &hash[..12])
}

impl Scratch {
    /// The kept database on `server` when it may be used, else a new scratch database;
    /// with a line for `--verbose` when the kept one is not used.
    pub fn open(server: &Config) -> Result<(Scratch, Option<String>), Error> {
        let why = match (allowed(), super::cluster::is_throwaway(server)) {
            (false, _) => "SCHEMADIFF_KEEP_SCRATCH=0".to_string(),
            // Gone with the cluster at the end of the command: nothing to keep.
            (_, true) => "the dev server is a throwaway cluster".to_string(),
            (true, false) => match claim(server) {
                Ok(client) => {
                    return Ok((
                        Scratch {
                            client,
                            fresh: None,
                        },
                        None,
                    ))
                }
                Err(why) => why,
            },
        };
        let db = ScratchDb::create(server)?;
        let client = db.connect()?;
        Ok((
            Scratch {
                client,
                fresh: Some(db),
            },
            Some(why),
        ))
    }

    /// The connection, and the scratch database to release after it.
    pub fn into_client(self) -> (Client, Option<ScratchDb>) {
        (self.client, self.fresh)
    }
}

/// A connection to the kept database holding its lock, created first when there is none;
/// why not when it may not be used.
fn claim(server: &Config) -> Result<Client, String> {
    let name = name(server);
    let mut config = server.clone();
    config.dbname(&name);
    let mut client = match connect_config(&config) {
        Ok(client) => client,
        // Not there yet, most likely: made now (when it is there, connecting fails again).
        Err(first) => {
            create(server, &name)?;
            connect_config(&config).map_err(|_| format!("{name}: {}", first.message))?
        }
    };
    let row = client
        .query_one(&pristine_query(), &[&LOCK])
        .map_err(|e| format!("{name}: {}", db_message(&e)))?;
    let (free, owned, empty): (bool, Option<bool>, bool) = (row.get(0), row.get(1), row.get(2));
    match (free, owned, empty) {
        (false, _, _) => Err(format!("{name} is in use by another schemadiff")),
        (_, Some(false) | None, _) => Err(format!("{name} belongs to another role")),
        (_, _, false) => Err(format!(
            "{name} holds objects or settings that a new database would not (it is left as it is; drop it to have it made again)"
        )),
        _ => Ok(client),
    }
}

/// Creates the kept database `name` (another schemadiff may just have: that is no error),
/// and says so on standard error.
fn create(server: &Config, name: &str) -> Result<(), String> {
    let mut admin = connect_config(server).map_err(|e| e.message)?;
    let statements = [
        format!("CREATE DATABASE {name} TEMPLATE template0"),
        format!(
            "COMMENT ON DATABASE {name} IS 'schemadiff: kept empty for reloading declared \
             files (every use is rolled back); drop it any time, SCHEMADIFF_KEEP_SCRATCH=0 \
             keeps none'"
        ),
    ];
    // One at a time: CREATE DATABASE cannot run in the transaction of a multi-statement string.
    for (i, statement) in statements.iter().enumerate() {
        if let Err(e) = admin.batch_execute(statement) {
            if i == 0 && e.code() == Some(&SqlState::DUPLICATE_DATABASE) {
                return Ok(());
            }
            return Err(format!("{name}: {}", db_message(&e)));
        }
    }
    if !super::cluster::is_quiet() {
        let (host, port, _) = crate::introspect::postgres::connect::describe(server);
        eprintln!(
            "Created database {name} on {host}:{port}: kept empty for reloading declared \
             files after an edit (drop it any time; SCHEMADIFF_KEEP_SCRATCH=0 keeps none)"
        );
    }
    Ok(())
}
