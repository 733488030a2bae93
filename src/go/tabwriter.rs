//! Go's `text/tabwriter`, as kubectl's table printer and `describe` use it: cells terminated by
//! `\t`, padded with spaces, aligned left, no flags.

use std::fmt::Write as _;

/// Lays out `lines` (cells separated by `\t`, no trailing newline) as a `tabwriter.Writer` with
/// `minwidth`, `padding`, pad character `' '` and no flags would.
///
/// A column block is a run of consecutive lines that have a tab-terminated cell in that column;
/// each block is as wide as its widest cell plus `padding` (at least `min_width`), counted in
/// characters. The text after a line's last tab is not padded. Every line ends with `\n`.
pub(crate) fn tabwrite(lines: &[String], min_width: usize, padding: usize) -> String {
    let cells: Vec<Vec<&str>> = lines.iter().map(|l| l.split('\t').collect()).collect();
    let mut out = String::new();
    let mut widths = Vec::new();
    let layout = Layout { min_width, padding };
    layout.format_block(&cells, 0, cells.len(), &mut widths, &mut out);
    out
}

struct Layout {
    min_width: usize,
    padding: usize,
}

impl Layout {
    /// Go's `Writer.format`: lays out lines `line0..line1`, with `widths` the widths of the
    /// columns to the left.
    fn format_block(
        &self,
        cells: &[Vec<&str>],
        mut line0: usize,
        line1: usize,
        widths: &mut Vec<usize>,
        out: &mut String,
    ) {
        let column = widths.len();
        let mut this = line0;
        while this < line1 {
            if column + 1 >= cells[this].len() {
                this += 1;
                continue;
            }
            write_lines(cells, line0, this, widths, out);
            line0 = this;
            let mut width = self.min_width;
            while this < line1 && column + 1 < cells[this].len() {
                width = width.max(cells[this][column].chars().count() + self.padding);
                this += 1;
            }
            widths.push(width);
            self.format_block(cells, line0, this, widths, out);
            widths.pop();
            line0 = this;
        }
        write_lines(cells, line0, line1, widths, out);
    }
}

/// Go's `Writer.writeLines`.
fn write_lines(
    cells: &[Vec<&str>],
    line0: usize,
    line1: usize,
    widths: &[usize],
    out: &mut String,
) {
    for line in &cells[line0..line1] {
        for (j, cell) in line.iter().enumerate() {
            out.push_str(cell);
            if let Some(w) = widths.get(j)
                && j + 1 < line.len()
            {
                let pad = w.saturating_sub(cell.chars().count());
                let _ = write!(out, "{:pad$}", "");
            }
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn blocks_end_where_a_line_has_no_cell_in_the_column() {
        // describe's settings: minwidth 0, padding 2.
        let out = tabwrite(
            &lines(
                "Name:\tcsr-1\nStatus:\tPending\nSubject:\n\tCommon Name:\tx\n\tSerial Number:\t",
            ),
            0,
            2,
        );
        assert_eq!(
            out,
            "Name:    csr-1\nStatus:  Pending\nSubject:\n  Common Name:    x\n  Serial Number:  \n"
        );
    }

    #[test]
    fn kubectl_tables_pad_to_at_least_six() {
        assert_eq!(tabwrite(&lines("A\tB\nccc\td"), 6, 3), "A     B\nccc   d\n");
    }
}
