//! The HTML pages: server-rendered, Chinese first, one column on a phone, no script needed.

pub mod accounts;
pub mod activities;
pub mod announcements;
pub mod api_tokens;
pub mod appraisals;
pub mod assets;
pub mod audit;
pub mod campaigns;
pub mod care;
pub mod central_groups;
pub mod commitments;
pub mod confirm;
pub mod contacts;
pub mod development;
pub mod disposals;
pub mod home;
pub mod imports;
pub mod liaison;
pub mod library;
pub mod login;
pub mod meetings;
pub mod member_files;
pub mod people;
pub mod problems;
pub mod relations;
pub mod research;
pub mod samples;
pub mod search;
pub mod selections;
pub mod sign_on;
pub mod stories;
pub mod study;
pub mod study_points;
pub mod surveys;
pub mod systems;
pub mod tasks;
pub mod transfers;
pub mod tree;
pub mod windows;

use crate::ctx::Ctx;
use crate::error::AppError;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use pacesetter_domain::Lang;
use pacesetter_domain::role::Role;
use pacesetter_domain::validate::FieldErrors;
use std::collections::HashMap;

pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

pub struct UserBadge {
    pub name: String,
    pub roles: String,
}

/// What every page's frame needs: language, title, the user, the navigation, the form token.
pub struct Layout {
    pub lang: Lang,
    pub title: String,
    pub csrf: String,
    pub path: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub notice: Option<String>,
    /// The demo clock's date, shown on every page while a demo database runs on it.
    pub demo_day: Option<time::Date>,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: &str) -> Layout {
        let lang = ctx.lang;
        let path_only = ctx.path.split('?').next().unwrap_or("/").to_string();
        let mut nav = Vec::new();
        if let Some(c) = &ctx.caller {
            let s = &c.scope;
            let mut item = |href: &'static str, label: &'static str| {
                let active = path_only == href || (href != "/home" && path_only.starts_with(&format!("{href}/")));
                nav.push(NavItem { href, label, active });
            };
            item("/home", lang.t("工作台", "Desk"));
            item("/tasks", lang.t("任务", "Tasks"));
            item("/campaigns", lang.t("活动", "Campaign"));
            item("/commitments", lang.t("承诺", "Commitments"));
            item("/surveys", lang.t("问卷", "Surveys"));
            item("/appraisals", lang.t("评议", "Appraisals"));
            item("/selections", lang.t("评选", "Selections"));
            item("/problems", lang.t("问题反映", "Problems"));
            item("/activities", lang.t("活动报名", "Activities"));
            item("/announcements", lang.t("通知公告", "Notices"));
            item("/library", lang.t("经验库", "Library"));
            item("/stories", lang.t("典型宣传", "Stories"));
            item("/research", lang.t("课题研究", "Research"));
            // Those who organize the study of a document, and those above them.
            if s.has_any(&[Role::Office, Role::Leader, Role::OrgSecretary, Role::BranchSecretary, Role::Delegate, Role::UnitHead]) {
                item("/study", lang.t("学习文件", "Study"));
                item("/study-points", lang.t("示范点", "Model points"));
            }
            // Party members, those who run or oversee meetings, and cadres (exchange meetings).
            if s.has_any(&[Role::Member, Role::Cadre, Role::Office, Role::Leader, Role::OrgSecretary, Role::BranchSecretary, Role::Delegate, Role::Contact, Role::UnitHead]) {
                item("/meetings", lang.t("会议", "Meetings"));
            }
            // The members of the central groups (leaders and cadres) and those who keep them.
            if s.has_any(&[Role::Office, Role::Leader, Role::OrgSecretary, Role::Cadre]) {
                item("/central-groups", lang.t("中心组学习", "Central groups"));
            }
            // Those who keep a branch through the Party tree, and the office.
            if s.has_any(&[Role::Office, Role::OrgSecretary, Role::BranchSecretary, Role::Delegate]) {
                item("/disposals", lang.t("党员处置", "Disposals"));
            }
            // Those who visit (a branch, a unit) and the office that opens the rounds.
            if s.has_any(&[Role::Office, Role::OrgSecretary, Role::BranchSecretary, Role::Delegate, Role::UnitHead]) {
                item("/care", lang.t("走访慰问", "Care visits"));
            }
            // The Party side that develops members, and those above it.
            if s.has_any(&[Role::Office, Role::Leader, Role::OrgSecretary, Role::BranchSecretary, Role::Delegate, Role::Contact]) {
                item("/development", lang.t("发展党员", "Development"));
            }
            // Those who receive or release members' Party relations.
            if s.has_any(&[Role::Office, Role::OrgSecretary, Role::BranchSecretary, Role::Delegate]) {
                item("/transfers", lang.t("组织关系转接", "Transfers"));
            }
            if s.has(Role::Cadre) {
                item("/liaison", lang.t("联系班级", "My classes"));
            }
            if s.has(Role::Contact) {
                item("/contact", lang.t("联系支部", "My branches"));
            }
            if !s.has(Role::Auditor) || s.roles.len() > 1 {
                item("/orgs", lang.t("党组织", "Party tree"));
                item("/units", lang.t("单位", "Units"));
                item("/people", lang.t("人员", "People"));
                item("/directory", lang.t("查找", "Look up"));
            }
            if s.reaches.iter().any(|(r, a)| *a == pacesetter_domain::scope::Access::Write && !matches!(r, pacesetter_domain::scope::Reach::Person(_))) {
                item("/import", lang.t("导入名册", "Import"));
            }
            if s.has_any(crate::routes::OFFICE) {
                item("/relations", lang.t("联系关系", "Relations"));
                item("/mail", lang.t("邮件", "Mail"));
            }
            if s.has_any(crate::routes::ACCOUNT_OFFICES) {
                item("/accounts", lang.t("账号", "Accounts"));
            }
            if s.has(Role::Auditor) {
                item("/audit", lang.t("审计日志", "Audit log"));
            }
        }
        let notice = notice_from_query(&ctx.path, lang);
        Layout {
            lang,
            title: title.to_string(),
            csrf: ctx.csrf.clone(),
            path: ctx.path.clone(),
            user: ctx
                .caller
                .as_ref()
                .map(|c| UserBadge { name: c.account.display_name.clone(), roles: c.scope.roles.iter().map(|r| r.label(lang)).collect::<Vec<_>>().join(" · ") }),
            nav,
            notice,
            demo_day: pacesetter_domain::dates::clock(),
        }
    }

    pub fn t<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        self.lang.t(zh, en)
    }

    pub fn text<'a>(&self, t: &'a pacesetter_domain::Text) -> &'a str {
        t.get(self.lang)
    }

    pub fn status(&self, code: &str) -> String {
        crate::labels::status_label(code, self.lang)
    }

    pub fn stage(&self, code: &Option<String>) -> String {
        crate::labels::stage_label(code.as_deref(), self.lang)
    }

    pub fn rank(&self, code: &Option<String>) -> String {
        crate::labels::rank_label(code.as_deref(), self.lang)
    }

    pub fn person_kind(&self, code: &str) -> String {
        crate::labels::kind_label(code, self.lang)
    }

    pub fn gender(&self, code: &Option<String>) -> String {
        crate::labels::gender_label(code.as_deref(), self.lang)
    }

    pub fn post(&self, code: &str) -> String {
        crate::labels::post_label(code, self.lang)
    }

    /// The post (Party tree) or position (administrative tree) of a membership.
    pub fn mrole(&self, tree: &str, role: &Option<String>) -> String {
        match (tree, role) {
            ("org", Some(r)) => crate::labels::post_label(r, self.lang),
            (_, Some(r)) => r.clone(),
            _ => String::new(),
        }
    }

    pub fn role(&self, code: &str) -> String {
        crate::labels::role_label(code, self.lang)
    }

    pub fn date(&self, d: &time::Date) -> String {
        pacesetter_domain::dates::format_date(*d, self.lang)
    }

    pub fn moment(&self, ms: &i64) -> String {
        pacesetter_domain::dates::format_datetime_ms(*ms, self.lang)
    }
}

