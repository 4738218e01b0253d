//! People of the roster: their kind, 政治面貌 (GB/T 4762), development stage and cadre rank.

use crate::validate::{self, FieldErrors};
use crate::{Lang, Text};
use serde::{Deserialize, Serialize};

/// Whether a person is on the staff or a student.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonKind {
    Staff,
    Student,
    Retired,
}

impl PersonKind {
    pub const ALL: [PersonKind; 3] = [PersonKind::Staff, PersonKind::Student, PersonKind::Retired];

    pub fn code(self) -> &'static str {
        match self {
            PersonKind::Staff => "staff",
            PersonKind::Student => "student",
            PersonKind::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.code() == s || k.label(Lang::Zh) == s).or(match s {
            "教师" | "职工" | "教工" | "在职" => Some(PersonKind::Staff),
            "本科生" | "研究生" => Some(PersonKind::Student),
            "退休" | "离休" => Some(PersonKind::Retired),
            _ => None,
        })
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PersonKind::Staff => lang.t("教职工", "Staff"),
            PersonKind::Student => lang.t("学生", "Student"),
            PersonKind::Retired => lang.t("离退休", "Retired"),
        }
    }

    /// What the number of this kind of person is called.
    pub fn number_label(self, lang: Lang) -> &'static str {
        match self {
            PersonKind::Student => lang.t("学号", "Student number"),
            _ => lang.t("工号", "Staff number"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "male" | "男" => Some(Gender::Male),
            "female" | "女" => Some(Gender::Female),
            _ => None,
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Gender::Male => lang.t("男", "Male"),
            Gender::Female => lang.t("女", "Female"),
        }
    }
}

/// 政治面貌 per GB/T 4762, with the standard's two-digit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoliticalStatus {
    CpcMember,
    CpcProbationary,
    CylMember,
    Rcck,
    Cdl,
    Cndca,
    Capd,
    Cpwdp,
    Zhigong,
    Jiusan,
    Taimeng,
    NonParty,
    Masses,
}

impl PoliticalStatus {
    pub const ALL: [PoliticalStatus; 13] = [
        PoliticalStatus::CpcMember,
        PoliticalStatus::CpcProbationary,
        PoliticalStatus::CylMember,
        PoliticalStatus::Rcck,
        PoliticalStatus::Cdl,
        PoliticalStatus::Cndca,
        PoliticalStatus::Capd,
        PoliticalStatus::Cpwdp,
        PoliticalStatus::Zhigong,
        PoliticalStatus::Jiusan,
        PoliticalStatus::Taimeng,
        PoliticalStatus::NonParty,
        PoliticalStatus::Masses,
    ];

    /// The GB/T 4762 code, stored in the database.
    pub fn code(self) -> &'static str {
        match self {
            PoliticalStatus::CpcMember => "01",
            PoliticalStatus::CpcProbationary => "02",
            PoliticalStatus::CylMember => "03",
            PoliticalStatus::Rcck => "04",
            PoliticalStatus::Cdl => "05",
            PoliticalStatus::Cndca => "06",
            PoliticalStatus::Capd => "07",
            PoliticalStatus::Cpwdp => "08",
            PoliticalStatus::Zhigong => "09",
            PoliticalStatus::Jiusan => "10",
            PoliticalStatus::Taimeng => "11",
            PoliticalStatus::NonParty => "12",
            PoliticalStatus::Masses => "13",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.code() == s || k.label(Lang::Zh) == s || k.full_name() == s)
    }

    /// The short name used on forms and lists.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            PoliticalStatus::CpcMember => lang.t("中共党员", "CPC member"),
            PoliticalStatus::CpcProbationary => lang.t("中共预备党员", "CPC probationary member"),
            PoliticalStatus::CylMember => lang.t("共青团员", "CYL member"),
            PoliticalStatus::Rcck => lang.t("民革会员", "RCCK member"),
            PoliticalStatus::Cdl => lang.t("民盟盟员", "CDL member"),
            PoliticalStatus::Cndca => lang.t("民建会员", "CNDCA member"),
            PoliticalStatus::Capd => lang.t("民进会员", "CAPD member"),
            PoliticalStatus::Cpwdp => lang.t("农工党党员", "CPWDP member"),
            PoliticalStatus::Zhigong => lang.t("致公党党员", "China Zhi Gong Party member"),
            PoliticalStatus::Jiusan => lang.t("九三学社社员", "Jiusan Society member"),
            PoliticalStatus::Taimeng => lang.t("台盟盟员", "Taiwan League member"),
            PoliticalStatus::NonParty => lang.t("无党派人士", "Without party affiliation"),
            PoliticalStatus::Masses => lang.t("群众", "The masses"),
        }
    }

    /// The standard's full name.
    pub fn full_name(self) -> &'static str {
        match self {
            PoliticalStatus::CpcMember => "中国共产党党员",
            PoliticalStatus::CpcProbationary => "中国共产党预备党员",
            PoliticalStatus::CylMember => "中国共产主义青年团团员",
            PoliticalStatus::Rcck => "中国国民党革命委员会会员",
            PoliticalStatus::Cdl => "中国民主同盟盟员",
            PoliticalStatus::Cndca => "中国民主建国会会员",
            PoliticalStatus::Capd => "中国民主促进会会员",
            PoliticalStatus::Cpwdp => "中国农工民主党党员",
            PoliticalStatus::Zhigong => "中国致公党党员",
            PoliticalStatus::Jiusan => "九三学社社员",
            PoliticalStatus::Taimeng => "台湾民主自治同盟盟员",
            PoliticalStatus::NonParty => "无党派民主人士",
            PoliticalStatus::Masses => "群众",
        }
    }

    /// A full or probationary member of the Party.
    pub fn is_party_member(self) -> bool {
        matches!(self, PoliticalStatus::CpcMember | PoliticalStatus::CpcProbationary)
    }

    /// A member of one of the eight democratic parties.
    pub fn is_democratic_party(self) -> bool {
        self.code() >= "04" && self.code() <= "11"
    }
}

