//! Surveys: questionnaires, the answers to them, and their tallies.
//!
//! A questionnaire is a list of questions, each in an optional section. It is data (the plan
//! file ships templates; the builder edits a draft) and is frozen once a survey opens, so the
//! answers of a response are kept by question code. The satisfaction rate follows DOMAIN.md:
//! (满意 + 基本满意) / valid answers to the survey's overall question (the one it names, else its
//! last satisfaction rating), so each response counts once; a matrix's items have rates of their
//! own, shown as such and never pooled into it. The definition is stored with the survey and
//! printed beside every figure.

use crate::{Lang, Text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Figures computed from anonymous answers are shown only for groups at least this large.
pub use crate::anonymity::MIN_GROUP;

/// The longest free-text answer, in characters.
pub const MAX_TEXT: usize = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// One option of several.
    Single,
    /// Any number of options.
    Multiple,
    /// One point of a scale.
    Rating,
    /// Several items, each rated on the same scale.
    Matrix,
    /// Free text.
    Text,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Single, Kind::Multiple, Kind::Rating, Kind::Matrix, Kind::Text];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Single => "single",
            Kind::Multiple => "multiple",
            Kind::Rating => "rating",
            Kind::Matrix => "matrix",
            Kind::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Single => lang.t("单选", "Single choice"),
            Kind::Multiple => lang.t("多选", "Multiple choice"),
            Kind::Rating => lang.t("评分", "Rating"),
            Kind::Matrix => lang.t("矩阵评分", "Matrix"),
            Kind::Text => lang.t("填空", "Free text"),
        }
    }
}

/// The scale of a rating or matrix question.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scale {
    /// 满意 / 基本满意 / 不满意 (stored as 0, 1, 2).
    #[default]
    Satisfaction,
    /// 1 to 5 (stored as 0..=4, meaning 1..=5).
    Points5,
}

impl Scale {
    pub fn code(self) -> &'static str {
        match self {
            Scale::Satisfaction => "satisfaction",
            Scale::Points5 => "points5",
        }
    }

    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "satisfaction" | "满意度" => Some(Scale::Satisfaction),
            "points5" | "1-5" => Some(Scale::Points5),
            _ => None,
        }
    }

    pub fn points(self) -> usize {
        match self {
            Scale::Satisfaction => 3,
            Scale::Points5 => 5,
        }
    }

    pub fn point_label(self, i: usize, lang: Lang) -> String {
        match self {
            Scale::Satisfaction => {
                [lang.t("满意", "Satisfied"), lang.t("基本满意", "Fairly satisfied"), lang.t("不满意", "Dissatisfied")].get(i).copied().unwrap_or("?").to_string()
            }
            Scale::Points5 => (i + 1).to_string(),
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Scale::Satisfaction => lang.t("满意 / 基本满意 / 不满意", "Satisfied / fairly / dissatisfied"),
            Scale::Points5 => lang.t("1 至 5 分", "1 to 5"),
        }
    }

    /// The value of a point for a mean: 满意 counts 100, 基本满意 60, 不满意 0; 1..5 count 1..5.
    pub fn value(self, i: usize) -> f64 {
        match self {
            Scale::Satisfaction => [100.0, 60.0, 0.0].get(i).copied().unwrap_or(0.0),
            Scale::Points5 => (i + 1) as f64,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// Stable within the questionnaire: q1, q2, ...
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub text: String,
    pub kind: Kind,
    #[serde(default)]
    pub scale: Scale,
    /// The options of a choice, or the items of a matrix.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default)]
    pub required: bool,
}

impl Question {
    /// Whether the question's answers enter the satisfaction rate when the survey names none.
    pub fn is_satisfaction(&self) -> bool {
        matches!(self.kind, Kind::Rating | Kind::Matrix) && self.scale == Scale::Satisfaction
    }

    /// The columns of the question's tally: options, or scale points.
    pub fn columns(&self, lang: Lang) -> Vec<String> {
        match self.kind {
            Kind::Single | Kind::Multiple => self.options.clone(),
            Kind::Rating | Kind::Matrix => (0..self.scale.points()).map(|i| self.scale.point_label(i, lang)).collect(),
            Kind::Text => Vec::new(),
        }
    }
}

/// A questionnaire: its questions in order, and which of them make the satisfaction rate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Questionnaire {
    pub questions: Vec<Question>,
    /// The overall question whose answers make the satisfaction rate (one code); empty: the
    /// last satisfaction rating of the questionnaire.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rate_questions: Vec<String>,
}

