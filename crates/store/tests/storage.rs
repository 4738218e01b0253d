//! One storage suite, run against SQLite and PostgreSQL alike so the backends cannot drift.
//! PostgreSQL runs when PACESETTER_TEST_POSTGRES is set, and must run when CI=true.

use pacesetter_domain::demo;
use pacesetter_domain::ids::{AccountId, PersonId};
use pacesetter_domain::people::PersonInput;
use pacesetter_domain::role::{RelationKind, Role};
use pacesetter_domain::scope::{Access, Placement, Scope};
use pacesetter_store::people::PeopleFilter;
use pacesetter_store::testkit::{self, TempDir};
use pacesetter_store::tree::{NodeInput, Tree};
use pacesetter_store::{OpenOptions, Sql, Store, StoreError, account, audit, campaign, dashboard, people, relation, scope, task, throttle, tree};
use time::macros::date;

const SIZE: usize = 300;

struct Db {
    store: Store,
    _dir: Option<TempDir>,
}

async fn sqlite() -> Db {
    let (url, dir) = testkit::sqlite_url();
    let store = Store::open(&url, &OpenOptions::default()).await.expect("open sqlite");
    Db { store, _dir: Some(dir) }
}

async fn postgres() -> Option<Db> {
    let Some(base) = testkit::postgres_url() else {
        assert!(!testkit::postgres_required(), "CI=true but PACESETTER_TEST_POSTGRES is not set: the PostgreSQL suite is required");
        eprintln!("skipped: PACESETTER_TEST_POSTGRES is not set");
        return None;
    };
    let url = testkit::postgres_database(&base).await.expect("create a test database");
    let store = Store::open(&url, &OpenOptions::default()).await.expect("open postgres");
    Some(Db { store, _dir: None })
}

async fn with_demo(db: &Db) -> demo::Demo {
    let d = demo::generate(SIZE);
    pacesetter_store::demo::load(&db.store, &d, "not-a-real-hash").await.expect("load demo");
    d
}

async fn scope_of(store: &Store, username: &str) -> Scope {
    let mut c = store.read().await.unwrap();
    let a = account::by_username(&mut c, username).await.unwrap().unwrap_or_else(|| panic!("no account {username}"));
    scope::load(&mut c, AccountId(a.id), date!(2012 - 03 - 10)).await.unwrap().unwrap()
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(super::sqlite().await).await
            }
            #[tokio::test]
            async fn postgres() {
                if let Some(db) = super::postgres().await {
                    super::$name(db).await
                }
            }
        }
    )*};
}

both!(
    demo_loads_completely_and_the_audit_chain_verifies,
    the_database_refuses_to_change_the_audit_log,
    an_edit_behind_the_applications_back_is_found_by_verify,
    the_sql_scope_agrees_with_the_domain_rule_for_every_demo_account,
    people_are_created_changed_and_never_deleted,
    a_duplicate_number_is_a_conflict_not_a_crash,
    tree_nodes_are_created_moved_and_closed_with_their_subtree,
    the_auditor_role_takes_two_offices,
    relations_are_checked_against_their_kind_and_coverage_is_counted,
    failed_logins_are_counted_and_forgotten,
    people_lists_filter_and_page,
    backup_and_restore_round_trip_every_table_and_the_audit_chain,
    a_plan_fans_out_once_and_a_changed_plan_keeps_edited_dates,
    a_task_is_submitted_returned_resubmitted_and_accepted_within_scope,
    the_backup_covers_every_table_of_the_schema,
    an_anonymous_survey_has_no_join_path_from_participation_to_responses,
);

async fn demo_loads_completely_and_the_audit_chain_verifies(db: Db) {
    let d = with_demo(&db).await;
    let mut c = db.store.read().await.unwrap();
    for (table, n) in [("people", d.people.len()), ("orgs", d.orgs.len()), ("units", d.units.len()), ("org_memberships", d.org_memberships.len()), ("relations", d.relations.len())]
    {
        let got = c.fetch_i64(Sql::new(format!("SELECT COUNT(*) FROM {table}"))).await.unwrap();
        assert_eq!(got, n as i64, "{table}");
    }
    let r = audit::verify(&mut c).await.unwrap();
    assert!(r.ok, "{r:?}");
    assert!(r.entries > 10);
    assert!(db.store.durability().await.unwrap().durable);
    assert!(db.store.schema_version().await.unwrap() >= 1);
}

async fn the_database_refuses_to_change_the_audit_log(db: Db) {
    with_demo(&db).await;
    let mut c = db.store.read().await.unwrap();
    let upd = c.execute(Sql::new("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")).await;
    assert!(upd.is_err(), "an UPDATE of the audit log must fail");
    let del = c.execute(Sql::new("DELETE FROM audit_log WHERE seq = 1")).await;
    assert!(del.is_err(), "a DELETE from the audit log must fail");
    let n = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM audit_log WHERE actor = 'mallory'")).await.unwrap();
    assert_eq!(n, 0);
}

async fn an_edit_behind_the_applications_back_is_found_by_verify(db: Db) {
    with_demo(&db).await;
    let mut c = db.store.read().await.unwrap();
    // Someone with the database's own rights drops the trigger and edits an entry.
    if c.is_postgres() {
        c.execute(Sql::new("ALTER TABLE audit_log DISABLE TRIGGER USER")).await.unwrap();
    } else {
        c.execute(Sql::new("DROP TRIGGER audit_log_no_update")).await.unwrap();
        c.execute(Sql::new("DROP TRIGGER audit_log_no_delete")).await.unwrap();
    }
    c.execute(Sql::new("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")).await.unwrap();
    let r = audit::verify(&mut c).await.unwrap();
    assert!(!r.ok);
    assert_eq!(r.problem, Some(pacesetter_domain::audit::ChainProblem::Edited { seq: 2 }));
    c.execute(Sql::new("DELETE FROM audit_log WHERE seq = 2")).await.unwrap();
    let r = audit::verify(&mut c).await.unwrap();
    assert_eq!(r.problem, Some(pacesetter_domain::audit::ChainProblem::Gap { expected: 2, found: 3 }));
}

