//! Parsing user input into domain values, with messages in both languages.
//!
//! Every form and API body passes through here before anything is stored, so a bad value is
//! refused with a message next to its field and changes nothing.

use crate::{Lang, Text};
use serde::Serialize;

/// A problem with one field of a form or request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: Text,
}

/// All problems found in one submission, so the user can fix them at once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors(Vec::new())
    }

    pub fn add(&mut self, field: &str, zh: impl Into<String>, en: impl Into<String>) {
        self.0.push(FieldError { field: field.to_string(), message: Text::new(zh, en) });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&Text> {
        self.0.iter().find(|e| e.field == field).map(|e| &e.message)
    }

    /// Collects the error of a parse, keeping the value when it succeeded.
    pub fn take<T>(&mut self, field: &str, r: Result<T, Text>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(t) => {
                self.0.push(FieldError { field: field.to_string(), message: t });
                None
            }
        }
    }

    /// One line that lists every problem, for an API error message.
    pub fn summary(&self, lang: Lang) -> String {
        self.0.iter().map(|e| e.message.get(lang).to_string()).collect::<Vec<_>>().join(lang.t("；", "; "))
    }

    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

/// The staff or student numbers of a text: one a line, or separated by commas, semicolons,
/// 顿号 or spaces (half or full width).
pub fn numbers_of(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | ';' | '；')).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

/// Trims and checks a required name-like text: not empty, no control characters, not too long.
pub fn name(raw: &str, max_chars: usize) -> Result<String, Text> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Text::new("必填", "Required"));
    }
    if s.chars().count() > max_chars {
        return Err(Text::new(format!("不能超过{max_chars}个字"), format!("At most {max_chars} characters")));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(Text::new("含有不可见的控制字符", "Contains control characters"));
    }
    Ok(s.to_string())
}

/// A free text of several lines (a reply, measures, notes): trimmed, line breaks kept,
/// required or not, at most `max` characters, no other control characters; `what` names it in
/// both languages for the message.
pub fn long_text(errors: &mut FieldErrors, field: &str, v: &str, max: usize, what: (&str, &str), required: bool) -> String {
    let v = v.trim().replace("\r\n", "\n");
    if v.is_empty() && required {
        errors.add(field, format!("请填写{}", what.0), format!("Please give the {}", what.1));
    } else if v.chars().count() > max {
        errors.add(field, format!("{}不能超过 {max} 字", what.0), format!("The {} is at most {max} characters", what.1));
    } else if v.chars().any(|c| c.is_control() && c != '\n') {
        errors.add(field, "含有不可见的控制字符", "Contains control characters");
    }
    v
}

/// A decision on something handed in, as typed: `yes` (publish, forward, pass: the word the
/// form sends) or `return`, which needs a reason; otherwise the comment is optional. `choose`
/// names the two choices for the message when neither was sent. Returns (yes?, the comment).
pub fn decision(action: &str, yes: &str, comment: &str, max: usize, choose: (&str, &str)) -> Result<(bool, Option<String>), FieldErrors> {
    let mut e = FieldErrors::new();
    let comment = long_text(&mut e, "comment", comment, max, ("审核意见", "comment"), false);
    if !e.is_empty() {
        return Err(e);
    }
    let comment = (!comment.is_empty()).then_some(comment);
    match action.trim() {
        a if a == yes => Ok((true, comment)),
        "return" if comment.is_some() => Ok((false, comment)),
        "return" => {
            e.add("comment", "退回时请说明理由", "Say why it is returned");
            Err(e)
        }
        _ => {
            e.add("action", format!("请选择{}", choose.0), format!("Choose {}", choose.1));
            Err(e)
        }
    }
}

/// Whether a text holds a control character other than a line break or a tab (PostgreSQL
/// refuses a NUL in TEXT; none of them belongs in what people type).
pub fn has_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// An optional free text: empty becomes None.
pub fn optional_text(raw: Option<&str>, max_chars: usize) -> Result<Option<String>, Text> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => name(s, max_chars).map(Some),
    }
}