/// Stages on the way to membership (党员发展阶段).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DevStage {
    Applicant,
    Activist,
    Candidate,
}

impl DevStage {
    pub const ALL: [DevStage; 3] = [DevStage::Applicant, DevStage::Activist, DevStage::Candidate];

    pub fn code(self) -> &'static str {
        match self {
            DevStage::Applicant => "applicant",
            DevStage::Activist => "activist",
            DevStage::Candidate => "candidate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.code() == s || k.label(Lang::Zh) == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            DevStage::Applicant => lang.t("入党申请人", "Applicant"),
            DevStage::Activist => lang.t("入党积极分子", "Activist"),
            DevStage::Candidate => lang.t("发展对象", "Candidate for membership"),
        }
    }
}

/// The rank of a cadre (干部级别); division level and above are 处级以上干部.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CadreRank {
    DeputyDivision,
    Division,
    DeputyBureau,
    Bureau,
}

impl CadreRank {
    pub const ALL: [CadreRank; 4] = [CadreRank::DeputyDivision, CadreRank::Division, CadreRank::DeputyBureau, CadreRank::Bureau];

    pub fn code(self) -> &'static str {
        match self {
            CadreRank::DeputyDivision => "deputy_division",
            CadreRank::Division => "division",
            CadreRank::DeputyBureau => "deputy_bureau",
            CadreRank::Bureau => "bureau",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|k| k.code() == s || k.label(Lang::Zh) == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            CadreRank::DeputyDivision => lang.t("副处级", "Deputy division level"),
            CadreRank::Division => lang.t("正处级", "Division level"),
            CadreRank::DeputyBureau => lang.t("副厅级", "Deputy bureau level"),
            CadreRank::Bureau => lang.t("正厅级", "Bureau level"),
        }
    }
}

/// The fields of a person as they are stored, after validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFields {
    pub name: String,
    pub kind: PersonKind,
    pub number: String,
    pub gender: Option<Gender>,
    pub political_status: PoliticalStatus,
    pub dev_stage: Option<DevStage>,
    pub cadre_rank: Option<CadreRank>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

/// The fields as typed into a form or sent to the API: all text, all optional.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct PersonInput {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub number: Option<String>,
    pub gender: Option<String>,
    pub political_status: Option<String>,
    pub dev_stage: Option<String>,
    pub cadre_rank: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub id_number: Option<String>,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().map(str::trim).unwrap_or("").is_empty()
}

impl PersonInput {
    /// Starts from a stored person, so that a partial update changes only what it names.
    pub fn from_fields(p: &PersonFields) -> PersonInput {
        PersonInput {
            name: Some(p.name.clone()),
            kind: Some(p.kind.code().into()),
            number: Some(p.number.clone()),
            gender: p.gender.map(|g| g.code().into()),
            political_status: Some(p.political_status.code().into()),
            dev_stage: p.dev_stage.map(|s| s.code().into()),
            cadre_rank: p.cadre_rank.map(|s| s.code().into()),
            email: p.email.clone(),
            phone: p.phone.clone(),
            id_number: p.id_number.clone(),
        }
    }

    /// Overlays the fields given in `patch` (a field left out keeps its value; an empty
    /// string clears an optional field).
    pub fn overlay(mut self, patch: PersonInput) -> PersonInput {
        macro_rules! over { ($($f:ident),*) => { $( if patch.$f.is_some() { self.$f = patch.$f; } )* } }
        over!(name, kind, number, gender, political_status, dev_stage, cadre_rank, email, phone, id_number);
        self
    }