async fn the_sql_scope_agrees_with_the_domain_rule_for_every_demo_account(db: Db) {
    let d = with_demo(&db).await;
    let mut c = db.store.read().await.unwrap();
    // Where each person stands, computed from the generator's own data.
    let org_paths: std::collections::HashMap<i64, String> = tree::all(&mut c, Tree::Org).await.unwrap().into_iter().map(|n| (n.id, n.path)).collect();
    let unit_paths: std::collections::HashMap<i64, String> = tree::all(&mut c, Tree::Unit).await.unwrap().into_iter().map(|n| (n.id, n.path)).collect();
    let placement = |p: i64| Placement {
        person: Some(PersonId(p)),
        org_paths: d.org_memberships.iter().filter(|m| m.person == p).map(|m| org_paths[&m.org].clone()).collect(),
        unit_paths: d.unit_memberships.iter().filter(|m| m.person == p).map(|m| unit_paths[&m.unit].clone()).collect(),
    };
    for a in &d.accounts {
        let s = scope_of(&db.store, a.username).await;
        let (rows, total) = people::list(&mut c, &s, &PeopleFilter::default(), 0, 100_000).await.unwrap();
        assert_eq!(rows.len() as i64, total);
        let seen: std::collections::HashSet<i64> = rows.iter().map(|r| r.id).collect();
        let expected: std::collections::HashSet<i64> = d.people.iter().map(|p| p.id).filter(|p| s.person_access(&placement(*p)).is_some()).collect();
        assert_eq!(seen, expected, "account {}", a.username);
        // The single-record check agrees too, read and write.
        for p in d.people.iter().step_by(7) {
            let got = people::access(&mut c, &s, PersonId(p.id)).await.unwrap();
            assert_eq!(got, s.person_access(&placement(p.id)), "account {} person {}", a.username, p.id);
        }
    }
    // The shape of scope for the main roles.
    let branchsec = scope_of(&db.store, "branchsec").await;
    let (mine, _) = people::list(&mut c, &branchsec, &PeopleFilter::default(), 0, 10_000).await.unwrap();
    assert!(mine.len() > 1 && mine.len() < 100, "a branch secretary sees their branch: {}", mine.len());
    let auditor = scope_of(&db.store, "auditor").await;
    assert_eq!(people::list(&mut c, &auditor, &PeopleFilter::default(), 0, 10).await.unwrap().1, 0);
    let office = scope_of(&db.store, "office").await;
    assert_eq!(people::list(&mut c, &office, &PeopleFilter::default(), 0, 10).await.unwrap().1, d.people.len() as i64);
}

fn input(name: &str, number: &str) -> PersonInput {
    PersonInput { name: Some(name.into()), kind: Some("student".into()), number: Some(number.into()), political_status: Some("03".into()), ..Default::default() }
}

async fn people_are_created_changed_and_never_deleted(db: Db) {
    with_demo(&db).await;
    let sec = scope_of(&db.store, "orgsec").await;
    let mut c = db.store.write().await.unwrap();
    let college_unit = tree::all(&mut c, Tree::Unit).await.unwrap().into_iter().find(|n| n.name == "计算机与通信工程学院").unwrap();
    let class = tree::children(&mut c, Tree::Unit, college_unit.id).await.unwrap();
    let dept = &class[0];
    let class = tree::children(&mut c, Tree::Unit, dept.id).await.unwrap().into_iter().find(|n| n.kind == "class").unwrap();
    let f = input("新同学", "201299990001").validate().unwrap();
    let p = people::create(&mut c, &sec, &f, &people::Placement { unit_id: Some(class.id), ..Default::default() }, date!(2012 - 09 - 01)).await.unwrap();
    let id = PersonId(p.id);
    let mut changed = f.clone();
    changed.phone = Some("13807311234".into());
    let after = people::update(&mut c, &sec, id, &changed).await.unwrap();
    assert_eq!(after.phone.as_deref(), Some("13807311234"));
    // A secretary of another college cannot touch them.
    let other = scope_of(&db.store, "branchsec2").await;
    assert!(matches!(people::update(&mut c, &other, id, &f).await, Err(StoreError::NotFound)));
    assert!(matches!(people::get(&mut c, &other, id).await, Err(StoreError::NotFound)));
    people::mark_left(&mut c, &sec, id, date!(2012 - 10 - 01), "退学").await.unwrap();
    let ms = people::memberships(&mut c, &Scope::system("t"), id).await.unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0].end_date, Some(date!(2012 - 10 - 01)));
    let still = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM people WHERE id = $1").bind(id)).await.unwrap();
    assert_eq!(still, 1, "a person who leaves is never deleted");
    let logged = c.fetch_i64(Sql::new("SELECT COUNT(*) FROM audit_log WHERE entity = 'person' AND entity_id = $1").bind(p.id.to_string())).await.unwrap();
    assert_eq!(logged, 3, "create, update and leave are in the audit log");
    c.commit().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    assert!(audit::verify(&mut c).await.unwrap().ok);
}

async fn a_duplicate_number_is_a_conflict_not_a_crash(db: Db) {
    let d = with_demo(&db).await;
    let office = scope_of(&db.store, "office").await;
    let mut c = db.store.write().await.unwrap();
    let existing = &d.people[50].fields.number;
    let f = input("重复", existing).validate().unwrap();
    let r = people::create(&mut c, &office, &f, &people::Placement { unit_id: Some(1), ..Default::default() }, date!(2012 - 03 - 01)).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "{r:?}");
}

async fn tree_nodes_are_created_moved_and_closed_with_their_subtree(db: Db) {
    with_demo(&db).await;
    let office = scope_of(&db.store, "office").await;
    let mut c = db.store.write().await.unwrap();
    let root = tree::all(&mut c, Tree::Org).await.unwrap().into_iter().find(|n| n.parent_id.is_none()).unwrap();
    let a =
        tree::create(&mut c, &office, Tree::Org, root.id, &NodeInput { kind: Some("committee".into()), name: Some("新建学院党委".into()), ..Default::default() }).await.unwrap();
    let b = tree::create(
        &mut c,
        &office,
        Tree::Org,
        a.id,
        &NodeInput { kind: Some("branch".into()), name: Some("第一党支部".into()), category: Some("faculty".into()), ..Default::default() },
    )
    .await
    .unwrap();
    let g = tree::create(&mut c, &office, Tree::Org, b.id, &NodeInput { kind: Some("group".into()), name: Some("第一党小组".into()), ..Default::default() }).await.unwrap();
    assert_eq!(g.path, format!("{}{}/{}/{}/", root.path, a.id, b.id, g.id));
    // A branch cannot sit under the root, and a sibling name cannot repeat.
    let bad = tree::create(&mut c, &office, Tree::Org, root.id, &NodeInput { kind: Some("branch".into()), name: Some("x".into()), ..Default::default() }).await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))));
    let dup = tree::create(&mut c, &office, Tree::Org, a.id, &NodeInput { kind: Some("branch".into()), name: Some("第一党支部".into()), ..Default::default() }).await;
    assert!(matches!(dup, Err(StoreError::Invalid(_))));
    // Move the branch under another committee: the group's path follows.
    let other =
        tree::create(&mut c, &office, Tree::Org, root.id, &NodeInput { kind: Some("general_branch".into()), name: Some("新建党总支".into()), ..Default::default() }).await.unwrap();
    tree::move_to(&mut c, &office, Tree::Org, b.id, other.id).await.unwrap();
    let g2 = tree::require(&mut c, Tree::Org, g.id).await.unwrap();
    assert_eq!(g2.path, format!("{}{}/{}/{}/", root.path, other.id, b.id, g.id));
    assert_eq!(g2.depth, g.depth);
    // Moving a node under its own subtree is refused.
    assert!(tree::move_to(&mut c, &office, Tree::Org, other.id, g.id).await.is_err());
    // Closing: refused while a child is open; allowed once it is closed.
    assert!(matches!(tree::close(&mut c, &office, Tree::Org, b.id, date!(2012 - 12 - 31)).await, Err(StoreError::Conflict(_))));
    tree::close(&mut c, &office, Tree::Org, g.id, date!(2012 - 12 - 31)).await.unwrap();
    tree::close(&mut c, &office, Tree::Org, b.id, date!(2012 - 12 - 31)).await.unwrap();
    // A branch secretary cannot add a committee under the root.
    let sec = scope_of(&db.store, "branchsec").await;
    let r = tree::create(&mut c, &sec, Tree::Org, root.id, &NodeInput { kind: Some("committee".into()), name: Some("越权".into()), ..Default::default() }).await;
    assert!(matches!(r, Err(StoreError::NotFound) | Err(StoreError::Forbidden(_))), "{r:?}");
    c.commit().await.unwrap();
}