/// A staff or student number (工号 / 学号): letters and digits, 4 to 20 of them.
///
/// Numbers that Excel has turned into scientific notation (2.01E+11) are recognised and
/// explained, since that is how they most often arrive broken.
pub fn person_number(raw: &str) -> Result<String, Text> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(Text::new("必填", "Required"));
    }
    let upper = s.to_ascii_uppercase();
    if upper.contains("E+") || (upper.contains('.') && upper.chars().all(|c| c.is_ascii_digit() || c == '.' || c == 'E' || c == '+')) {
        return Err(Text::new(
            format!("“{s}”像是被Excel改成了科学计数法或小数，请把该列设为文本后重新填写"),
            format!("\"{s}\" looks like a number Excel turned into scientific notation; format the column as text and enter it again"),
        ));
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Text::new("只能包含字母和数字", "Letters and digits only"));
    }
    if !(4..=20).contains(&s.len()) {
        return Err(Text::new("应为4到20位", "Must be 4 to 20 characters"));
    }
    Ok(upper)
}

/// A mainland resident ID number (GB 11643): 18 characters, a valid birth date, and the
/// ISO 7064 MOD 11-2 check character.
pub fn id_number(raw: &str) -> Result<String, Text> {
    let s = raw.trim().to_ascii_uppercase();
    let bad = || Text::new("身份证号码格式不正确", "Not a valid resident ID number");
    if s.len() != 18 {
        return Err(Text::new("身份证号码应为18位", "A resident ID number has 18 characters"));
    }
    let bytes = s.as_bytes();
    if !bytes[..17].iter().all(u8::is_ascii_digit) || !(bytes[17].is_ascii_digit() || bytes[17] == b'X') {
        return Err(bad());
    }
    let year: i32 = s[6..10].parse().map_err(|_| bad())?;
    let month: u8 = s[10..12].parse().map_err(|_| bad())?;
    let day: u8 = s[12..14].parse().map_err(|_| bad())?;
    let month = time::Month::try_from(month).map_err(|_| bad())?;
    if !(1900..=2100).contains(&year) || time::Date::from_calendar_date(year, month, day).is_err() {
        return Err(Text::new("身份证号码中的出生日期无效", "The birth date in the ID number is not valid"));
    }
    if id_check_char(&bytes[..17]) != bytes[17] {
        return Err(Text::new("身份证号码校验位不正确", "The check character of the ID number is wrong"));
    }
    Ok(s)
}

/// The check character of the first 17 digits of a resident ID number.
pub fn id_check_char(first17: &[u8]) -> u8 {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const C: &[u8; 11] = b"10X98765432";
    let sum: u32 = first17.iter().zip(W).map(|(d, w)| u32::from(d - b'0') * w).sum();
    C[(sum % 11) as usize]
}

/// An e-mail address, loosely checked: one @, a dot in the domain, no spaces.
pub fn email(raw: &str) -> Result<String, Text> {
    let s = raw.trim();
    let bad = Text::new("电子邮箱格式不正确", "Not a valid e-mail address");
    let Some((local, domain)) = s.split_once('@') else { return Err(bad) };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
        || domain.contains('@')
        || s.len() > 120
    {
        return Err(bad);
    }
    Ok(s.to_ascii_lowercase())
}

/// A phone number: a mainland mobile (11 digits starting 1[3-9]) or a landline with area code.
pub fn phone(raw: &str) -> Result<String, Text> {
    let s: String = raw.trim().chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let s = s.strip_prefix("+86").unwrap_or(&s).to_string();
    let mobile = s.len() == 11 && s.starts_with('1') && matches!(s.as_bytes()[1], b'3'..=b'9') && s.bytes().all(|b| b.is_ascii_digit());
    let landline = (10..=12).contains(&s.len()) && s.starts_with('0') && s.bytes().all(|b| b.is_ascii_digit());
    if mobile || landline {
        Ok(s)
    } else {
        Err(Text::new("电话号码格式不正确（手机11位，或带区号的固定电话）", "Not a valid phone number (11-digit mobile, or a landline with area code)"))
    }
}

