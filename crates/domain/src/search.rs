//! Search in Chinese: how a text becomes the keys it is found by, how a query becomes the keys
//! it looks for, and how a hit is shown with its matched part.
//!
//! Text is folded (lower case, full-width letters and digits to half-width) and reduced to its
//! letters, digits and Chinese characters; its keys are the pairs of neighbouring characters
//! (`g:` bigrams), so any query of two characters or more is found by the keys of its own pairs,
//! and the hit is then checked for the whole query. A name also has its pinyin keys: the full
//! syllables (`p:wangyanlu`) and their initials (`i:wyl`), for every reading of a character
//! that has several (at most [`MAX_READINGS`] combinations); a query of letters matches them
//! as a prefix. A person's staff or student number is an `n:` key, matched as a prefix and only
//! within the caller's scope. Keys are ASCII after their prefix except the bigrams.

use crate::validate::FieldErrors;
use pinyin::ToPinyinMulti;
use std::collections::BTreeSet;

use crate::lang::Lang;

/// What a search finds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Person,
    Org,
    Unit,
    Commitment,
    Problem,
    StudyDoc,
    Announcement,
    Library,
    Story,
    Research,
}

impl Kind {
    pub const ALL: [Kind; 10] =
        [Kind::Person, Kind::Org, Kind::Unit, Kind::Commitment, Kind::Problem, Kind::StudyDoc, Kind::Announcement, Kind::Library, Kind::Story, Kind::Research];

    pub fn code(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Org => "org",
            Kind::Unit => "unit",
            Kind::Commitment => "commitment",
            Kind::Problem => "problem",
            Kind::StudyDoc => "study_doc",
            Kind::Announcement => "announcement",
            Kind::Library => "library",
            Kind::Story => "story",
            Kind::Research => "research",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == s)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Person => lang.t("人员", "People"),
            Kind::Org => lang.t("党组织", "Party organizations"),
            Kind::Unit => lang.t("单位", "Units"),
            Kind::Commitment => lang.t("承诺", "Commitments"),
            Kind::Problem => lang.t("群众反映的问题", "Problems raised"),
            Kind::StudyDoc => lang.t("学习文件", "Documents to study"),
            Kind::Announcement => lang.t("通知公告", "Notices"),
            Kind::Library => lang.t("经验库", "Experience library"),
            Kind::Story => lang.t("典型宣传", "Stories"),
            Kind::Research => lang.t("课题申报", "Research applications"),
        }
    }

    /// Whether a name: found by its pinyin too.
    pub fn is_named(self) -> bool {
        matches!(self, Kind::Person | Kind::Org | Kind::Unit)
    }
}

/// At most this many pinyin spellings are kept for one name (names with several
/// many-reading characters keep the first readings of the rest).
pub const MAX_READINGS: usize = 8;
/// A query is cut to this many characters (its keys stay few).
pub const MAX_QUERY: usize = 32;

/// The character as indexed, or None when it is not indexed (spaces, punctuation).
pub fn fold(c: char) -> Option<char> {
    let c = match c {
        // Full-width ASCII (！ to ～) to half-width.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        'ü' | 'Ü' => 'v',
        _ => c,
    };
    if c.is_ascii_alphanumeric() {
        Some(c.to_ascii_lowercase())
    } else if c.is_alphanumeric() {
        Some(c.to_lowercase().next().unwrap_or(c))
    } else {
        None
    }
}

/// The text's indexed characters, each with the byte range it came from.
pub fn folded(text: &str) -> Vec<(char, usize, usize)> {
    text.char_indices().filter_map(|(i, c)| fold(c).map(|f| (f, i, i + c.len_utf8()))).collect()
}

/// The text as the index compares it.
pub fn normalize(text: &str) -> String {
    text.chars().filter_map(fold).collect()
}