impl Questionnaire {
    pub fn question(&self, code: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.code == code)
    }

    /// A code not yet used: q1, q2, ...
    pub fn next_code(&self) -> String {
        let n = self.questions.iter().filter_map(|q| q.code.strip_prefix('q')?.parse::<u32>().ok()).max().unwrap_or(0);
        format!("q{}", n + 1)
    }

    /// The overall question that makes the rate: the one the survey names, else the last
    /// satisfaction rating (a single rating, never a matrix); None: the survey has no rate.
    pub fn rate_code(&self) -> Option<&str> {
        match self.rate_questions.first() {
            Some(c) => Some(c.as_str()),
            None => self.questions.iter().rev().find(|q| q.kind == Kind::Rating && q.scale == Scale::Satisfaction).map(|q| q.code.as_str()),
        }
    }

    /// The matrices on the satisfaction scale, whose items have rates of their own.
    pub fn item_rate_questions(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.questions.iter().enumerate().filter(|(_, q)| q.kind == Kind::Matrix && q.scale == Scale::Satisfaction)
    }

    /// The definition of the satisfaction rate, printed with every figure.
    pub fn rate_definition(&self, lang: Lang) -> String {
        let Some(n) = self.rate_code().and_then(|c| self.questions.iter().position(|q| q.code == c)).map(|i| i + 1) else {
            return lang.t("本问卷不计算满意率", "This questionnaire has no satisfaction rate").to_string();
        };
        let items: Vec<String> = self.item_rate_questions().map(|(i, _)| (i + 1).to_string()).collect();
        match (lang, items.is_empty()) {
            (Lang::Zh, true) => format!("满意率 =（满意 + 基本满意）÷ 第 {n} 题（总体评价）的有效回答数，每份答卷计一次"),
            (Lang::Zh, false) => {
                format!("满意率 =（满意 + 基本满意）÷ 第 {n} 题（总体评价）的有效回答数，每份答卷计一次；第 {} 题各分项的满意率单独列出，不计入总满意率", items.join("、"))
            }
            (Lang::En, true) => format!("Satisfaction rate = (satisfied + fairly satisfied) ÷ valid answers to question {n} (the overall question), each response once"),
            (Lang::En, false) => format!(
                "Satisfaction rate = (satisfied + fairly satisfied) ÷ valid answers to question {n} (the overall question), each response once; the items of question {} have rates of their own, shown apart and not pooled into it",
                items.join(", ")
            ),
        }
    }

    /// Every problem of the questionnaire, for the builder and the plan file.
    pub fn problems(&self) -> Vec<Text> {
        let mut out = Vec::new();
        if self.questions.is_empty() {
            out.push(Text::new("问卷至少要有一道题", "A questionnaire needs at least one question"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let n = i + 1;
            if !seen.insert(q.code.as_str()) {
                out.push(Text::new(format!("题号 {} 重复", q.code), format!("Question code {} appears twice", q.code)));
            }
            if q.text.trim().is_empty() {
                out.push(Text::new(format!("第 {n} 题没有题目"), format!("Question {n} has no text")));
            }
            match q.kind {
                Kind::Single | Kind::Multiple if q.options.len() < 2 => {
                    out.push(Text::new(format!("第 {n} 题至少要有两个选项"), format!("Question {n} needs at least two options")))
                }
                Kind::Matrix if q.options.is_empty() => {
                    out.push(Text::new(format!("第 {n} 题（矩阵）至少要有一个评价项"), format!("Question {n} (matrix) needs at least one item")))
                }
                _ => {}
            }
            if q.options.iter().any(|o| o.trim().is_empty()) {
                out.push(Text::new(format!("第 {n} 题有空选项"), format!("Question {n} has an empty option")));
            }
            if q.options.len() > 50 {
                out.push(Text::new(format!("第 {n} 题选项太多（最多 50 个）"), format!("Question {n} has too many options (at most 50)")));
            }
        }
        if self.rate_questions.len() > 1 {
            out.push(Text::new("满意率只按一道总体评价题计算", "The satisfaction rate is read from one overall question"));
        }
        for c in &self.rate_questions {
            match self.question(c) {
                Some(q) if q.kind == Kind::Rating && q.scale == Scale::Satisfaction => {}
                _ => out.push(Text::new(
                    format!("满意率所用的 {c} 不是满意度评分题（单项评分，非矩阵）"),
                    format!("{c}, named for the satisfaction rate, is not a single satisfaction rating"),
                )),
            }
        }
        out
    }

    /// The questions grouped by section, in order (a section starts where its name changes).
    pub fn sections(&self) -> Vec<Section<'_>> {
        let mut out: Vec<Section<'_>> = Vec::new();
        for (i, q) in self.questions.iter().enumerate() {
            let s = q.section.as_deref().filter(|s| !s.trim().is_empty());
            match out.last_mut() {
                Some((last, qs)) if *last == s => qs.push((i, q)),
                _ => out.push((s, vec![(i, q)])),
            }
        }
        out
    }
}

/// A section's name (None: no name) and its questions with their positions.
pub type Section<'a> = (Option<&'a str>, Vec<(usize, &'a Question)>);

/// One answer, kept compactly by the kind of its question: a number (a single choice or a
/// rating), a list (the options of a multiple choice, or a matrix's points with gaps), or text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Num(u16),
    List(Vec<Option<u16>>),
    Text(String),
}

