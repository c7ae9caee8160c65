//! Declared DDL of a batch of generated cases, on SQLite or PostgreSQL, with the sentinel
//! table the payloads aim at.

use super::gen::{lit, q, Case, Col, Engine, Objects};

/// Which side of the cases to render.
#[derive(Clone, Copy, Debug)]
pub enum Side {
    Before,
    After,
}

/// Returns the declared DDL of `side` of `cases`: the sentinel table, then each case.
pub fn schema(engine: Engine, cases: &[Case], side: Side) -> String {
    let mut out = match engine {
        Engine::Sqlite => "CREATE TABLE sentinel (x INTEGER);\n".to_string(),
        Engine::Postgres => "CREATE TABLE public.sentinel (x integer);\n".to_string(),
    };
    for c in cases {
        let objects = match side {
            Side::Before => &c.before,
            Side::After => &c.after,
        };
        if let Some(o) = objects {
            out.push_str(&format!("\n-- case {} ({:?})\n", c.number, c.shape));
            out.push_str(&match engine {
                Engine::Sqlite => sqlite(o),
                Engine::Postgres => postgres(o),
            });
        }
    }
    out
}

fn column(c: &Col, ty: &str) -> String {
    let hint = c
        .old
        .as_ref()
        .map(|o| format!("  -- schemadiff:renamed-from {o}\n"))
        .unwrap_or_default();
    let default = c
        .default
        .as_ref()
        .map(|d| format!(" DEFAULT {d}"))
        .unwrap_or_default();
    format!("{hint}  {} {ty}{default},\n", q(&c.name))
}

fn table_hint(o: &Objects) -> String {
    o.old_table
        .as_ref()
        .map(|t| format!("-- schemadiff:renamed-from {t}\n"))
        .unwrap_or_default()
}

fn check(o: &Objects) -> String {
    let (name, col, value) = &o.check;
    format!(
        "  CONSTRAINT {} CHECK ({} <> {})\n",
        q(name),
        q(&o.cols[*col].name),
        lit(value)
    )
}

fn sqlite(o: &Objects) -> String {
    let t = q(&o.table);
    let mut s = format!(
        "{}CREATE TABLE {t} (\n  id INTEGER PRIMARY KEY,\n",
        table_hint(o)
    );
    for c in &o.cols {
        s.push_str(&column(c, &c.ty.to_uppercase()));
    }
    s.push_str(&check(o));
    let (c0, x) = (q(&o.cols[0].name), q(&o.cols[1].name));
    s.push_str(&format!(
        ");\nCREATE INDEX {} ON {t} ({c0});\n\
         CREATE VIEW {} AS SELECT {c0} FROM {t} WHERE {c0} <> {};\n\
         CREATE TRIGGER {} AFTER INSERT ON {t} BEGIN UPDATE {t} SET {x} = 1 WHERE id = new.id; END;\n",
        q(&o.index),
        q(&o.view),
        lit(&o.check.2),
        q(&o.trigger),
    ));
    s
}

fn postgres(o: &Objects) -> String {
    let sch = q(&o.schema);
    let t = format!("{sch}.{}", q(&o.table));
    let (enum_name, labels) = &o.enum_type;
    let e = format!("{sch}.{}", q(enum_name));
    let seq = format!("{sch}.{}", q(&o.sequence));
    let labels: Vec<String> = labels.iter().map(|l| lit(l)).collect();
    let mut s = format!(
        "CREATE SCHEMA {sch};\nCREATE TYPE {e} AS ENUM ({});\nCREATE SEQUENCE {seq};\n{}CREATE TABLE {t} (\n  id integer PRIMARY KEY,\n",
        labels.join(", "),
        table_hint(o)
    );
    for c in &o.cols {
        s.push_str(&column(c, &c.ty));
    }
    s.push_str(&format!(
        "  state {e} DEFAULT {},\n  n bigint DEFAULT nextval({}),\n",
        labels[0],
        lit(&seq)
    ));
    s.push_str(&check(o));
    let c0 = q(&o.cols[0].name);
    let view = format!("{sch}.{}", q(&o.view));
    s.push_str(&format!(
        ");\nCREATE INDEX {} ON {t} ({c0});\nCREATE VIEW {view} AS SELECT {c0} FROM {t} WHERE {c0} <> {};\n",
        q(&o.index),
        lit(&o.check.2),
    ));
    if let Some(c) = &o.table_comment {
        s.push_str(&format!("COMMENT ON TABLE {t} IS {};\n", lit(c)));
    }
    if let Some(c) = &o.view_comment {
        s.push_str(&format!("COMMENT ON VIEW {view} IS {};\n", lit(c)));
    }
    for c in o.cols.iter().filter(|c| c.comment.is_some()) {
        let text = c.comment.as_deref().unwrap_or_default();
        s.push_str(&format!(
            "COMMENT ON COLUMN {t}.{} IS {};\n",
            q(&c.name),
            lit(text)
        ));
    }
    s
}
