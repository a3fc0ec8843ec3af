//! The one employer registry, person pool and set of unemployment spells a run draws every source from, so
//! sources join: contributors work for registered employers, insurance recipients are registered unemployed,
//! re-employed people were registered unemployed, and so on.

use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use hrss_core::identifiers::uscc_check_char;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::common::{add_days, date, day_between, pick, Weighted, YEAR};
use crate::people::{employer, Employer, Person, PersonPool, URBAN_DISTRICTS};

/// Sources at scale 1 (the default 50,000 contribution rows) are a 10% sample of a Shaoxing year.
pub const BASE_ROWS: f64 = 50_000.0;
/// Even tiny test runs give every source some data.
const MIN_ROWS: usize = 20;

/// 失业原因, weighted; 个人辞职 (quitting) does not entitle to unemployment insurance.
pub const UNEMPLOYMENT_CAUSES: &[(&str, u32)] =
    &[("合同到期", 30), ("单位解除", 30), ("个人辞职", 25), ("单位破产", 5), ("其他", 10)];
/// 注销原因 of a registration closed during the year: mostly a new job.
pub const END_REASONS: &[(&str, u32)] = &[("就业", 80), ("退休", 8), ("迁出", 7), ("其他", 5)];
/// 就业困难人员类别 other than 4050 (which follows from age and sex).
const HARDSHIP_KINDS: &[(&str, u32)] = &[("残疾人", 25), ("零就业家庭成员", 15), ("长期失业人员", 45), ("低保家庭成员", 15)];

/// A registration of unemployment (失业登记) and what became of it.
#[derive(Debug, Clone)]
pub struct Spell {
    pub registration_no: String,
    /// Index of the person in the worker pool.
    pub person: usize,
    pub registered_on: NaiveDate,
    pub cause: &'static str,
    pub hardship: Option<&'static str>,
    pub district: &'static str,
    /// Cancellation (注销) during the data year, with its reason.
    pub ended: Option<(NaiveDate, &'static str)>,
    /// Months of unemployment insurance the person is entitled to (应领月数), if any.
    pub benefit_months: Option<u32>,
}

impl Spell {
    /// Re-employed during the year: the employment registration of that day closes the spell.
    pub fn reemployed_on(&self) -> Option<NaiveDate> {
        self.ended.filter(|(_, reason)| *reason == "就业").map(|(day, _)| day)
    }
}

/// Consecutive index ranges of the worker pool, one per source, so no person is drawn twice by a source
/// and the ranges do not depend on which sources a run writes.
#[derive(Debug, Clone)]
pub struct Blocks {
    pub employment: Range<usize>,
    pub seekers: Range<usize>,
    pub talent: Range<usize>,
    pub wage_survey: Range<usize>,
    pub arbitration: Range<usize>,
    pub injury: Range<usize>,
    /// Contributors start here and take as many as they need.
    pub contributions: usize,
}

#[derive(Debug)]
pub struct World {
    seed: u64,
    pub scale: f64,
    pub employers: Vec<Employer>,
    /// Indices of active employers (正常), the ones with activity in 2025.
    pub active: Vec<usize>,
    pub people: PersonPool,
    pub spells: Vec<Spell>,
    pub blocks: Blocks,
}

impl World {
    pub fn build(rows: usize, seed: u64) -> Self {
        let scale = rows as f64 / BASE_ROWS;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let count = |n: f64| scaled(scale, n);

        let mut employers: Vec<Employer> = Vec::with_capacity(count(2_000.0));
        let mut seen = std::collections::HashSet::new();
        while employers.len() < count(2_000.0) {
            let mut e = employer(&mut rng);
            if !seen.insert(e.uscc.clone()) {
                continue;
            }
            // About 0.5% carry codes issued before the check character was enforced: flagged on load, not rejected.
            if rng.random_bool(0.005) {
                let expected = uscc_check_char(&e.uscc[..17]).expect("generated code");
                e.uscc.pop();
                e.uscc.push(if expected == '0' { '1' } else { '0' });
            }
            employers.push(e);
        }
        // A run always has some active employers, however small.
        if !employers.iter().any(Employer::is_active) {
            employers[0].status = "正常";
            employers[0].insured = employers[0].insured.max(10);
        }
        let active = (0..employers.len()).filter(|i| employers[*i].is_active()).collect();

        let people = PersonPool::new(seed);
        let spells = unemployment_spells(&mut rng, &people, scale);
        let mut next = spells.len();
        let mut block = |n: usize| {
            let range = next..next + n;
            next += n;
            range
        };
        let blocks = Blocks {
            employment: block(count(12_000.0)),
            seekers: block(count(8_000.0)),
            // Talent is drawn from people of the right age, skipping the rest of this range.
            talent: block(count(300.0) * 4),
            wage_survey: block(count(500.0) * crate::wages::MAX_SAMPLE_PER_EMPLOYER),
            arbitration: block(count(1_200.0)),
            injury: block(count(2_000.0)),
            contributions: next,
        };
        Self { seed, scale, employers, active, people, spells, blocks }
    }