async fn the_auditor_role_takes_two_offices(db: Db) {
    with_demo(&db).await;
    let admin = scope_of(&db.store, "admin").await;
    let office = scope_of(&db.store, "office").await;
    let today = date!(2012 - 03 - 10);
    let mut c = db.store.write().await.unwrap();
    let teacher = account::by_username(&mut c, "teacher").await.unwrap().unwrap();
    let target = AccountId(teacher.id);
    // Neither a direct grant nor a self-request works.
    assert!(matches!(account::grant(&mut c, &admin, target, Role::Auditor, None, today).await, Err(StoreError::Forbidden(_))));
    assert!(account::request_auditor(&mut c, &admin, admin.account, today).await.is_err());
    let req = account::request_auditor(&mut c, &admin, target, today).await.unwrap();
    // The requester cannot approve; the office can.
    assert!(matches!(account::decide(&mut c, &admin, req, true, today, "").await, Err(StoreError::Forbidden(_))));
    account::decide(&mut c, &office, req, true, today, "").await.unwrap();
    let g = account::grants(&mut c, target, Some(today)).await.unwrap();
    let auditor = g.iter().find(|g| g.role == "auditor").expect("auditor grant");
    assert_eq!(auditor.granted_by.as_deref(), Some("admin"));
    assert_eq!(auditor.approved_by.as_deref(), Some("office"));
    // The auditor cannot then be made an administrator.
    assert!(matches!(account::grant(&mut c, &admin, target, Role::Admin, None, today).await, Err(StoreError::Conflict(_))));
    c.commit().await.unwrap();
}

async fn relations_are_checked_against_their_kind_and_coverage_is_counted(db: Db) {
    let d = with_demo(&db).await;
    let office = scope_of(&db.store, "office").await;
    let mut c = db.store.write().await.unwrap();
    let cov = relation::coverage(&mut c).await.unwrap();
    assert!(cov.classes > 0 && cov.classes_without_cadre.is_empty(), "{cov:?}");
    assert!(cov.branches_without_contact.is_empty());
    assert!(cov.window_units_without_head.is_empty());
    let student = d.people.iter().find(|p| p.fields.kind == pacesetter_domain::people::PersonKind::Student).unwrap();
    let class = d.units.iter().find(|u| u.kind == pacesetter_domain::unit::UnitKind::Class).unwrap();
    let r = relation::create(&mut c, &office, RelationKind::CadreClass, PersonId(student.id), class.id, date!(2012 - 03 - 01)).await;
    assert!(matches!(r, Err(StoreError::Invalid(_))), "a student is not a cadre");
    let existing = d.relations.iter().find(|r| r.kind == RelationKind::CadreClass).unwrap();
    let r = relation::create(&mut c, &office, RelationKind::CadreClass, PersonId(existing.person), existing.unit.unwrap(), date!(2012 - 03 - 01)).await;
    assert!(matches!(r, Err(StoreError::Conflict(_))), "a duplicate relation is a conflict");
    // A refused statement ends the transaction (PostgreSQL aborts it): the caller starts anew.
    drop(c);
    let mut c = db.store.write().await.unwrap();
    let (rows, _) = relation::list(&mut c, &[RelationKind::CadreClass], true, 0, 1).await.unwrap();
    relation::end(&mut c, &office, pacesetter_domain::ids::RelationId(rows[0].id), date!(2012 - 07 - 01)).await.unwrap();
    let cov = relation::coverage(&mut c).await.unwrap();
    assert_eq!(cov.classes_without_cadre.len(), 1);
    let member = scope_of(&db.store, "member").await;
    assert!(matches!(relation::end(&mut c, &member, pacesetter_domain::ids::RelationId(rows[0].id), date!(2012 - 07 - 02)).await, Err(StoreError::Forbidden(_))));
    c.commit().await.unwrap();
}

async fn failed_logins_are_counted_and_forgotten(db: Db) {
    use pacesetter_domain::throttle::ThrottleKind;
    let mut c = db.store.write().await.unwrap();
    let keys = vec![("pair:a|1.2.3.4".to_string(), ThrottleKind::AccountAtAddress), ("ip:1.2.3.4".to_string(), ThrottleKind::Address)];
    let t0 = 1_000_000_000_000;
    for i in 0..5 {
        throttle::record_failure(&mut c, &keys, t0 + i).await.unwrap();
    }
    let w = throttle::wait_ms(&mut c, &keys, t0 + 5).await.unwrap();
    assert!(w > 0 && w <= 4_000, "after 5 failures the pair waits a few seconds: {w}");
    let other = vec![("pair:a|5.6.7.8".to_string(), ThrottleKind::AccountAtAddress)];
    assert_eq!(throttle::wait_ms(&mut c, &other, t0 + 5).await.unwrap(), 0, "the owner at another address is not slowed");
    throttle::clear(&mut c, "pair:a|1.2.3.4").await.unwrap();
    assert_eq!(throttle::wait_ms(&mut c, &keys[..1], t0 + 5).await.unwrap(), 0);
    c.commit().await.unwrap();
}

