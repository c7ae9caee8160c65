//! Scratch databases dropped in the background (what the program turns on): the command
//! goes on while the server drops them, and none is left once `finish_interrupt` returns,
//! which the program calls before it exits. Its own binary: the switch is process-wide.

mod pg;

use schemadiff::declare::ScratchDb;

fn exists(admin: &mut postgres::Client, name: &str) -> bool {
    admin
        .query_one(
            "SELECT count(*) FROM pg_database WHERE datname = $1",
            &[&name],
        )
        .map(|r| r.get::<_, i64>(0) == 1)
        .unwrap()
}

#[test]
fn a_scratch_database_dropped_in_the_background_is_gone_when_the_program_finishes() {
    let mut admin = pg::admin();
    let server = schemadiff::introspect::postgres::connect::config(&pg::server_url()).unwrap();
    schemadiff::cli::drop_scratch_in_background();
    let mut names = Vec::new();
    for _ in 0..3 {
        let scratch = ScratchDb::create(&server).unwrap();
        // Something in it, so that dropping it takes the server a moment.
        let mut client = scratch.connect().unwrap();
        let tables: String = (0..50)
            .map(|i| format!("CREATE TABLE t{i} (id int PRIMARY KEY, note text);"))
            .collect();
        client.batch_execute(&tables).unwrap();
        drop(client);
        assert!(exists(&mut admin, &scratch.name));
        names.push(scratch.name.clone());
        drop(scratch);
    }
    schemadiff::cli::finish_interrupt();
    for name in &names {
        assert!(!exists(&mut admin, name), "{name} is still there");
    }
}