/// A date typed as 2012-03-15 (or 2012/3/15, or 2012年3月15日).
pub fn date(raw: &str) -> Result<time::Date, Text> {
    let s = raw.trim();
    let bad = || Text::new("日期格式应为 2012-03-15", "Dates are written 2012-03-15");
    let norm: String = s.replace(['/', '.', '年', '月'], "-").replace('日', "");
    let mut parts = norm.split('-');
    let (Some(y), Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let y: i32 = y.trim().parse().map_err(|_| bad())?;
    let m: u8 = m.trim().parse().map_err(|_| bad())?;
    let d: u8 = d.trim().parse().map_err(|_| bad())?;
    let month = time::Month::try_from(m).map_err(|_| bad())?;
    if !(1900..=2200).contains(&y) {
        return Err(bad());
    }
    time::Date::from_calendar_date(y, month, d).map_err(|_| Text::new("该日期不存在", "That date does not exist"))
}

/// A user name for logging in: lower-case letters, digits, dot, dash and underscore.
pub fn username(raw: &str) -> Result<String, Text> {
    let s = raw.trim().to_ascii_lowercase();
    if !(2..=40).contains(&s.len()) {
        return Err(Text::new("用户名应为2到40个字符", "A user name has 2 to 40 characters"));
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')) {
        return Err(Text::new("用户名只能包含字母、数字和 . - _", "A user name has only letters, digits and . - _"));
    }
    Ok(s)
}

/// Whole passwords that lists of leaked passwords put at the top, in China and elsewhere (those
/// of 10 characters or more: shorter ones are refused for their length).
const COMMON_PASSWORDS: &[&str] = &[
    "1234567890",
    "0123456789",
    "9876543210",
    "1234567890a",
    "a1234567890",
    "1234567890q",
    "123456789a",
    "a123456789",
    "123456789q",
    "q123456789",
    "123456789abc",
    "abc123456789",
    "123456qq",
    "123456qqq",
    "qq123456789",
    "qwertyuiop",
    "qwertyuiop123",
    "asdfghjkl;",
    "zxcvbnm123",
    "1qaz2wsx3edc",
    "1q2w3e4r5t",
    "1q2w3e4r5t6y",
    "q1w2e3r4t5",
    "q1w2e3r4t5y6",
    "a1b2c3d4e5",
    "1a2b3c4d5e",
    "woaini1314",
    "woaini520",
    "woaini5201314",
    "5201314woaini",
    "iloveyou1314",
    "iloveyou520",
    "password123",
    "password1234",
    "passw0rd123",
    "p@ssw0rd123",
    "p@ssword123",
    "administrator",
    "admin123456",
    "admin@123456",
    "abcd123456",
    "abcd1234567",
    "aa123456789",
    "aaa123456",
    "zhang123456",
    "wang123456",
    "li123456789",
    "liu123456789",
    "chen123456",
    "qazwsxedc123",
    "qazwsxedcrfv",
    "zaq12wsxcde3",
    "1qazxsw23edc",
    "welcome123",
    "letmein123",
    "sunshine123",
    "football123",
    "baseball123",
    "dragon123456",
    "monkey123456",
    "computer123",
    "internet123",
    "superman123",
    "princess123",
    "huang123456",
    "woshishui123",
    "nihao123456",
    "wodemima123",
    "mima123456",
    "mima12345678",
];

/// Words that make a weak password with only digits or symbols beside them (woaini1314,
/// password2012!, qq123456..., the pinyin of common phrases).
const COMMON_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passw",
    "pass",
    "admin",
    "administrator",
    "root",
    "user",
    "test",
    "guest",
    "welcome",
    "login",
    "letmein",
    "qwerty",
    "qwert",
    "asdf",
    "asdfg",
    "zxcv",
    "zxcvb",
    "qaz",
    "wsx",
    "qazwsx",
    "abc",
    "abcd",
    "abcde",
    "abcdef",
    "woaini",
    "iloveyou",
    "love",
    "woai",
    "mima",
    "wodemima",
    "nihao",
    "woshi",
    "zhongguo",
    "china",
    "beijing",
    "shanghai",
    "hunan",
    "changsha",
    "daxue",
    "xuexiao",
    "dang",
    "dangyuan",
    "gongchandang",
];