    /// `n` rows of a scale-1 run, scaled to this run (at least 20).
    pub fn count(&self, n: f64) -> usize {
        scaled(self.scale, n)
    }

    /// The random stream of one source: independent of which other sources a run writes.
    pub fn rng(&self, source: &str) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let stream = crate::SOURCES.iter().position(|s| *s == source).expect("a known source") as u64 + 1;
        rng.set_stream(stream);
        rng
    }

    pub fn worker(&self, index: usize) -> Person {
        self.people.worker(index)
    }

    /// Active employers weighted by their insured headcount: where people work, claim and complain.
    pub fn by_headcount(&self) -> Weighted {
        Weighted::new(self.active.iter().map(|i| f64::from(self.employers[*i].insured.max(1))))
    }

    pub fn active_employer(&self, weighted: &Weighted, rng: &mut ChaCha8Rng) -> &Employer {
        &self.employers[self.active[weighted.pick(rng)]]
    }
}

fn scaled(scale: f64, n: f64) -> usize {
    ((n * scale).round() as usize).max(MIN_ROWS)
}

/// Registrations open at some point of the data year: registrations of 2024 still open on 1 January and the
/// year's new ones. At scale 1 about 4,500 + 3,000, of which about 4,800 are still open at year end: 2% of
/// the urban labour force the urban_employment source holds (230,000 employed in the 10% sample).
fn unemployment_spells(rng: &mut ChaCha8Rng, people: &PersonPool, scale: f64) -> Vec<Spell> {
    let carried = scaled(scale, 4_500.0);
    let new = scaled(scale, 3_000.0);
    let year_end = date(YEAR, 12, 31);
    let mut spells: Vec<Spell> = (0..carried + new)
        .map(|person| {
            let carried_over = person < carried;
            let registered_on = if carried_over {
                day_between(rng, date(YEAR - 1, 1, 2), date(YEAR - 1, 12, 31))
            } else {
                // More people register after the Spring Festival and when contracts end mid-year.
                let month = pick(rng, &[(1, 8), (2, 11), (3, 11), (4, 8), (5, 8), (6, 9), (7, 9), (8, 8), (9, 7), (10, 7), (11, 7), (12, 7)]);
                day_between(rng, date(YEAR, month, 1), last_day(YEAR, month))
            };
            let someone = people.worker(person);
            let cause = pick(rng, UNEMPLOYMENT_CAUSES);
            let age = someone.age_on(registered_on);
            let hardship = if age >= if someone.is_male() { 50 } else { 40 } && rng.random_bool(0.6) {
                Some("4050人员")
            } else if rng.random_bool(0.1) {
                Some(pick(rng, HARDSHIP_KINDS))
            } else {
                None
            };
            let ended = if carried_over {
                rng.random_bool(0.42).then(|| day_between(rng, date(YEAR, 1, 5), year_end))
            } else {
                let day = add_days(registered_on, rng.random_range(20..360));
                (day <= year_end && rng.random_bool(0.55)).then_some(day)
            }
            .map(|day| (day, pick(rng, END_REASONS)));
            // Entitled: not a quit, and at least a year of contributions. Zhejiang pays up to 12 months for
            // 1-5 years of contributions, up to 18 for 5-10 and up to 24 beyond; most claimants have few years.
            let benefit_months = (cause != "个人辞职" && rng.random_bool(0.6)).then(|| {
                let years: u32 = match pick(rng, &[(0, 45), (1, 30), (2, 25)]) {
                    0 => rng.random_range(1..=4),
                    1 => rng.random_range(5..=9),
                    _ => rng.random_range(10..=25),
                };
                match years {
                    1..=4 => 3 * years,
                    5..=9 => 12 + years - 5,
                    _ => (18 + (years - 10) / 2).min(24),
                }
            });
            Spell {
                registration_no: String::new(),
                person,
                registered_on,
                cause,
                hardship,
                district: pick(rng, URBAN_DISTRICTS),
                ended,
                benefit_months,
            }
        })
        .collect();
    // Registration numbers run in date order within each year, as the system assigns them.
    let mut order: Vec<usize> = (0..spells.len()).collect();
    order.sort_by_key(|i| (spells[*i].registered_on, *i));
    let mut per_year = std::collections::BTreeMap::new();
    for i in order {
        let year = spells[i].registered_on.year();
        let n = per_year.entry(year).or_insert(0u32);
        *n += 1;
        spells[i].registration_no = format!("SY{year}{n:06}");
    }
    spells
}

pub fn last_day(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
    date(y, m, 1).pred_opt().expect("a day before")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_end_stock_is_about_two_percent_of_the_urban_labour_force() {
        let world = World::build(50_000, 2026);
        let open = world.spells.iter().filter(|s| s.ended.is_none()).count() as f64;
        let rate = open / (crate::employment::urban_employed_2025(world.scale) + open);
        assert!((0.017..0.024).contains(&rate), "registered unemployment rate {rate}");
        assert!(world.spells.iter().all(|s| s.ended.is_none_or(|(day, _)| day > s.registered_on)));
    }
}