    /// Checks every field and the rules between them; reports all problems at once.
    pub fn validate(&self) -> Result<PersonFields, FieldErrors> {
        let mut errs = FieldErrors::new();
        let name = errs.take("name", validate::name(self.name.as_deref().unwrap_or(""), 50));
        let kind = match self.kind.as_deref().map(str::trim) {
            Some(k) if !k.is_empty() => errs.take("kind", PersonKind::parse(k).ok_or_else(|| Text::new("人员类别无效", "Unknown kind of person"))),
            _ => errs.take("kind", Err(Text::new("必填", "Required"))),
        };
        let number = errs.take("number", validate::person_number(self.number.as_deref().unwrap_or("")));
        let gender = if blank(&self.gender) {
            Some(None)
        } else {
            errs.take("gender", Gender::parse(self.gender.as_deref().unwrap_or("").trim()).map(Some).ok_or_else(|| Text::new("性别无效", "Unknown gender")))
        };
        let status = if blank(&self.political_status) {
            errs.take("political_status", Err(Text::new("必填", "Required")))
        } else {
            errs.take(
                "political_status",
                PoliticalStatus::parse(self.political_status.as_deref().unwrap_or(""))
                    .ok_or_else(|| Text::new("政治面貌无效（应为GB/T 4762中的一项）", "Unknown political status (see GB/T 4762)")),
            )
        };
        let stage = if blank(&self.dev_stage) {
            Some(None)
        } else {
            errs.take("dev_stage", DevStage::parse(self.dev_stage.as_deref().unwrap_or("")).map(Some).ok_or_else(|| Text::new("发展阶段无效", "Unknown development stage")))
        };
        let rank = if blank(&self.cadre_rank) {
            Some(None)
        } else {
            errs.take("cadre_rank", CadreRank::parse(self.cadre_rank.as_deref().unwrap_or("")).map(Some).ok_or_else(|| Text::new("干部级别无效", "Unknown cadre rank")))
        };
        let email = if blank(&self.email) { Some(None) } else { errs.take("email", validate::email(self.email.as_deref().unwrap_or("")).map(Some)) };
        let phone = if blank(&self.phone) { Some(None) } else { errs.take("phone", validate::phone(self.phone.as_deref().unwrap_or("")).map(Some)) };
        let id_number = if blank(&self.id_number) { Some(None) } else { errs.take("id_number", validate::id_number(self.id_number.as_deref().unwrap_or("")).map(Some)) };

        if let (Some(s), Some(Some(_))) = (status, stage)
            && s.is_party_member()
        {
            errs.add("dev_stage", "党员（含预备党员）没有入党发展阶段", "A Party member has no development stage");
        }
        if let (Some(PersonKind::Student), Some(Some(_))) = (kind, rank) {
            errs.add("cadre_rank", "学生没有干部级别", "A student has no cadre rank");
        }
        match (name, kind, number, gender, status, stage, rank, email, phone, id_number) {
            (Some(name), Some(kind), Some(number), Some(gender), Some(political_status), Some(dev_stage), Some(cadre_rank), Some(email), Some(phone), Some(id_number))
                if errs.is_empty() =>
            {
                Ok(PersonFields { name, kind, number, gender, political_status, dev_stage, cadre_rank, email, phone, id_number })
            }
            _ => Err(errs),
        }
    }
}

/// Masks an ID number for lists: the first 6 and the last 4 characters.
pub fn mask_id_number(id: &str) -> String {
    if id.len() < 10 {
        return "*".repeat(id.len());
    }
    format!("{}{}{}", &id[..6], "*".repeat(id.len() - 10), &id[id.len() - 4..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> PersonInput {
        PersonInput {
            name: Some("李娜".into()),
            kind: Some("student".into()),
            number: Some("201108010203".into()),
            political_status: Some("共青团员".into()),
            dev_stage: Some("activist".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_valid_person_parses() {
        let p = input().validate().unwrap();
        assert_eq!(p.political_status, PoliticalStatus::CylMember);
        assert_eq!(p.dev_stage, Some(DevStage::Activist));
    }

    #[test]
    fn all_problems_are_reported_at_once() {
        let mut i = input();
        i.name = Some(" ".into());
        i.political_status = Some("党员".into());
        i.email = Some("nope".into());
        let errs = i.validate().unwrap_err();
        assert!(errs.get("name").is_some());
        assert!(errs.get("political_status").is_some());
        assert!(errs.get("email").is_some());
    }

    #[test]
    fn a_party_member_has_no_development_stage() {
        let mut i = input();
        i.political_status = Some("01".into());
        assert!(i.validate().unwrap_err().get("dev_stage").is_some());
    }

    #[test]
    fn overlay_changes_only_named_fields_and_empty_clears() {
        let p = input().validate().unwrap();
        let patch = PersonInput { dev_stage: Some(String::new()), phone: Some("13807311234".into()), ..Default::default() };
        let q = PersonInput::from_fields(&p).overlay(patch).validate().unwrap();
        assert_eq!(q.name, "李娜");
        assert_eq!(q.dev_stage, None);
        assert_eq!(q.phone.as_deref(), Some("13807311234"));
    }

    #[test]
    fn political_status_codes_follow_the_standard() {
        assert_eq!(PoliticalStatus::parse("13"), Some(PoliticalStatus::Masses));
        assert_eq!(PoliticalStatus::parse("中国共产党预备党员"), Some(PoliticalStatus::CpcProbationary));
        assert!(PoliticalStatus::Jiusan.is_democratic_party());
        assert!(!PoliticalStatus::NonParty.is_democratic_party());
        assert_eq!(mask_id_number("11010519491231002X"), "110105********002X");
    }
}