/// Sequences whose runs make a weak password: the alphabet, the keyboard's rows and columns.
const RUNS: &[&str] = &["abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm", "qazwsxedcrfvtgbyhnujm"];

/// Why a password is too easy to guess, or None: only whitespace, few different characters,
/// one of the most used, a run of the keyboard, a common word or one of `words` (the
/// university's names in pinyin and its web address, say) with nothing but digits and symbols
/// beside it.
pub fn weak_password(raw: &str, words: &[String]) -> Option<Text> {
    if raw.trim().is_empty() {
        return Some(Text::new("密码不能只有空格", "A password cannot be only spaces"));
    }
    let lower = raw.to_lowercase();
    let distinct: std::collections::HashSet<char> = lower.chars().filter(|c| !c.is_whitespace()).collect();
    if distinct.len() < 4 {
        return Some(Text::new("密码不能由重复的少数几个字符组成", "A password cannot repeat a few characters"));
    }
    let common = || Text::new("这是常用密码，很容易被猜到，请换一个", "This is a commonly used password, easy to guess: choose another");
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Some(common());
    }
    let letters: String = lower.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.chars().count() <= 2 {
        return Some(Text::new("密码几乎全是数字或符号，请加入更多字母或汉字", "A password of almost only digits and symbols is easy to guess: add letters"));
    }
    let compact: String = lower.chars().filter(|c| c.is_alphanumeric()).collect();
    if compact.len() >= 6 && RUNS.iter().any(|r| r.contains(compact.as_str()) || r.contains(letters.as_str()) && letters.len() >= 6) {
        return Some(Text::new("密码不能是键盘或字母表上连续的字符", "A password cannot be a run of the keyboard or the alphabet"));
    }
    if COMMON_WORDS.contains(&letters.as_str()) {
        return Some(common());
    }
    for w in words.iter().map(|w| w.trim().to_lowercase()).filter(|w| w.chars().count() >= 3) {
        if lower.contains(&w) {
            let rest: usize = lower.replacen(&w, "", 1).chars().filter(|c| c.is_alphabetic()).count();
            if rest <= 2 {
                return Some(Text::new("密码不能是学校名称（或其拼音、网址）加数字", "A password cannot be the university's name (or its pinyin or address) with digits"));
            }
        }
    }
    None
}

/// A new password: at least 10 characters, not only digits, not containing the user name, and
/// not one that is easy to guess ([`weak_password`], with the site's own `words`).
pub fn new_password(raw: &str, username: &str) -> Result<String, Text> {
    new_password_with(raw, username, &[])
}

/// [`new_password`] with words of the site that a password must not be built on.
pub fn new_password_with(raw: &str, username: &str, words: &[String]) -> Result<String, Text> {
    if raw.chars().count() < 10 {
        return Err(Text::new("密码至少10位", "A password has at least 10 characters"));
    }
    if raw.chars().count() > 200 {
        return Err(Text::new("密码不能超过200位", "A password has at most 200 characters"));
    }
    if raw.chars().all(|c| c.is_ascii_digit()) {
        return Err(Text::new("密码不能全是数字（例如身份证号或学号）", "A password cannot be digits only (such as an ID or student number)"));
    }
    if !username.is_empty() && raw.to_ascii_lowercase().contains(&username.to_ascii_lowercase()) {
        return Err(Text::new("密码不能包含用户名", "A password cannot contain the user name"));
    }
    if let Some(t) = weak_password(raw, words) {
        return Err(t);
    }
    Ok(raw.to_string())
}

