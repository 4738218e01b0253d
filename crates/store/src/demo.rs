//! Loads the generated demo university in one transaction.

use crate::db::Sql;
use crate::{Store, StoreError, account, audit, set_meta};
use pacesetter_domain::demo::Demo;
use pacesetter_domain::ids::{AccountId, PersonId};
use pacesetter_domain::scope::Scope;
use std::collections::HashMap;

fn paths(nodes: impl Iterator<Item = (i64, Option<i64>)>) -> HashMap<i64, (String, i64)> {
    let mut out: HashMap<i64, (String, i64)> = HashMap::new();
    for (id, parent) in nodes {
        let (p, d) = parent.and_then(|p| out.get(&p).cloned()).unwrap_or(("/".into(), -1));
        out.insert(id, (format!("{p}{id}/"), d + 1));
    }
    out
}

/// Whether the database holds any account yet (a fresh database gets the demo data, a
/// database set up with `pacesetter init` does not).
pub async fn is_empty(store: &Store) -> Result<bool, StoreError> {
    let mut c = store.read().await?;
    Ok(account::count(&mut c).await? == 0)
}

/// Loads the demo; every demo account gets `password_hash` and no forced password change.
pub async fn load(store: &Store, demo: &Demo, password_hash: &str) -> Result<(), StoreError> {
    let scope = Scope::system("demo-loader");
    let t0 = std::time::Instant::now();
    let lap = |what: &str| {
        if std::env::var("PACESETTER_TIMING").is_ok() {
            eprintln!("{what}: {:.2} s", t0.elapsed().as_secs_f64())
        }
    };
    let now = pacesetter_domain::dates::now_ms();
    let mut c = store.write().await?;

    let unit_paths = paths(demo.units.iter().map(|u| (u.id, u.parent)));
    let rows = demo
        .units
        .iter()
        .map(|u| {
            let (p, d) = unit_paths[&u.id].clone();
            vec![u.id.into(), u.parent.into(), u.kind.code().into(), u.name.clone().into(), p.into(), d.into(), now.into()]
        })
        .collect();
    crate::db::insert_rows(&mut c, "units", &["id", "parent_id", "kind", "name", "path", "depth", "created_ms"], rows).await?;
    lap("units");

    let org_paths = paths(demo.orgs.iter().map(|o| (o.id, o.parent)));
    let rows = demo
        .orgs
        .iter()
        .map(|o| {
            let (p, d) = org_paths[&o.id].clone();
            vec![
                o.id.into(),
                o.parent.into(),
                o.kind.code().into(),
                o.name.clone().into(),
                o.category.map(|c| c.code()).into(),
                o.linked_unit.into(),
                p.into(),
                d.into(),
                now.into(),
            ]
        })
        .collect();
    crate::db::insert_rows(&mut c, "orgs", &["id", "parent_id", "kind", "name", "category", "linked_unit_id", "path", "depth", "created_ms"], rows).await?;

    let rows = demo
        .people
        .iter()
        .map(|p| {
            let f = &p.fields;
            vec![
                p.id.into(),
                f.name.clone().into(),
                f.kind.code().into(),
                f.number.clone().into(),
                f.gender.map(|g| g.code()).into(),
                f.political_status.code().into(),
                f.dev_stage.map(|s| s.code()).into(),
                f.cadre_rank.map(|s| s.code()).into(),
                f.email.clone().into(),
                f.phone.clone().into(),
                f.id_number.clone().into(),
                now.into(),
                now.into(),
            ]
        })
        .collect();
    crate::db::insert_rows(
        &mut c,
        "people",
        &["id", "name", "kind", "number", "gender", "political_status", "dev_stage", "cadre_rank", "email", "phone", "id_number", "created_ms", "updated_ms"],
        rows,
    )
    .await?;
    lap("people");

    let rows = demo.org_memberships.iter().map(|m| vec![m.person.into(), m.org.into(), m.post.code().into(), m.start.into()]).collect();
    crate::db::insert_rows(&mut c, "org_memberships", &["person_id", "org_id", "post", "start_date"], rows).await?;
    let rows = demo.unit_memberships.iter().map(|m| vec![m.person.into(), m.unit.into(), m.position.clone().into(), m.start.into()]).collect();
    crate::db::insert_rows(&mut c, "unit_memberships", &["person_id", "unit_id", "position", "start_date"], rows).await?;
    let rows = demo.relations.iter().map(|r| vec![r.kind.code().into(), r.person.into(), r.org.into(), r.unit.into(), r.start.into(), now.into()]).collect();
    crate::db::insert_rows(&mut c, "relations", &["kind", "person_id", "org_id", "unit_id", "start_date", "created_ms"], rows).await?;
    lap("memberships and relations");

    if c.is_postgres() {
        // Rows above carry their own ids; later inserts must continue after them.
        for t in ["people", "units", "orgs"] {
            c.execute(Sql::new(format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))"))).await?;
        }
    }

    let start = time::macros::date!(2012 - 02 - 20);
    for a in &demo.accounts {
        let id: AccountId = account::create(
            &mut c,
            &scope,
            &account::NewAccount { username: a.username, display_name: &a.display_name, person: a.person.map(PersonId), password_hash, is_demo: true, must_change_password: false },
        )
        .await?;
        for (role, org) in &a.grants {
            account::grant_by_system(&mut c, &scope, id, *role, *org, start).await?;
        }
    }
    set_meta(&mut c, "demo", "true").await?;
    set_meta(&mut c, "demo_people", &demo.people.len().to_string()).await?;
    let summary = serde_json::json!({
        "people": demo.people.len(),
        "orgs": demo.orgs.len(),
        "units": demo.units.len(),
        "org_memberships": demo.org_memberships.len(),
        "unit_memberships": demo.unit_memberships.len(),
        "relations": demo.relations.len(),
        "accounts": demo.accounts.len(),
    });
    audit::append(&mut c, &scope, "demo.load", "database", "demo", None, Some(summary.to_string())).await?;
    lap("accounts");
    c.commit().await?;
    lap("commit");
    Ok(())
}