/// The short confirmation shown after a form succeeded (?done=saved), so a reload repeats
/// nothing (post, redirect, get).
fn notice_from_query(path: &str, lang: Lang) -> Option<String> {
    let q = path.split_once('?')?.1;
    let done = serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok()?.into_iter().find(|(k, _)| k == "done")?.1;
    Some(
        match done.as_str() {
            "saved" => lang.t("已保存", "Saved"),
            "created" => lang.t("已创建", "Created"),
            "ended" => lang.t("已结束，记录已保留", "Ended; the record is kept"),
            "closed" => lang.t("已撤销，记录已保留", "Closed; the record is kept"),
            "moved" => lang.t("已移动", "Moved"),
            "left" => lang.t("已登记离开，记录已保留", "Recorded as left; the record is kept"),
            "password" => lang.t("密码已修改", "Password changed"),
            "granted" => lang.t("已授予角色", "Role granted"),
            "requested" => lang.t("已提出申请，待另一方批准", "Requested; the other office must approve"),
            "decided" => lang.t("已处理", "Decided"),
            "imported" => lang.t("名册已导入", "The roster is imported"),
            "discarded" => lang.t("已放弃该导入", "The import was discarded"),
            "submitted" => lang.t("已提交，等待审核", "Submitted; waiting for review"),
            "loaded" => lang.t("计划已加载，任务已分派", "The plan is loaded and its tasks assigned"),
            "unchanged" => lang.t("计划未变化，没有重复创建任何任务", "The plan is unchanged; nothing was duplicated"),
            "reminded" => lang.t("提醒已发送", "Reminders sent"),
            "revoked_link" => lang.t("已作废该人尚未使用的专属链接（如有）", "Any unused link of the person is revoked"),
            "links_sent" => lang.t(
                "专属链接已发到没有账号的作答人本人的邮箱；有账号的作答人登录后即可作答",
                "Personal links went to the e-mail of each invitee without an account; account holders answer by logging in",
            ),
            "revoked" => lang.t("日历订阅地址已作废", "The calendar feed addresses are revoked"),
            "voted" => lang.t("您的选票已投出，谢谢参与。选票不记名，无法查看或更改。", "Your ballot is cast, thank you. It is secret and cannot be seen or changed."),
            "nominated" => lang.t("推荐已提交", "The nomination is submitted"),
            "rated" => lang.t("评议已提交，谢谢参与", "Your appraisal is in, thank you"),
            "objected" => lang.t("异议已提交，创先办将核实处理", "Your objection is lodged; the office will look into it"),
            "published" => lang.t("结果已公示", "The result is on public notice"),
            "approved" => lang.t("已审定，获奖名单已登记", "Approved; the awards are registered"),
            "checked_in" => lang.t("签到成功", "You are checked in"),
            "leave" => lang.t("请假已登记", "Your leave is recorded"),
            "marked" => lang.t("出勤已登记", "Attendance recorded"),
            "recorded" => lang.t("会议记录已保存，会议记为已召开", "The record is saved; the meeting is held"),
            "cancelled" => lang.t("会议已取消，已通知每一位应到人员", "The meeting is cancelled; everyone expected is told"),
            "checkin_closed" => lang.t("签到已结束", "Check-in is closed"),
            _ => return None,
        }
        .to_string(),
    )
}

