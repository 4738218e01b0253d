//! Publicity (item 19) in SQL: stories written by a secondary organization (or the office), with
//! their images, handed in, edited and published by the office on a public page, returned or
//! taken down with a reason; who reads what (published: anyone, without an account; the others:
//! the office, the leaders and the writing organization's keepers); and the links from the award
//! register and a person's public fields.

use crate::db::{Conn, Sql};
use crate::tree::{self, Tree};
use crate::{StoreError, audit};
use pacesetter_domain::dates::now_ms;
use pacesetter_domain::role::Role;
use pacesetter_domain::scope::{Access, Scope};
use pacesetter_domain::story::{self as sd, Actor, Draft, Kind, Move, State};
use serde::Serialize;

pub use crate::attachments::{FileMeta, NewFile};

const IMAGES: crate::attachments::Table = crate::attachments::STORY_IMAGE;

/// What a story is about: a person, an organization, or an award of the register (which names
/// its person or organization).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Subject {
    #[default]
    None,
    Person(i64),
    Org(i64),
    Award(i64),
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct StoryRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub body: String,
    pub source_org_id: Option<i64>,
    /// The writing organization's name; None for the office.
    pub source_name: Option<String>,
    pub source_path: Option<String>,
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
    pub subject_org_id: Option<i64>,
    pub subject_org_name: Option<String>,
    pub award_id: Option<i64>,
    /// The award's name and period, as the register shows them.
    pub award_label: Option<String>,
    pub state: String,
    pub review_comment: Option<String>,
    pub version: i64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub published_ms: Option<i64>,
}

impl StoryRow {
    pub fn kind(&self) -> Kind {
        Kind::parse(&self.kind).unwrap_or(Kind::News)
    }
    pub fn state(&self) -> State {
        State::parse(&self.state).unwrap_or(State::Draft)
    }
    pub fn published(&self) -> bool {
        self.state() == State::Published
    }
}

const SELECT: &str = "SELECT s.id, s.kind, s.title, s.summary, s.body, s.source_org_id, so.name AS source_name, so.path AS source_path, \
     s.person_id, p.name AS person_name, s.subject_org_id, sj.name AS subject_org_name, s.award_id, \
     CASE WHEN a.id IS NULL THEN NULL ELSE a.award || ' · ' || a.period END AS award_label, \
     s.state, s.review_comment, s.version, s.created_ms, s.updated_ms, s.published_ms \
     FROM stories s LEFT JOIN orgs so ON so.id = s.source_org_id LEFT JOIN people p ON p.id = s.person_id \
     LEFT JOIN orgs sj ON sj.id = s.subject_org_id LEFT JOIN awards a ON a.id = s.award_id";

/// How the caller stands to a story: the office, its writer (a keeper of the writing
/// organization), a reader of unpublished stories (a leader, or someone above the writer), or
/// nobody special.
pub fn actor(scope: &Scope, s: &StoryRow) -> Option<Actor> {
    if scope.is_office() {
        return Some(Actor::Office);
    }
    match s.source_path.as_deref() {
        Some(p) if scope.party_access(p) == Some(Access::Write) => Some(Actor::Writer),
        _ => None,
    }
}

pub fn reads_unpublished(scope: &Scope, s: &StoryRow) -> bool {
    scope.is_office() || scope.has(Role::Leader) || s.source_path.as_deref().is_some_and(|p| scope.party_access(p).is_some())
}

/// `(SELECT s.id …)`: the stories the caller may read: the published ones, and the others of
/// organizations they reach (all for the office and the leaders).
pub(crate) fn push_readable_ids(q: &mut Sql, scope: &Scope) {
    q.push("(SELECT s.id FROM stories s LEFT JOIN orgs so ON so.id = s.source_org_id WHERE s.state = 'published' OR ");
    crate::scope::push_org_condition(q, scope, Access::Read, "so.path", scope.is_office() || scope.has(Role::Leader));
    q.push(")");
}

