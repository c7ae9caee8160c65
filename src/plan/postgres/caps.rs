//! What the target PostgreSQL server can do, decided from its version.

/// PostgreSQL capabilities that change how a plan is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caps {
    /// `server_version_num`, e.g. `150004` for 15.4 (`170002` for 17.2).
    pub version: i32,
}

impl Default for Caps {
    /// PostgreSQL 15, the version schemadiff is tested against.
    fn default() -> Caps {
        Caps { version: 150_000 }
    }
}

impl Caps {
    /// Parses `server_version_num` (`150004`) into capabilities.
    pub fn from_version_num(text: &str) -> Option<Caps> {
        let version = text.trim().parse::<i32>().ok().filter(|v| *v > 0)?;
        Some(Caps { version })
    }

    /// `ALTER COLUMN … DROP EXPRESSION` (a generated column becomes a plain one, keeping its
    /// values) exists since 13; before it, the column is dropped and added again.
    pub fn drop_expression(self) -> bool {
        self.version >= 130_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Change, Changeset, TableChange};
    use crate::model::{Column, Generated, Schema, Table};
    use crate::plan::postgres::{plan_postgres_for, Op};
    use crate::plan::{HazardKind, LockOptions};

    /// `public.t.g` stops being generated: what the plan does for a server with `caps`.
    fn ops(caps: Caps) -> Vec<(Op, Vec<HazardKind>)> {
        let table = |generated: Option<Generated>| Table {
            schema: Some("public".into()),
            name: "t".into(),
            columns: vec![Column {
                name: "g".into(),
                ty: "integer".into(),
                generated,
                ..Column::default()
            }],
            ..Table::default()
        };
        let before = table(Some(Generated {
            expr: "1".into(),
            stored: true,
        }));
        let after = table(None);
        let changes = Changeset {
            changes: vec![Change::AlterTable(Box::new(TableChange {
                before: before.clone(),
                after: after.clone(),
                sources: vec![("g".into(), Some("g".into()))],
                dropped: Vec::new(),
                renamed: Vec::new(),
            }))],
        };
        let schema = |t: &Table| Schema {
            tables: [(t.key(), t.clone())].into_iter().collect(),
            ..Schema::default()
        };
        let plan = plan_postgres_for(
            &changes,
            &schema(&before),
            &schema(&after),
            &LockOptions::default(),
            caps,
        );
        plan.steps
            .into_iter()
            .map(|s| (s.op, s.hazards.iter().map(|h| h.kind).collect()))
            .collect()
    }

    #[test]
    fn a_server_without_drop_expression_drops_and_adds_the_column() {
        assert!(Caps::default().drop_expression());
        let now = ops(Caps::default());
        assert!(matches!(now.as_slice(), [(Op::DropExpression { .. }, h)] if h.is_empty()));
        let old = ops(Caps::from_version_num("120017").unwrap());
        assert!(
            matches!(
                old.as_slice(),
                [(Op::DropColumn { .. }, h), (Op::AddColumn { .. }, _)]
                    if h == &[HazardKind::DeletesData]
            ),
            "{old:?}"
        );
        assert_eq!(Caps::from_version_num("15.4"), None);
    }
}