async fn people_lists_filter_and_page(db: Db) {
    let d = with_demo(&db).await;
    let office = scope_of(&db.store, "office").await;
    let mut c = db.store.read().await.unwrap();
    let f = PeopleFilter { political_status: Some("01".into()), ..Default::default() };
    let (_, total) = people::list(&mut c, &office, &f, 0, 10).await.unwrap();
    let expected = d.people.iter().filter(|p| p.fields.political_status.code() == "01").count() as i64;
    assert_eq!(total, expected);
    let (page2, _) = people::list(&mut c, &office, &f, 10, 10).await.unwrap();
    let (page1, _) = people::list(&mut c, &office, &f, 0, 10).await.unwrap();
    assert!(page1.iter().all(|a| page2.iter().all(|b| a.id != b.id)));
    let name = &d.people[20].fields.name;
    let (found, _) = people::list(&mut c, &office, &PeopleFilter { q: Some(name.clone()), ..Default::default() }, 0, 100).await.unwrap();
    assert!(found.iter().any(|r| r.id == d.people[20].id));
    let (cadres, _) = people::list(&mut c, &office, &PeopleFilter { role: Some("cadre_linked".into()), ..Default::default() }, 0, 1000).await.unwrap();
    assert!(!cadres.is_empty());
    assert!(cadres.iter().all(|r| d.relations.iter().any(|x| x.person == r.id && x.kind == RelationKind::CadreClass)));
    let _ = Access::Read;
}

async fn fresh_like(db: &Db) -> Db {
    if db.store.backend() == pacesetter_store::Backend::Postgres { postgres().await.unwrap() } else { sqlite().await }
}