/// A story the caller may read (`None`: a reader without an account); 404 for anyone else.
pub async fn get(c: &mut Conn, scope: Option<&Scope>, id: i64) -> Result<StoryRow, StoreError> {
    let s: StoryRow = c.fetch_optional(Sql::new(format!("{SELECT} WHERE s.id = $1")).bind(id)).await?.ok_or(StoreError::NotFound)?;
    if s.published() || scope.is_some_and(|sc| reads_unpublished(sc, &s)) { Ok(s) } else { Err(StoreError::NotFound) }
}

/// The secondary organization a story is written for, checked: open, at the tree's second level
/// (a college's committee), kept by the caller.
async fn writing_org(c: &mut Conn, scope: &Scope, org: i64) -> Result<tree::Node, StoreError> {
    let n = tree::get(c, Tree::Org, org).await?.filter(|n| n.closed_on.is_none()).ok_or(StoreError::NotFound)?;
    match scope.party_access(&n.path) {
        None => Err(StoreError::NotFound),
        Some(Access::Read) => Err(StoreError::forbidden("只能以您负责的二级党组织名义撰稿", "Write for a secondary organization you keep")),
        Some(Access::Write) if n.depth != 1 => Err(StoreError::forbidden("稿件由二级党组织撰写并提交", "Stories are written and handed in by secondary organizations")),
        Some(Access::Write) => Ok(n),
    }
}

/// Whether a person is a current member within the organization at `path` (anywhere when None).
async fn person_within(c: &mut Conn, person: i64, path: Option<&str>) -> Result<bool, StoreError> {
    let prefix = format!("{}%", path.unwrap_or(""));
    let n = c
        .fetch_i64(
            Sql::new("SELECT COUNT(*) FROM org_memberships m JOIN orgs o ON o.id = m.org_id WHERE m.person_id = $1 AND m.end_date IS NULL AND o.path LIKE $2")
                .bind(person)
                .bind(prefix),
        )
        .await?;
    Ok(n > 0)
}

/// The subject as stored (person, organization, award), checked against the writer: an
/// organization writes about its own people and organizations (and their awards); the office
/// about anyone.
async fn subject_columns(c: &mut Conn, source_path: Option<&str>, subject: Subject) -> Result<(Option<i64>, Option<i64>, Option<i64>), StoreError> {
    let not_found = || StoreError::invalid("subject", "没有找到这个人物、组织或奖项", "No such person, organization or award");
    let outside = || StoreError::invalid("subject", "只能宣传本组织的党员、组织或奖项", "Write about your own organization's people, organizations or awards");
    match subject {
        Subject::None => Ok((None, None, None)),
        Subject::Person(p) => {
            let exists = c.fetch_opt_i64(Sql::new("SELECT id FROM people WHERE id = $1").bind(p)).await?.is_some();
            if !exists {
                return Err(not_found());
            }
            if source_path.is_some() && !person_within(c, p, source_path).await? {
                return Err(outside());
            }
            Ok((Some(p), None, None))
        }
        Subject::Org(o) => {
            let n = tree::get(c, Tree::Org, o).await?.ok_or_else(not_found)?;
            if source_path.is_some_and(|p| !n.path.starts_with(p)) {
                return Err(outside());
            }
            Ok((None, Some(o), None))
        }
        Subject::Award(a) => {
            let r: Option<(Option<i64>, Option<i64>)> = c.fetch_optional(Sql::new("SELECT person_id, org_id FROM awards WHERE id = $1").bind(a)).await?;
            let (person, org) = r.ok_or_else(not_found)?;
            if source_path.is_some() {
                let within = match (person, org) {
                    (Some(p), _) => person_within(c, p, source_path).await?,
                    (_, Some(o)) => tree::get(c, Tree::Org, o).await?.is_some_and(|n| source_path.is_some_and(|sp| n.path.starts_with(sp))),
                    _ => false,
                };
                if !within {
                    return Err(outside());
                }
            }
            Ok((person, org, Some(a)))
        }
    }
}

