//! Small-cell suppression (小单元格抑制) with complementary suppression
//! (补充抑制) for a published table of person counts.
//!
//! A table is `rows × cols` cells, a total per column, a grand total and,
//! when the rows are additive across the columns, a total per row. Every
//! published relation is a *line*: a set of members whose cells sum to its
//! total —
//!
//! - each column: its cells and the column total;
//! - each row (with row totals): its cells and the row total;
//! - the column totals and the grand total; the row totals and the grand
//!   total (with row totals).
//!
//! The algorithm:
//!
//! 1. *Primary suppression*: every member (cell or total) counting
//!    `0 < n < min_cell` persons is suppressed. Zero is not a small cell:
//!    "nobody" identifies nobody.
//! 2. *Complementary suppression*: while some line has exactly one
//!    suppressed member, that member could be had by subtracting the
//!    published members from the total; so suppress one more member of that
//!    line: the smallest published cell with persons, else the smallest
//!    published cell, else the smallest published total other than the
//!    grand total, else the grand total. Repeat until no line has exactly
//!    one suppressed member. It ends: each step suppresses one more member
//!    of a finite table.
//!
//! Afterwards every line has no suppressed member or at least two, so
//! subtracting along a row or column never yields a suppressed value, and
//! since nothing is learned nothing cascades (the property test in this
//! module plays that attacker). It does not defend against bounds got by
//! linear programming over many lines (interval disclosure); the threshold
//! is what keeps a single suppressed cell from mattering there.

/// A member of a table: a cell, a row total, a column total or the grand total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Member {
    Cell(usize, usize),
    Row(usize),
    Col(usize),
    Grand,
}

/// Person counts of a table, row-major.
#[derive(Clone, Debug)]
pub struct Grid {
    pub rows: usize,
    pub cols: usize,
    pub counts: Vec<u64>,
    /// Whether row totals are published (the columns add up per row).
    pub row_totals: bool,
}

/// What is suppressed, member by member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppressed {
    pub cells: Vec<bool>,
    pub rows: Vec<bool>,
    pub cols: Vec<bool>,
    pub grand: bool,
}

impl Grid {
    pub fn count(&self, m: Member) -> u64 {
        match m {
            Member::Cell(r, c) => self.counts[r * self.cols + c],
            Member::Row(r) => (0..self.cols).map(|c| self.counts[r * self.cols + c]).sum(),
            Member::Col(c) => (0..self.rows).map(|r| self.counts[r * self.cols + c]).sum(),
            Member::Grand => self.counts.iter().sum(),
        }
    }

    /// Every line (members that add up: the last member is their total).
    pub fn lines(&self) -> Vec<Vec<Member>> {
        let mut lines = Vec::new();
        for c in 0..self.cols {
            let mut l: Vec<Member> = (0..self.rows).map(|r| Member::Cell(r, c)).collect();
            l.push(Member::Col(c));
            lines.push(l);
        }
        let mut l: Vec<Member> = (0..self.cols).map(Member::Col).collect();
        l.push(Member::Grand);
        lines.push(l);
        if self.row_totals {
            for r in 0..self.rows {
                let mut l: Vec<Member> = (0..self.cols).map(|c| Member::Cell(r, c)).collect();
                l.push(Member::Row(r));
                lines.push(l);
            }
            let mut l: Vec<Member> = (0..self.rows).map(Member::Row).collect();
            l.push(Member::Grand);
            lines.push(l);
        }
        lines
    }
}

impl Suppressed {
    pub fn is(&self, cols: usize, m: Member) -> bool {
        match m {
            Member::Cell(r, c) => self.cells[r * cols + c],
            Member::Row(r) => self.rows.get(r).copied().unwrap_or(false),
            Member::Col(c) => self.cols[c],
            Member::Grand => self.grand,
        }
    }

    fn set(&mut self, cols: usize, m: Member) {
        match m {
            Member::Cell(r, c) => self.cells[r * cols + c] = true,
            Member::Row(r) => self.rows[r] = true,
            Member::Col(c) => self.cols[c] = true,
            Member::Grand => self.grand = true,
        }
    }