/// A new password for a person: also not their staff or student number, their ID number, its
/// last six characters, or their birth date as written in it.
pub fn new_password_for(raw: &str, username: &str, number: Option<&str>, id_number: Option<&str>, words: &[String]) -> Result<String, Text> {
    let p = new_password_with(raw, username, words)?;
    let lower = p.to_ascii_lowercase();
    let mut derived: Vec<String> = Vec::new();
    if let Some(n) = number.filter(|n| n.len() >= 4) {
        derived.push(n.to_ascii_lowercase());
    }
    if let Some(id) = id_number.filter(|i| i.len() == 18) {
        derived.push(id.to_ascii_lowercase());
        derived.push(id[12..].to_ascii_lowercase());
        derived.push(id[6..14].to_string());
    }
    if derived.iter().any(|d| lower.contains(d.as_str())) {
        return Err(Text::new("密码不能包含工号/学号、身份证号或出生日期", "A password cannot contain your staff or student number, ID number or birth date"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_mangled_by_excel_are_explained() {
        let e = person_number("2.01201E+11").unwrap_err();
        assert!(e.zh.contains("科学计数法"));
        assert!(person_number("201201010101.0").is_err());
        assert_eq!(person_number(" 201201010101 ").unwrap(), "201201010101");
        assert_eq!(person_number("t2001x").unwrap(), "T2001X");
        assert!(person_number("12").is_err());
        assert!(person_number("12 34").is_err());
    }

    #[test]
    fn id_numbers_need_a_valid_check_character_and_birth_date() {
        // 11010519491231002X is the standard's own example.
        assert_eq!(id_number("11010519491231002x").unwrap(), "11010519491231002X");
        assert!(id_number("110105194912310021").is_err());
        assert!(id_number("110105194902300021").is_err());
        assert!(id_number("1101051949123100").is_err());
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(email(" Wang@CSUST.edu.cn ").unwrap(), "wang@csust.edu.cn");
        assert!(email("wang@").is_err());
        assert!(email("wang csust.edu.cn").is_err());
        assert_eq!(phone("138 0731 1234").unwrap(), "13807311234");
        assert_eq!(phone("0731-85258888").unwrap(), "073185258888");
        assert!(phone("12345").is_err());
        assert!(phone("12807311234").is_err());
    }

    #[test]
    fn dates_accept_chinese_and_iso_forms() {
        let d = time::macros::date!(2012 - 03 - 15);
        assert_eq!(date("2012-03-15").unwrap(), d);
        assert_eq!(date("2012/3/15").unwrap(), d);
        assert_eq!(date("2012年3月15日").unwrap(), d);
        assert!(date("2012-02-30").is_err());
        assert!(date("15/03/2012").is_err());
    }

    #[test]
    fn passwords_that_are_id_numbers_are_refused() {
        assert!(new_password("430102199001011234", "x").is_err());
        assert!(new_password("short", "x").is_err());
        assert!(new_password("wanglei-secret-1", "wanglei").is_err());
        assert!(new_password("correct horse battery", "wanglei").is_ok());
        let id = Some("11010519491231002X");
        assert!(new_password_for("my-pass-31002x", "u", None, id, &[]).is_err(), "the last six of the ID number");
        assert!(new_password_for("born-19491231!", "u", None, id, &[]).is_err(), "the birth date");
        assert!(new_password_for("201101010101abc", "u", Some("201101010101"), None, &[]).is_err());
        assert!(new_password_for("a long private phrase", "u", Some("201101010101"), id, &[]).is_ok());
    }

    #[test]
    fn common_repeated_and_university_passwords_are_refused() {
        let words = vec!["csust".to_string(), "changshaligong".to_string()];
        for p in [
            "          ",
            "aaaaaaaaaaaa",
            "abababababab",
            "123456qq",
            "woaini1314",
            "woaini1314520",
            "Password2012!",
            "qwertyuiop",
            "1qaz2wsx3edc",
            "abcdefghijk",
            "20120315ab",
            "iloveyou!!!!",
        ] {
            assert!(weak_password(p, &words).is_some(), "{p}");
        }
        assert!(weak_password("changshaligong2012", &words).is_some());
        assert!(weak_password("csust@2012!", &words).is_some());
        assert!(new_password_with("Csust-20120315", "u", &words).is_err());
        for p in ["correct horse battery", "a long private phrase", "湘江边的晚霞2012", "csust-library-reading-room"] {
            assert!(weak_password(p, &words).is_none(), "{p}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  王磊 ", 50).unwrap(), "王磊");
        assert!(name("   ", 50).is_err());
        assert!(name("a\u{0007}b", 50).is_err());
        assert!(name(&"字".repeat(51), 50).is_err());
    }
}