/// Read by the JSON value's own type, in one pass: serde's untagged enums try each variant in
/// turn and format an error message for every miss, which cost more than the rest of a
/// response's parsing together.
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Answer, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Answer;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number from 0 to 65535, a list of such numbers (or nulls), or a text")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Answer, E> {
                u16::try_from(v).map(Answer::Num).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Answer, E> {
                u16::try_from(v).map(Answer::Num).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Answer, E> {
                Ok(Answer::Text(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Answer, E> {
                Ok(Answer::Text(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Answer, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(x) = seq.next_element::<Option<u16>>()? {
                    out.push(x);
                }
                Ok(Answer::List(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The answers of one response, by question code.
pub type Answers = BTreeMap<String, Answer>;

/// A problem with one answer, for the field of its question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerError {
    pub code: String,
    pub message: Text,
}

/// Reads a submitted form into answers. Fields: `q1=2` (a choice or a point, 0-based), `q2=0&q2=3`
/// (several choices), `q3.0=1&q3.1=0` (a matrix's items), `q4=text`. Every problem is reported
/// against its question; nothing is half-accepted.
pub fn parse_form(q: &Questionnaire, fields: &[(String, String)]) -> Result<Answers, Vec<AnswerError>> {
    let mut answers = Answers::new();
    let mut errors = Vec::new();
    fn field_values<'a>(fields: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        fields.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.trim())
    }
    let values = |name| field_values(fields, name);
    for question in &q.questions {
        let code = &question.code;
        let mut err = |zh: String, en: String| errors.push(AnswerError { code: code.clone(), message: Text::new(zh, en) });
        let index = |v: &str, n: usize| v.parse::<u16>().ok().filter(|i| usize::from(*i) < n);
        let answer = match question.kind {
            Kind::Single | Kind::Rating => {
                let n = if question.kind == Kind::Single { question.options.len() } else { question.scale.points() };
                match values(code).find(|v| !v.is_empty()) {
                    None => None,
                    Some(v) => match index(v, n) {
                        Some(i) => Some(Answer::Num(i)),
                        None => {
                            err(format!("“{v}”不是本题的选项"), format!("\"{v}\" is not an option of this question"));
                            continue;
                        }
                    },
                }
            }
            Kind::Multiple => {
                let mut picked = Vec::new();
                for v in values(code).filter(|v| !v.is_empty()) {
                    match index(v, question.options.len()) {
                        Some(i) if !picked.contains(&Some(i)) => picked.push(Some(i)),
                        Some(_) => {}
                        None => err(format!("“{v}”不是本题的选项"), format!("\"{v}\" is not an option of this question")),
                    }
                }
                picked.sort();
                if picked.is_empty() { None } else { Some(Answer::List(picked)) }
            }
            Kind::Matrix => {
                let mut row = Vec::with_capacity(question.options.len());
                for item in 0..question.options.len() {
                    let name = format!("{code}.{item}");
                    match field_values(fields, &name).find(|v| !v.is_empty()) {
                        None => row.push(None),
                        Some(v) => match index(v, question.scale.points()) {
                            Some(i) => row.push(Some(i)),
                            None => {
                                err(format!("“{v}”不在评分范围内"), format!("\"{v}\" is not on the scale"));
                                row.push(None);
                            }
                        },
                    }
                }
                if question.required && row.iter().any(Option::is_none) && row.iter().any(Option::is_some) {
                    err("请为每一项评分".into(), "Please rate every item".into());
                }
                if row.iter().all(Option::is_none) { None } else { Some(Answer::List(row)) }
            }
            Kind::Text => {
                let text: String = values(code).collect::<Vec<_>>().join("\n");
                let text = text.trim().to_string();
                if text.chars().count() > MAX_TEXT {
                    err(format!("不能超过 {MAX_TEXT} 字"), format!("At most {MAX_TEXT} characters"));
                    continue;
                }
                if text.is_empty() { None } else { Some(Answer::Text(text)) }
            }
        };
        match answer {
            Some(a) => {
                answers.insert(code.clone(), a);
            }
            None if question.required => err("此题必答".into(), "This question is required".into()),
            None => {}
        }
    }
    if errors.is_empty() { Ok(answers) } else { Err(errors) }
}

/// Checks answers that arrive as JSON (the API, paper forms typed in bulk) by the same rules as
/// the form.
pub fn check(q: &Questionnaire, answers: &Answers) -> Result<(), Vec<AnswerError>> {
    let mut fields = Vec::new();
    for (code, a) in answers {
        if q.question(code).is_none() {
            return Err(vec![AnswerError { code: code.clone(), message: Text::new(format!("没有题目 {code}"), format!("There is no question {code}")) }]);
        }
        let question = q.question(code).expect("checked above");
        match (question.kind, a) {
            (Kind::Single | Kind::Rating, Answer::Num(i)) => fields.push((code.clone(), i.to_string())),
            (Kind::Multiple, Answer::List(l)) => fields.extend(l.iter().flatten().map(|i| (code.clone(), i.to_string()))),
            (Kind::Matrix, Answer::List(l)) => {
                if l.len() != question.options.len() {
                    return Err(vec![AnswerError { code: code.clone(), message: Text::new("评价项数目不对", "The number of items is wrong") }]);
                }
                fields.extend(l.iter().enumerate().filter_map(|(k, v)| v.map(|v| (format!("{code}.{k}"), v.to_string()))));
            }
            (Kind::Text, Answer::Text(t)) => fields.push((code.clone(), t.clone())),
            _ => return Err(vec![AnswerError { code: code.clone(), message: Text::new("答案与题型不符", "The answer does not fit the question") }]),
        }
    }
    let parsed = parse_form(q, &fields)?;
    if &parsed == answers { Ok(()) } else { Err(vec![AnswerError { code: String::new(), message: Text::new("答案格式不规范", "The answers are not in normal form") }]) }
}

/// The counts of one question.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct QuestionTally {
    pub code: String,
    /// Responses that answered the question.
    pub answered: u64,
    /// Per option or scale point (for a matrix, over all items).
    pub counts: Vec<u64>,
    /// A matrix's counts per item.
    pub items: Vec<Vec<u64>>,
    /// Sum of values, for the mean (ratings and matrices).
    pub sum: f64,
    /// Values counted in `sum`.
    pub values: u64,
    /// Free-text answers (kept out of stored tallies: they are read from the responses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<String>,
}

impl QuestionTally {
    pub fn mean(&self) -> Option<f64> {
        if self.values == 0 { None } else { Some(self.sum / self.values as f64) }
    }

    /// The share of one column, in percent of the answers of the question (for a multiple choice,
    /// of the responses that answered it).
    pub fn percent(&self, i: usize) -> Option<f64> {
        let total = match self.items.len() {
            0 => self.answered,
            _ => self.counts.iter().sum(),
        };
        if total == 0 { None } else { Some(self.counts.get(i).copied().unwrap_or(0) as f64 * 100.0 / total as f64) }
    }
}

/// The satisfaction counts behind a rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rate {
    pub satisfied: u64,
    pub fairly: u64,
    pub dissatisfied: u64,
}

impl Rate {
    pub fn valid(&self) -> u64 {
        self.satisfied + self.fairly + self.dissatisfied
    }

    /// The rate in percent, None without valid answers.
    pub fn percent(&self) -> Option<f64> {
        let v = self.valid();
        if v == 0 { None } else { Some((self.satisfied + self.fairly) as f64 * 100.0 / v as f64) }
    }

    pub fn add(&mut self, other: &Rate) {
        self.satisfied += other.satisfied;
        self.fairly += other.fairly;
        self.dissatisfied += other.dissatisfied;
    }

    fn count(&mut self, point: u16) {
        match point {
            0 => self.satisfied += 1,
            1 => self.fairly += 1,
            _ => self.dissatisfied += 1,
        }
    }
}

/// The tally of a set of responses.
#[derive(Clone, Debug, PartialEq, Default, Serialize, Deserialize)]
pub struct Tally {
    pub responses: u64,
    pub questions: Vec<QuestionTally>,
    pub rate: Rate,
    /// The responses by the way they came in ([`Channel::code`]), kept with the counts so that
    /// "how many took part, by channel" is read from the tallies rather than counted each time.
    #[serde(default)]
    pub channels: BTreeMap<String, u64>,
}

impl Tally {
    pub fn new(q: &Questionnaire) -> Tally {
        Tally {
            responses: 0,
            questions: q
                .questions
                .iter()
                .map(|question| QuestionTally {
                    code: question.code.clone(),
                    counts: vec![0; question.columns(Lang::Zh).len()],
                    items: if question.kind == Kind::Matrix { vec![vec![0; question.scale.points()]; question.options.len()] } else { Vec::new() },
                    ..QuestionTally::default()
                })
                .collect(),
            rate: Rate::default(),
            channels: BTreeMap::new(),
        }
    }

    /// Counts the channel one response came in by (beside [`Tally::add`] of its answers).
    pub fn came_by(&mut self, channel: &str) {
        *self.channels.entry(channel.to_string()).or_default() += 1;
    }

    /// Adds another tally of the same questionnaire (a roll-up).
    pub fn merge(&mut self, other: &Tally) {
        self.responses += other.responses;
        self.rate.add(&other.rate);
        for (channel, n) in &other.channels {
            *self.channels.entry(channel.clone()).or_default() += n;
        }
        for (a, b) in self.questions.iter_mut().zip(&other.questions) {
            a.answered += b.answered;
            a.sum += b.sum;
            a.values += b.values;
            for (x, y) in a.counts.iter_mut().zip(&b.counts) {
                *x += y;
            }
            for (row, other_row) in a.items.iter_mut().zip(&b.items) {
                for (x, y) in row.iter_mut().zip(other_row) {
                    *x += y;
                }
            }
            a.texts.extend(b.texts.iter().cloned());
        }
    }

    /// Counts one response.
    pub fn add(&mut self, q: &Questionnaire, answers: &Answers) {
        self.responses += 1;
        let rate_code = q.rate_code();
        for (question, t) in q.questions.iter().zip(self.questions.iter_mut()) {
            let Some(a) = answers.get(&question.code) else { continue };
            let in_rate = rate_code == Some(question.code.as_str());
            t.answered += 1;
            match (question.kind, a) {
                (Kind::Single | Kind::Rating, Answer::Num(i)) => {
                    if let Some(c) = t.counts.get_mut(usize::from(*i)) {
                        *c += 1;
                    }
                    if question.kind == Kind::Rating {
                        t.sum += question.scale.value(usize::from(*i));
                        t.values += 1;
                        if in_rate {
                            self.rate.count(*i);
                        }
                    }
                }
                (Kind::Multiple, Answer::List(l)) => {
                    for i in l.iter().flatten() {
                        if let Some(c) = t.counts.get_mut(usize::from(*i)) {
                            *c += 1;
                        }
                    }
                }
                (Kind::Matrix, Answer::List(l)) => {
                    for (item, v) in l.iter().enumerate() {
                        let Some(i) = v else { continue };
                        if let Some(c) = t.counts.get_mut(usize::from(*i)) {
                            *c += 1;
                        }
                        if let Some(c) = t.items.get_mut(item).and_then(|row| row.get_mut(usize::from(*i))) {
                            *c += 1;
                        }
                        t.sum += question.scale.value(usize::from(*i));
                        t.values += 1;
                    }
                }
                (Kind::Text, Answer::Text(s)) => t.texts.push(s.clone()),
                _ => t.answered -= 1,
            }
        }
    }
}

/// Whether a figure over `n` answers may be shown: always for a named survey, from
/// [`MIN_GROUP`] on for an anonymous one.
pub fn may_show(n: u64, anonymous: bool) -> bool {
    !anonymous || crate::anonymity::may_show(n)
}

impl QuestionTally {
    /// The satisfaction rate of one item of a matrix on the satisfaction scale.
    pub fn item_rate(&self, item: usize) -> Rate {
        let row = self.items.get(item).map(Vec::as_slice).unwrap_or(&[]);
        let at = |i: usize| row.get(i).copied().unwrap_or(0);
        Rate { satisfied: at(0), fairly: at(1), dissatisfied: row.iter().skip(2).sum() }
    }
}

/// A target's stored tally, with the groups it rolls up into (one key per roll-up, such as its
/// college and its secondary organization; None where it has none).
#[derive(Clone, Debug)]
pub struct TargetTally {
    pub id: i64,
    pub label: String,
    pub tally: Tally,
    pub groups: Vec<Option<i64>>,
}

/// A target as published: its tally, or None when it has too few responses to show.
#[derive(Clone, Debug, Serialize)]
pub struct PublishedTarget {
    pub id: i64,
    pub label: String,
    pub tally: Option<Tally>,
}

/// What a survey's results may show, to anyone (DOMAIN.md's anonymity rules, [`crate::anonymity`]).
/// In an anonymous survey a target under the minimum shows nothing, and no total contains it
/// (the total minus the shown targets would give it away): every total and roll-up is made of
/// the shown targets only. The hidden targets together make one more line when they reach the
/// minimum, counted in the total; otherwise they are left out of every figure, and it says so.
#[derive(Clone, Debug, Serialize)]
pub struct Published {
    pub anonymous: bool,
    pub targets: Vec<PublishedTarget>,
    /// How many targets show no figures of their own.
    pub hidden: usize,
    /// The hidden targets together, when they reach the minimum (and the total counts them).
    pub others: Option<Tally>,
    /// Responses about hidden targets are left out of every figure (they did not reach the
    /// minimum even together).
    pub left_out: bool,
    /// Over the shown targets (and `others`); None when that is under the minimum.
    pub total: Option<Tally>,
    /// Per roll-up: each group's tally over its shown targets.
    pub rollups: Vec<Vec<(i64, Tally)>>,
}

impl Published {
    /// The targets whose responses the published figures contain (for free texts and raw rows).
    pub fn counted(&self) -> Vec<i64> {
        self.targets.iter().filter(|t| t.tally.is_some()).map(|t| t.id).collect()
    }

    /// One target's published tally.
    pub fn target(&self, id: i64) -> Option<&Tally> {
        self.targets.iter().find(|t| t.id == id).and_then(|t| t.tally.as_ref())
    }
}

/// Publishes a survey's tallies by target (see [`Published`]); `rollups` is how many group keys
/// each target carries.
pub fn publish(q: &Questionnaire, targets: Vec<TargetTally>, anonymous: bool, rollups: usize) -> Published {
    let mut out = Published { anonymous, targets: Vec::new(), hidden: 0, others: None, left_out: false, total: None, rollups: vec![Vec::new(); rollups] };
    let mut total = Tally::new(q);
    let mut others = Tally::new(q);
    let mut groups: Vec<BTreeMap<i64, Tally>> = vec![BTreeMap::new(); rollups];
    for t in targets {
        let shown = may_show(t.tally.responses, anonymous);
        if shown {
            total.merge(&t.tally);
            for (dim, key) in t.groups.iter().enumerate().take(rollups) {
                if let Some(k) = key {
                    groups[dim].entry(*k).or_insert_with(|| Tally::new(q)).merge(&t.tally);
                }
            }
        } else {
            out.hidden += 1;
            others.merge(&t.tally);
        }
        out.targets.push(PublishedTarget { id: t.id, label: t.label, tally: shown.then_some(t.tally) });
    }
    if others.responses > 0 {
        if crate::anonymity::may_show(others.responses) {
            total.merge(&others);
            out.others = Some(others);
        } else {
            out.left_out = true;
        }
    }
    out.total = may_show(total.responses, anonymous).then_some(total);
    out.rollups = groups.into_iter().map(|g| g.into_iter().collect()).collect();
    out
}

/// A percentage as it is published: two decimals.
pub fn fmt_percent(p: Option<f64>) -> String {
    match p {
        Some(p) => format!("{p:.2}%"),
        None => "—".into(),
    }
}

/// A change to a draft's questionnaire, as the builder makes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuestionChange {
    /// A new question at the end (it gets the next free code).
    Add(NewQuestion),
    Delete(String),
    Up(String),
    Down(String),
}

/// A question to add: everything but its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuestion {
    pub section: Option<String>,
    pub text: String,
    pub kind: Kind,
    pub scale: Scale,
    pub options: Vec<String>,
    pub required: bool,
}

/// Why a change to a questionnaire is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChangeError {
    /// No question has the code named.
    NoSuchQuestion,
    /// The new question is not valid; the field of the form to show it against.
    Invalid { field: &'static str, message: Text },
}

impl Questionnaire {
    /// Applies a change of the builder: a question added is checked on its own first (its
    /// problem told against the field it comes from), a removed one leaves the rate too.
    pub fn change(&mut self, c: QuestionChange) -> Result<(), ChangeError> {
        let at = |q: &Questionnaire, code: &str| q.questions.iter().position(|x| x.code == code).ok_or(ChangeError::NoSuchQuestion);
        match c {
            QuestionChange::Add(n) => {
                let question = Question { code: self.next_code(), section: n.section, text: n.text, kind: n.kind, scale: n.scale, options: n.options, required: n.required };
                let one = Questionnaire { questions: vec![question.clone()], rate_questions: Vec::new() };
                if let Some(p) = one.problems().into_iter().next() {
                    let field = if p.zh.contains("选项") || p.zh.contains("评价项") { "options" } else { "text" };
                    return Err(ChangeError::Invalid { field, message: Text::new(p.zh.replace("第 1 题", "本题"), p.en.replace("Question 1", "This question")) });
                }
                self.questions.push(question);
            }
            QuestionChange::Delete(code) => {
                let i = at(self, &code)?;
                self.questions.remove(i);
                self.rate_questions.retain(|c| *c != code);
            }
            QuestionChange::Up(code) => {
                let i = at(self, &code)?;
                if i > 0 {
                    self.questions.swap(i, i - 1);
                }
            }
            QuestionChange::Down(code) => {
                let i = at(self, &code)?;
                if i + 1 < self.questions.len() {
                    self.questions.swap(i, i + 1);
                }
            }
        }
        Ok(())
    }
}

// ---- Who sees what ---------------------------------------------------------------------------
//
// The disclosure rules of a survey, written once over plain facts. The store finds the facts in
// SQL by the same rules (its scoped loader keeps a survey from a caller who may not see it at
// all); the application asks these for everything finer: which figures, which rows, which columns.

/// How a caller stands to a survey, as the store's scoped loader found it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// The office, or a manager of the unit that owns the survey.
    pub manages: bool,
    /// In the survey's audience.
    pub invited: bool,
}

/// What of a survey's results a caller may see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultsAccess {
    /// Nothing (and the survey is not found for them).
    Hidden,
    /// The published aggregates: an invitee of a survey that opens its results.
    Aggregates,
    /// The published aggregates, the raw rows the rules allow and the recount: the survey's
    /// owner and the office.
    Full,
}

impl Standing {
    /// Who sees the results: the owner and the office; an invitee only when the survey opens
    /// its results to its respondents; nobody else, whatever their scope.
    pub fn results(self, results_public: bool) -> ResultsAccess {
        if self.manages {
            ResultsAccess::Full
        } else if self.invited && results_public {
            ResultsAccess::Aggregates
        } else {
            ResultsAccess::Hidden
        }
    }

    /// Who answers: the audience only (the owner previews the form).
    pub fn may_answer(self) -> bool {
        self.invited
    }

    /// Who sees the questionnaire: the audience and whoever manages the survey.
    pub fn may_see(self) -> bool {
        self.manages || self.invited
    }
}

/// Why raw responses are refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawRefusal {
    /// Raw rows go to the owner and the office only.
    NotManager,
    /// An anonymous survey whose published total is under the minimum has no raw rows at all.
    SmallGroup,
}

