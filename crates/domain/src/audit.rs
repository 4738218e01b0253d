//! The audit chain: every entry carries the hash of the one before it, so an edit or a gap is
//! found by recomputing the chain (`pacesetter audit verify`).

use serde::Serialize;
use sha2::{Digest, Sha256};

/// The hash that the first entry points back to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log as it is hashed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_account: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn put_opt(h: &mut Sha256, v: Option<&[u8]>) {
    match v {
        None => h.update([0u8]),
        Some(b) => {
            h.update([1u8]);
            put(h, b);
        }
    }
}

/// SHA-256 over the previous hash and every field, each length-prefixed so that no two
/// different entries encode alike.
pub fn chain_hash(prev: &str, e: &AuditEntry) -> String {
    let mut h = Sha256::new();
    h.update(b"pacesetter-audit-v1");
    put(&mut h, prev.as_bytes());
    h.update(e.seq.to_be_bytes());
    h.update(e.at_ms.to_be_bytes());
    put_opt(&mut h, e.actor_account.map(i64::to_be_bytes).as_ref().map(|b| &b[..]));
    put(&mut h, e.actor.as_bytes());
    put(&mut h, e.action.as_bytes());
    put(&mut h, e.entity.as_bytes());
    put(&mut h, e.entity_id.as_bytes());
    put_opt(&mut h, e.before.as_deref().map(str::as_bytes));
    put_opt(&mut h, e.after.as_deref().map(str::as_bytes));
    hex(&h.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(D[(b >> 4) as usize] as char);
        s.push(D[(b & 15) as usize] as char);
    }
    s
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// What went wrong at one entry of the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainProblem {
    /// An entry is missing: the sequence jumps.
    Gap { expected: i64, found: i64 },
    /// The entry does not point back to the hash of the one before.
    BrokenLink { seq: i64 },
    /// The entry's content no longer matches its hash.
    Edited { seq: i64 },
}

/// Walks the chain in order of sequence and checks every link. Stops at the first problem.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    next_seq: i64,
    last_hash: String,
    pub checked: u64,
    pub problem: Option<ChainProblem>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        ChainVerifier { next_seq: 1, last_hash: GENESIS.to_string(), checked: 0, problem: None }
    }

    /// Checks the next stored entry with the hashes stored beside it.
    pub fn push(&mut self, e: &AuditEntry, prev_hash: &str, hash: &str) {
        if self.problem.is_some() {
            return;
        }
        if e.seq != self.next_seq {
            self.problem = Some(ChainProblem::Gap { expected: self.next_seq, found: e.seq });
            return;
        }
        if prev_hash != self.last_hash {
            self.problem = Some(ChainProblem::BrokenLink { seq: e.seq });
            return;
        }
        if chain_hash(prev_hash, e) != hash {
            self.problem = Some(ChainProblem::Edited { seq: e.seq });
            return;
        }
        self.next_seq += 1;
        self.last_hash = hash.to_string();
        self.checked += 1;
    }

    pub fn last_hash(&self) -> &str {
        &self.last_hash
    }
}

/// An anchor of the chain: the number and hash of an entry the auditor recorded (and keeps a
/// copy of off the server). A chain that no longer has that entry, or has another there, was
/// cut or rewritten; `verify` alone cannot tell a chain cut at its end from a shorter one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anchor {
    pub seq: i64,
    pub hash: String,
}

impl Anchor {
    /// The anchor as the auditor prints or keeps it: a few lines of text.
    pub fn to_text(&self, recorded: &str, by: &str) -> String {
        format!("pacesetter audit anchor\nseq: {}\nhash: {}\nrecorded: {recorded}\nby: {by}\n", self.seq, self.hash)
    }

    /// Reads an anchor from its text (`seq:` and `hash:` lines) or from JSON with those keys: the
    /// digits after the first "seq", the 64 hex digits after the first "hash".
    pub fn parse(text: &str) -> Option<Anchor> {
        let after = |key: &str| text.find(key).map(|i| &text[i + key.len()..]);
        let seq: String = after("seq")?.trim_start_matches(|c: char| !c.is_ascii_digit() && c != '\n').chars().take_while(char::is_ascii_digit).collect();
        let hash: String = after("hash")?.trim_start_matches(|c: char| !c.is_ascii_hexdigit() && c != '\n').chars().take_while(char::is_ascii_hexdigit).collect();
        Anchor::checked(seq.parse().ok()?, hash.to_ascii_lowercase())
    }