async fn backup_and_restore_round_trip_every_table_and_the_audit_chain(db: Db) {
    with_demo(&db).await;
    let (campaign, _) = load_plan(&db, PLAN).await;
    // A submission with a file, so attachments (bytes) are in the copy too.
    let sec = scope_of(&db.store, "orgsec").await;
    let mut w = db.store.write().await.unwrap();
    let t = task::list(&mut w, &sec, &task::TaskFilter { campaign: Some(campaign), ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.code == "implementation-plan")
        .unwrap();
    let file = task::NewAttachment { filename: "方案.pdf".into(), content_type: "application/pdf".into(), data: b"%PDF-1.4 \x00\xff binary".to_vec() };
    task::submit(&mut w, &sec, t.id, task::Submission { attachments: vec![file], ..Default::default() }).await.unwrap();
    w.commit().await.unwrap();
    // Some history beyond the demo: a change, so the chain has entries of several kinds.
    let office = scope_of(&db.store, "office").await;
    let mut w = db.store.write().await.unwrap();
    let root = tree::all(&mut w, Tree::Org).await.unwrap().into_iter().find(|n| n.parent_id.is_none()).unwrap();
    tree::create(&mut w, &office, Tree::Org, root.id, &NodeInput { kind: Some("committee".into()), name: Some("备份测试党委".into()), ..Default::default() }).await.unwrap();
    // A demo's clock (migration 29) travels with the backup.
    w.execute(Sql::new("UPDATE campaigns SET as_of = '2012-04-20'")).await.unwrap();
    w.commit().await.unwrap();
    // A cadre's visit and an unnamed problem found in it, with photos (migrations 31 and 32).
    let cadre = scope_of(&db.store, "cadre").await;
    let class: i64 = {
        let mut c = db.store.read().await.unwrap();
        c.fetch_i64(
            Sql::new("SELECT unit_id FROM relations WHERE kind = 'cadre_class' AND person_id = $1 AND end_date IS NULL ORDER BY unit_id LIMIT 1").bind(cadre.person.unwrap()),
        )
        .await
        .unwrap()
    };
    let mut w = db.store.write().await.unwrap();
    let visit = pacesetter_domain::liaison::parse_visit("2012-03-09", "宿舍", "班长", "学风", "", date!(2012 - 03 - 10)).unwrap();
    let photo = || pacesetter_store::problem::Photo { content_type: "image/png".into(), data: vec![0x89, b'P', b'N', b'G', 1, 2, 3] };
    let vid = pacesetter_store::liaison::record(&mut w, &cadre, class, &visit, vec![photo()]).await.unwrap();
    let raised = pacesetter_domain::problem::parse_raised("campus", false, "other", "自习室不够用，考研同学没有地方复习", true).unwrap();
    pacesetter_store::problem::raise(&mut w, &cadre, &raised, None, Some((vid, None)), vec![photo()], date!(2012 - 03 - 10), &Default::default()).await.unwrap();
    pacesetter_store::liaison::set_unvisited_weeks(&mut w, &office, 3).await.unwrap();
    pacesetter_store::problem::regroup(&mut w, &office, 0.2).await.unwrap();
    w.commit().await.unwrap();
    let mut file = Vec::new();
    let written = pacesetter_store::backup::backup(&db.store, &mut file).await.unwrap();
    assert!(written.total() > 1000);
    // Into an empty database of the same backend, and into SQLite from either.
    let mut targets = vec![fresh_like(&db).await];
    if db.store.backend() == pacesetter_store::Backend::Postgres {
        targets.push(sqlite().await);
    }
    for target in targets {
        let read = pacesetter_store::backup::restore(&target.store, std::io::BufReader::new(&file[..])).await.unwrap();
        assert_eq!(read, written);
        let mut a = db.store.read().await.unwrap();
        let mut b = target.store.read().await.unwrap();
        for t in pacesetter_store::backup::TABLES {
            let q = format!("SELECT COUNT(*) FROM {}", t.name);
            assert_eq!(a.fetch_i64(Sql::new(q.clone())).await.unwrap(), b.fetch_i64(Sql::new(q)).await.unwrap(), "{}", t.name);
        }
        let as_of = b.fetch_opt_string(Sql::new("SELECT CAST(as_of AS TEXT) FROM campaigns ORDER BY id LIMIT 1")).await.unwrap();
        assert_eq!(as_of.as_deref(), Some("2012-04-20"), "the demo clock is restored");
        let r = audit::verify(&mut b).await.unwrap();
        assert!(r.ok);
        assert_eq!(r.last_hash, audit::verify(&mut a).await.unwrap().last_hash);
        // The restored database works: a login's scope loads, a new person gets a fresh id.
        let s = scope_of(&target.store, "branchsec").await;
        assert!(people::list(&mut b, &s, &PeopleFilter::default(), 0, 10).await.unwrap().1 > 1);
        drop(b);
        let mut w = target.store.write().await.unwrap();
        let f = input("恢复后新增", "201288880001").validate().unwrap();
        people::create(&mut w, &Scope::system("t"), &f, &people::Placement { unit_id: Some(1), ..Default::default() }, date!(2012 - 09 - 01)).await.unwrap();
        w.commit().await.unwrap();
        // A second restore into the now non-empty database is refused.
        assert!(pacesetter_store::backup::restore(&target.store, std::io::BufReader::new(&file[..])).await.is_err());
    }
    // A truncated file is refused and leaves nothing behind.
    let empty = fresh_like(&db).await;
    let cut = &file[..file.len() / 2];
    assert!(pacesetter_store::backup::restore(&empty.store, std::io::BufReader::new(cut)).await.is_err());
    let mut c = empty.store.read().await.unwrap();
    assert_eq!(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM people")).await.unwrap(), 0);
}

async fn the_backup_covers_every_table_of_the_schema(db: Db) {
    let mut c = db.store.read().await.unwrap();
    let tables = pacesetter_store::backup::tables_in_database(&mut c).await.unwrap();
    for t in &tables {
        let covered = pacesetter_store::backup::TABLES.iter().any(|s| s.name == t) || pacesetter_store::backup::NOT_COPIED.contains(&t.as_str());
        assert!(covered, "table {t} is neither backed up nor listed as not copied");
    }
    // And every spec'd column exists: a backup of the empty schema runs.
    let mut out = Vec::new();
    pacesetter_store::backup::backup(&db.store, &mut out).await.unwrap();
}

const PLAN: &str = include_str!("../../../plans/2012-csust.toml");

async fn load_plan(db: &Db, text: &str) -> (i64, campaign::LoadReport) {
    let plan = pacesetter_domain::plan::parse(text).unwrap();
    let office = scope_of(&db.store, "office").await;
    let mut w = db.store.write().await.unwrap();
    let r = campaign::load(&mut w, &office, &plan, text, true).await.unwrap();
    w.commit().await.unwrap();
    (r.campaign_id.unwrap(), r)
}

async fn count(db: &Db, sql: &str) -> i64 {
    let mut c = db.store.read().await.unwrap();
    c.fetch_i64(Sql::new(sql.to_string())).await.unwrap()
}

async fn a_plan_fans_out_once_and_a_changed_plan_keeps_edited_dates(db: Db) {
    with_demo(&db).await;
    let (id, first) = load_plan(&db, PLAN).await;
    assert!(first.is_new && first.tasks_created > 0);
    let tasks = count(&db, "SELECT COUNT(*) FROM tasks").await;
    assert_eq!(tasks, first.tasks_created);
    // Each secondary organization owes the implementation plan; each branch the branch system.
    let secondary = count(&db, "SELECT COUNT(*) FROM orgs WHERE kind IN ('committee', 'general_branch', 'direct_branch') AND closed_on IS NULL").await;
    let owed = count(&db, "SELECT COUNT(*) FROM tasks t JOIN task_templates tt ON tt.id = t.template_id WHERE tt.code = 'implementation-plan'").await;
    assert_eq!(owed, secondary);
    let branches = count(&db, "SELECT COUNT(*) FROM orgs WHERE kind IN ('branch', 'direct_branch') AND closed_on IS NULL").await;
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tasks t JOIN task_templates tt ON tt.id = t.template_id WHERE tt.code = 'branch-system'").await, branches);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tasks t JOIN task_templates tt ON tt.id = t.template_id WHERE tt.code = 'annual-plan'").await, 1);

    // The same file again: nothing new.
    let (_, again) = load_plan(&db, PLAN).await;
    assert!(again.unchanged && again.tasks_created == 0);
    assert_eq!(count(&db, "SELECT COUNT(*) FROM tasks").await, tasks);

    // The office moves a date in the UI; then a changed file moves the same date and another.
    let office = scope_of(&db.store, "office").await;
    let mut w = db.store.write().await.unwrap();
    let tpl = campaign::templates(&mut w, id).await.unwrap();
    let imp = tpl.iter().find(|t| t.code == "implementation-plan").unwrap();
    campaign::set_due(&mut w, &office, imp.id, Some(date!(2012 - 03 - 20))).await.unwrap();
    // Someone without the office's role may not.
    let sec = scope_of(&db.store, "orgsec").await;
    assert!(matches!(campaign::set_due(&mut w, &sec, imp.id, Some(date!(2012 - 03 - 21))).await, Err(StoreError::Forbidden(_))));
    w.commit().await.unwrap();
    let changed = PLAN.replacen("due = 2012-03-15", "due = 2012-03-16", 2).replace("due = 2012-03-31", "due = 2012-03-30");
    let plan = pacesetter_domain::plan::parse(&changed).unwrap();
    let mut w = db.store.write().await.unwrap();
    let preview = campaign::load(&mut w, &office, &plan, &changed, false).await.unwrap();
    assert!(preview.needs_confirmation && !preview.applied);
    assert!(preview.changed.iter().any(|c| c.code == "research-applications" && c.fields.iter().any(|f| f == "due")), "{:?}", preview.changed);
    assert!(preview.conflicts.iter().any(|c| c.code == "implementation-plan" && c.kept == Some(date!(2012 - 03 - 20))), "{:?}", preview.conflicts);
    w.commit().await.unwrap();
    // Not applied until confirmed.
    let mut c = db.store.read().await.unwrap();
    assert_eq!(campaign::templates(&mut c, id).await.unwrap().iter().find(|t| t.code == "research-applications").unwrap().due_date, Some(date!(2012 - 03 - 31)));
    drop(c);
    let mut w = db.store.write().await.unwrap();
    let applied = campaign::load(&mut w, &office, &plan, &changed, true).await.unwrap();
    w.commit().await.unwrap();
    assert!(applied.applied && applied.tasks_created == 0);
    let mut c = db.store.read().await.unwrap();
    let tpl = campaign::templates(&mut c, id).await.unwrap();
    assert_eq!(tpl.iter().find(|t| t.code == "research-applications").unwrap().due_date, Some(date!(2012 - 03 - 30)));
    assert_eq!(tpl.iter().find(|t| t.code == "implementation-plan").unwrap().due_date, Some(date!(2012 - 03 - 20)), "the date edited in the UI is kept");
    drop(c);

    // A branch created later receives the tasks its kind owes.
    let mut w = db.store.write().await.unwrap();
    let parent = tree::all(&mut w, Tree::Org).await.unwrap().into_iter().find(|n| n.kind == "committee" && n.closed_on.is_none()).unwrap();
    let b =
        tree::create(&mut w, &office, Tree::Org, parent.id, &NodeInput { kind: Some("branch".into()), name: Some("新建测试党支部".into()), ..Default::default() }).await.unwrap();
    w.commit().await.unwrap();
    let q = format!("SELECT COUNT(*) FROM tasks t JOIN task_templates tt ON tt.id = t.template_id WHERE t.org_id = {} AND tt.code = 'branch-system'", b.id);
    assert_eq!(count(&db, &q).await, 1);

    // A member transferred to another branch: their commitment now counts there.
    let mut c = db.store.read().await.unwrap();
    let member_task =
        task::list(&mut c, &office, &task::TaskFilter { campaign: Some(id), ..Default::default() }).await.unwrap().into_iter().find(|t| t.code == "commitments-members").unwrap();
    let person = pacesetter_domain::ids::PersonId(member_task.person_id.unwrap());
    let before = dashboard::rollup(&mut c, &office, id, date!(2012 - 03 - 20)).await.unwrap();
    let current = people::memberships(&mut c, &office, person).await.unwrap().into_iter().filter(|m| m.tree == "org" && m.end_date.is_none()).collect::<Vec<_>>();
    let old_org = member_task.owner_path.as_deref().unwrap().trim_end_matches('/').rsplit('/').next().unwrap().parse::<i64>().unwrap();
    drop(c);
    let target = b.id;
    let mut w = db.store.write().await.unwrap();
    for m in &current {
        people::end_membership(&mut w, &office, person, Tree::Org, m.id, date!(2012 - 03 - 20), "转出").await.unwrap();
    }
    people::add_membership(&mut w, &office, person, Tree::Org, target, "member", date!(2012 - 03 - 20)).await.unwrap();
    w.commit().await.unwrap();
    let mut c = db.store.read().await.unwrap();
    let after = dashboard::rollup(&mut c, &office, id, date!(2012 - 03 - 20)).await.unwrap();
    let tpl = member_task.template_id;
    assert_eq!(after.by_template_org.get(&(tpl, target)).map(|f| f.total), Some(1), "the member's task counts under the new branch");
    assert_eq!(after.by_template_org.get(&(tpl, old_org)).map(|f| f.total).unwrap_or(0), before.by_template_org.get(&(tpl, old_org)).map(|f| f.total).unwrap_or(0) - 1);
    assert_eq!(task::get(&mut c, &office, member_task.id).await.unwrap().owner_path.as_deref(), Some(b.path.as_str()));
    drop(c);

    // A closed campaign is read-only and refuses a new load.
    let mut w = db.store.write().await.unwrap();
    campaign::close(&mut w, &office, id).await.unwrap();
    assert!(matches!(campaign::load(&mut w, &office, &plan, &changed, true).await, Err(StoreError::Conflict(_))));
}

