//! The first page after login: what I owe and what waits for me, for my roles.

use super::{Layout, render, see_other};
use crate::ctx::Ctx;
use crate::error::AppResult;
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use pacesetter_domain::ids::PersonId;
use pacesetter_domain::role::{RelationKind, Role};
use pacesetter_store::relation::{self, Coverage};
use pacesetter_store::stats::{self, University};
use pacesetter_store::tree::{self, Tree};
use pacesetter_store::{account, audit};

pub async fn root(ctx: Ctx) -> Response {
    see_other(if ctx.caller.is_some() { "/home" } else { "/login" })
}

/// A node with a count, for the lists of a desk.
pub struct Line {
    pub href: String,
    pub name: String,
    pub detail: String,
}

/// One block of the desk, for one responsibility.
pub struct Block {
    pub title: String,
    pub intro: String,
    pub lines: Vec<Line>,
    pub links: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    l: Layout,
    roles: String,
    overview: Option<University>,
    coverage: Option<Coverage>,
    blocks: Vec<Block>,
    person: Option<i64>,
    audit_entries: Option<i64>,
    reset_notice: Option<String>,
    campaign: bool,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let me = ctx.me()?;
    let lang = ctx.lang;
    let s = &me.scope;
    let mut c = state.store.read().await?;
    let overview = if s.global().is_some() { Some(stats::university(&mut c).await?) } else { None };
    let coverage = if s.has_any(&[Role::Office, Role::Admin, Role::Leader]) { Some(relation::coverage(&mut c).await?) } else { None };
    let mut blocks = Vec::new();

    // Secretaries: their organization and the branches below it.
    for g in account::grants(&mut c, me.id(), Some(pacesetter_domain::dates::today())).await? {
        let Some(org_id) = g.org_id else { continue };
        let Some(node) = tree::get(&mut c, Tree::Org, org_id).await? else { continue };
        let total = tree::subtree_member_count(&mut c, Tree::Org, &node).await?;
        let children = tree::children(&mut c, Tree::Org, org_id).await?;
        let mut lines = Vec::new();
        for ch in children.iter().filter(|n| n.closed_on.is_none()) {
            let n = tree::subtree_member_count(&mut c, Tree::Org, ch).await?;
            lines.push(Line { href: format!("/orgs/{}", ch.id), name: ch.name.clone(), detail: format!("{n} {}", lang.t("人", "people")) });
        }
        blocks.push(Block {
            title: format!("{} · {}", node.name, Role::parse(&g.role).map(|r| r.label(lang)).unwrap_or("")),
            intro: format!("{}{}{}", lang.t("本组织共有成员 ", "Members in this organization: "), total, lang.t(" 人。", ".")),
            lines,
            links: vec![
                (format!("/orgs/{org_id}"), lang.t("打开本组织", "Open the organization").to_string()),
                (format!("/people?org_id={org_id}"), lang.t("成员名单", "Members").to_string()),
                (format!("/people/export.xlsx?org_id={org_id}"), lang.t("导出Excel", "Export to Excel").to_string()),
            ],
        });
    }

    // Relations: the cadre's classes, the contact person's branches, the head's unit.
    if let Some(pid) = me.account.person_id {
        for kind in RelationKind::ALL {
            let rels: Vec<_> = relation::of_person(&mut c, PersonId(pid)).await?.into_iter().filter(|r| r.kind == kind.code() && r.end_date.is_none()).collect();
            if rels.is_empty() {
                continue;
            }
            let tree = if kind.targets_org() { Tree::Org } else { Tree::Unit };
            let mut lines = Vec::new();
            for r in &rels {
                let id = r.org_id.or(r.unit_id).unwrap_or(0);
                let detail = match tree::get(&mut c, tree, id).await? {
                    Some(n) => format!("{} {}", tree::subtree_member_count(&mut c, tree, &n).await?, lang.t("人", "people")),
                    None => String::new(),
                };
                lines.push(Line { href: format!("/{}s/{id}", tree.entity()), name: r.target_name.clone(), detail });
            }
            let intro = match kind {
                RelationKind::CadreClass => lang.t("您联系的班级（第8项：处级以上干部联系学生班级）。", "The classes you are linked to (item 8)."),
                RelationKind::BranchContact => lang.t("您担任联系人的党支部（第11项）。", "The branches you are the contact person of (item 11)."),
                RelationKind::UnitHead => lang.t("您负责的单位及其服务窗口（第9项）。", "The unit you head and its service windows (item 9)."),
            };
            blocks.push(Block { title: kind.label(lang).to_string(), intro: intro.to_string(), lines, links: Vec::new() });
        }
    }

    // What waits for me in the campaign: ballots and score sheets, appraisals, notices (公示).
    let campaign = pacesetter_store::campaign::current(&mut c).await?;
    if let Some(camp) = &campaign {
        let day = pacesetter_domain::dates::today();
        let mut lines = Vec::new();
        for sel in pacesetter_store::selection::list(&mut c, camp.id).await? {
            if sel.voting_open(day) {
                let my = pacesetter_store::selection::my_ballot(&mut c, s, sel.id).await?;
                if my.in_electorate && !my.voted {
                    let what = if sel.category().map(|k| k.method.has_panel()).unwrap_or(false) { lang.t("待评分", "To score") } else { lang.t("待投票", "To vote") };
                    lines.push(Line { href: format!("/selections/{}", sel.id), name: sel.title.clone(), detail: what.to_string() });
                }
            } else if sel.notice_running(day) {
                lines.push(Line {
                    href: format!("/selections/{}", sel.id),
                    name: sel.title.clone(),
                    detail: lang.t("公示中，可提出异议", "On notice: objections open").to_string(),
                });
            }
        }
        // What the caller still owes in each open round: a fixed number of queries per round,
        // whatever its size.
        for (r, owed) in crate::app::appraisals::owed(&state, s).await?.into_iter().filter(|(_, owed)| *owed > 0) {
            let detail = format!("{} {owed} {}", lang.t("待评议", "To appraise:"), lang.t("项", ""));
            lines.push(Line { href: format!("/appraisals/{}", r.id), name: r.title.clone(), detail: detail.trim().to_string() });
        }
        if !lines.is_empty() {
            blocks.insert(
                0,
                Block {
                    title: lang.t("待我参加", "Waiting for me").to_string(),
                    intro: lang.t("投票、评分、评议和公示中的评选结果。", "Ballots, score sheets, appraisals, and results on public notice.").to_string(),
                    lines,
                    links: Vec::new(),
                },
            );
        }
    }

    let audit_entries = if s.has(Role::Auditor) { Some(audit::list(&mut c, &Default::default(), 0, 1).await?.1) } else { None };
    let roles = s.roles.iter().map(|r| r.label(lang)).collect::<Vec<_>>().join("、");
    let reset_notice = super::login::reset_notice(me, lang);
    Ok(render(&HomePage {
        l: Layout::new(&ctx, lang.t("工作台", "My desk")),
        roles,
        overview,
        coverage,
        blocks,
        person: me.account.person_id,
        audit_entries,
        reset_notice,
        campaign: campaign.is_some(),
    }))
}