/// The bigram keys of a text (`g:` and two characters).
pub fn bigrams(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().filter_map(fold).collect();
    chars.windows(2).map(|w| format!("g:{}{}", w[0], w[1])).collect()
}

/// The syllables of one character: its readings in plain ASCII (ü as v, ê as e), each once, or
/// itself for a letter or digit.
fn readings(c: char) -> Vec<String> {
    if c.is_ascii_alphanumeric() {
        return vec![c.to_string()];
    }
    let mut v: Vec<String> = Vec::new();
    if let Some(m) = c.to_pinyin_multi() {
        for p in m {
            let plain: String = p
                .plain()
                .chars()
                .filter_map(|ch| match ch {
                    'ü' => Some('v'),
                    'ê' | 'ē' | 'é' | 'ě' | 'è' => Some('e'),
                    ch if ch.is_ascii_lowercase() => Some(ch),
                    _ => None,
                })
                .collect();
            if !plain.is_empty() && !v.contains(&plain) {
                v.push(plain);
            }
        }
    }
    v
}

/// A syllable's initial (syllables are ASCII, see [`readings`]).
fn initial(syl: &str) -> char {
    syl.chars().next().unwrap_or('x')
}

/// The pinyin keys of a name: full spellings (`p:`) and initials (`i:`).
pub fn pinyin_keys(name: &str) -> BTreeSet<String> {
    let mut spellings: Vec<(String, String)> = vec![(String::new(), String::new())];
    for c in name.chars().filter_map(fold) {
        let r = readings(c);
        if r.is_empty() {
            continue;
        }
        // Every spelling goes on with the first reading; the other readings while there is room.
        let mut next: Vec<(String, String)> = spellings.iter().map(|(f, i)| (format!("{f}{}", r[0]), format!("{i}{}", initial(&r[0])))).collect();
        for syl in &r[1..] {
            for (f, i) in &spellings {
                if next.len() >= MAX_READINGS {
                    break;
                }
                next.push((format!("{f}{syl}"), format!("{i}{}", initial(syl))));
            }
        }
        spellings = next;
    }
    let mut keys = BTreeSet::new();
    for (full, initials) in spellings {
        if !full.is_empty() {
            keys.insert(format!("p:{full}"));
            keys.insert(format!("i:{initials}"));
        }
    }
    keys
}

/// The key of a staff or student number.
pub fn number_key(number: &str) -> Option<String> {
    let n = normalize(number);
    (!n.is_empty()).then(|| format!("n:{n}"))
}

/// A query as the index reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// The query folded: what a hit's text must contain.
    pub text: String,
    /// The bigram keys a text hit has all of.
    pub grams: Vec<String>,
    /// Prefixes of names' pinyin keys (`p:` and `i:`), when the query is letters only.
    pub pinyin: Vec<String>,
    /// The prefix of a number key, when the query is letters and digits.
    pub number: Option<String>,
}

impl Query {
    /// Reads a query: at least two characters (letters, digits or Chinese) after folding.
    pub fn parse(q: &str) -> Result<Query, FieldErrors> {
        let text: String = normalize(q).chars().take(MAX_QUERY).collect();
        if text.chars().count() < 2 {
            let mut e = FieldErrors::new();
            e.add("q", "请至少输入两个字（或两个字母、数字）", "Type at least two characters, letters or digits");
            return Err(e);
        }
        let grams = bigrams(&text).into_iter().collect();
        let ascii = text.chars().all(|c| c.is_ascii_alphanumeric());
        let letters = text.chars().all(|c| c.is_ascii_lowercase());
        let pinyin = if letters { vec![format!("i:{text}"), format!("p:{text}")] } else { Vec::new() };
        let number = ascii.then(|| format!("n:{text}"));
        Ok(Query { text, grams, pinyin, number })
    }

    /// Whether a text contains the query (after folding).
    pub fn in_text(&self, text: &str) -> bool {
        normalize(text).contains(&self.text)
    }