/// Renders a template, or a logged error page if it cannot be rendered.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(s) => Html(s).into_response(),
        Err(e) => {
            tracing::error!("template error: {e}");
            AppError::internal().into_response()
        }
    }
}

pub fn render_status(status: StatusCode, t: &impl Template) -> Response {
    let mut r = render(t);
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

/// Post, redirect, get.
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A form's typed values and its errors, so a form shows what was typed next to what is wrong.
#[derive(Default)]
pub struct FormState {
    pub lang: Lang,
    pub values: HashMap<String, String>,
    pub errors: FieldErrors,
}

impl FormState {
    /// A form brought back after a refusal: the problems of its fields, or the refusal's own
    /// message under "_" when it names no field.
    pub fn refused(lang: Lang, values: HashMap<String, String>, e: &AppError) -> FormState {
        let mut errors = e.fields.clone().unwrap_or_default();
        if errors.is_empty() {
            errors.add("_", e.message.zh.clone(), e.message.en.clone());
        }
        FormState::with(lang, values, errors)
    }

    pub fn new(lang: Lang) -> FormState {
        FormState { lang, values: HashMap::new(), errors: FieldErrors::new() }
    }

    pub fn with(lang: Lang, values: HashMap<String, String>, errors: FieldErrors) -> FormState {
        FormState { lang, values, errors }
    }

    pub fn set(&mut self, k: &str, v: impl Into<String>) {
        self.values.insert(k.to_string(), v.into());
    }

    pub fn v(&self, k: &str) -> &str {
        self.values.get(k).map(String::as_str).unwrap_or("")
    }

    /// Whether an option of a select is the chosen one.
    pub fn is(&self, k: &str, v: &str) -> bool {
        self.v(k) == v
    }

    pub fn err(&self, k: &str) -> Option<&str> {
        self.errors.get(k).map(|t| t.get(self.lang))
    }

    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Messages of errors that belong to the form as a whole (field "_"), such as a conflict.
    pub fn general(&self) -> Vec<&str> {
        self.errors.0.iter().filter(|e| e.field == "_").map(|e| e.message.get(self.lang)).collect()
    }
}

/// A form whose change was refused as a conflict: the message shown above it, what was typed kept.
pub fn conflict_form(ctx: &Ctx, m: HashMap<String, String>, t: pacesetter_domain::Text) -> FormState {
    let mut e = FieldErrors::new();
    e.add("_", t.zh, t.en);
    FormState::with(ctx.lang, m, e)
}

/// The order of tied ones typed on a form ("pos<id>" = 1, 2, …).
pub fn tie_order(p: &[(String, String)]) -> Vec<i64> {
    let positions: Vec<(i64, i64)> = p.iter().filter_map(|(k, v)| Some((k.strip_prefix("pos")?.parse().ok()?, v.trim().parse().ok()?))).collect();
    pacesetter_domain::selection::order_from_positions(&positions)
}

/// A stored file sent back: images shown, documents downloaded, the name kept in UTF-8; never
/// sniffed, and sandboxed either way.
pub fn stored_file(name: &str, content_type: String, data: Vec<u8>) -> Response {
    use axum::http::header;
    let inline = content_type.starts_with("image/");
    let encoded: String = name.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    let disposition = format!("{}; filename*=UTF-8''{encoded}", if inline { "inline" } else { "attachment" });
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, max-age=3600".into()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; sandbox".into()),
        ],
        data,
    )
        .into_response()
}

