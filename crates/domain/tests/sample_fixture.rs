//! The sampler against a draw computed outside the product: `fixtures/sample/expected.tsv` was
//! made by `fixtures/sample/draw.sh` (sha256sum, sort and awk) from the committed population and
//! seeds. If this test fails, the product no longer draws what the published rule says.

use pacesetter_domain::sample::{Entry, Size, draw, draw_seed, population_hash, population_text};

const POPULATION: &str = include_str!("fixtures/sample/population.tsv");
const EXPECTED: &str = include_str!("fixtures/sample/expected.tsv");

fn entries() -> Vec<Entry> {
    POPULATION
        .lines()
        .map(|l| {
            let (p, s) = l.split_once('\t').expect("pseudonym<TAB>stratum");
            Entry { pseudonym: p.into(), stratum: s.into() }
        })
        .collect()
}

#[test]
fn a_stratified_draw_matches_the_one_computed_with_sha256sum_and_awk() {
    let e = entries();
    assert_eq!(population_text(&e), POPULATION, "the published population is the file, line for line");
    assert_eq!(population_hash(&e), "4e0be6b4ed0cf8e794e0a42de7a66f40bb4d7a4a4c7265a72a0afdbad86dec56", "sort population.tsv | sha256sum");
    let drawn = draw(&e, Size::Count(20), &draw_seed("office-seed-2012-05", "unit-seed-教务处"));
    let got: String = drawn.iter().map(|d| format!("{}\t{}\n", d.stratum, d.pseudonym)).collect();
    assert_eq!(got, EXPECTED);
}
