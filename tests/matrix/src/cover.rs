//! Covering arrays: few rows in which every combination of levels that matters appears at least
//! once. Every pair of factors is covered (pairwise), and a family may ask for chosen triples on
//! top.
//!
//! The construction is greedy and deterministic, in the spirit of AETG: each new row starts from
//! the first uncovered combination and fills the remaining factors one at a time with the level
//! that covers the most combinations not yet covered.

/// One factor: its name (for messages) and how many levels it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Factor {
    /// The factor's name.
    pub name: &'static str,
    /// How many levels it has (at least one).
    pub levels: usize,
}

/// What must be covered: every pair of factors, plus every listed group of factors in full.
#[derive(Debug, Clone, Default)]
pub struct Strength {
    /// Groups of factor indices whose every combination of levels must appear (for example a
    /// three-way group `[cookie, third_party, position]`).
    pub groups: Vec<Vec<usize>>,
}

/// A row: one level index per factor.
pub type Row = Vec<usize>;

/// Builds a covering array for `factors`: every pair and every group of `strength` covered.
pub fn cover(factors: &[Factor], strength: &Strength) -> Vec<Row> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for a in 0..factors.len() {
        for b in a + 1..factors.len() {
            groups.push(vec![a, b]);
        }
    }
    for group in &strength.groups {
        let mut group = group.clone();
        group.sort_unstable();
        group.dedup();
        if group.len() > 2 && !groups.contains(&group) {
            groups.push(group);
        }
    }
    let mut uncovered: Vec<Tuple> = Vec::new();
    for group in &groups {
        for levels in combinations(group.iter().map(|&f| factors[f].levels)) {
            uncovered.push(Tuple { factors: group.clone(), levels });
        }
    }
    let mut rows = Vec::new();
    while let Some(seed) = uncovered.first().cloned() {
        let mut row = seed.partial(factors.len());
        // Widest factors first: they are the hardest to place well.
        let mut order: Vec<usize> = (0..factors.len()).filter(|f| row[*f].is_none()).collect();
        order.sort_by_key(|&f| std::cmp::Reverse(factors[f].levels));
        for f in order {
            let mut best: Option<(usize, usize)> = None;
            for level in 0..factors[f].levels {
                row[f] = Some(level);
                let gain = uncovered.iter().filter(|t| t.factors.contains(&f) && t.fits(&row)).count();
                // Ties go to the level used least so far, so levels spread evenly over the rows.
                let used = rows.iter().filter(|r: &&Row| r[f] == level).count();
                let better = match best {
                    None => true,
                    Some((best_gain, best_level)) => {
                        let best_used = rows.iter().filter(|r: &&Row| r[f] == best_level).count();
                        gain > best_gain || (gain == best_gain && used < best_used)
                    }
                };
                if better {
                    best = Some((gain, level));
                }
            }
            row[f] = best.map(|(_, level)| level);
        }
        let row: Row = row.into_iter().map(|level| level.unwrap_or(0)).collect();
        let full: Vec<Option<usize>> = row.iter().copied().map(Some).collect();
        uncovered.retain(|t| !t.fits(&full));
        rows.push(row);
    }
    rows
}

/// One combination of levels of some factors.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tuple {
    factors: Vec<usize>,
    levels: Vec<usize>,
}

impl Tuple {
    fn partial(&self, width: usize) -> Vec<Option<usize>> {
        let mut row = vec![None; width];
        for (&f, &level) in self.factors.iter().zip(&self.levels) {
            row[f] = Some(level);
        }
        row
    }

    /// Whether `row` has every level of this tuple (all its factors chosen and equal).
    fn fits(&self, row: &[Option<usize>]) -> bool {
        self.factors.iter().zip(&self.levels).all(|(&f, &level)| row[f] == Some(level))
    }
}

/// Every combination of levels for factors with these level counts, in lexicographic order.
fn combinations(levels: impl Iterator<Item = usize>) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new()];
    for count in levels {
        out = out
            .into_iter()
            .flat_map(|prefix| {
                (0..count).map(move |level| {
                    let mut next = prefix.clone();
                    next.push(level);
                    next
                })
            })
            .collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factors(levels: &[usize]) -> Vec<Factor> {
        levels.iter().map(|&levels| Factor { name: "f", levels }).collect()
    }

    fn covered(rows: &[Row], group: &[usize], levels: &[usize]) -> bool {
        rows.iter().any(|r| group.iter().zip(levels).all(|(&f, &l)| r[f] == l))
    }

    #[test]
    fn every_pair_is_covered_with_far_fewer_rows_than_the_product() {
        let f = factors(&[5, 4, 3, 3, 2]);
        let rows = cover(&f, &Strength::default());
        for a in 0..f.len() {
            for b in a + 1..f.len() {
                for la in 0..f[a].levels {
                    for lb in 0..f[b].levels {
                        assert!(covered(&rows, &[a, b], &[la, lb]), "pair {a}={la}, {b}={lb}");
                    }
                }
            }
        }
        // 5 x 4 = 20 is the lower bound; the product is 360.
        assert!(rows.len() >= 20 && rows.len() <= 30, "{} rows", rows.len());
    }

    #[test]
    fn listed_groups_are_covered_in_full() {
        let f = factors(&[3, 3, 3, 2]);
        let strength = Strength { groups: vec![vec![2, 0, 1]] };
        let rows = cover(&f, &strength);
        for levels in combinations([3, 3, 3].into_iter()) {
            assert!(covered(&rows, &[0, 1, 2], &levels), "{levels:?}");
        }
        assert!(rows.len() >= 27);
    }

    #[test]
    fn the_same_input_gives_the_same_rows() {
        let f = factors(&[4, 3, 3]);
        assert_eq!(cover(&f, &Strength::default()), cover(&f, &Strength::default()));
    }
}