    /// How many members are suppressed.
    pub fn len(&self) -> usize {
        self.cells
            .iter()
            .chain(&self.rows)
            .chain(&self.cols)
            .filter(|s| **s)
            .count()
            + usize::from(self.grand)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Suppress the small cells of `grid` and enough others that no line
/// gives one back (the algorithm in the module documentation).
pub fn suppress(grid: &Grid, min_cell: u64) -> Suppressed {
    let small = |n: u64| n > 0 && n < min_cell;
    let mut s = Suppressed {
        cells: grid.counts.iter().map(|n| small(*n)).collect(),
        rows: (0..if grid.row_totals { grid.rows } else { 0 })
            .map(|r| small(grid.count(Member::Row(r))))
            .collect(),
        cols: (0..grid.cols)
            .map(|c| small(grid.count(Member::Col(c))))
            .collect(),
        grand: small(grid.count(Member::Grand)),
    };
    let lines = grid.lines();
    loop {
        let mut changed = false;
        for line in &lines {
            let hidden = line.iter().filter(|m| s.is(grid.cols, **m)).count();
            if hidden != 1 {
                continue;
            }
            let pick = line
                .iter()
                .copied()
                .filter(|m| !s.is(grid.cols, *m))
                .min_by_key(|m| {
                    let n = grid.count(*m);
                    let rank = match m {
                        Member::Cell(..) if n > 0 => 0,
                        Member::Cell(..) => 1,
                        Member::Row(_) | Member::Col(_) => 2,
                        Member::Grand => 3,
                    };
                    (rank, n)
                });
            if let Some(m) = pick {
                s.set(grid.cols, m);
                changed = true;
            }
        }
        if !changed {
            return s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The attacker: solve every line with exactly one unknown member by
    /// subtraction, again and again; returns the members recovered.
    fn recovered(grid: &Grid, s: &Suppressed) -> Vec<Member> {
        let mut known = s.clone();
        let mut found = Vec::new();
        loop {
            let mut progress = false;
            for line in grid.lines() {
                let unknown: Vec<Member> = line
                    .iter()
                    .copied()
                    .filter(|m| known.is(grid.cols, *m))
                    .collect();
                if let [m] = unknown[..] {
                    // Published values determine it: total minus the rest.
                    known = unhide(known, grid.cols, m);
                    found.push(m);
                    progress = true;
                }
            }
            if !progress {
                return found;
            }
        }
    }

    fn unhide(mut s: Suppressed, cols: usize, m: Member) -> Suppressed {
        match m {
            Member::Cell(r, c) => s.cells[r * cols + c] = false,
            Member::Row(r) => s.rows[r] = false,
            Member::Col(c) => s.cols[c] = false,
            Member::Grand => s.grand = false,
        }
        s
    }

    fn grids() -> impl Strategy<Value = (Grid, u64)> {
        (1usize..7, 1usize..7, any::<bool>(), 1u64..15).prop_flat_map(|(rows, cols, rt, k)| {
            proptest::collection::vec(prop_oneof![0u64..4, 0u64..30], rows * cols).prop_map(
                move |counts| {
                    (
                        Grid {
                            rows,
                            cols,
                            counts,
                            row_totals: rt,
                        },
                        k,
                    )
                },
            )
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn no_suppressed_member_is_recovered_by_subtraction((grid, k) in grids()) {
            let s = suppress(&grid, k);
            prop_assert_eq!(recovered(&grid, &s), Vec::<Member>::new());
        }

        #[test]
        fn every_small_member_is_suppressed((grid, k) in grids()) {
            let s = suppress(&grid, k);
            let mut all: Vec<Member> = (0..grid.rows)
                .flat_map(|r| (0..grid.cols).map(move |c| Member::Cell(r, c)))
                .collect();
            all.extend((0..grid.cols).map(Member::Col));
            all.push(Member::Grand);
            if grid.row_totals {
                all.extend((0..grid.rows).map(Member::Row));
            }
            for m in all {
                let n = grid.count(m);
                if n > 0 && n < k {
                    prop_assert!(s.is(grid.cols, m), "{:?} = {} published", m, n);
                }
            }
        }
    }

    #[test]
    fn one_small_cell_takes_a_partner_in_its_row_and_column() {
        // 2×2 with row totals: the 3 is small; its row and column each need
        // a second suppressed cell, and then the fourth cell too.
        let grid = Grid {
            rows: 2,
            cols: 2,
            counts: vec![3, 20, 40, 50],
            row_totals: true,
        };
        let s = suppress(&grid, 10);
        assert_eq!(s.cells, vec![true, true, true, true]);
        assert!(!s.grand);
        assert!(recovered(&grid, &s).is_empty());
        // A table with nothing small suppresses nothing.
        let big = Grid {
            counts: vec![30, 20, 40, 50],
            ..grid
        };
        assert!(suppress(&big, 10).is_empty());
    }
}
