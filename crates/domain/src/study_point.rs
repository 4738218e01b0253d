//! 学习型党组织示范点 (item 6): organizations registered as candidates, with their creation plan
//! (milestones with dates), progress reports with evidence, and the office's inspections by the
//! standards it sets. The 十佳 selection of the points reads these (an award category with
//! `study_points = true`). Here: the rules of what is typed, and the arithmetic.

use crate::validate::{FieldErrors, long_text};
use time::Date;

/// A milestone of a creation plan as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    pub due: Date,
    pub title: String,
}

/// At most this many milestones in a plan.
pub const MAX_MILESTONES: usize = 20;

/// Reads a creation plan's milestones, one a line: a date, then what is to be done by it
/// ("2012-05-31 建成党员学习室"). At least one, at most [`MAX_MILESTONES`], each within a year of
/// `today`; kept in date order.
pub fn milestones(text: &str, today: Date) -> Result<Vec<Milestone>, FieldErrors> {
    let mut e = FieldErrors::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()) {
        let (day, title) = line.split_once(|c: char| c.is_whitespace() || c == '，' || c == ',').unwrap_or((line, ""));
        let title = title.trim().trim_start_matches(['，', ',']).trim();
        let n = i + 1;
        match crate::validate::date(day.trim()) {
            Ok(d) if (d - today).whole_days().abs() > 400 => {
                e.add("milestones", format!("第{n}行：日期须在一年之内"), format!("Line {n}: the date must be within a year"));
            }
            Ok(d) if title.is_empty() || title.chars().count() > 200 || crate::validate::has_control(title) => {
                let _ = d;
                e.add(
                    "milestones",
                    format!("第{n}行：请在日期后写明要完成的事项（不超过200字）"),
                    format!("Line {n}: say what is to be done after the date (at most 200 characters)"),
                );
            }
            Ok(d) => out.push(Milestone { due: d, title: title.to_string() }),
            Err(_) => e.add("milestones", format!("第{n}行：每行以日期开头，如 2012-05-31 建成党员学习室"), format!("Line {n}: begin each line with a date, as in 2012-05-31 …")),
        }
    }
    if out.is_empty() && e.is_empty() {
        e.add("milestones", "请列出创建计划的节点：每行一个日期和事项", "List the plan's milestones: a date and what is done by it, one a line");
    }
    if out.len() > MAX_MILESTONES {
        e.add("milestones", format!("节点最多 {MAX_MILESTONES} 个"), format!("At most {MAX_MILESTONES} milestones"));
    }
    if !e.is_empty() {
        return Err(e);
    }
    out.sort_by(|a, b| a.due.cmp(&b.due).then(a.title.cmp(&b.title)));
    Ok(out)
}

/// Reads the creation plan's text (what the organization will build and how).
pub fn plan_text(text: &str) -> Result<String, FieldErrors> {
    let mut e = FieldErrors::new();
    let t = long_text(&mut e, "plan", text, 5000, ("创建方案", "creation plan"), true);
    if e.is_empty() { Ok(t) } else { Err(e) }
}

/// The weighted score of an inspection in hundredths of a point: Σ weight × score ÷ Σ weight,
/// rounded half up, from (weight, score) pairs (scores 0 to 100). 0 when nothing weighs.
pub fn weighted_x100(items: impl IntoIterator<Item = (i64, i64)>) -> i64 {
    let (mut sum, mut total) = (0i64, 0i64);
    for (w, s) in items {
        sum += w * s * 100;
        total += w;
    }
    if total == 0 { 0 } else { (sum + total / 2) / total }
}

/// A score in hundredths as text with two decimals (8567 → "85.67").
pub fn score_text(x100: i64) -> String {
    format!("{}.{:02}", x100 / 100, x100 % 100)
}

/// The mean of inspection scores (hundredths), rounded half up; None without any.
pub fn mean_x100(scores: &[i64]) -> Option<i64> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.len() as i64;
    Some((scores.iter().sum::<i64>() + n / 2) / n)
}

/// A point's progress: milestones done, due and not done, and all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    pub done: usize,
    pub overdue: usize,
    pub total: usize,
}

pub fn progress(milestones: &[(Date, Option<Date>)], today: Date) -> Progress {
    Progress {
        done: milestones.iter().filter(|(_, d)| d.is_some()).count(),
        overdue: milestones.iter().filter(|(due, d)| d.is_none() && *due < today).count(),
        total: milestones.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn milestones_are_read_line_by_line_and_sorted() {
        let today = date!(2012 - 04 - 01);
        let m = milestones("2012-06-30 建成党员学习室\n\n2012-04-30，制定学习制度", today).unwrap();
        assert_eq!(m.iter().map(|x| x.title.as_str()).collect::<Vec<_>>(), ["制定学习制度", "建成党员学习室"]);
        let e = milestones("明天 开会\n2012-05-01\n2016-01-01 太远", today).unwrap_err();
        let text = format!("{e:?}");
        assert!(text.contains("第1行") && text.contains("第2行") && text.contains("第3行"), "{text}");
        assert!(milestones("  ", today).is_err());
    }

    #[test]
    fn scores_weigh_and_round_half_up() {
        assert_eq!(weighted_x100([(30, 90), (70, 80)]), 8300);
        assert_eq!(weighted_x100([(1, 85), (2, 90)]), 8833, "88.333… to 88.33");
        assert_eq!(weighted_x100([]), 0);
        assert_eq!(mean_x100(&[8300, 8833]), Some(8567), "85.665 rounds up to 85.67");
        assert_eq!(mean_x100(&[]), None);
        let p = progress(&[(date!(2012 - 04 - 30), Some(date!(2012 - 04 - 28))), (date!(2012 - 05 - 01), None), (date!(2012 - 07 - 01), None)], date!(2012 - 05 - 02));
        assert_eq!(p, Progress { done: 1, overdue: 1, total: 3 });
    }
}