impl RawRefusal {
    pub fn text(self) -> Text {
        match self {
            RawRefusal::NotManager => Text::new("原始答卷只提供给问卷所属单位和创先办", "Raw responses go to the survey's owner and the office only"),
            RawRefusal::SmallGroup => Text::new("匿名问卷答卷不足 5 份，不提供明细", "An anonymous survey with fewer than 5 responses has no raw export"),
        }
    }
}

/// Where a raw row goes in an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawTarget {
    /// Under its own target's label.
    Own,
    /// Under one label for the hidden targets together (they reach the minimum together).
    Others,
    /// Left out (its target is hidden and the hidden ones together are under the minimum).
    Dropped,
}

/// The raw rows a caller may have, and how: in an anonymous survey only about the targets the
/// results show (the others under one label when they reach the minimum together, else left
/// out), never with a day or a person; in a named survey every row, with both.
#[derive(Clone, Debug)]
pub struct RawRows {
    /// Whether the rows carry their day and person (a named survey).
    pub named: bool,
    shown: std::collections::HashSet<i64>,
    pooled: bool,
}

impl RawRows {
    pub fn target(&self, target: i64) -> RawTarget {
        if self.named || self.shown.contains(&target) {
            RawTarget::Own
        } else if self.pooled {
            RawTarget::Others
        } else {
            RawTarget::Dropped
        }
    }
}