/// A page of a long list, with its links.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the list's path and query without the page parameter.
    pub fn new(base_query: &[(String, String)], path: &str, page: i64, per_page: i64, total: i64) -> Pager {
        let link = |p: i64| {
            let mut q: Vec<(String, String)> = base_query.iter().filter(|(k, _)| k != "page" && k != "done").cloned().collect();
            q.push(("page".into(), p.to_string()));
            format!("{path}?{}", serde_urlencoded::to_string(&q).unwrap_or_default())
        };
        Pager::linked(page, per_page, total, link)
    }

    /// Page `page` of `total` lines, `per_page` a page, with `link(n)` the address of page n.
    pub fn linked(page: i64, per_page: i64, total: i64, link: impl Fn(i64) -> String) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager { page, pages, total, prev: (page > 1).then(|| link(page - 1)), next: (page < pages).then(|| link(page + 1)) }
    }
}

/// One page of a list loaded whole (`?page=`, `?per_page=`), with links that keep the list's
/// filters (`query`, urlencoded) and its length.
pub fn page_of<T>(all: Vec<T>, paging: crate::input::Paging, path: &str, query: &str) -> (Vec<T>, Pager) {
    let total = all.len() as i64;
    let page = paging.page.min(paging.pages(total));
    let rows = all.into_iter().skip(((page - 1) * paging.limit()) as usize).take(paging.limit() as usize).collect();
    let mut base: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    base.retain(|(k, _)| k != "per_page");
    if paging.limit() != crate::input::Paging::default().per_page {
        base.push(("per_page".into(), paging.limit().to_string()));
    }
    (rows, Pager::new(&base, path, page, paging.limit(), total))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    l: Layout,
    message: &'a str,
    status: u16,
    login: bool,
}