async fn a_task_is_submitted_returned_resubmitted_and_accepted_within_scope(db: Db) {
    with_demo(&db).await;
    let (id, _) = load_plan(&db, PLAN).await;
    let sec = scope_of(&db.store, "orgsec").await;
    let office = scope_of(&db.store, "office").await;
    let other = scope_of(&db.store, "branchsec2").await;
    let mut w = db.store.write().await.unwrap();
    let mine = task::list(&mut w, &sec, &task::TaskFilter { campaign: Some(id), ..Default::default() }).await.unwrap();
    let t = mine.iter().find(|t| t.code == "implementation-plan").unwrap().clone();
    assert!(task::rights(&sec, &t).submit && !task::rights(&sec, &t).review);
    assert!(task::rights(&office, &t).review);
    // Outside the secretary's college: not even visible.
    assert!(matches!(task::get(&mut w, &other, t.id).await, Err(StoreError::NotFound)));
    // A document task needs a file.
    assert!(matches!(task::submit(&mut w, &sec, t.id, task::Submission { body: Some("见附件".into()), ..Default::default() }).await, Err(StoreError::Invalid(_))));
    let file = || task::NewAttachment { filename: "实施方案.pdf".into(), content_type: "application/pdf".into(), data: b"%PDF-1.4 test".to_vec() };
    let s1 = task::submit(&mut w, &sec, t.id, task::Submission { attachments: vec![file()], ..Default::default() }).await.unwrap();
    assert_eq!(s1.state, "submitted");
    // The owner cannot review; the office returns it with a comment, due five working days on.
    assert!(task::review(&mut w, &sec, t.id, task::Decision::Accept { comment: None }, &Default::default()).await.is_err());
    assert!(matches!(
        task::review(&mut w, &office, t.id, task::Decision::Return { comment: " ".into(), resubmit_by: None }, &Default::default()).await,
        Err(StoreError::Invalid(_))
    ));
    let r = task::review(&mut w, &office, t.id, task::Decision::Return { comment: "请补充时间安排".into(), resubmit_by: None }, &Default::default()).await.unwrap();
    assert_eq!(r.state, "returned");
    assert!(r.resubmit_due.is_some());
    let s2 = task::submit(&mut w, &sec, t.id, task::Submission { attachments: vec![file()], ..Default::default() }).await.unwrap();
    assert_eq!(s2.state, "submitted");
    let a = task::review(&mut w, &office, t.id, task::Decision::Accept { comment: Some("好".into()) }, &Default::default()).await.unwrap();
    assert_eq!(a.state, "accepted");
    // Accepting twice is a conflict, not a crash.
    assert!(matches!(task::review(&mut w, &office, t.id, task::Decision::Accept { comment: None }, &Default::default()).await, Err(StoreError::Conflict(_))));
    let (subs, files, reviews) = task::history(&mut w, &a).await.unwrap();
    assert_eq!((subs.len(), files.len(), reviews.len()), (2, 2, 2));
    w.commit().await.unwrap();
    let audit_rows = count(&db, &format!("SELECT COUNT(*) FROM audit_log WHERE entity = 'task' AND entity_id = '{}'", t.id)).await;
    assert_eq!(audit_rows, 4, "every transition is in the audit log");
    // The dashboard counts it at the secretary's level and the school's.
    let mut c = db.store.read().await.unwrap();
    let today = date!(2012 - 03 - 20);
    let r = dashboard::rollup(&mut c, &office, id, today).await.unwrap();
    assert_eq!(r.by_template.values().map(|f| f.accepted).sum::<i64>(), 1);
    let org = t.org_id.unwrap();
    assert_eq!(r.by_org[&org].accepted, 1);
    let mine = dashboard::rollup(&mut c, &sec, id, today).await.unwrap();
    assert_eq!(mine.all.accepted, 1);
    assert!(mine.all.total < r.all.total);
}