/// The raw rows of a survey, if the caller may have them (see [`RawRows`]).
pub fn raw_rows(access: ResultsAccess, published: &Published) -> Result<RawRows, RawRefusal> {
    if access != ResultsAccess::Full {
        return Err(RawRefusal::NotManager);
    }
    if published.total.is_none() {
        return Err(RawRefusal::SmallGroup);
    }
    Ok(RawRows { named: !published.anonymous, shown: published.counted().into_iter().collect(), pooled: published.others.is_some() })
}

/// The free texts that go with a view of the results (one target, or all): those of the targets
/// whose figures the view shows (the hidden ones too when they are shown together).
pub fn text_targets(published: &Published, target: Option<i64>) -> Vec<i64> {
    match target {
        Some(t) => {
            if published.target(t).is_some() {
                vec![t]
            } else {
                Vec::new()
            }
        }
        None => {
            let mut counted = published.counted();
            if published.others.is_some() {
                counted.extend(published.targets.iter().filter(|t| t.tally.is_none()).map(|t| t.id));
            }
            counted
        }
    }
}

/// Responses by the way they came in, as they may be shown (the channels that took none left
/// out): in an anonymous survey a partition of the published responses, none of its hidden parts
/// left for subtraction ([`crate::anonymity::partition`]).
pub fn publish_channels(anonymous: bool, by_channel: &BTreeMap<String, u64>) -> Vec<(String, Option<u64>)> {
    let used: Vec<(String, u64)> = by_channel.iter().filter(|(_, n)| **n > 0).map(|(c, n)| (c.clone(), *n)).collect();
    if !anonymous {
        return used.into_iter().map(|(c, n)| (c, Some(n))).collect();
    }
    let counts: Vec<u64> = used.iter().map(|(_, n)| *n).collect();
    let (shown, _) = crate::anonymity::partition(&counts);
    used.into_iter().zip(shown).map(|((c, n), s)| (c, s.then_some(n))).collect()
}

