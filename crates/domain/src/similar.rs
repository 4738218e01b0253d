//! Grouping similar reports (突出问题): Chinese text compared without a model, by character
//! bigrams weighted by TF-IDF and cosine similarity.
//!
//! Each text becomes a sparse vector of its character bigrams (within runs of letters and
//! digits, a run of one character counting as itself; punctuation and a few function characters
//! such as 的 and 了 break runs), weighted by sublinear term frequency times inverse document
//! frequency, and normalised. Texts are then taken in order and each joins the most similar
//! existing group when the cosine with that group's centroid reaches the threshold, else it
//! starts a group; the candidates are found through an inverted index of the groups' terms, so a
//! text is compared with the few groups that share one of its heaviest terms, not with all of
//! them. A second pass merges groups whose centroids reach the threshold, so the result depends
//! less on the order the texts came in.

use std::collections::HashMap;

/// The cosine a text must reach with a group's centroid to join it.
pub const THRESHOLD: f32 = 0.2;
/// The cosine two groups' centroids must reach to merge: higher than a text's, since a grown
/// centroid carries every member's incidental words and would otherwise pull in its neighbours.
pub const MERGE_THRESHOLD: f32 = 0.5;
/// The terms of a text that look for candidate groups (its heaviest ones).
const PROBE_TERMS: usize = 12;
/// A term that more groups share than this is too common to find candidates by.
const MAX_POSTING: usize = 4000;

/// Characters that carry no topic: they split a text like punctuation does.
fn is_break(c: char) -> bool {
    !c.is_alphanumeric()
        || matches!(c, '的' | '了' | '是' | '在' | '和' | '就' | '都' | '也' | '很' | '吗' | '呢' | '吧' | '啊' | '我' | '你' | '他' | '她' | '它' | '这' | '那' | '们' | '请')
}

/// Bigrams of wording rather than topic (asking, hedging, who is speaking).
const STOP_BIGRAMS: [[char; 2]; 24] = [
    ['希', '望'],
    ['建', '议'],
    ['能', '否'],
    ['能', '不'],
    ['不', '能'],
    ['一', '些'],
    ['学', '生'],
    ['同', '学'],
    ['没', '有'],
    ['问', '题'],
    ['经', '常'],
    ['非', '常'],
    ['现', '在'],
    ['时', '候'],
    ['可', '以'],
    ['一', '下'],
    ['什', '么'],
    ['怎', '么'],
    ['为', '什'],
    ['如', '何'],
    ['还', '是'],
    ['觉', '得'],
    ['感', '觉'],
    ['学', '校'],
];

/// The terms of a text: character bigrams within runs, a lone character as itself. ASCII is
/// lower-cased so "WiFi" and "wifi" meet.
pub fn terms(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut run: Vec<char> = Vec::new();
    let flush = |run: &mut Vec<char>, out: &mut Vec<u64>| {
        match run.len() {
            0 => {}
            1 => out.push(u64::from(run[0] as u32) << 32),
            _ => {
                for w in run.windows(2) {
                    if !STOP_BIGRAMS.iter().any(|s| s[0] == w[0] && s[1] == w[1]) {
                        out.push((u64::from(w[0] as u32) << 32) | u64::from(w[1] as u32));
                    }
                }
            }
        }
        run.clear();
    };
    for c in text.chars() {
        if is_break(c) {
            flush(&mut run, &mut out);
        } else {
            run.push(c.to_ascii_lowercase());
        }
    }
    flush(&mut run, &mut out);
    out
}

/// A normalised sparse vector: (term, weight), sorted by term.
type Vector = Vec<(u64, f32)>;

/// The TF-IDF vectors of the texts (each normalised; an empty text gives an empty vector).
pub fn vectors(texts: &[&str]) -> Vec<Vector> {
    let counted: Vec<HashMap<u64, u32>> = texts
        .iter()
        .map(|t| {
            let mut m = HashMap::new();
            for term in terms(t) {
                *m.entry(term).or_insert(0) += 1;
            }
            m
        })
        .collect();
    let mut df: HashMap<u64, u32> = HashMap::new();
    for m in &counted {
        for t in m.keys() {
            *df.entry(*t).or_insert(0) += 1;
        }
    }
    let n = texts.len() as f32;
    counted
        .into_iter()
        .map(|m| {
            let mut v: Vector = m.into_iter().map(|(t, c)| (t, (1.0 + (c as f32).ln()) * (((n + 1.0) / (df[&t] as f32 + 1.0)).ln().max(0.0) + 1.0))).collect();
            let norm = v.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
            if norm > 0.0 {
                for (_, w) in &mut v {
                    *w /= norm;
                }
            }
            v.sort_by_key(|(t, _)| *t);
            v
        })
        .collect()
}