    /// Whether a name's pinyin (full or initials) starts with the query.
    pub fn in_pinyin(&self, name: &str) -> bool {
        !self.pinyin.is_empty() && pinyin_keys(name).iter().any(|k| k[2..].starts_with(&self.text))
    }

    /// Whether a number starts with the query.
    pub fn in_number(&self, number: &str) -> bool {
        self.number.is_some() && normalize(number).starts_with(&self.text)
    }

    /// The upper end of a prefix's range: every key starting with `prefix` is at least
    /// `prefix` and below this (keys after their namespace are ASCII).
    pub fn range_end(prefix: &str) -> String {
        let mut s = prefix.to_string();
        let last = s.pop().unwrap_or('~');
        s.push(char::from_u32(last as u32 + 1).unwrap_or('~'));
        s
    }
}

/// A piece of a shown text: whether it is the matched part.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

/// The text cut to about `width` characters around the first match of the query, in pieces
/// with the matched part marked; the start of the text, unmarked, when it does not contain it.
pub fn excerpt(text: &str, q: &Query, width: usize) -> Vec<Piece> {
    let f = folded(text);
    let needle: Vec<char> = q.text.chars().collect();
    let at = (0..f.len()).find(|&i| f.len() - i >= needle.len() && f[i..i + needle.len()].iter().map(|x| x.0).eq(needle.iter().copied()));
    let Some(i) = at else {
        return vec![Piece { text: cut(text, 0, width), hit: false }];
    };
    let (start, end) = (f[i].1, f[i + needle.len() - 1].2);
    // About a third of the width before the match.
    let before_chars = text[..start].chars().count();
    let lead = width / 3;
    let from_char = before_chars.saturating_sub(lead);
    let from = text.char_indices().nth(from_char).map(|(b, _)| b).unwrap_or(0);
    let rest = width.saturating_sub(before_chars - from_char + text[start..end].chars().count());
    let mut out = Vec::new();
    let pre = format!("{}{}", if from > 0 { "…" } else { "" }, &text[from..start]);
    if !pre.is_empty() {
        out.push(Piece { text: pre, hit: false });
    }
    out.push(Piece { text: text[start..end].to_string(), hit: true });
    let post = cut(&text[end..], 0, rest);
    if !post.is_empty() {
        out.push(Piece { text: post, hit: false });
    }
    out
}

/// A name with its first `n` indexed characters marked (a pinyin initials match), or all of it
/// (a full-pinyin match).
pub fn mark_pinyin(name: &str, q: &Query) -> Vec<Piece> {
    let f = folded(name);
    let initials = pinyin_keys(name).iter().any(|k| k.starts_with("i:") && k[2..].starts_with(&q.text));
    let n = if initials { q.text.len().min(f.len()) } else { f.len() };
    if n == 0 {
        return vec![Piece { text: name.to_string(), hit: false }];
    }
    let end = f[n - 1].2;
    let mut out = vec![Piece { text: name[..end].to_string(), hit: true }];
    if end < name.len() {
        out.push(Piece { text: name[end..].to_string(), hit: false });
    }
    out
}