/// The page shown for an error, in the caller's language.
pub fn error_page(ctx: &Ctx, e: &AppError) -> Response {
    let title = ctx.t("出错了", "Something went wrong");
    let page = ErrorPage { l: Layout::new(ctx, title), message: e.message.get(ctx.lang), status: e.status.as_u16(), login: e.status == StatusCode::UNAUTHORIZED };
    match page.render() {
        Ok(s) => (e.status, Html(s)).into_response(),
        Err(_) => (e.status, e.message.get(ctx.lang).to_string()).into_response(),
    }
}

/// A destination for a redirect that stays on this site.
pub fn local_path(next: Option<&str>, fallback: &str) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => fallback.to_string(),
    }
}

/// A path on this site: one leading slash, then no second slash, backslash or control character
/// anywhere (browsers drop a tab or a newline, so "/\t/evil.example" reads as "//evil.example").
pub fn is_local_path(n: &str) -> bool {
    n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control) && n.len() <= 2000
}

/// Sends a table as .xlsx or .csv (by the path's extension), or the WeChat page in WeChat.
pub fn download(ctx: &Ctx, sheet: &crate::export::Sheet, filename: &str, format: &str) -> Result<Response, AppError> {
    if ctx.wechat {
        return Ok(wechat_download(ctx));
    }
    match format {
        "csv" => Ok(crate::export::csv_response(sheet, filename)),
        _ => crate::export::xlsx_response(sheet, filename),
    }
}

/// Sends a workbook made elsewhere (a template) under an ASCII name and its Chinese one.
pub fn workbook(bytes: Result<Vec<u8>, rust_xlsxwriter::XlsxError>, ascii: &str, name: &str) -> Result<Response, AppError> {
    use axum::http::header;
    let bytes = bytes.map_err(|e| {
        tracing::error!("workbook {ascii}: {e}");
        AppError::internal()
    })?;
    let name = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string();
    Ok((
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{name}")),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "wechat_download.html")]
struct WeChatDownload {
    l: Layout,
    url: String,
}

/// WeChat's in-app browser cannot download: every file the app sends as one (a response with a
/// Content-Disposition, PDFs and attachments alike, images shown in a page excepted) becomes the
/// "open in your browser" page there, whichever handler made it.
pub async fn wechat_downloads(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    // A download asked for by a form (slips shown once) is guarded where it is made.
    let reads = matches!(*req.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let ctx = req.extensions().get::<Ctx>().filter(|c| c.wechat && reads).cloned();
    let resp = next.run(req).await;
    let Some(ctx) = ctx else { return resp };
    let image = resp.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("image/"));
    if resp.status().is_success() && resp.headers().contains_key(axum::http::header::CONTENT_DISPOSITION) && !image { wechat_download(&ctx) } else { resp }
}

/// WeChat's in-app browser cannot download files: tell the user to open the link elsewhere.
pub fn wechat_download(ctx: &Ctx) -> Response {
    let url = ctx.path.clone();
    render(&WeChatDownload { l: Layout::new(ctx, ctx.t("请在浏览器中打开", "Open in your browser")), url })
}

/// A file's size as the pages show it: whole kilobytes, rounded up.
pub fn size_kb(size: i64) -> String {
    format!("{:.0} KB", (size as f64 / 1024.0).ceil())
}
