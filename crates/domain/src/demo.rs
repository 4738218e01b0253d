//! The demo university: 长沙理工大学 as it might have stood in spring 2012, generated from a
//! size so tests can use a small one and the benchmarks the full one (about 20,000 people).
//!
//! The generator is pure and deterministic: the same size gives the same university. The store
//! loads what it returns. Ids are assigned here, parents before children, so the loader can
//! compute tree paths in one pass.

use crate::org::{BranchCategory, OrgKind, Post};
use crate::people::{CadreRank, DevStage, Gender, PersonFields, PersonKind, PoliticalStatus};
use crate::rng::DemoRng;
use crate::role::{RelationKind, Role};
use crate::unit::UnitKind;
use crate::validate::id_check_char;
use time::{Date, Month};

pub const UNIVERSITY: &str = "长沙理工大学";
pub const EMAIL_DOMAIN: &str = "csust.edu.cn";

#[derive(Clone, Debug)]
pub struct DemoOrg {
    pub id: i64,
    pub parent: Option<i64>,
    pub kind: OrgKind,
    pub name: String,
    pub category: Option<BranchCategory>,
    pub linked_unit: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct DemoUnit {
    pub id: i64,
    pub parent: Option<i64>,
    pub kind: UnitKind,
    pub name: String,
}

#[derive(Clone, Debug)]
pub struct DemoPerson {
    pub id: i64,
    pub fields: PersonFields,
}

#[derive(Clone, Debug)]
pub struct DemoOrgMembership {
    pub person: i64,
    pub org: i64,
    pub post: Post,
    pub start: Date,
}

#[derive(Clone, Debug)]
pub struct DemoUnitMembership {
    pub person: i64,
    pub unit: i64,
    pub position: Option<String>,
    pub start: Date,
}

#[derive(Clone, Debug)]
pub struct DemoRelation {
    pub kind: RelationKind,
    pub person: i64,
    pub org: Option<i64>,
    pub unit: Option<i64>,
    pub start: Date,
}

#[derive(Clone, Debug)]
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: String,
    pub person: Option<i64>,
    pub grants: Vec<(Role, Option<i64>)>,
    /// What the account is for, shown beside it at start-up.
    pub purpose: &'static str,
}

#[derive(Clone, Debug, Default)]
pub struct Demo {
    pub orgs: Vec<DemoOrg>,
    pub units: Vec<DemoUnit>,
    pub people: Vec<DemoPerson>,
    pub org_memberships: Vec<DemoOrgMembership>,
    pub unit_memberships: Vec<DemoUnitMembership>,
    pub relations: Vec<DemoRelation>,
    pub accounts: Vec<DemoAccount>,
}

/// (college, departments as (name, short major name)).
const COLLEGES: &[(&str, &[(&str, &str)])] = &[
    ("土木工程学院", &[("土木工程系", "土木"), ("工程管理系", "工管"), ("建筑环境与能源工程系", "建环")]),
    ("计算机与通信工程学院", &[("计算机科学系", "计算机"), ("通信工程系", "通信"), ("软件工程系", "软件")]),
    ("交通运输工程学院", &[("交通工程系", "交通"), ("道路桥梁系", "路桥")]),
    ("电气与信息工程学院", &[("电气工程系", "电气"), ("自动化系", "自动化"), ("电子信息工程系", "电信")]),
    ("能源与动力工程学院", &[("热能与动力工程系", "热动"), ("核工程系", "核工")]),
    ("汽车与机械工程学院", &[("机械设计系", "机设"), ("车辆工程系", "车辆")]),
    ("水利工程学院", &[("水利水电工程系", "水电"), ("港口航道工程系", "港航")]),
    ("化学与生物工程学院", &[("化学工程系", "化工"), ("生物工程系", "生工")]),
    ("经济与管理学院", &[("经济学系", "经济"), ("会计学系", "会计"), ("工商管理系", "工商")]),
    ("文法学院", &[("法学系", "法学"), ("汉语言文学系", "汉语言")]),
    ("外国语学院", &[("英语系", "英语"), ("日语系", "日语")]),
    ("数学与统计学院", &[("数学系", "数学"), ("统计学系", "统计")]),
    ("物理与电子科学学院", &[("物理系", "物理"), ("光电信息系", "光电")]),
    ("设计艺术学院", &[("视觉传达设计系", "视传"), ("环境设计系", "环设")]),
    ("材料科学与工程学院", &[("材料科学系", "材料"), ("材料成型系", "成型")]),
    ("建筑学院", &[("建筑学系", "建筑"), ("城乡规划系", "规划")]),
    ("马克思主义学院", &[("思想政治教育系", "思政")]),
    ("国际工学院", &[("国际工程系", "国工")]),
    ("体育学院", &[("体育教育系", "体育")]),
    ("城南学院", &[("城南工程系", "城南工"), ("城南管理系", "城南管")]),
];

/// Colleges from this index on have a general branch (党总支) rather than a committee.
const FIRST_GENERAL_BRANCH_COLLEGE: usize = 16;

/// (office or direct unit, is a direct unit, windows).
const OFFICES: &[(&str, bool, &[&str])] = &[
    ("党委办公室", false, &[]),
    ("校长办公室", false, &[]),
    ("党委组织部", false, &[]),
    ("党委宣传部", false, &[]),
    ("纪委办公室", false, &[]),
    ("学生工作部（处）", false, &["学生事务中心资助窗口", "学生证件办理窗口", "勤工助学服务窗口", "心理咨询接待室"]),
    ("教务处", false, &["学籍管理窗口", "考务服务窗口", "教材服务窗口"]),
    ("研究生院", false, &["研究生教务窗口", "学位办理窗口"]),
    ("科技处", false, &[]),
    ("人事处", false, &["人事服务窗口", "社保医保窗口", "职称评审窗口"]),
    ("财务处", false, &["报账大厅1号窗口", "报账大厅2号窗口", "报账大厅3号窗口", "报账大厅4号窗口", "学费收费窗口", "票据服务窗口"]),
    ("国有资产管理处", false, &["资产登记窗口"]),
    ("保卫处", false, &["户籍办理窗口", "车辆通行证窗口"]),
    ("招生就业处", false, &["就业服务窗口", "档案派遣窗口"]),
    ("国际交流与合作处", false, &["留学生服务窗口"]),
    ("离退休工作处", false, &["老干部接待窗口"]),
    ("图书馆", true, &["总馆借还台", "云塘校区借还台", "金盆岭校区借还台", "电子阅览室服务台", "参考咨询台"]),
    (
        "后勤集团",
        true,
        &[
            "第一学生食堂",
            "第二学生食堂",
            "第三学生食堂",
            "教职工食堂",
            "清真餐厅",
            "学生公寓一区管理站",
            "学生公寓二区管理站",
            "学生公寓三区管理站",
            "维修服务中心",
            "水电服务窗口",
            "校园卡服务中心",
            "物业服务中心",
        ],
    ),
    ("网络信息中心", true, &["网络报修窗口", "校园网业务窗口"]),
    ("校医院", true, &["挂号收费窗口", "药房", "体检中心"]),
    ("档案馆", true, &["档案查询窗口"]),
];