/// How many of a group's invitees took part, as it may be shown: in an anonymous survey from
/// the minimum on only.
pub fn publish_participation(answered: u64, anonymous: bool) -> Option<u64> {
    may_show(answered, anonymous).then_some(answered)
}

/// How many of each group's invitees took part, as they may be shown together (the groups of
/// one tree, which partition its invitees): in an anonymous survey a group under the minimum
/// shows nothing (none at all, 0, included: that too says who did not take part), and while the
/// hidden groups together are under the minimum the smallest shown group is hidden too, so that
/// no hidden group is the rest of a figure shown elsewhere (the responses by channel, say) minus
/// the shown groups.
pub fn publish_participation_parts(answered: &[u64], anonymous: bool) -> Vec<Option<u64>> {
    if !anonymous {
        return answered.iter().map(|n| Some(*n)).collect();
    }
    let mut shown: Vec<bool> = answered.iter().map(|n| may_show(*n, true)).collect();
    loop {
        let hidden: Vec<u64> = answered.iter().zip(&shown).filter(|(_, s)| !**s).map(|(n, _)| *n).collect();
        if hidden.is_empty() || crate::anonymity::may_show(hidden.iter().sum()) {
            break;
        }
        match answered.iter().enumerate().filter(|(i, _)| shown[*i]).min_by_key(|(i, n)| (**n, *i)).map(|(i, _)| i) {
            Some(i) => shown[i] = false,
            None => break,
        }
    }
    answered.iter().zip(shown).map(|(n, s)| s.then_some(*n)).collect()
}

/// Whether a survey about these targets takes paper forms: an evaluation of commitments is
/// answered only by the people each commitment serves, which a paper form cannot show.
pub fn takes_paper(kind: TargetKind) -> bool {
    kind != TargetKind::Commitment
}

/// What a survey is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    #[default]
    None,
    /// Service windows (units of kind window).
    Window,
    /// Administrative units.
    Unit,
    /// Party organizations.
    Org,
    /// Cadres (people).
    Cadre,
    /// Public commitments.
    Commitment,
}

impl TargetKind {
    pub const ALL: [TargetKind; 6] = [TargetKind::None, TargetKind::Window, TargetKind::Unit, TargetKind::Org, TargetKind::Cadre, TargetKind::Commitment];

    pub fn code(self) -> &'static str {
        match self {
            TargetKind::None => "none",
            TargetKind::Window => "window",
            TargetKind::Unit => "unit",
            TargetKind::Org => "org",
            TargetKind::Cadre => "cadre",
            TargetKind::Commitment => "commitment",
        }
    }

    pub fn parse(s: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            TargetKind::None => lang.t("无特定对象", "Nothing in particular"),
            TargetKind::Window => lang.t("服务窗口", "Service windows"),
            TargetKind::Unit => lang.t("单位", "Units"),
            TargetKind::Org => lang.t("党组织", "Party organizations"),
            TargetKind::Cadre => lang.t("干部", "Cadres"),
            TargetKind::Commitment => lang.t("公开承诺", "Public commitments"),
        }
    }
}