    fn checked(seq: i64, hash: String) -> Option<Anchor> {
        (seq > 0 && hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(Anchor { seq, hash })
    }

    /// Whether a chain reaches this anchor, given the hash it holds at the anchor's number (None:
    /// it has no such entry). The problem in words otherwise.
    pub fn reached_by(&self, hash_at_seq: Option<&str>, entries: u64) -> Result<(), crate::Text> {
        match hash_at_seq {
            Some(h) if h == self.hash => Ok(()),
            Some(_) => Err(crate::Text::new(
                format!("第 {} 条记录的哈希与锚点不同：日志已被改写", self.seq),
                format!("entry {} has another hash than the anchor: the log was rewritten", self.seq),
            )),
            None => Err(crate::Text::new(
                format!("日志只有 {entries} 条，够不到锚点所记的第 {} 条：末尾的记录被删除了", self.seq),
                format!("the log has {entries} entries and no longer reaches the anchor's entry {}: entries were cut off its end", self.seq),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at_ms: 1_331_740_800_000 + seq,
            actor_account: Some(1),
            actor: "admin".into(),
            action: action.into(),
            entity: "person".into(),
            entity_id: seq.to_string(),
            before: None,
            after: Some("{\"name\":\"王磊\"}".into()),
        }
    }

    fn chain(n: i64) -> Vec<(AuditEntry, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = entry(i, "person.update");
                let h = chain_hash(&prev, &e);
                let row = (e, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let mut v = ChainVerifier::new();
        for (e, p, h) in chain(5) {
            v.push(&e, &p, &h);
        }
        assert_eq!(v.problem, None);
        assert_eq!(v.checked, 5);
    }

    #[test]
    fn an_edited_entry_is_found() {
        let mut rows = chain(5);
        rows[2].0.after = Some("{\"name\":\"李娜\"}".into());
        let mut v = ChainVerifier::new();
        for (e, p, h) in &rows {
            v.push(e, p, h);
        }
        assert_eq!(v.problem, Some(ChainProblem::Edited { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_found() {
        let mut rows = chain(5);
        rows.remove(1);
        let mut v = ChainVerifier::new();
        for (e, p, h) in &rows {
            v.push(e, p, h);
        }
        assert_eq!(v.problem, Some(ChainProblem::Gap { expected: 2, found: 3 }));
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let mut a = entry(1, "x");
        a.entity = "ab".into();
        a.entity_id = "c".into();
        let mut b = entry(1, "x");
        b.entity = "a".into();
        b.entity_id = "bc".into();
        assert_ne!(chain_hash(GENESIS, &a), chain_hash(GENESIS, &b));
    }

    #[test]
    fn an_anchor_is_read_back_and_tells_a_cut_chain() {
        let a = Anchor { seq: 42, hash: "ab".repeat(32) };
        assert_eq!(Anchor::parse(&a.to_text("2012-06-30 17:00", "auditor")), Some(a.clone()));
        assert_eq!(Anchor::parse(&format!("{{\"seq\": 42, \"hash\": \"{}\"}}", "AB".repeat(32))), Some(a.clone()));
        assert_eq!(Anchor::parse("seq: 42\nhash: nothex"), None);
        assert!(a.reached_by(Some(&"ab".repeat(32)), 50).is_ok());
        assert!(a.reached_by(None, 40).unwrap_err().zh.contains("被删除"));
        assert!(a.reached_by(Some(&"cd".repeat(32)), 50).unwrap_err().zh.contains("改写"));
    }
}

/// What an audit entry's action means, in words (the code stays beside it for the record).
pub fn action_label(action: &str, lang: crate::Lang) -> String {
    let (zh, en) = match action {
        "account.activated" => ("账号已激活", "Account activated"),
        "account.activation_issued" => ("发放激活码", "Activation code issued"),
        "account.create" => ("创建账号", "Account created"),
        "account.sign_on_tie" => ("绑定统一身份认证", "Campus identity tied"),
        "site.password_policy" => ("更改密码登录范围", "Who may log in with a password changed"),
        "account.disable" => ("停用账号", "Account disabled"),
        "account.enable" => ("启用账号", "Account enabled"),
        "account.email" => ("更改邮箱", "E-mail changed"),
        "account.password_change" => ("修改密码", "Password changed"),
        "account.password_reset" => ("重置密码", "Password reset"),
        "account_request.create" => ("申请账号", "Account requested"),
        "account_request.approved" => ("批准账号申请", "Account request approved"),
        "account_request.rejected" => ("驳回账号申请", "Account request rejected"),
        "appraisal.case" => ("登记评议问题", "Appraisal case opened"),
        "appraisal.case_close" => ("办结评议问题", "Appraisal case closed"),
        "appraisal.case_void" => ("撤销评议问题", "Appraisal case voided"),
        "appraisal.close" => ("结束评议", "Appraisal closed"),
        "appraisal.create" => ("发起评议", "Appraisal started"),
        "appraisal.grade" => ("评定等次", "Grade decided"),
        "appraisal.rate" => ("提交评议（内容不记录）", "Appraisal given (content not logged)"),
        "appraisal.retally" => ("重新计票", "Appraisal recounted"),
        "appraisal.tie" => ("裁定并列名次", "Tie decided"),
        "audit.anchor" => ("记录审计锚点", "Audit anchor recorded"),
        "board.settings" => ("设置公开承诺栏", "Public board set"),
        "campaign.close" => ("归档活动", "Campaign archived"),
        "campaign.demo_progress" => ("演示进度", "Demo progress"),
        "campaign.load" => ("载入工作计划", "Plan loaded"),
        "commitment.amend" => ("申请修改承诺", "Amendment asked"),
        "commitment.approve" | "commitment.approved" => ("审核通过承诺", "Commitment approved"),
        "commitment.return" | "commitment.returned" => ("退回承诺", "Commitment returned"),
        "commitment.create" => ("填写承诺", "Commitment written"),
        "commitment.demo" => ("演示承诺", "Demo commitments"),
        "commitment.edit" => ("修改承诺草稿", "Commitment edited"),
        "commitment.evaluation" => ("发起评诺", "Evaluation started"),
        "commitment.progress" => ("报告践诺进度", "Progress reported"),
        "commitment.remind" => ("提醒未承诺者", "Reminder to commit"),
        "commitment.submit" => ("提交承诺审核", "Commitment handed in"),
        "demo.load" => ("载入演示数据", "Demo loaded"),
        "grant.create" => ("授予权限", "Grant made"),
        "grant.delegate" => ("委托权限", "Delegation made"),
        "grant.delegate_end" => ("结束委托", "Delegation ended"),
        "grant.end" => ("收回权限", "Grant ended"),
        "inspection.create" => ("记录窗口检查", "Inspection recorded"),
        "org.create" => ("新增党组织", "Organization added"),
        "org.update" => ("修改党组织", "Organization changed"),
        "org.move" => ("调整党组织隶属", "Organization moved"),
        "org.close" => ("撤销党组织", "Organization closed"),
        "unit.create" => ("新增单位", "Unit added"),
        "unit.update" => ("修改单位", "Unit changed"),
        "unit.move" => ("调整单位隶属", "Unit moved"),
        "unit.close" => ("撤销单位", "Unit closed"),
        "org_membership.add" => ("加入党组织", "Joined an organization"),
        "org_membership.end" => ("离开党组织", "Left an organization"),
        "unit_membership.add" => ("加入单位", "Joined a unit"),
        "unit_membership.end" => ("离开单位", "Left a unit"),
        "person.create" => ("新增人员", "Person added"),
        "person.import_create" => ("名册导入：新增", "Roster import: added"),
        "person.import_leave" => ("名册导入：离校", "Roster import: left"),
        "person.import_move" => ("名册导入：调动", "Roster import: moved"),
        "person.import_update" => ("名册导入：更新", "Roster import: updated"),
        "person.leave" => ("人员离校", "Person left"),
        "person.update" => ("修改人员信息", "Person updated"),
        "relation.create" => ("建立联系关系", "Relation made"),
        "relation.end" => ("结束联系关系", "Relation ended"),
        "requirement.create" => ("下达争创要求", "Requirement handed down"),
        "roster.import" => ("导入名册", "Roster imported"),
        "sample.commit" => ("提交种子承诺", "Seed committed"),
        "sample.create" => ("冻结抽样总体", "Population frozen"),
        "sample.draw" => ("抽取样本", "Sample drawn"),
        "sample.reveal" => ("公开种子", "Seed revealed"),
        "selection.approve" => ("批准评选结果", "Result approved"),
        "selection.close_below_turnout" => ("参与率不足时结束投票", "Vote closed below turnout"),
        "selection.count" => ("计票", "Votes counted"),
        "selection.create" => ("发起评选", "Selection started"),
        "selection.extend" => ("延长投票", "Vote extended"),
        "selection.forward" => ("上报推荐", "Nomination forwarded"),
        "selection.nominate" => ("推荐候选人", "Candidate nominated"),
        "selection.notice" => ("开始公示", "Public notice started"),
        "selection.object" => ("提出异议", "Objection raised"),
        "selection.open" => ("开始投票", "Vote opened"),
        "selection.panel_minimum" => ("评审组人数不足", "Panel below its minimum"),
        "selection.quotas" => ("分配名额", "Quotas set"),
        "selection.resolve" => ("处理异议", "Objection resolved"),
        "selection.review" => ("资格审查", "Eligibility reviewed"),
        "selection.score" => ("评审打分", "Panel scores given"),
        "selection.support" => ("附议推荐", "Nomination supported"),
        "selection.tie" => ("裁定并列", "Tie decided"),
        "selection.vote" => ("投票（内容不记录）", "Ballot cast (content not logged)"),
        "standard.add" => ("新增评价标准", "Standard added"),
        "standard.retire" => ("停用评价标准", "Standard retired"),
        "survey.close" => ("结束问卷", "Survey closed"),
        "survey.create" => ("新建问卷", "Survey created"),
        "survey.invite" => ("添加作答人", "Audience added"),
        "survey.links" => ("生成专属链接", "Single-use links made"),
        "survey.open" => ("发布问卷", "Survey opened"),
        "survey.paper_issue" => ("发放纸质问卷", "Paper forms issued"),
        "survey.participate" => ("作答（内容不记录）", "Answered (content not logged)"),
        "survey.questions" => ("修改题目", "Questions changed"),
        "survey.remind" => ("提醒未作答者", "Reminder to answer"),
        "survey.replace" => ("修改答卷", "Answer replaced"),
        "survey.revoke" => ("作废链接", "Links revoked"),
        "survey.targets" => ("设定评价对象", "Targets set"),
        "task.submit" => ("提交任务", "Task handed in"),
        "task.accept" => ("任务审核通过", "Task accepted"),
        "task.return" => ("退回任务", "Task returned"),
        "task.extend" => ("任务延期", "Task extended"),
        "template.set_due" => ("调整截止日期", "Deadline changed"),
        _ => return action.to_string(),
    };
    lang.t(zh, en).to_string()
}

/// What kind of record an entry concerns, in words.
pub fn entity_label(entity: &str, lang: crate::Lang) -> String {
    let (zh, en) = match entity {
        "person" => ("人员", "Person"),
        "org" => ("党组织", "Organization"),
        "unit" => ("单位", "Unit"),
        "account" => ("账号", "Account"),
        "account_request" => ("账号申请", "Account request"),
        "relation" => ("联系关系", "Relation"),
        "database" => ("数据库", "Database"),
        "campaign" => ("活动", "Campaign"),
        "task" => ("任务", "Task"),
        "template" => ("任务模板", "Task template"),
        "commitment" => ("承诺", "Commitment"),
        "requirement" => ("争创要求", "Requirement"),
        "survey" => ("问卷", "Survey"),
        "selection" => ("评选", "Selection"),
        "nomination" => ("推荐", "Nomination"),
        "appraisal_round" => ("评议", "Appraisal"),
        "appraisal_subject" => ("评议对象", "Appraisal subject"),
        "appraisal_case" => ("评议问题", "Appraisal case"),
        "selection_nomination" => ("推荐", "Nomination"),
        "selection_objection" => ("异议", "Objection"),
        "task_template" => ("任务模板", "Task template"),
        "roster" => ("名册", "Roster"),
        "sample" => ("抽样", "Sample"),
        "grant" => ("权限", "Grant"),
        "standard" => ("评价标准", "Standard"),
        "inspection" => ("窗口检查", "Inspection"),
        "board" => ("公开承诺栏", "Board"),
        "audit" => ("审计日志", "Audit log"),
        "roster_import" | "import" => ("名册导入", "Roster import"),
        _ => return entity.to_string(),
    };
    lang.t(zh, en).to_string()
}

/// An entry's before or after (JSON, or text) as a reader would say it: "名称：…；名额：50", the
/// keys in words where they are common, lists joined, long values cut with "…".
pub fn change_text(raw: &str, lang: crate::Lang) -> String {
    fn value(v: &serde_json::Value, lang: crate::Lang, depth: usize) -> String {
        match v {
            serde_json::Value::Null => "—".into(),
            serde_json::Value::Bool(b) => lang.t(if *b { "是" } else { "否" }, if *b { "yes" } else { "no" }).into(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Array(a) if a.is_empty() => "—".into(),
            serde_json::Value::Array(a) => a.iter().map(|x| value(x, lang, depth + 1)).collect::<Vec<_>>().join(lang.t("、", ", ")),
            serde_json::Value::Object(o) if depth > 1 => format!("{{{}}}", o.len()),
            serde_json::Value::Object(o) => {
                o.iter().map(|(k, x)| format!("{}{}{}", key(k, lang), lang.t("：", ": "), value(x, lang, depth + 1))).collect::<Vec<_>>().join(lang.t("；", "; "))
            }
        }
    }
    fn key(k: &str, lang: crate::Lang) -> String {
        let (zh, en) = match k {
            "title" => ("名称", "title"),
            "name" => ("姓名/名称", "name"),
            "display_name" => ("姓名", "name"),
            "username" => ("用户名", "user name"),
            "state" => ("状态", "state"),
            "quota" => ("名额", "quota"),
            "added" => ("新增", "added"),
            "removed" => ("移除", "removed"),
            "node" => ("节点", "node"),
            "tree" => ("树", "tree"),
            "anonymous" => ("匿名", "anonymous"),
            "template" => ("模板", "template"),
            "target" => ("目标/对象", "target"),
            "owner_unit" => ("所属单位", "owner unit"),
            "reason" => ("理由", "reason"),
            "comment" => ("意见", "comment"),
            "due" | "due_date" => ("截止", "due"),
            "content" => ("内容", "content"),
            "number" => ("工号/学号", "number"),
            "political_status" => ("政治面貌", "political status"),
            "role" => ("角色", "role"),
            "post" => ("职务", "post"),
            "kind" => ("类别", "kind"),
            "count" => ("数量", "count"),
            "people" => ("人员", "people"),
            "orgs" => ("党组织", "organizations"),
            "units" => ("单位", "units"),
            "accounts" => ("账号", "accounts"),
            "relations" => ("联系关系", "relations"),
            "disabled" => ("停用", "disabled"),
            "lang" => ("语言", "language"),
            "email" => ("邮箱", "e-mail"),
            "phone" => ("电话", "phone"),
            "tasks_created" => ("生成任务", "tasks made"),
            "applied" => ("已应用", "applied"),
            _ => return k.to_string(),
        };
        lang.t(zh, en).to_string()
    }
    let text = match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(v) => value(&v, lang, 0),
        Err(_) => raw.to_string(),
    };
    const MAX: usize = 240;
    if text.chars().count() > MAX { text.chars().take(MAX).collect::<String>() + "…" } else { text }
}

#[cfg(test)]
mod readable_tests {
    use super::*;
    use crate::Lang;

    #[test]
    fn entries_read_as_words() {
        assert_eq!(action_label("survey.open", Lang::Zh), "发布问卷");
        assert_eq!(action_label("selection.vote", Lang::En), "Ballot cast (content not logged)");
        assert_eq!(action_label("something.new", Lang::Zh), "something.new");
        assert_eq!(entity_label("org", Lang::Zh), "党组织");
        assert_eq!(change_text(r#"{"added":2015,"node":1,"tree":"units","anonymous":true}"#, Lang::Zh), "新增：2015；匿名：是；节点：1；树：units");
        assert_eq!(change_text("\"open\"", Lang::Zh), "open");
        assert_eq!(change_text("优秀共产党员; quota 50", Lang::Zh), "优秀共产党员; quota 50");
        assert!(change_text(&format!("{{\"title\":\"{}\"}}", "长".repeat(400)), Lang::Zh).ends_with('…'));
    }
}