const SURNAMES: &[(&str, u32)] = &[
    ("王", 72),
    ("李", 72),
    ("张", 68),
    ("刘", 55),
    ("陈", 45),
    ("杨", 31),
    ("黄", 23),
    ("赵", 22),
    ("吴", 20),
    ("周", 19),
    ("徐", 15),
    ("孙", 15),
    ("马", 14),
    ("朱", 13),
    ("胡", 13),
    ("郭", 12),
    ("何", 12),
    ("高", 11),
    ("林", 11),
    ("罗", 11),
    ("郑", 10),
    ("梁", 9),
    ("谢", 9),
    ("宋", 8),
    ("唐", 8),
    ("许", 7),
    ("韩", 7),
    ("冯", 7),
    ("邓", 7),
    ("曹", 7),
    ("彭", 6),
    ("曾", 6),
    ("肖", 6),
    ("田", 5),
    ("董", 5),
    ("袁", 5),
    ("潘", 5),
    ("于", 5),
    ("蒋", 5),
    ("蔡", 5),
    ("余", 5),
    ("杜", 4),
    ("叶", 4),
    ("程", 4),
    ("苏", 4),
    ("魏", 4),
    ("吕", 4),
    ("丁", 4),
    ("任", 4),
    ("沈", 4),
    ("姚", 3),
    ("卢", 3),
    ("姜", 3),
    ("崔", 3),
    ("钟", 3),
    ("谭", 3),
    ("陆", 3),
    ("汪", 3),
    ("范", 3),
    ("金", 3),
    ("石", 3),
    ("廖", 3),
    ("贾", 3),
    ("夏", 3),
    ("韦", 3),
    ("付", 3),
    ("方", 3),
    ("白", 2),
    ("邹", 2),
    ("孟", 2),
    ("熊", 2),
    ("秦", 2),
    ("邱", 2),
    ("江", 2),
    ("尹", 2),
    ("薛", 2),
    ("段", 2),
    ("雷", 2),
    ("侯", 2),
    ("龙", 2),
    ("史", 2),
    ("陶", 2),
    ("黎", 2),
    ("贺", 2),
    ("顾", 2),
    ("毛", 2),
    ("郝", 2),
    ("龚", 2),
    ("邵", 2),
    ("万", 2),
    ("欧阳", 1),
    ("易", 1),
    ("戴", 1),
    ("莫", 1),
    ("向", 1),
    ("汤", 1),
    ("文", 1),
    ("左", 1),
    ("粟", 1),
    ("欧", 1),
];

const MALE: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆", "帅", "旭", "宁", "龙", "林",
    "阳", "建", "国", "志", "文", "海", "峰", "亮", "成", "东", "博", "晨", "睿", "轩", "子", "豪", "然", "天", "思", "一", "家", "泽", "嘉", "晓", "振", "锋", "毅", "坤", "彬",
    "诚", "湘",
];

const FEMALE: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "丹", "萍", "红", "琳", "洁", "婷", "雪", "慧", "颖", "琴", "倩", "晶", "月", "莉", "欣", "怡", "佳", "雨",
    "梦", "瑶", "璐", "婧", "悦", "蕾", "薇", "琪", "涵", "诗", "晓", "思", "梓", "婉", "湘", "岚", "玉", "春", "兰", "琼", "嘉",
];

const REGIONS: &[&str] = &[
    "430102", "430103", "430104", "430105", "430111", "430121", "430181", "430202", "430302", "430405", "430502", "430602", "430702", "430802", "430902", "431002", "431102",
    "431202", "431302", "433101", "420102", "360102", "440103", "510104", "410105", "450102", "520102",
];

const GRADES: [i32; 4] = [2008, 2009, 2010, 2011];
const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn d(y: i32, m: u8, day: u8) -> Date {
    Date::from_calendar_date(y, Month::try_from(m).unwrap_or(Month::January), day).unwrap_or(Date::MIN)
}

struct Gen {
    rng: DemoRng,
    demo: Demo,
    next_org: i64,
    next_unit: i64,
    next_person: i64,
    numbers: std::collections::HashSet<String>,
}

/// A staff member as the generator tracks them until they are placed in branches.
#[derive(Clone, Copy)]
struct StaffRef {
    id: i64,
    member: bool,
}

impl Gen {
    fn org(&mut self, parent: Option<i64>, kind: OrgKind, name: String, category: Option<BranchCategory>, linked_unit: Option<i64>) -> i64 {
        self.next_org += 1;
        let id = self.next_org;
        self.demo.orgs.push(DemoOrg { id, parent, kind, name, category, linked_unit });
        id
    }

    fn unit(&mut self, parent: Option<i64>, kind: UnitKind, name: String) -> i64 {
        self.next_unit += 1;
        let id = self.next_unit;
        self.demo.units.push(DemoUnit { id, parent, kind, name });
        id
    }