fn cut(text: &str, from: usize, width: usize) -> String {
    let mut s: String = text.chars().skip(from).take(width).collect();
    if text.chars().count() > from + width {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_drops_spaces_and_punctuation_and_widens_nothing() {
        assert_eq!(normalize("王 燕璐，ＡＢＣ１２3！"), "王燕璐abc123");
    }

    #[test]
    fn a_name_has_bigrams_and_pinyin_keys() {
        let g = bigrams("王燕璐");
        assert!(g.contains("g:王燕") && g.contains("g:燕璐") && g.len() == 2);
        let p = pinyin_keys("王燕璐");
        assert!(p.contains("p:wangyanlu"), "{p:?}");
        assert!(p.contains("i:wyl"), "{p:?}");
    }

    #[test]
    fn a_many_reading_surname_is_found_by_each_reading() {
        let p = pinyin_keys("单明");
        assert!(p.contains("p:shanming") && p.contains("p:danming"), "{p:?}");
        assert!(p.contains("i:sm") && p.contains("i:dm"));
        // A long name of many-reading characters keeps at most MAX_READINGS spellings.
        let many = pinyin_keys("还行得还行得还行");
        assert!(many.iter().filter(|k| k.starts_with("p:")).count() <= MAX_READINGS);
    }

    #[test]
    fn every_name_has_ascii_keys_and_nothing_panics() {
        // 欸 and 誒 read ê: typed e.
        for name in ["欸", "誒明", "吕欸", "𠮷野家", "Zoë 王", "々"] {
            for k in pinyin_keys(name) {
                assert!(k.is_ascii(), "{name}: {k}");
            }
            let q = Query::parse("ez").unwrap();
            let _ = (q.in_pinyin(name), mark_pinyin(name, &q), excerpt(name, &q, 5));
        }
        assert!(pinyin_keys("欸").contains("p:ei") || pinyin_keys("欸").iter().any(|k| k.starts_with("p:e")), "{:?}", pinyin_keys("欸"));
        // Each reading once: 行 reads xing, hang, heng.
        assert_eq!(readings('行').iter().filter(|r| *r == "hang").count(), 1);
    }

    #[test]
    fn lv_is_typed_with_v() {
        assert!(pinyin_keys("吕").contains("p:lv"), "{:?}", pinyin_keys("吕"));
    }

    #[test]
    fn queries_need_two_characters() {
        assert!(Query::parse("王").is_err());
        assert!(Query::parse(" ， ").is_err());
        let q = Query::parse("王燕").unwrap();
        assert_eq!(q.grams, vec!["g:王燕".to_string()]);
        assert!(q.pinyin.is_empty() && q.number.is_none());
        let q = Query::parse("WYL").unwrap();
        assert_eq!(q.text, "wyl");
        assert_eq!(q.pinyin, vec!["i:wyl".to_string(), "p:wyl".to_string()]);
        assert!(q.in_pinyin("王燕璐") && !q.in_pinyin("王艳"));
        let q = Query::parse("2011").unwrap();
        assert!(q.pinyin.is_empty());
        assert!(q.in_number("20110042") && !q.in_number("12011"));
        assert_eq!(Query::range_end("n:2011"), "n:2012");
    }

    #[test]
    fn an_excerpt_marks_the_match_across_spaces() {
        let q = Query::parse("志愿服务").unwrap();
        let p = excerpt("每月组织一次 志愿 服务活动", &q, 40);
        assert_eq!(p.iter().filter(|x| x.hit).map(|x| x.text.as_str()).collect::<Vec<_>>(), vec!["志愿 服务"]);
        assert_eq!(p.iter().map(|x| x.text.as_str()).collect::<String>(), "每月组织一次 志愿 服务活动");
        let long = format!("{}志愿服务{}", "甲".repeat(50), "乙".repeat(50));
        let p = excerpt(&long, &q, 30);
        assert!(p[0].text.starts_with('…') && p.last().unwrap().text.ends_with('…'));
        assert_eq!(p.iter().map(|x| x.text.chars().count()).sum::<usize>(), 30 + 2);
        assert_eq!(excerpt("无关", &q, 10), vec![Piece { text: "无关".into(), hit: false }]);
    }

    #[test]
    fn pinyin_marks_the_initials_matched() {
        let q = Query::parse("wy").unwrap();
        assert_eq!(mark_pinyin("王燕璐", &q), vec![Piece { text: "王燕".into(), hit: true }, Piece { text: "璐".into(), hit: false }]);
        let q = Query::parse("wangyanlu").unwrap();
        assert_eq!(mark_pinyin("王燕璐", &q), vec![Piece { text: "王燕璐".into(), hit: true }]);
    }
}