/// How an accepted response arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A logged-in invitee.
    Login,
    /// A single-use link (e-mail, SMS or a printed slip).
    Link,
    /// A paper form typed in by the office.
    Paper,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Login => "login",
            Channel::Link => "link",
            Channel::Paper => "paper",
        }
    }

    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Login, Channel::Link, Channel::Paper].into_iter().find(|c| c.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Channel::Login => lang.t("登录作答", "Logged in"),
            Channel::Link => lang.t("专属链接", "Personal link"),
            Channel::Paper => lang.t("纸质", "Paper"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_read_by_their_json_type() {
        let a: Answers = serde_json::from_str(r#"{"q1":2,"q2":[0,null,3],"q3":"很好","q4":[]}"#).unwrap();
        assert_eq!(a["q1"], Answer::Num(2));
        assert_eq!(a["q2"], Answer::List(vec![Some(0), None, Some(3)]));
        assert_eq!(a["q3"], Answer::Text("很好".into()));
        assert_eq!(a["q4"], Answer::List(vec![]));
        assert_eq!(serde_json::from_str::<Answers>(&serde_json::to_string(&a).unwrap()).unwrap(), a);
        for bad in [r#"{"q1":70000}"#, r#"{"q1":-1}"#, r#"{"q1":1.5}"#, r#"{"q1":true}"#, r#"{"q1":{"a":1}}"#, r#"{"q1":[1,"x"]}"#, r#"{"q1":null}"#] {
            assert!(serde_json::from_str::<Answers>(bad).is_err(), "{bad}");
        }
    }

    fn q(code: &str, kind: Kind, options: &[&str], required: bool) -> Question {
        Question {
            code: code.into(),
            section: None,
            text: format!("题目 {code}"),
            kind,
            scale: Scale::Satisfaction,
            options: options.iter().map(|s| s.to_string()).collect(),
            required,
        }
    }

    fn sample() -> Questionnaire {
        Questionnaire {
            questions: vec![
                q("q1", Kind::Rating, &[], true),
                q("q2", Kind::Single, &["是", "否"], false),
                q("q3", Kind::Multiple, &["甲", "乙", "丙"], false),
                q("q4", Kind::Matrix, &["态度", "效率"], true),
                q("q5", Kind::Text, &[], false),
            ],
            rate_questions: Vec::new(),
        }
    }

    fn f(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_complete_form_becomes_answers() {
        let a = parse_form(&sample(), &f(&[("q1", "1"), ("q2", "0"), ("q3", "2"), ("q3", "0"), ("q3", "2"), ("q4.0", "0"), ("q4.1", "2"), ("q5", " 很好 ")])).unwrap();
        assert_eq!(a["q1"], Answer::Num(1));
        assert_eq!(a["q3"], Answer::List(vec![Some(0), Some(2)]), "sorted, each option once");
        assert_eq!(a["q4"], Answer::List(vec![Some(0), Some(2)]));
        assert_eq!(a["q5"], Answer::Text("很好".into()));
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"q1":1,"q2":0,"q3":[0,2],"q4":[0,2],"q5":"很好"}"#);
        check(&sample(), &a).unwrap();
    }

    #[test]
    fn missing_required_answers_and_foreign_values_are_each_reported() {
        let errs = parse_form(&sample(), &f(&[("q2", "7"), ("q4.0", "1")])).unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, vec!["q1", "q2", "q4"]);
        assert_eq!(errs[0].message.zh, "此题必答");
        let too_long = "字".repeat(MAX_TEXT + 1);
        let errs = parse_form(&sample(), &f(&[("q1", "0"), ("q4.0", "0"), ("q4.1", "0"), ("q5", &too_long)])).unwrap_err();
        assert_eq!(errs[0].code, "q5");
    }

    #[test]
    fn json_answers_must_fit_their_questions() {
        let mut a = Answers::new();
        a.insert("q1".into(), Answer::Text("满意".into()));
        assert!(check(&sample(), &a).is_err());
        a.insert("q1".into(), Answer::Num(3));
        assert!(check(&sample(), &a).is_err(), "a point off the scale");
        a.insert("q1".into(), Answer::Num(0));
        a.insert("q4".into(), Answer::List(vec![Some(0), Some(1)]));
        check(&sample(), &a).unwrap();
        a.insert("q9".into(), Answer::Num(0));
        assert!(check(&sample(), &a).is_err(), "an unknown question");
    }

    #[test]
    fn the_tally_counts_and_the_rate_follows_the_definition() {
        let qn = sample();
        let mut t = Tally::new(&qn);
        for (q1, q4) in [("0", ["0", "0"]), ("1", ["1", "2"]), ("2", ["2", "2"]), ("0", ["0", "1"])] {
            let a = parse_form(&qn, &f(&[("q1", q1), ("q4.0", q4[0]), ("q4.1", q4[1]), ("q3", "1")])).unwrap();
            t.add(&qn, &a);
        }
        assert_eq!(t.responses, 4);
        assert_eq!(t.questions[0].counts, vec![2, 1, 1]);
        assert_eq!(t.questions[0].mean(), Some((100.0 + 60.0 + 0.0 + 100.0) / 4.0));
        assert_eq!(t.questions[3].items, vec![vec![2, 1, 1], vec![1, 1, 2]]);
        assert_eq!(t.questions[2].counts, vec![0, 4, 0]);
        assert_eq!(t.questions[2].percent(1), Some(100.0));
        // The rate is the overall question's (q1, the last satisfaction rating): 2 satisfied,
        // 1 fairly, 1 not, each response once; the matrix q4 is never pooled into it.
        assert_eq!(t.rate, Rate { satisfied: 2, fairly: 1, dissatisfied: 1 });
        assert_eq!(fmt_percent(t.rate.percent()), "75.00%");
        // q4's items have rates of their own: 态度 2/1/1, 效率 1/1/2.
        assert_eq!(t.questions[3].item_rate(0), Rate { satisfied: 2, fairly: 1, dissatisfied: 1 });
        assert_eq!(t.questions[3].item_rate(1), Rate { satisfied: 1, fairly: 1, dissatisfied: 2 });
        assert!(qn.rate_definition(Lang::Zh).contains("第 1 题（总体评价）"));
        assert!(qn.rate_definition(Lang::Zh).contains("第 4 题各分项"));
        let only_q1 = Questionnaire { rate_questions: vec!["q1".into()], ..qn };
        let mut t = Tally::new(&only_q1);
        t.add(&only_q1, &parse_form(&only_q1, &f(&[("q1", "1"), ("q4.0", "2"), ("q4.1", "2")])).unwrap());
        assert_eq!(t.rate.percent(), Some(100.0));
        assert!(only_q1.rate_definition(Lang::Zh).contains("第 1 题"));
        // A matrix, or two questions, cannot be named for the rate.
        let pooled = Questionnaire { rate_questions: vec!["q1".into(), "q4".into()], ..only_q1 };
        assert_eq!(pooled.problems().len(), 2, "{:?}", pooled.problems());
    }

    #[test]
    fn a_broken_questionnaire_lists_its_problems() {
        let mut qn = sample();
        qn.questions[1].options.truncate(1);
        qn.questions[3].options.clear();
        qn.questions.push(q("q1", Kind::Text, &[], false));
        qn.rate_questions = vec!["q5".into()];
        let p: Vec<String> = qn.problems().into_iter().map(|t| t.zh).collect();
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(Questionnaire::default().problems().len() == 1);
        assert_eq!(sample().next_code(), "q6");
    }

    #[test]
    fn small_anonymous_groups_are_hidden() {
        assert!(!may_show(4, true));
        assert!(may_show(5, true));
        assert!(may_show(1, false));
    }

    /// Targets of 7, 1 and 3 responses in an anonymous survey: only the first shows; the other two
    /// (4 together) are left out of every figure, so no total gives them away; with a third small
    /// target of 2 they reach 6 and show together as one line counted in the total.
    #[test]
    fn small_targets_are_never_in_a_total_that_could_give_them_away() {
        let qn = sample();
        let tally = |n: usize| {
            let mut t = Tally::new(&qn);
            for _ in 0..n {
                t.add(&qn, &parse_form(&qn, &f(&[("q1", "0"), ("q4.0", "0"), ("q4.1", "0")])).unwrap());
            }
            t
        };
        let targets = |sizes: &[usize]| {
            sizes.iter().enumerate().map(|(i, n)| TargetTally { id: i as i64, label: format!("t{i}"), tally: tally(*n), groups: vec![Some(1)] }).collect::<Vec<_>>()
        };
        let p = publish(&qn, targets(&[7, 1, 3]), true, 1);
        assert_eq!(p.counted(), vec![0]);
        assert_eq!(p.hidden, 2);
        assert!(p.others.is_none() && p.left_out);
        assert_eq!(p.total.as_ref().unwrap().responses, 7);
        assert_eq!(p.rollups[0], vec![(1, tally(7))], "the roll-up has the shown target only");
        let p = publish(&qn, targets(&[7, 1, 3, 2]), true, 1);
        assert_eq!(p.others.as_ref().unwrap().responses, 6);
        assert_eq!(p.total.as_ref().unwrap().responses, 13);
        assert_eq!(p.rollups[0][0].1.responses, 7);
        // Nothing at all under the minimum.
        let p = publish(&qn, targets(&[3]), true, 1);
        assert!(p.total.is_none() && p.counted().is_empty());
        // A named survey shows everything.
        let p = publish(&qn, targets(&[1, 3]), false, 1);
        assert_eq!(p.counted(), vec![0, 1]);
        assert_eq!(p.total.unwrap().responses, 4);
    }

    fn published(anonymous: bool, sizes: &[u64]) -> Published {
        let qn = Questionnaire {
            questions: vec![Question { code: "q1".into(), section: None, text: "总体".into(), kind: Kind::Rating, scale: Scale::Satisfaction, options: vec![], required: true }],
            rate_questions: vec![],
        };
        let targets = sizes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let mut tally = Tally::new(&qn);
                for _ in 0..*n {
                    tally.add(&qn, &BTreeMap::from([("q1".to_string(), Answer::Num(0))]));
                }
                TargetTally { id: i as i64 + 1, label: format!("t{i}"), tally, groups: vec![] }
            })
            .collect();
        publish(&qn, targets, anonymous, 0)
    }

    #[test]
    fn results_go_to_the_owner_and_to_invitees_only_when_opened_to_them() {
        let owner = Standing { manages: true, invited: false };
        let invitee = Standing { manages: false, invited: true };
        let stranger = Standing::default();
        assert_eq!(owner.results(false), ResultsAccess::Full);
        assert_eq!(invitee.results(false), ResultsAccess::Hidden);
        assert_eq!(invitee.results(true), ResultsAccess::Aggregates);
        assert_eq!(stranger.results(true), ResultsAccess::Hidden);
        assert!(invitee.may_answer() && !owner.may_answer() && owner.may_see() && !stranger.may_see());
    }

    #[test]
    fn raw_rows_go_to_the_owner_only_and_never_under_the_minimum() {
        let small = published(true, &[3]);
        assert_eq!(raw_rows(ResultsAccess::Full, &small).unwrap_err(), RawRefusal::SmallGroup);
        let big = published(true, &[6, 2, 3]);
        assert_eq!(raw_rows(ResultsAccess::Aggregates, &big).unwrap_err(), RawRefusal::NotManager);
        let rows = raw_rows(ResultsAccess::Full, &big).unwrap();
        assert!(!rows.named);
        // 2 and 3 are hidden, together 5: one more label.
        assert_eq!((rows.target(1), rows.target(2), rows.target(3)), (RawTarget::Own, RawTarget::Others, RawTarget::Others));
        let rows = raw_rows(ResultsAccess::Full, &published(true, &[6, 1, 2])).unwrap();
        assert_eq!(rows.target(2), RawTarget::Dropped, "hidden and under 5 together: left out");
        let named = raw_rows(ResultsAccess::Full, &published(false, &[1, 2])).unwrap();
        assert!(named.named && named.target(2) == RawTarget::Own);
    }

    #[test]
    fn texts_follow_the_figures_shown() {
        let p = published(true, &[6, 2, 3]);
        assert_eq!(text_targets(&p, None), vec![1, 2, 3]);
        assert_eq!(text_targets(&p, Some(2)), Vec::<i64>::new());
        assert_eq!(text_targets(&p, Some(1)), vec![1]);
        assert_eq!(text_targets(&published(true, &[6, 2]), None), vec![1]);
    }

    #[test]
    fn channels_and_participation_hide_small_groups() {
        let by = BTreeMap::from([("link".to_string(), 6), ("login".to_string(), 2), ("paper".to_string(), 0)]);
        assert_eq!(publish_channels(true, &by), vec![("link".to_string(), None), ("login".to_string(), None)]);
        assert_eq!(publish_channels(false, &by), vec![("link".to_string(), Some(6)), ("login".to_string(), Some(2))]);
        assert_eq!(publish_participation(4, true), None);
        assert_eq!(publish_participation(5, true), Some(5));
        assert_eq!(publish_participation(1, false), Some(1));
        assert_eq!(publish_participation_parts(&[7, 3], true), vec![None, None], "7 minus the total would give the 3 away");
        assert_eq!(publish_participation_parts(&[7, 6, 3, 2], true), vec![Some(7), Some(6), None, None]);
        assert_eq!(publish_participation_parts(&[3], false), vec![Some(3)]);
        assert_eq!(publish_participation_parts(&[0, 7], true), vec![None, None], "none at all is hidden, and not left for subtraction");
        assert_eq!(publish_participation_parts(&[9, 8], true), vec![Some(9), Some(8)]);
        assert!(!takes_paper(TargetKind::Commitment) && takes_paper(TargetKind::Window));
    }

    #[test]
    fn the_builder_adds_moves_and_removes_questions() {
        let mut q = Questionnaire::default();
        let add = |text: &str, kind: Kind, options: &[&str]| {
            QuestionChange::Add(NewQuestion {
                section: None,
                text: text.into(),
                kind,
                scale: Scale::Satisfaction,
                options: options.iter().map(|s| s.to_string()).collect(),
                required: false,
            })
        };
        q.change(add("意见", Kind::Text, &[])).unwrap();
        q.change(add("总体", Kind::Rating, &[])).unwrap();
        assert_eq!(q.questions.iter().map(|x| x.code.as_str()).collect::<Vec<_>>(), ["q1", "q2"]);
        q.change(QuestionChange::Up("q2".into())).unwrap();
        assert_eq!(q.questions[0].code, "q2");
        assert_eq!(q.change(QuestionChange::Delete("q9".into())), Err(ChangeError::NoSuchQuestion));
        match q.change(add("选一项", Kind::Single, &[])) {
            Err(ChangeError::Invalid { field, message }) => assert!(field == "options" && !message.zh.contains("第 1 题"), "{field} {message:?}"),
            other => panic!("{other:?}"),
        }
        q.change(QuestionChange::Delete("q1".into())).unwrap();
        assert_eq!(q.questions.len(), 1);
    }
}