    fn name(&mut self, gender: Gender) -> String {
        let surname = *self.rng.weighted(SURNAMES);
        let chars = if gender == Gender::Male { MALE } else { FEMALE };
        let first = *self.rng.pick(chars);
        if self.rng.chance(0.28) {
            format!("{surname}{first}")
        } else {
            let second = *self.rng.pick(chars);
            format!("{surname}{first}{second}")
        }
    }

    fn id_number(&mut self, birth_year: i32, gender: Gender) -> String {
        let region = *self.rng.pick(REGIONS);
        let month = 1 + self.rng.below(12) as u8;
        let day = 1 + self.rng.below(28) as u8;
        let mut seq = self.rng.below(500) * 2;
        if gender == Gender::Male {
            seq += 1;
        }
        let first17 = format!("{region}{birth_year:04}{month:02}{day:02}{seq:03}");
        let check = id_check_char(first17.as_bytes()) as char;
        format!("{first17}{check}")
    }

    fn phone(&mut self) -> String {
        let prefix = *self.rng.pick(&["13", "15", "18", "17", "19"]);
        format!("{prefix}{:09}", self.rng.next_u64() % 1_000_000_000)
    }

    fn person(&mut self, kind: PersonKind, number: String, birth_year: i32, status: PoliticalStatus, stage: Option<DevStage>) -> i64 {
        let gender = if self.rng.chance(if kind == PersonKind::Student { 0.55 } else { 0.52 }) { Gender::Male } else { Gender::Female };
        let name = self.name(gender);
        let id_number = self.id_number(birth_year, gender);
        let (email, phone) = match kind {
            PersonKind::Staff => (Some(format!("{}@{EMAIL_DOMAIN}", number.to_ascii_lowercase())), Some(self.phone())),
            PersonKind::Retired => (None, Some(self.phone())),
            PersonKind::Student => (None, if self.rng.chance(0.7) { Some(self.phone()) } else { None }),
        };
        debug_assert!(self.numbers.insert(number.clone()), "demo numbers are unique");
        self.next_person += 1;
        let id = self.next_person;
        self.demo.people.push(DemoPerson {
            id,
            fields: PersonFields {
                name,
                kind,
                number,
                gender: Some(gender),
                political_status: status,
                dev_stage: stage,
                cadre_rank: None,
                email,
                phone,
                id_number: Some(id_number),
            },
        });
        id
    }

    fn set_rank(&mut self, person: i64, rank: CadreRank) {
        if let Some(p) = self.demo.people.iter_mut().rev().find(|p| p.id == person) {
            p.fields.cadre_rank = Some(rank);
        }
    }

    fn staff_status(&mut self) -> (PoliticalStatus, Option<DevStage>) {
        let statuses: &[(PoliticalStatus, u32)] = &[
            (PoliticalStatus::CpcMember, 540),
            (PoliticalStatus::CpcProbationary, 10),
            (PoliticalStatus::CylMember, 30),
            (PoliticalStatus::Cdl, 15),
            (PoliticalStatus::Jiusan, 15),
            (PoliticalStatus::Capd, 8),
            (PoliticalStatus::Cpwdp, 8),
            (PoliticalStatus::Rcck, 4),
            (PoliticalStatus::Cndca, 4),
            (PoliticalStatus::Zhigong, 3),
            (PoliticalStatus::NonParty, 20),
            (PoliticalStatus::Masses, 343),
        ];
        let s = *self.rng.weighted(statuses);
        let stage = if matches!(s, PoliticalStatus::Masses | PoliticalStatus::CylMember) {
            *self.rng.weighted(&[(None, 90), (Some(DevStage::Applicant), 6), (Some(DevStage::Activist), 3), (Some(DevStage::Candidate), 1)])
        } else {
            None
        };
        (s, stage)
    }

    fn student_status(&mut self, grade: i32, graduate: bool) -> (PoliticalStatus, Option<DevStage>) {
        let (full, prob) = if graduate {
            (250, 50)
        } else {
            match grade {
                2008 => (120, 60),
                2009 => (60, 50),
                2010 => (20, 30),
                _ => (3, 10),
            }
        };
        let s = *self.rng.weighted(&[
            (PoliticalStatus::CpcMember, full),
            (PoliticalStatus::CpcProbationary, prob),
            (PoliticalStatus::CylMember, (1000 - full - prob) * 82 / 100),
            (PoliticalStatus::Masses, (1000 - full - prob) * 18 / 100),
        ]);
        let stage = if s.is_party_member() {
            None
        } else {
            let senior = if graduate || grade <= 2009 { 2 } else { 1 };
            *self.rng.weighted(&[(None, 55), (Some(DevStage::Applicant), 30), (Some(DevStage::Activist), 10 * senior), (Some(DevStage::Candidate), 2 * senior)])
        };
        (s, stage)
    }

    fn join_date(&mut self, earliest: i32) -> Date {
        let y = earliest + self.rng.below((2012 - earliest).max(1) as usize) as i32;
        d(y, 1 + self.rng.below(12) as u8, 1 + self.rng.below(28) as u8)
    }

    fn omember(&mut self, person: i64, org: i64, post: Post, start: Date) {
        self.demo.org_memberships.push(DemoOrgMembership { person, org, post, start });
    }

    fn umember(&mut self, person: i64, unit: i64, position: Option<&str>, start: Date) {
        self.demo.unit_memberships.push(DemoUnitMembership { person, unit, position: position.map(Into::into), start });
    }

    /// Puts members into a branch, with party groups when it is large, and gives it a secretary.
    fn fill_branch(&mut self, branch: i64, members: &[i64], starts: &[Date]) {
        if members.is_empty() {
            return;
        }
        let groups = if members.len() >= 12 { (members.len() / 8).clamp(2, 4) } else { 0 };
        let group_ids: Vec<i64> = (0..groups).map(|g| self.org(Some(branch), OrgKind::Group, format!("第{}党小组", NUMERALS[g]), None, None)).collect();
        for (i, (&p, &start)) in members.iter().zip(starts).enumerate() {
            let post = match i {
                0 => Post::Secretary,
                1 if members.len() >= 7 => Post::OrganizationCommissioner,
                2 if members.len() >= 7 => Post::PropagandaCommissioner,
                _ => Post::Member,
            };
            let at = if groups == 0 || i < 3 { branch } else { group_ids[i % groups] };
            self.omember(p, at, post, start);
        }
    }
}