/// Starts a story for a secondary organization the caller keeps (`None`: the office writes it).
pub async fn create(c: &mut Conn, scope: &Scope, org: Option<i64>, subject: Subject, d: &Draft, images: Vec<NewFile>) -> Result<i64, StoreError> {
    let source_path = match org {
        None => {
            crate::scope::office_only(scope)?;
            None
        }
        // The office writes as itself: a story it started for a college could be moved by nobody.
        Some(_) if scope.is_office() => return Err(StoreError::invalid("org", "创先办以本办名义撰稿", "The office writes as itself")),
        Some(o) => Some(writing_org(c, scope, o).await?.path),
    };
    let (person, subject_org, award) = subject_columns(c, source_path.as_deref(), subject).await?;
    let now = now_ms();
    let id = c
        .fetch_i64(
            Sql::new(
                "INSERT INTO stories (kind, title, summary, body, source_org_id, person_id, subject_org_id, award_id, state, version, created_by, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', 1, $9, $10, $10) RETURNING id",
            )
            .bind(d.kind.code())
            .bind(d.title.as_str())
            .bind(d.summary.as_str())
            .bind(d.body.as_str())
            .bind(org)
            .bind(person)
            .bind(subject_org)
            .bind(award)
            .bind(scope.account.0)
            .bind(now),
        )
        .await?;
    let listed = crate::attachments::keep(c, IMAGES, id, images).await?;
    audit::append(
        c,
        scope,
        "story.create",
        "story",
        id,
        None,
        audit::snapshot(&serde_json::json!({"title": d.title, "kind": d.kind.code(), "org": org, "person": person, "subject_org": subject_org, "award": award, "images": listed})),
    )
    .await?;
    Ok(id)
}

/// Changes a story's text and images: the writer while it is theirs, the office once handed in
/// (or its own). `version` is the one the editor started from: a story changed since is a 409,
/// so nobody's edit is silently overwritten.
#[allow(clippy::too_many_arguments)]
pub async fn edit(c: &mut Conn, scope: &Scope, id: i64, version: i64, subject: Subject, d: &Draft, add: Vec<NewFile>, remove: &[i64]) -> Result<StoryRow, StoreError> {
    let s = get(c, Some(scope), id).await?;
    let who = actor(scope, &s).ok_or_else(|| StoreError::forbidden("无权修改这篇稿件", "You may not change this story"))?;
    if !sd::may_edit(s.state(), who, s.source_org_id.is_none()) {
        return Err(StoreError::conflict(
            format!("稿件{}，现在不能修改", s.state().label(pacesetter_domain::Lang::Zh)),
            format!("The story is {}; it cannot be changed now", s.state().label(pacesetter_domain::Lang::En).to_lowercase()),
        ));
    }
    let kept = crate::attachments::list(c, IMAGES, id).await?;
    if remove.iter().any(|r| !kept.iter().any(|k| k.id == *r)) {
        return Err(StoreError::invalid("remove", "要删除的图片不属于这篇稿件", "The image to remove is not this story's"));
    }
    if kept.len() - remove.len() + add.len() > sd::MAX_IMAGES {
        return Err(StoreError::invalid("images", format!("每篇稿件最多 {} 张图片", sd::MAX_IMAGES), format!("At most {} images per story", sd::MAX_IMAGES)));
    }
    let (person, subject_org, award) = subject_columns(c, if who == Actor::Office { None } else { s.source_path.as_deref() }, subject).await?;
    let n = c
        .execute(
            Sql::new(
                "UPDATE stories SET kind = $1, title = $2, summary = $3, body = $4, person_id = $5, subject_org_id = $6, award_id = $7, \
                 version = version + 1, updated_ms = $8 WHERE id = $9 AND version = $10",
            )
            .bind(d.kind.code())
            .bind(d.title.as_str())
            .bind(d.summary.as_str())
            .bind(d.body.as_str())
            .bind(person)
            .bind(subject_org)
            .bind(award)
            .bind(now_ms())
            .bind(id)
            .bind(version),
        )
        .await?;
    StoreError::unless_changed(n, "稿件已被他人修改，请刷新后再改", "Someone else changed the story; reload it and edit again")?;
    for r in remove {
        crate::attachments::remove(c, IMAGES, id, *r).await?;
    }
    let listed = crate::attachments::keep(c, IMAGES, id, add).await?;
    audit::append(
        c,
        scope,
        "story.edit",
        "story",
        id,
        None,
        audit::snapshot(
            &serde_json::json!({"title": d.title, "kind": d.kind.code(), "person": person, "subject_org": subject_org, "award": award, "added": listed, "removed": remove}),
        ),
    )
    .await?;
    get(c, Some(scope), id).await
}

