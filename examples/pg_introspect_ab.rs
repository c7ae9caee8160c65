//! Times PostgreSQL introspection of an existing database, for A/B comparisons of two
//! builds on the same database in the same run (`docs/performance.md`): `introspect` on a
//! warm connection and on a fresh one, `introspect_pair` on two warm connections and on
//! two fresh ones (as the CLI does). Prints medians.
//!
//! Run: `URL=postgresql://…/db K=9 cargo run --release --example pg_introspect_ab`. The
//! source builds unchanged against older revisions (copy it into their `examples/`), so
//! that two binaries can be run one after the other, alternating.

use postgres::{Client, NoTls};
use schemadiff::introspect::postgres::{introspect, introspect_pair};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("URL").map_err(|_| "set URL to the database to introspect")?;
    let k: usize = std::env::var("K")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(9);
    let (mut warm, mut fresh, mut pair, mut pair_fresh) = (vec![], vec![], vec![], vec![]);
    let mut c = Client::connect(&url, NoTls)?;
    let mut h = Client::connect(&url, NoTls)?;
    introspect(&mut c, &[])?;
    introspect_pair(&mut c, &mut h, &[])?;
    for _ in 0..k {
        let t = Instant::now();
        std::hint::black_box(introspect(&mut c, &[])?);
        warm.push(ms(t));
        let t = Instant::now();
        let mut c2 = Client::connect(&url, NoTls)?;
        std::hint::black_box(introspect(&mut c2, &[])?);
        fresh.push(ms(t));
        let t = Instant::now();
        std::hint::black_box(introspect_pair(&mut c, &mut h, &[])?);
        pair.push(ms(t));
        let t = Instant::now();
        let mut c3 = Client::connect(&url, NoTls)?;
        let mut h3 = Client::connect(&url, NoTls)?;
        std::hint::black_box(introspect_pair(&mut c3, &mut h3, &[])?);
        pair_fresh.push(ms(t));
    }
    println!(
        "introspect warm {:.0} ms | fresh {:.0} ms | pair warm {:.0} ms | pair fresh {:.0} ms (medians of {k})",
        median(warm),
        median(fresh),
        median(pair),
        median(pair_fresh)
    );
    Ok(())
}