/// The smallest university that still has someone for every role.
pub const MIN_SIZE: usize = 300;

/// Generates a university of about `size` people (at least [`MIN_SIZE`]).
/// The demo university's names as people type them in passwords (长沙理工大学: its pinyin and
/// abbreviations), refused as the base of a password while the demo is served.
pub const UNIVERSITY_WORDS: &[&str] = &["csust", "changshaligong", "changshaligongdaxue", "cslg", "cslgdx", "changli"];

pub fn generate(size: usize) -> Demo {
    let size = size.max(MIN_SIZE);
    let mut g = Gen { rng: DemoRng::new(2012), demo: Demo::default(), next_org: 0, next_unit: 0, next_person: 0, numbers: Default::default() };
    let students_total = size * 85 / 100;
    let staff_total = size - students_total;
    let colleges = (size / 1000).clamp(3, COLLEGES.len());
    let retired_total = (staff_total / 20).max(6);

    // The two trees' roots.
    let school = g.unit(None, UnitKind::School, UNIVERSITY.into());
    let root = g.org(None, OrgKind::University, format!("中共{UNIVERSITY}委员会"), None, None);

    // Administrative offices and direct units, with their windows.
    let mut office_units = Vec::new();
    for (name, direct, windows) in OFFICES {
        let u = g.unit(Some(school), if *direct { UnitKind::DirectUnit } else { UnitKind::Office }, (*name).into());
        let ws: Vec<i64> = windows.iter().map(|w| g.unit(Some(u), UnitKind::Window, (*w).into())).collect();
        office_units.push((u, *name, ws));
    }

    // Secondary Party organizations outside the colleges.
    let admin_committee = g.org(Some(root), OrgKind::Committee, "机关党委".into(), None, None);
    let logistics_unit = office_units.iter().find(|o| o.1 == "后勤集团").map(|o| o.0);
    let library_unit = office_units.iter().find(|o| o.1 == "图书馆").map(|o| o.0);
    let logistics_org = g.org(Some(root), OrgKind::GeneralBranch, "后勤集团党总支".into(), None, logistics_unit);
    let library_org = g.org(Some(root), OrgKind::DirectBranch, "图书馆直属党支部".into(), Some(BranchCategory::Administrative), library_unit);
    let retired_org = g.org(Some(root), OrgKind::Committee, "离退休党委".into(), None, None);

    let mut staff_seq = 0usize;
    let mut next_staff_number = |g: &mut Gen| -> String {
        staff_seq += 1;
        let year = 1985 + (staff_seq * 7 % 27) as i32;
        let _ = g;
        format!("{year}{staff_seq:05}")
    };

    // School leaders sit in the two offices and lead the university committee.
    let mut leaders = Vec::new();
    for (i, (title, rank)) in [
        ("党委书记", CadreRank::Bureau),
        ("校长", CadreRank::Bureau),
        ("党委副书记", CadreRank::DeputyBureau),
        ("党委副书记", CadreRank::DeputyBureau),
        ("副校长", CadreRank::DeputyBureau),
        ("副校长", CadreRank::DeputyBureau),
    ]
    .into_iter()
    .enumerate()
    {
        let number = next_staff_number(&mut g);
        let p = g.person(PersonKind::Staff, number, 1955 + i as i32, PoliticalStatus::CpcMember, None);
        g.set_rank(p, rank);
        let office = office_units[if title.contains('校') && !title.contains('党') { 1 } else { 0 }].0;
        g.umember(p, office, Some(title), d(2005, 9, 1));
        leaders.push(p);
    }
    // The leaders' membership: the committee posts, and a branch of the admin committee.
    g.omember(leaders[0], root, Post::Secretary, d(2008, 7, 1));
    g.omember(leaders[2], root, Post::DeputySecretary, d(2008, 7, 1));
    g.omember(leaders[3], root, Post::DeputySecretary, d(2008, 7, 1));
    for &l in &[leaders[1], leaders[4], leaders[5]] {
        g.omember(l, root, Post::CommitteeMember, d(2008, 7, 1));
    }

    // Staff of the offices and direct units.
    let office_share = staff_total * 30 / 100;
    let per_office = (office_share / OFFICES.len()).max(3);
    let mut office_staff: Vec<(i64, Vec<StaffRef>)> = Vec::new();
    let mut cadres: Vec<i64> = Vec::new();
    let mut unit_heads: Vec<(i64, i64)> = Vec::new();
    for (u, name, windows) in office_units.clone() {
        let count = if name == "后勤集团" {
            per_office * 3
        } else if name == "图书馆" {
            per_office * 2
        } else {
            per_office
        };
        let mut refs = Vec::new();
        for i in 0..count {
            let (mut status, stage) = g.staff_status();
            if i < 2 {
                status = PoliticalStatus::CpcMember;
            }
            let number = next_staff_number(&mut g);
            let birth = 1960 + g.rng.below(28) as i32;
            let p = g.person(PersonKind::Staff, number, birth, status, if i < 2 { None } else { stage });
            let hired = g.join_date(1988);
            let (at, position) = if i == 0 {
                (u, Some(if name.contains("处") || name.contains("部") { "处长" } else { "主任" }))
            } else if i == 1 {
                (u, Some(if name.contains("处") || name.contains("部") { "副处长" } else { "副主任" }))
            } else if !windows.is_empty() && i % 3 != 0 {
                (windows[i % windows.len()], None)
            } else {
                (u, None)
            };
            g.umember(p, at, position, hired);
            if i < 2 {
                g.set_rank(p, if i == 0 { CadreRank::Division } else { CadreRank::DeputyDivision });
                cadres.push(p);
            }
            if i == 0 && !windows.is_empty() {
                unit_heads.push((p, u));
            }
            refs.push(StaffRef { id: p, member: status.is_party_member() });
        }
        office_staff.push((u, refs));
    }

    // Party branches of the offices: one per office under the admin committee, except logistics
    // (its general branch) and the library (a direct branch).
    for (i, (u, refs)) in office_staff.iter().enumerate() {
        let name = OFFICES[i].0;
        let members: Vec<i64> = refs.iter().filter(|r| r.member).map(|r| r.id).collect();
        let starts: Vec<Date> = members.iter().map(|_| g.join_date(1990)).collect();
        if Some(*u) == logistics_unit {
            let parts = (members.len() / 25).clamp(1, 4);
            let chunk = members.len().div_ceil(parts).max(1);
            for (k, part) in members.chunks(chunk).enumerate() {
                let b = g.org(Some(logistics_org), OrgKind::Branch, format!("后勤第{}党支部", NUMERALS[k]), Some(BranchCategory::Logistics), None);
                g.fill_branch(b, part, &starts[k * chunk..k * chunk + part.len()]);
            }
        } else if Some(*u) == library_unit {
            g.fill_branch(library_org, &members, &starts);
        } else {
            let b = g.org(Some(admin_committee), OrgKind::Branch, format!("{name}党支部"), Some(BranchCategory::Administrative), None);
            g.fill_branch(b, &members, &starts);
        }
    }
    // Leaders belong to the 党委办公室 / 校长办公室 branches as ordinary members.
    let admin_branches: Vec<i64> = g.demo.orgs.iter().filter(|o| o.parent == Some(admin_committee) && o.kind == OrgKind::Branch).map(|o| o.id).take(2).collect();
    for (i, &l) in leaders.iter().enumerate() {
        if let Some(&b) = admin_branches.get(if i == 1 || i >= 4 { 1 } else { 0 }) {
            g.omember(l, b, Post::Member, d(1985 + i as i32, 7, 1));
        }
    }

    // Retired members.
    let retired_branches: Vec<i64> = (0..(retired_total / 40).clamp(1, 3))
        .map(|k| g.org(Some(retired_org), OrgKind::Branch, format!("离退休第{}党支部", NUMERALS[k]), Some(BranchCategory::Retired), None))
        .collect();
    let retired_office = office_units.iter().find(|o| o.1 == "离退休工作处").map(|o| o.0).unwrap_or(school);
    let mut retired_members: Vec<Vec<i64>> = vec![Vec::new(); retired_branches.len()];
    for i in 0..retired_total {
        let number = format!("R{}", next_staff_number(&mut g));
        let born = 1932 + g.rng.below(20) as i32;
        let p = g.person(PersonKind::Retired, number, born, PoliticalStatus::CpcMember, None);
        g.umember(p, retired_office, None, d(2000 + (i % 12) as i32, 7, 1));
        retired_members[i % retired_branches.len()].push(p);
    }
    for (b, members) in retired_branches.iter().zip(retired_members) {
        let starts: Vec<Date> = members.iter().map(|_| g.join_date(1960)).collect();
        g.fill_branch(*b, &members, &starts);
    }

    // Colleges: the unit with departments and classes, the committee linked to it, faculty and
    // student branches.
    let teachers_total = staff_total.saturating_sub(office_staff.iter().map(|o| o.1.len()).sum::<usize>() + leaders.len()).max(colleges * 4);
    let mut classes_all: Vec<(i64, usize)> = Vec::new();
    let mut college_cadres: Vec<Vec<i64>> = Vec::new();
    let mut college_orgs: Vec<i64> = Vec::new();
    for (ci, (cname, depts)) in COLLEGES.iter().take(colleges).enumerate() {
        let cu = g.unit(Some(school), UnitKind::College, (*cname).into());
        let kind = if ci >= FIRST_GENERAL_BRANCH_COLLEGE { OrgKind::GeneralBranch } else { OrgKind::Committee };
        let org_name = if kind == OrgKind::Committee { format!("{cname}党委") } else { format!("{cname}党总支") };
        let co = g.org(Some(root), kind, org_name, None, Some(cu));
        college_orgs.push(co);
        let dept_units: Vec<i64> = depts.iter().map(|(dn, _)| g.unit(Some(cu), UnitKind::Department, (*dn).into())).collect();

        // Teachers, spread over departments; the first five are the college's cadres.
        let teachers = (teachers_total / colleges).max(10);
        let mut faculty: Vec<Vec<(i64, bool)>> = vec![Vec::new(); dept_units.len()];
        let mut my_cadres = Vec::new();
        for t in 0..teachers {
            let (mut status, mut stage) = g.staff_status();
            let title = match t {
                0 => Some(("党委书记", CadreRank::Division)),
                1 => Some(("院长", CadreRank::Division)),
                2 => Some(("党委副书记", CadreRank::DeputyDivision)),
                3 => Some(("副院长", CadreRank::DeputyDivision)),
                4 => Some(("副院长", CadreRank::DeputyDivision)),
                _ => None,
            };
            if t == 0 || t == 2 || t == 5 {
                status = PoliticalStatus::CpcMember;
                stage = None;
            }
            let number = next_staff_number(&mut g);
            let born = 1958 + g.rng.below(30) as i32;
            let p = g.person(PersonKind::Staff, number, born, status, stage);
            let dept = t % dept_units.len();
            let hired = g.join_date(1990);
            match title {
                Some((pos, rank)) => {
                    g.umember(p, cu, Some(pos), hired);
                    g.set_rank(p, rank);
                    my_cadres.push(p);
                    cadres.push(p);
                }
                None => g.umember(p, dept_units[dept], if t == 5 { Some("组织员") } else { None }, hired),
            }
            faculty[dept].push((p, status.is_party_member()));
        }
        // The committee's posts: secretary, deputy secretary, organizer.
        let posts = [(0usize, Post::Secretary), (2, Post::DeputySecretary), (5, Post::OrganizationCommissioner)];
        let flat: Vec<i64> = faculty.iter().flatten().map(|(p, _)| *p).collect();
        let mut by_index = vec![0i64; teachers];
        for (t, slot) in by_index.iter_mut().enumerate() {
            let dept = t % dept_units.len();
            *slot = faculty[dept][t / dept_units.len()].0;
        }
        let _ = flat;
        for (t, post) in posts {
            if let Some(&p) = by_index.get(t) {
                g.omember(p, co, post, d(2009, 6, 1));
            }
        }
        college_cadres.push(vec![by_index[2], by_index.get(5).copied().unwrap_or(by_index[0])]);

        for (di, members) in faculty.iter().enumerate() {
            let ids: Vec<i64> = members.iter().filter(|(_, m)| *m).map(|(p, _)| *p).collect();
            if ids.is_empty() {
                continue;
            }
            let parts = (ids.len() / 40 + 1).min(3);
            let chunk = ids.len().div_ceil(parts).max(1);
            for (k, part) in ids.chunks(chunk).enumerate() {
                let suffix = if parts > 1 { format!("第{}", NUMERALS[k]) } else { String::new() };
                let b = g.org(Some(co), OrgKind::Branch, format!("{}教工{suffix}党支部", depts[di].0), Some(BranchCategory::Faculty), None);
                let starts: Vec<Date> = part.iter().map(|_| g.join_date(1985)).collect();
                g.fill_branch(b, part, &starts);
            }
        }

        // Students: four undergraduate grades and graduate students, in classes by major.
        let students = students_total / colleges + if ci < students_total % colleges { 1 } else { 0 };
        let class_size = 57usize;
        let mut grade_members: Vec<Vec<(i64, Date)>> = vec![Vec::new(); GRADES.len() + 1];
        let mut plan: Vec<(usize, i32, bool)> = Vec::new(); // (dept, year, graduate)
        let undergrad = students * 88 / 100;
        let per_grade = undergrad / GRADES.len();
        for (gi, year) in GRADES.iter().enumerate() {
            let n_classes = ((per_grade + class_size / 2) / class_size).max(1);
            for c in 0..n_classes {
                plan.push((c % dept_units.len(), *year, false));
            }
            let _ = gi;
        }
        let grad = students - per_grade * GRADES.len();
        let grad_classes = ((grad + class_size / 2) / class_size).max(1);
        for c in 0..grad_classes {
            plan.push((c % dept_units.len(), 2010 + (c % 2) as i32, true));
        }
        let total_classes = plan.len();
        let mut class_counter: std::collections::HashMap<(usize, i32, bool), usize> = Default::default();
        let mut assigned = 0usize;
        // Graduate numbers carry 9 instead of the department, so their classes are counted
        // across the college for the number.
        let mut grad_counter: std::collections::HashMap<i32, usize> = Default::default();
        for (k, (dept, year, graduate)) in plan.into_iter().enumerate() {
            let n = class_counter.entry((dept, year, graduate)).or_insert(0);
            *n += 1;
            let num_n = if graduate {
                let g = grad_counter.entry(year).or_insert(0);
                *g += 1;
                *g
            } else {
                *n
            };
            let major = depts[dept].1;
            let cname = if graduate { format!("{major}研{}{:02}班", year % 100, n) } else { format!("{major}{}{:02}班", year % 100, n) };
            let class = g.unit(Some(dept_units[dept]), UnitKind::Class, cname);
            classes_all.push((class, ci));
            let remaining_classes = total_classes - k;
            let size_here = (students - assigned).div_ceil(remaining_classes.max(1)).min(99);
            for s in 0..size_here {
                let major_digit = if graduate { 9 } else { dept };
                // 12 digits as the university writes them; a very large demo (more than 9
                // departments or 99 classes of a year) takes a wider fixed-width form instead,
                // so that numbers stay unique.
                let number = if major_digit < 10 && num_n < 100 {
                    format!("{year}{:02}{major_digit}{num_n:02}{:03}", ci + 1, s + 1)
                } else {
                    format!("{year}{:02}{major_digit:02}{num_n:03}{:03}", ci + 1, s + 1)
                };
                let (status, stage) = g.student_status(year, graduate);
                let p = g.person(PersonKind::Student, number, year - 18, status, stage);
                g.umember(p, class, None, d(year, 9, 1));
                if status.is_party_member() {
                    let slot = if graduate { GRADES.len() } else { GRADES.iter().position(|y| *y == year).unwrap_or(0) };
                    let start = g.join_date(year.max(2009));
                    grade_members[slot].push((p, start));
                }
            }
            assigned += size_here;
        }
        for (slot, members) in grade_members.iter().enumerate() {
            if members.is_empty() {
                continue;
            }
            let parts = (members.len() / 35 + 1).min(3);
            let chunk = members.len().div_ceil(parts).max(1);
            for (k, part) in members.chunks(chunk).enumerate() {
                let suffix = if parts > 1 { format!("第{}", NUMERALS[k]) } else { String::new() };
                let name = if slot == GRADES.len() { format!("研究生{suffix}党支部") } else { format!("本科生{}级{suffix}党支部", GRADES[slot]) };
                let b = g.org(Some(co), OrgKind::Branch, name, Some(BranchCategory::Student), None);
                let ids: Vec<i64> = part.iter().map(|(p, _)| *p).collect();
                let starts: Vec<Date> = part.iter().map(|(_, s)| *s).collect();
                g.fill_branch(b, &ids, &starts);
            }
        }
        let _ = my_cadres;
    }

    // Relations: a cadre for every class (item 8), a contact person for every branch (item 11),
    // a head for every unit with windows (item 9).
    let cadre_pool: Vec<i64> = {
        // Office cadres first, so a college's own leaders are not all drawn to its own classes.
        let mut v: Vec<i64> = cadres.iter().copied().filter(|c| !college_cadres.iter().flatten().any(|x| x == c)).collect();
        v.extend(cadres.iter().copied().filter(|c| college_cadres.iter().flatten().any(|x| x == c)));
        v.extend(leaders.iter().copied());
        v
    };
    for (i, (class, _)) in classes_all.iter().enumerate() {
        let cadre = cadre_pool[i % cadre_pool.len()];
        g.demo.relations.push(DemoRelation { kind: RelationKind::CadreClass, person: cadre, org: None, unit: Some(*class), start: d(2012, 3, 2) });
    }
    let branches: Vec<(i64, Option<i64>)> = g.demo.orgs.iter().filter(|o| o.kind.is_branch()).map(|o| (o.id, o.parent)).collect();
    let office_contacts: Vec<i64> = office_staff.iter().take(5).flat_map(|(_, r)| r.iter().filter(|s| s.member).map(|s| s.id).take(2)).collect();
    for (i, (b, parent)) in branches.iter().enumerate() {
        let pool: Vec<i64> = match college_orgs.iter().position(|c| Some(*c) == *parent) {
            Some(ci) => college_cadres[ci].clone(),
            None => office_contacts.clone(),
        };
        if pool.is_empty() {
            continue;
        }
        let contact = pool[i % pool.len()];
        g.demo.relations.push(DemoRelation { kind: RelationKind::BranchContact, person: contact, org: Some(*b), unit: None, start: d(2012, 2, 20) });
    }
    for (p, u) in &unit_heads {
        g.demo.relations.push(DemoRelation { kind: RelationKind::UnitHead, person: *p, org: None, unit: Some(*u), start: d(2011, 9, 1) });
    }

    choose_accounts(&mut g, root, &college_orgs, &leaders, library_unit);
    g.demo
}