/// The cosine of two normalised vectors.
pub fn cosine(a: &Vector, b: &Vector) -> f32 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// A group's centroid: the sum of its members' vectors, with its norm kept as it grows.
#[derive(Default)]
struct Centroid {
    sum: HashMap<u64, f32>,
    norm2: f32,
}

impl Centroid {
    fn add(&mut self, v: &Vector) {
        for (t, w) in v {
            let e = self.sum.entry(*t).or_insert(0.0);
            self.norm2 += (*e + w) * (*e + w) - *e * *e;
            *e += w;
        }
    }

    fn absorb(&mut self, other: &Centroid) {
        for (t, w) in &other.sum {
            let e = self.sum.entry(*t).or_insert(0.0);
            self.norm2 += (*e + w) * (*e + w) - *e * *e;
            *e += w;
        }
    }

    fn cosine(&self, v: &Vector) -> f32 {
        if self.norm2 <= 0.0 {
            return 0.0;
        }
        v.iter().map(|(t, w)| w * self.sum.get(t).copied().unwrap_or(0.0)).sum::<f32>() / self.norm2.sqrt()
    }

    fn cosine_centroid(&self, other: &Centroid) -> f32 {
        if self.norm2 <= 0.0 || other.norm2 <= 0.0 {
            return 0.0;
        }
        let (small, large) = if self.sum.len() <= other.sum.len() { (self, other) } else { (other, self) };
        small.sum.iter().map(|(t, w)| w * large.sum.get(t).copied().unwrap_or(0.0)).sum::<f32>() / (self.norm2.sqrt() * other.norm2.sqrt())
    }
}

/// A group of similar texts: the indexes of its members (in the order given), the most
/// representative ones first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub members: Vec<usize>,
}

/// The heaviest terms of a vector, to look for candidates by.
fn probes(v: &Vector) -> Vec<u64> {
    let mut by_weight: Vec<&(u64, f32)> = v.iter().collect();
    by_weight.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    by_weight.into_iter().take(PROBE_TERMS).map(|(t, _)| *t).collect()
}

/// Groups the texts: every text is in exactly one group; groups are returned largest first,
/// each with its members ordered by closeness to the group's centroid.
pub fn group(texts: &[&str], threshold: f32) -> Vec<Group> {
    let vs = vectors(texts);
    let mut centroids: Vec<Centroid> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut seen: Vec<u32> = Vec::new();
    let mut stamp = 0u32;
    for (i, v) in vs.iter().enumerate() {
        stamp += 1;
        let keys = probes(v);
        let mut best: Option<(usize, f32)> = None;
        for k in &keys {
            let Some(post) = index.get(k) else { continue };
            if post.len() > MAX_POSTING {
                continue;
            }
            for &g in post {
                if seen[g] == stamp {
                    continue;
                }
                seen[g] = stamp;
                let s = centroids[g].cosine(v);
                if s >= threshold && best.is_none_or(|(_, b)| s > b) {
                    best = Some((g, s));
                }
            }
        }
        let g = match best {
            Some((g, _)) => g,
            None => {
                centroids.push(Centroid::default());
                members.push(Vec::new());
                seen.push(0);
                centroids.len() - 1
            }
        };
        centroids[g].add(v);
        members[g].push(i);
        for k in keys {
            let post = index.entry(k).or_default();
            if post.last() != Some(&g) && !post.contains(&g) {
                post.push(g);
            }
        }
    }
    // The second pass: merge groups whose centroids are alike (a later text may have bridged
    // two that started apart). Candidates again come through the index.
    let n = centroids.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|g| std::cmp::Reverse(members[*g].len()));
    let mut checked = vec![0u32; n];
    for (round, &g) in order.iter().enumerate() {
        let round = round as u32 + 1;
        let mut heavy: Vec<(u64, f32)> = centroids[g].sum.iter().map(|(t, w)| (*t, *w)).collect();
        heavy.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (k, _) in heavy.into_iter().take(PROBE_TERMS) {
            let Some(post) = index.get(&k) else { continue };
            if post.len() > MAX_POSTING {
                continue;
            }
            for &h in post {
                if h == g || checked[h] == round {
                    continue;
                }
                checked[h] = round;
                let (a, b) = (find(&mut parent, g), find(&mut parent, h));
                if a != b && centroids[g].cosine_centroid(&centroids[h]) >= MERGE_THRESHOLD.max(threshold) {
                    parent[b] = a;
                }
            }
        }
    }
    let mut merged: HashMap<usize, (Centroid, Vec<usize>)> = HashMap::new();
    for g in 0..n {
        let root = find(&mut parent, g);
        let e = merged.entry(root).or_default();
        e.0.absorb(&centroids[g]);
        e.1.extend(members[g].iter().copied());
    }
    let mut out: Vec<Group> = merged
        .into_values()
        .map(|(c, mut m)| {
            m.sort_by(|a, b| c.cosine(&vs[*b]).total_cmp(&c.cosine(&vs[*a])).then(a.cmp(b)));
            Group { members: m }
        })
        .collect();
    out.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.members.iter().min().cmp(&b.members.iter().min())));
    out
}