/// Anonymity (DOMAIN.md): no column joins who took part to what they answered, and neither the
/// stored order nor a backup pairs them better than chance. 120 people answer one after another,
/// each answer marking its author (a free text holding the person's id, which a real survey would
/// not have: it is how this test knows the truth); reading participation and responses in the
/// order the database and a backup give them, and pairing them by position, must find about one
/// true pair (a random permutation has one fixed point on average), never the 120 an arrival
/// order would give.
async fn an_anonymous_survey_has_no_join_path_from_participation_to_responses(db: Db) {
    use pacesetter_domain::survey::{Answer, Answers, Channel, Kind, Question, Questionnaire, Scale, TargetKind};
    use pacesetter_store::survey;
    with_demo(&db).await;
    let office = scope_of(&db.store, "office").await;
    let q = Questionnaire {
        questions: vec![
            Question { code: "q1".into(), section: None, text: "总体满意度".into(), kind: Kind::Rating, scale: Scale::Satisfaction, options: vec![], required: true },
            Question { code: "q2".into(), section: None, text: "意见".into(), kind: Kind::Text, scale: Scale::Satisfaction, options: vec![], required: false },
        ],
        rate_questions: vec![],
    };
    let mut w = db.store.write().await.unwrap();
    let new = survey::NewSurvey {
        campaign_id: None,
        template_code: None,
        title: "匿名测试".into(),
        description: None,
        owner_unit_id: None,
        target_kind: TargetKind::None,
        anonymous: true,
        results_public: false,
        allow_replace: false,
        questionnaire: q,
        opens_on: None,
        closes_on: None,
    };
    let id = survey::create(&mut w, &office, new).await.unwrap();
    let people: Vec<(i64,)> = w.fetch_all(Sql::new("SELECT id FROM people ORDER BY id LIMIT 120")).await.unwrap();
    let people: Vec<i64> = people.into_iter().map(|p| p.0).collect();
    survey::open(&mut w, &office, id).await.unwrap();
    w.commit().await.unwrap();
    // One at a time, in id order: the arrival order is the person order.
    for p in &people {
        let mut a = Answers::new();
        a.insert("q1".into(), Answer::Num(0));
        a.insert("q2".into(), Answer::Text(format!("author {p}")));
        let sub = survey::Submission {
            survey_id: id,
            target_id: 0,
            voter: survey::voter_person(*p),
            person_id: Some(*p),
            link_id: None,
            serial: None,
            channel: Channel::Login,
            answers: a,
            actor_account: None,
            actor: "test".into(),
        };
        let mut w = db.store.write().await.unwrap();
        let out = survey::store_batch(&mut w, vec![sub.clone()]).await.unwrap();
        assert!(matches!(out[0], survey::Outcome::Accepted(_)));
        // A second answer is refused by the primary key, not by luck.
        assert_eq!(survey::store_batch(&mut w, vec![sub]).await.unwrap()[0], survey::Outcome::Duplicate);
        w.commit().await.unwrap();
    }
    // The schema: the responses have no column naming a voter, and carry no person here.
    let mut c = db.store.read().await.unwrap();
    assert_eq!(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM survey_responses WHERE person_id IS NOT NULL")).await.unwrap(), 0);
    let cols = |t: &str| -> Vec<String> { pacesetter_store::backup::TABLES.iter().find(|s| s.name == t).unwrap().columns.iter().map(|(n, _)| n.to_string()).collect() };
    let shared: Vec<String> = cols("survey_participation").into_iter().filter(|c| cols("survey_responses").contains(c)).collect();
    assert_eq!(shared, ["survey_id", "target_id", "day"], "only what every response about the target that day shares (no channel since migration 18)");
    // Pair by position, in the order the tables are read, with no ORDER BY, and in a backup.
    let truth = |text: &str| text.split("author ").nth(1).and_then(|t| t.split('"').next()).and_then(|t| t.parse::<i64>().ok());
    let voters: Vec<(String,)> = c.fetch_all(Sql::new("SELECT voter FROM survey_participation WHERE survey_id = $1").bind(id)).await.unwrap();
    let answers: Vec<(String,)> = c.fetch_all(Sql::new("SELECT answers_json FROM survey_responses WHERE survey_id = $1").bind(id)).await.unwrap();
    let hits = voters.iter().zip(&answers).filter(|((v,), (a,))| Some(v.trim_start_matches('p').parse::<i64>().unwrap()) == truth(a)).count();
    if db.store.backend() == pacesetter_store::Backend::Sqlite {
        // WITHOUT ROWID: even the file keeps the rows by key. (PostgreSQL's heap keeps arrival
        // order until it is rewritten: a forensic reading, outside the promise, as the
        // documentation says; the application always reads in key order.)
        assert!(hits <= 6, "{hits} of 120 pairs by the database's own order");
    }
    let mut file = Vec::new();
    pacesetter_store::backup::backup(&db.store, &mut file).await.unwrap();
    let text = String::from_utf8(file).unwrap();
    let section = |name: &str| -> Vec<String> {
        let start = text.find(&format!("\"table\":\"{name}\"")).unwrap();
        text[start..].lines().skip(1).take_while(|l| l.starts_with('[')).map(str::to_string).collect()
    };
    let b_voters: Vec<i64> = section("survey_participation").iter().filter_map(|l| l.split("\"p").nth(1)?.split('"').next()?.parse().ok()).collect();
    let b_answers: Vec<Option<i64>> = section("survey_responses").iter().map(|l| truth(&l.replace("\\\"", "\""))).collect();
    assert_eq!(b_voters.len(), 120);
    assert_eq!(b_answers.len(), 120);
    let hits = b_voters.iter().zip(&b_answers).filter(|(v, a)| Some(**v) == **a).count();
    assert!(hits <= 6, "{hits} of 120 pairs by the backup's order");
    // The audit log records participation, never content.
    let logged: Vec<(Option<String>,)> = c.fetch_all(Sql::new("SELECT after_json FROM audit_log WHERE action = 'survey.participate'")).await.unwrap();
    assert_eq!(logged.len(), 120);
    assert!(logged.iter().all(|(a,)| !a.as_deref().unwrap_or("").contains("author")));
}

/// Tallies stored before migration 17 had no counts by channel; the migrations give them the
/// counts of how each person took part (since migration 18 a response no longer says how it
/// came: the counts are recounted from participation), so that "how many took part, by channel"
/// (read from the tallies) and an auditor's recount agree.
async fn tallies_from_before_channels_get_them(url: String) {
    use pacesetter_domain::survey::{Answer, Answers, Kind, Tally};
    let plan = pacesetter_domain::plan::parse(include_str!("../../../plans/2012-csust.toml")).expect("plan");
    let qn = plan.surveys.iter().find(|t| t.code == "window-satisfaction").expect("template").questionnaire.clone();
    let answers: Answers = qn.questions.iter().filter(|q| q.kind == Kind::Rating).map(|q| (q.code.clone(), Answer::Num(0))).collect();
    let answers_json = serde_json::to_string(&answers).unwrap();
    let mut tally = Tally::new(&qn);
    let channels = ["link", "link", "paper", "link", "login"];
    let mut statements = vec![format!(
        "INSERT INTO surveys (id, title, target_kind, anonymous, questionnaire_json, state, created_ms, created_by) VALUES (7, 'old', 'none', TRUE, '{}', 'closed', 0, 'test')",
        serde_json::to_string(&qn).unwrap().replace('\'', "''")
    )];
    for (k, ch) in channels.iter().enumerate() {
        tally.add(&qn, &answers);
        statements.push(format!("INSERT INTO survey_responses (survey_id, target_id, id, channel, day, answers_json) VALUES (7, 0, '{k:08}-0000-4000-8000-000000000000', '{ch}', '2012-05-10', '{answers_json}')"));
        statements.push(format!("INSERT INTO survey_participation (survey_id, target_id, voter, channel, day) VALUES (7, 0, 'x{k}', '{ch}', '2012-05-10')"));
    }
    let mut old = serde_json::to_value(&tally).unwrap();
    old.as_object_mut().unwrap().remove("channels");
    statements.push(format!("INSERT INTO survey_tallies (survey_id, target_id, tally_json) VALUES (7, 0, '{old}')"));
    testkit::at_version(&url, 16, &statements).await.expect("a database as release 16 stored it");
    let store = Store::open(&url, &OpenOptions::default()).await.expect("open and migrate");
    let mut c = store.read().await.unwrap();
    let row = pacesetter_store::survey::get(&mut c, &pacesetter_domain::scope::Scope::system("test"), 7, pacesetter_store::survey::Need::Manage).await.unwrap().row;
    let tallies = pacesetter_store::survey::tallies(&mut c, &row).await.unwrap();
    assert_eq!(pacesetter_store::survey::participation_counts(&tallies), vec![("link".to_string(), 3), ("login".to_string(), 1), ("paper".to_string(), 1)]);
    assert_eq!(tallies[&0].responses, 5);
    let recount = pacesetter_store::survey::recount(&mut c, &row).await.unwrap();
    assert!(recount.iter().all(|(_, _, same)| *same), "the migrated tally equals a recount: {recount:?}");
}

#[tokio::test]
async fn tallies_from_before_channels_get_them_sqlite() {
    let (url, _dir) = testkit::sqlite_url();
    tallies_from_before_channels_get_them(url).await;
}

#[tokio::test]
async fn tallies_from_before_channels_get_them_postgres() {
    let Some(base) = testkit::postgres_url() else {
        assert!(!testkit::postgres_required(), "CI=true but PACESETTER_TEST_POSTGRES is not set: the PostgreSQL suite is required");
        return;
    };
    tallies_from_before_channels_get_them(testkit::postgres_database(&base).await.expect("a test database")).await;
}

/// The WAL's frame count, as SQLite reports it (a passive checkpoint also copies what it can).
async fn wal_frames(store: &Store) -> i64 {
    let mut c = store.read().await.unwrap();
    let (_, log, _): (i64, i64, i64) = c.fetch_one(Sql::new("PRAGMA wal_checkpoint(PASSIVE)")).await.unwrap();
    log
}

/// SQLite only (PostgreSQL has no WAL of ours to restart). The response writer starts the WAL
/// again between batches, after a passive checkpoint: a reader still inside the WAL, or another
/// writer in its transaction, makes it give up at once (not after the 30 s a writer waits for a
/// lock), the writer keeps its usual patience afterwards, and once the WAL has restarted,
/// the next commit is written at the WAL's start; nothing committed before or after is lost.
#[tokio::test]
async fn the_writer_starts_the_wal_again_unless_another_holds_it() {
    let (url, _dir) = testkit::sqlite_url();
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    let writer = store.for_writer().await.unwrap();
    let mut w = writer.write().await.unwrap();
    w.execute(Sql::new("CREATE TABLE scratch (id INTEGER PRIMARY KEY, note TEXT NOT NULL)")).await.unwrap();
    for k in 0..2000 {
        w.execute(Sql::new("INSERT INTO scratch (note) VALUES ($1)").bind(format!("第{k}条：窗口服务满意度测评的一条记录"))).await.unwrap();
    }
    w.commit().await.unwrap();
    let before = wal_frames(&store).await;
    assert!(before > 20, "{before} frames after 2,000 rows");

    // A reader inside the WAL: the restart gives up quickly and the data stays.
    let mut r = store.read().await.unwrap();
    r.execute_raw("BEGIN").await.unwrap();
    assert_eq!(r.fetch_i64(Sql::new("SELECT COUNT(*) FROM scratch")).await.unwrap(), 2000);
    let mut w = writer.write().await.unwrap();
    w.execute(Sql::new("INSERT INTO scratch (note) VALUES ('读者在时写入')")).await.unwrap();
    w.commit().await.unwrap();
    store.checkpoint().await.unwrap();
    let t = std::time::Instant::now();
    assert!(!writer.restart_wal().await.unwrap(), "restarted under a reader");
    assert!(t.elapsed() < std::time::Duration::from_secs(2), "the restart waited {:?} for the reader", t.elapsed());
    // Another writer in its transaction: the restart (which needs the write lock, unlike a
    // passive checkpoint) gives up as quickly. The writer then still waits for a lock as long as
    // it always did: the other writer holding it for half a second more delays it, and does not
    // make it fail.
    r.execute_raw("COMMIT").await.unwrap();
    let mut other = store.write().await.unwrap();
    other.execute(Sql::new("INSERT INTO scratch (note) VALUES ('另一个写入者')")).await.unwrap();
    let t = std::time::Instant::now();
    assert!(!writer.restart_wal().await.unwrap(), "restarted while another writer held the lock");
    assert!(t.elapsed() < std::time::Duration::from_secs(2), "the restart waited {:?} for the other writer", t.elapsed());
    r.execute_raw("BEGIN").await.unwrap();
    assert_eq!(r.fetch_i64(Sql::new("SELECT COUNT(*) FROM scratch")).await.unwrap(), 2001);
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        other.commit().await.unwrap();
    });
    let mut w = writer.write().await.unwrap();
    w.execute(Sql::new("INSERT INTO scratch (note) VALUES ('等锁之后写入')")).await.unwrap();
    w.commit().await.unwrap();
    release.await.unwrap();
    r.execute_raw("COMMIT").await.unwrap();
    drop(r);

    // No reader: the WAL starts again, and the next commit is written at its start.
    store.checkpoint().await.unwrap();
    assert!(writer.restart_wal().await.unwrap(), "no reader, yet not restarted");
    let mut w = writer.write().await.unwrap();
    w.execute(Sql::new("INSERT INTO scratch (note) VALUES ('重启之后写入')")).await.unwrap();
    w.commit().await.unwrap();
    let after = wal_frames(&store).await;
    assert!(after > 0 && after < 10, "{after} frames in the WAL after one row (were {before})");

    drop((writer, store));
    let store = Store::open(&url, &OpenOptions::default()).await.unwrap();
    let mut c = store.read().await.unwrap();
    assert_eq!(c.fetch_i64(Sql::new("SELECT COUNT(*) FROM scratch")).await.unwrap(), 2004);
}