/// Moves a story: the writer hands it in; the office publishes it, or returns it (or takes it
/// down) with a reason.
pub async fn make_move(c: &mut Conn, scope: &Scope, id: i64, mv: Move, comment: Option<&str>) -> Result<StoryRow, StoreError> {
    let s = get(c, Some(scope), id).await?;
    let who = actor(scope, &s).ok_or_else(|| StoreError::forbidden("无权处理这篇稿件", "You may not act on this story"))?;
    let to = sd::next(s.state(), mv, who, s.source_org_id.is_none()).map_err(|(zh, en)| match who {
        Actor::Writer if mv != Move::Submit => StoreError::forbidden(zh, en),
        Actor::Office if mv == Move::Submit => StoreError::forbidden(zh, en),
        _ => StoreError::conflict(zh, en),
    })?;
    let now = now_ms();
    let published = (to == State::Published).then_some(now);
    let n = c
        .execute(
            Sql::new("UPDATE stories SET state = $1, review_comment = $2, published_ms = $3, updated_ms = $4, version = version + 1 WHERE id = $5 AND state = $6")
                .bind(to.code())
                .bind(comment)
                .bind(published)
                .bind(now)
                .bind(id)
                .bind(s.state().code()),
        )
        .await?;
    StoreError::unless_changed(n, "稿件状态已变化，请刷新", "The story has moved on; reload it")?;
    let action = match mv {
        Move::Submit => "story.submit",
        Move::Publish => "story.publish",
        Move::Return => "story.return",
    };
    audit::append(c, scope, action, "story", id, None, audit::snapshot(&serde_json::json!({"from": s.state().code(), "to": to.code(), "comment": comment}))).await?;
    get(c, Some(scope), id).await
}

/// Filters of the list.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub kind: Option<Kind>,
    pub state: Option<State>,
}