/// Sample reports for the demo and the benchmark: `n` texts on some sixty topics (a few very
/// common, most rare, as real complaints are), each worded in several ways with its own details,
/// and the topic each came from.
pub fn sample_reports(n: usize, seed: u64) -> Vec<(usize, String)> {
    const TOPICS: [(&str, &[&str], &[&str]); 12] = [
        ("图书馆", &["开放时间太短", "晚上关门太早", "座位被长期占座", "空调温度过低", "电子阅览室电脑太旧"], &["希望延长开放时间", "建议加强管理", "请尽快维修"]),
        ("食堂", &["饭菜价格上涨太快", "排队时间太长", "菜品种类太少", "餐具消毒不到位", "窗口服务态度差"], &["希望平抑价格", "建议增加窗口", "请加强卫生检查"]),
        ("宿舍", &["热水供应不稳定", "晚上经常停电", "洗衣机经常坏", "门禁时间太早", "楼道灯不亮"], &["希望尽快解决", "建议增加设备", "请安排维修"]),
        ("校园网", &["经常断线", "网速太慢", "宿舍信号很差", "收费太高", "认证系统经常登不上"], &["希望提升带宽", "建议降低资费", "请技术人员排查"]),
        ("教务处", &["办事窗口中午不开门", "成绩单打印要跑几趟", "选课系统经常崩溃", "调课通知太晚", "补考安排不合理"], &["希望延长办公时间", "建议网上办理", "请提前通知"]),
        ("体育馆", &["器材老化存在安全隐患", "开放时间太少", "预约场地太难", "更衣室太脏", "灯光太暗"], &["希望更新器材", "建议增加开放时段", "请加强保洁"]),
        ("校医院", &["看病排队太久", "药品种类不全", "报销手续繁琐", "夜间没有值班医生", "服务态度生硬"], &["希望增加医生", "建议简化手续", "请安排夜间值班"]),
        ("财务处", &["报销流程太复杂", "窗口人少排长队", "奖学金发放太慢", "学费缴纳系统不好用", "发票审核标准不一"], &["希望简化流程", "建议增加窗口", "请统一标准"]),
        ("教学楼", &["教室投影仪经常坏", "自习室不够用", "厕所卫生差", "冬天教室太冷", "电梯经常停运"], &["希望尽快维修", "建议开放更多自习室", "请加强管理"]),
        ("校车", &["班次太少", "发车时间不准", "车内太拥挤", "末班车太早", "站点设置不合理"], &["希望增加班次", "建议调整时刻表", "请优化站点"]),
        ("快递点", &["取件排队太长", "包裹经常丢失", "营业时间太短", "位置太远", "服务态度差"], &["希望增加人手", "建议延长营业时间", "请规范管理"]),
        ("学工处", &["助学金评定不透明", "勤工助学岗位太少", "心理咨询预约难", "奖学金评定标准不公开", "请假手续繁琐"], &["希望公开标准", "建议增加岗位", "请简化流程"]),
    ];
    const OPENERS: [&str; 6] = ["", "反映一下：", "老师您好，", "我想说，", "强烈建议：", "再次反映，"];
    const DETAILS: [&str; 6] = ["", "，已经持续很久了", "，影响学习和生活", "，同学们意见很大", "，上周尤其严重", "，多次反映没有结果"];
    let mut rng = crate::rng::DemoRng::new(seed);
    // Sixty topics: each place with each of its complaints; the first few far more common.
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let r = rng.next_u64() % 1000;
        let topic = if r < 300 { (r % 3) as usize } else { 3 + (rng.below(57)) };
        let (place, complaints, wishes) = TOPICS[topic % 12];
        let complaint = complaints[topic / 12 % complaints.len()];
        // The wish fits the complaint, mostly; now and then another of the place's.
        let wish = if rng.chance(0.8) { wishes[topic / 12 % wishes.len()] } else { rng.pick(wishes) };
        let text = format!(
            "{}{}{}{}，{}{}",
            rng.pick(&OPENERS),
            place,
            complaint,
            rng.pick(&DETAILS),
            wish,
            if rng.chance(0.3) { format!("（{}号楼）", 1 + rng.below(20)) } else { String::new() }
        );
        out.push((topic, text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIBRARY: [&str; 5] = [
        "图书馆开放时间太短了，晚上十点就关门，希望延长开放时间",
        "建议图书馆延长开放时间，晚上能开到十一点",
        "图书馆晚上关门太早，自习室不够用，开放时间能不能延长",
        "希望延长图书馆的开放时间，考试周晚上没有地方自习",
        "图书馆的开放时间能否延长一些？晚上十点关门太早",
    ];
    const OTHERS: [&str; 6] = [
        "食堂饭菜价格上涨太快，学生负担重",
        "宿舍热水供应不稳定，晚上经常没有热水",
        "校园网经常断线，宿舍WiFi信号很差",
        "教务处办事窗口中午不开门，学生没法办理成绩单",
        "体育馆器材老化，存在安全隐患",
        "奖学金评定标准不公开，希望公示评分细则",
    ];

    #[test]
    fn five_wordings_of_one_complaint_meet_and_unrelated_ones_stay_apart() {
        let texts: Vec<&str> = LIBRARY.iter().chain(OTHERS.iter()).copied().collect();
        let groups = group(&texts, THRESHOLD);
        let lib = groups.iter().find(|g| g.members.contains(&0)).unwrap();
        let mut m = lib.members.clone();
        m.sort();
        assert_eq!(m, vec![0, 1, 2, 3, 4], "{groups:?}");
        for (i, t) in texts.iter().enumerate().skip(5) {
            let g = groups.iter().find(|g| g.members.contains(&i)).unwrap();
            assert_eq!(g.members, vec![i], "{t} was grouped with others: {groups:?}");
        }
        assert_eq!(groups[0].members.len(), 5, "the largest group first");
    }

    #[test]
    fn the_order_does_not_split_a_group() {
        let texts: Vec<&str> = OTHERS.iter().chain(LIBRARY.iter().rev()).copied().collect();
        let groups = group(&texts, THRESHOLD);
        assert_eq!(groups[0].members.len(), 5, "{groups:?}");
        assert_eq!(groups.len(), 7);
    }

    #[test]
    fn empty_and_punctuation_only_texts_are_alone() {
        let groups = group(&["！！！", "", "图书馆开放时间太短"], THRESHOLD);
        assert_eq!(groups.len(), 3);
    }

    #[test]
    fn terms_are_bigrams_within_runs() {
        // 的 breaks the run: 图书馆 gives two bigrams, 时间 one.
        assert_eq!(terms("图书馆的时间").len(), 3);
        assert_eq!(terms("WiFi"), terms("wifi"));
    }

    #[test]
    fn planted_wordings_meet_among_thousands_and_places_stay_apart() {
        let sample = sample_reports(3000, 7);
        let mut texts: Vec<&str> = sample.iter().map(|r| r.1.as_str()).collect();
        let at = texts.len();
        texts.extend(LIBRARY.iter().copied());
        let groups = group(&texts, THRESHOLD);
        // The planted wordings land among the library's reports (the sample's library topics
        // overlap, "opening hours too short" and "closes too early at night"; and one wording also
        // speaks of study rooms, which the teaching buildings' reports are about: it may go there).
        let among_library = (at..at + 5)
            .filter(|i| {
                let g = groups.iter().find(|g| g.members.contains(i)).unwrap();
                let library = g.members.iter().filter(|m| **m >= at || sample[**m].0.is_multiple_of(12)).count();
                library * 10 >= g.members.len() * 9
            })
            .count();
        assert!(among_library >= 4, "{among_library} of the 5 among the library's reports");
        // Almost every sample text shares its group with texts of its own place.
        let mut pure = 0;
        for g in &groups {
            let mut place = HashMap::new();
            for m in g.members.iter().filter(|m| **m < at) {
                *place.entry(sample[*m].0 % 12).or_insert(0) += 1;
            }
            pure += place.values().max().copied().unwrap_or(0);
        }
        assert!(pure * 100 / at >= 90, "{pure} of {at}");
    }
}