/// One demo account for each role of DOMAIN.md, each a different person, chosen so that the
/// tests have a branch secretary in one college and another in a second.
fn choose_accounts(g: &mut Gen, _root: i64, college_orgs: &[i64], leaders: &[i64], library_unit: Option<i64>) {
    let demo = &g.demo;
    let mut used: Vec<i64> = Vec::new();
    let people: std::collections::HashMap<i64, &PersonFields> = demo.people.iter().map(|p| (p.id, &p.fields)).collect();
    let orgs: std::collections::HashMap<i64, &DemoOrg> = demo.orgs.iter().map(|o| (o.id, o)).collect();
    let units: std::collections::HashMap<i64, &DemoUnit> = demo.units.iter().map(|u| (u.id, u)).collect();
    let name_of = |id: i64| people.get(&id).map(|p| p.name.clone()).unwrap_or_default();
    let status_of = |id: i64| people.get(&id).map(|p| p.political_status);
    let kind_of = |id: i64| people.get(&id).map(|p| p.kind);
    let parent_of = |org: i64| orgs.get(&org).and_then(|o| o.parent);
    let branch_of = |org: i64| -> i64 {
        match orgs.get(&org) {
            Some(o) if o.kind == OrgKind::Group => o.parent.unwrap_or(org),
            _ => org,
        }
    };
    let secretary_of = |org: i64| demo.org_memberships.iter().find(|m| m.org == org && m.post == Post::Secretary).map(|m| m.person);
    let student_branch_of = |college: i64| {
        let size = |b: i64| demo.org_memberships.iter().filter(|m| m.org == b || orgs.get(&m.org).is_some_and(|o| o.parent == Some(b))).count();
        demo.orgs
            .iter()
            .filter(|o| o.parent == Some(college) && o.category == Some(BranchCategory::Student) && secretary_of(o.id).is_some())
            .max_by_key(|o| (size(o.id), std::cmp::Reverse(o.id)))
            .map(|o| o.id)
    };
    let cs = college_orgs.get(1).copied().unwrap_or(college_orgs[0]);
    let civil = college_orgs[0];
    let cs_unit = orgs.get(&cs).and_then(|o| o.linked_unit);

    let mut accounts = Vec::new();
    let mut pick = |username: &'static str, person: Option<i64>, grants: Vec<(Role, Option<i64>)>, purpose: &'static str, used: &mut Vec<i64>| {
        if let Some(p) = person {
            used.push(p);
        }
        accounts.push((username, person, grants, purpose));
    };
    pick("admin", None, vec![(Role::Admin, None)], "系统管理员 administrator", &mut used);
    pick("auditor", None, vec![(Role::Auditor, None)], "安全审计员 auditor", &mut used);
    let office_person = demo
        .unit_memberships
        .iter()
        .filter(|m| units.get(&m.unit).is_some_and(|u| u.name == "党委组织部") && m.position.as_deref() != Some("处长"))
        .map(|m| m.person)
        .find(|p| status_of(*p).is_some_and(|s| s.is_party_member()));
    pick("office", office_person, vec![(Role::Office, None)], "创先办 campaign office", &mut used);
    pick("leader", leaders.get(2).copied(), vec![(Role::Leader, None)], "校领导 university leader", &mut used);
    let orgsec = secretary_of(cs);
    pick("orgsec", orgsec, vec![(Role::OrgSecretary, Some(cs))], "二级党组织书记 secretary of 计算机与通信工程学院党委", &mut used);
    let branch = student_branch_of(cs);
    let branchsec = branch.and_then(secretary_of);
    pick("branchsec", branchsec, vec![(Role::BranchSecretary, branch)], "党支部书记 branch secretary (计算机与通信工程学院)", &mut used);
    let branch2 = student_branch_of(civil);
    let branchsec2 = branch2.and_then(secretary_of);
    pick("branchsec2", branchsec2, vec![(Role::BranchSecretary, branch2)], "党支部书记 branch secretary (土木工程学院)", &mut used);
    let member = branch.and_then(|b| demo.org_memberships.iter().find(|m| branch_of(m.org) == b && m.post == Post::Member && !used.contains(&m.person)).map(|m| m.person));
    pick("member", member, vec![], "党员 Party member", &mut used);
    let in_cs_unit = |unit: i64| -> bool {
        let mut u = Some(unit);
        while let Some(id) = u {
            if Some(id) == cs_unit {
                return true;
            }
            u = units.get(&id).and_then(|x| x.parent);
        }
        false
    };
    let student = demo
        .unit_memberships
        .iter()
        .find(|m| kind_of(m.person) == Some(PersonKind::Student) && status_of(m.person) == Some(PoliticalStatus::CylMember) && in_cs_unit(m.unit) && !used.contains(&m.person))
        .map(|m| m.person);
    pick("student", student, vec![], "学生（群众）student", &mut used);
    let teacher = demo
        .unit_memberships
        .iter()
        .find(|m| kind_of(m.person) == Some(PersonKind::Staff) && status_of(m.person) == Some(PoliticalStatus::Masses) && in_cs_unit(m.unit) && !used.contains(&m.person))
        .map(|m| m.person);
    pick("teacher", teacher, vec![], "教师（群众）teacher", &mut used);
    let cadre = demo.relations.iter().find(|r| r.kind == RelationKind::CadreClass && r.unit.is_some_and(in_cs_unit) && !used.contains(&r.person)).map(|r| r.person);
    pick("cadre", cadre, vec![], "处级干部 cadre linked to a class", &mut used);
    let unithead = demo.relations.iter().find(|r| r.kind == RelationKind::UnitHead && r.unit == library_unit && !used.contains(&r.person)).map(|r| r.person);
    pick("unithead", unithead, vec![], "单位负责人 head of 图书馆", &mut used);
    let contact = demo.relations.iter().find(|r| r.kind == RelationKind::BranchContact && r.org.and_then(parent_of) == Some(cs) && !used.contains(&r.person)).map(|r| r.person);
    pick("contact", contact, vec![], "支部联系人 contact person of a branch", &mut used);

    g.demo.accounts = accounts
        .into_iter()
        .map(|(username, person, grants, purpose)| DemoAccount {
            username,
            display_name: person.map(name_of).unwrap_or_else(|| match username {
                "admin" => "系统管理员".into(),
                _ => "安全审计员".into(),
            }),
            person,
            grants,
            purpose,
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_full_demo_has_the_size_the_issue_asks_for() {
        let demo = generate(20_000);
        let students = demo.people.iter().filter(|p| p.fields.kind == PersonKind::Student).count();
        let staff = demo.people.iter().filter(|p| p.fields.kind == PersonKind::Staff).count();
        assert!((16_000..18_000).contains(&students), "students {students}");
        assert!((2_700..3_300).contains(&staff), "staff {staff}");
        let classes = demo.units.iter().filter(|u| u.kind == UnitKind::Class).count();
        assert!((260..340).contains(&classes), "classes {classes}");
        let colleges = demo.units.iter().filter(|u| u.kind == UnitKind::College).count();
        assert_eq!(colleges, 20);
        let secondary = demo.orgs.iter().filter(|o| o.kind.is_secondary()).count();
        assert!((18..=26).contains(&secondary), "secondary {secondary}");
        let branches = demo.orgs.iter().filter(|o| o.kind.is_branch()).count();
        assert!((150..260).contains(&branches), "branches {branches}");
        let windows = demo.units.iter().filter(|u| u.kind == UnitKind::Window).count();
        assert!((45..60).contains(&windows), "windows {windows}");
        let members = demo.people.iter().filter(|p| p.fields.political_status.is_party_member()).count();
        let share = members as f64 / demo.people.len() as f64;
        assert!((0.10..0.25).contains(&share), "party share {share}");
    }

    #[test]
    fn every_class_has_a_cadre_and_every_branch_a_contact() {
        let demo = generate(3000);
        let linked: HashSet<i64> = demo.relations.iter().filter(|r| r.kind == RelationKind::CadreClass).filter_map(|r| r.unit).collect();
        for u in demo.units.iter().filter(|u| u.kind == UnitKind::Class) {
            assert!(linked.contains(&u.id), "class {} has no cadre", u.name);
        }
        let contacts: HashSet<i64> = demo.relations.iter().filter(|r| r.kind == RelationKind::BranchContact).filter_map(|r| r.org).collect();
        for o in demo.orgs.iter().filter(|o| o.kind.is_branch()) {
            assert!(contacts.contains(&o.id), "branch {} has no contact", o.name);
        }
    }

    #[test]
    fn demo_accounts_cover_every_role_with_distinct_people() {
        for size in [MIN_SIZE, 400, 1000, 20_000] {
            let demo = generate(size);
            let names: Vec<&str> = demo.accounts.iter().map(|a| a.username).collect();
            for u in ["admin", "auditor", "office", "leader", "orgsec", "branchsec", "branchsec2", "member", "student", "teacher", "cadre", "unithead", "contact"] {
                assert!(names.contains(&u), "size {size}: no {u}");
            }
            let missing: Vec<&str> = demo.accounts.iter().filter(|a| a.person.is_none()).map(|a| a.username).collect();
            assert_eq!(missing, ["admin", "auditor"], "size {size}");
            let people: Vec<i64> = demo.accounts.iter().filter_map(|a| a.person).collect();
            assert_eq!(people.len(), demo.accounts.len() - 2, "size {size}: every account but admin and auditor is a person");
            let unique: HashSet<i64> = people.iter().copied().collect();
            assert_eq!(unique.len(), people.len(), "size {size}: accounts share a person");
        }
    }

    #[test]
    fn numbers_stay_unique_in_a_university_ten_times_larger() {
        let demo = generate(200_000);
        let mut seen = std::collections::HashMap::new();
        for p in &demo.people {
            if let Some(other) = seen.insert(p.fields.number.clone(), p.fields.name.clone()) {
                panic!("{} is both {} and {}", p.fields.number, other, p.fields.name);
            }
        }
    }

    #[test]
    fn demo_values_pass_the_validators() {
        let demo = generate(400);
        let mut numbers = HashSet::new();
        for p in &demo.people {
            assert!(numbers.insert(p.fields.number.clone()));
            crate::people::PersonInput::from_fields(&p.fields).validate().unwrap_or_else(|e| panic!("{}: {:?}", p.fields.name, e));
        }
        for o in &demo.orgs {
            let parent = o.parent.and_then(|pid| demo.orgs.iter().find(|x| x.id == pid)).map(|x| x.kind);
            assert!(o.kind.may_sit_under(parent), "{} under {:?}", o.name, parent);
        }
        for u in &demo.units {
            let parent = u.parent.and_then(|pid| demo.units.iter().find(|x| x.id == pid)).map(|x| x.kind);
            assert!(u.kind.may_sit_under(parent), "{} under {:?}", u.name, parent);
        }
    }

    #[test]
    fn the_same_size_gives_the_same_university() {
        let a = generate(300);
        let b = generate(300);
        assert_eq!(a.people.len(), b.people.len());
        assert_eq!(a.people[17].fields, b.people[17].fields);
    }
}