/// The stories the caller may read (published only for a reader without an account), newest
/// first; `offset` pages through them.
pub async fn list(c: &mut Conn, scope: Option<&Scope>, f: &Filter, limit: i64, offset: i64) -> Result<Vec<StoryRow>, StoreError> {
    let mut q = Sql::new(format!("{SELECT} WHERE "));
    match scope {
        None => {
            q.push("s.state = 'published'");
        }
        Some(sc) => {
            q.push("s.id IN ");
            push_readable_ids(&mut q, sc);
        }
    }
    if let Some(k) = f.kind {
        q.push(" AND s.kind = ").push_bind(k.code());
    }
    if let Some(st) = f.state {
        q.push(" AND s.state = ").push_bind(st.code());
    }
    q.push(" ORDER BY COALESCE(s.published_ms, s.updated_ms) DESC, s.id DESC LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
    Ok(c.fetch_all(q).await?)
}

pub async fn images(c: &mut Conn, id: i64) -> Result<Vec<FileMeta>, StoreError> {
    crate::attachments::list(c, IMAGES, id).await
}

/// An image of a story the caller may read.
pub async fn image(c: &mut Conn, scope: Option<&Scope>, image: i64) -> Result<(String, String, Vec<u8>), StoreError> {
    let owner = crate::attachments::owner_of(c, IMAGES, image).await?;
    get(c, scope, owner).await?;
    crate::attachments::read(c, IMAGES, image).await
}

/// The demo's stories: the office's news of the campaign, a college's story of an excellent
/// member near them (published, with `cover`), and a second one handed in and waiting.
pub async fn demo(c: &mut Conn, cover: Vec<u8>) -> Result<(), StoreError> {
    let office = Scope { roles: vec![Role::Office], ..Scope::system("demo-loader") };
    // The colleges' keepers (their secretaries' accounts): the stories are theirs to write.
    let keepers: Vec<(i64, i64)> = c
        .fetch_all(Sql::new(
            "SELECT g.org_id, g.account_id FROM role_grants g JOIN orgs o ON o.id = g.org_id \
             WHERE o.depth = 1 AND o.closed_on IS NULL AND g.end_date IS NULL ORDER BY g.id LIMIT 2",
        ))
        .await?;
    let news = Draft {
        kind: Kind::News,
        title: "学校召开创先争优活动推进会".into(),
        summary: "总结前一阶段公开承诺、窗口服务和评议工作，部署下一阶段“我身边的优秀共产党员”宣传。".into(),
        body: "## 会议要点\n\n1. 各二级党组织**按期完成**公开承诺的公示和践诺；\n2. 服务窗口的满意度测评结果每月通报；\n3. 4月起开展“我身边的优秀共产党员”征文和宣传。\n\n> 创先争优贵在常态、重在实效。\n".into(),
    };
    let id = create(c, &office, None, Subject::None, &news, Vec::new()).await?;
    make_move(c, &office, id, Move::Publish, None).await?;
    for i in 0..2 {
        let Some(&(org, keeper)) = keepers.get(i % keepers.len().max(1)) else { break };
        let person: Option<i64> = c
            .fetch_opt_i64(
                Sql::new(
                    "SELECT m.person_id FROM org_memberships m JOIN orgs o ON o.id = m.org_id JOIN orgs top ON top.id = $1 \
                     WHERE m.end_date IS NULL AND o.path LIKE top.path || '%' ORDER BY m.person_id LIMIT 1",
                )
                .bind(org),
            )
            .await?;
        // Written and handed in by the college's own keeper (as its secretary would).
        let Some(writer) = crate::scope::load(c, pacesetter_domain::ids::AccountId(keeper), pacesetter_domain::dates::today()).await? else { continue };
        let d = Draft {
            kind: Kind::Neighbour,
            title: if i == 0 { "扎根实验室的“老黄牛”".into() } else { "把党小组建在项目组上".into() },
            summary: if i == 0 {
                "二十年如一日带学生做实验，他说：“党员就要在学生最需要的地方。”".into()
            } else {
                "一个学生党支部把党小组建在科研项目组上的做法。".into()
            },
            body: if i == 0 {
                "他每天七点到实验室，晚上十点才离开。学生做实验遇到问题，第一个想到的总是他。\n\n## 身边人说\n\n- “有问题找他，从来不推。”\n- “他把党员先锋岗的牌子挂在了实验台上。”\n".into()
            } else {
                "支部把党小组建在科研项目组上，党员在项目里亮身份、作表率。\n\n## 做法\n\n1. 每个项目组至少一名党员担任联络员；\n2. 党小组会与项目例会同步召开。\n".into()
            },
        };
        let subject = person.map(Subject::Person).unwrap_or_default();
        let images = if i == 0 { vec![NewFile { name: "封面.png".into(), content_type: "image/png".into(), data: cover.clone() }] } else { Vec::new() };
        let id = create(c, &writer, Some(org), subject, &d, images).await?;
        make_move(c, &writer, id, Move::Submit, None).await?;
        if i == 0 {
            make_move(c, &office, id, Move::Publish, None).await?;
        }
    }
    Ok(())
}
