//! Layout: turns a [`Certificate`] into pages of simple drawing operations
//! (text runs, rectangles, lines, the QR code). Pure and deterministic; the
//! PDF writer (`pdf.rs`) only replays the operations.
//!
//! A4 portrait, units in PDF points, y grows downwards from the page's top.

use crate::fonts::Metrics;
use crate::{Certificate, CODE_MARKER};

pub(crate) const PAGE_W: f32 = 595.28;
pub(crate) const PAGE_H: f32 = 841.89;
const MARGIN_X: f32 = 62.0;
const TOP: f32 = 74.0;
/// Content stops here; below are the footer and the frame.
const BOTTOM: f32 = PAGE_H - 72.0;
const TEXT_W: f32 = PAGE_W - 2.0 * MARGIN_X;

const BODY: f32 = 10.5;
const TABLE: f32 = 9.0;
const CELL_PAD: f32 = 4.0;
const TABLE_LINE: f32 = 12.0;

pub(crate) const RED: Rgb = Rgb(178, 34, 34);
pub(crate) const BLACK: Rgb = Rgb(0, 0, 0);
pub(crate) const GREY: Rgb = Rgb(90, 90, 90);
const HEADER_FILL: Rgb = Rgb(232, 232, 232);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rgb(pub u8, pub u8, pub u8);

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    /// A run of text; `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    /// Dark modules of a QR code, `n`×`n`, drawn in a square of `size`.
    Qr {
        x: f32,
        y: f32,
        size: f32,
        n: usize,
        dark: Vec<bool>,
    },
    /// A clickable link area.
    Link {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        url: String,
    },
}

pub(crate) type Page = Vec<Op>;

/// Lay out the whole certificate: content pages, then on every page the
/// frame and the footer "核验码 … 第 X 页 共 Y 页".
pub(crate) fn layout(
    cert: &Certificate,
    regular: &Metrics<'_>,
    bold: &Metrics<'_>,
    qr: (usize, Vec<bool>),
) -> Vec<Page> {
    let mut l = Layout {
        cert,
        regular,
        bold,
        pages: Vec::new(),
        ops: Vec::new(),
        y: TOP,
    };
    l.first_page_head();
    l.person();
    l.summary();
    l.table();
    l.closing(qr);
    let mut pages = l.finish();
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        frame_and_footer(page, cert, regular, i + 1, total);
    }
    pages
}

struct Layout<'a> {
    cert: &'a Certificate,
    regular: &'a Metrics<'a>,
    bold: &'a Metrics<'a>,
    pages: Vec<Page>,
    ops: Page,
    y: f32,
}

impl Layout<'_> {
    fn metrics(&self, bold: bool) -> &Metrics<'_> {
        if bold {
            self.bold
        } else {
            self.regular
        }
    }

    fn width(&self, s: &str, size: f32, bold: bool) -> f32 {
        self.metrics(bold).width_em(s) * size
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, s: &str) {
        if !s.is_empty() {
            self.ops.push(Op::Text {
                x,
                y,
                size,
                bold,
                color,
                text: s.to_string(),
            });
        }
    }

    fn centered(&mut self, y: f32, size: f32, bold: bool, color: Rgb, s: &str) {
        let w = self.width(s, size, bold);
        self.text((PAGE_W - w) / 2.0, y, size, bold, color, s);
    }

    /// Break `s` into lines no wider than `max` (at any character; a newline
    /// always breaks). Never returns an empty list.
    fn wrap(&self, s: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let m = self.metrics(bold);
        let mut lines = Vec::new();
        for para in s.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            for c in para.chars() {
                if c == '\r' {
                    continue;
                }
                let cw = m.glyph(c).1 * size;
                // Closing punctuation never starts a line (禁则): it may
                // overhang the right edge slightly instead.
                let closing =
                    matches!(c, '）' | '：' | '，' | '。' | '、' | '；' | ')' | ',' | '.');
                if w + cw > max && !line.is_empty() && !closing {
                    lines.push(std::mem::take(&mut line));
                    w = 0.0;
                }
                line.push(c);
                w += cw;
            }
            lines.push(line);
        }
        lines
    }

    /// Start a new page when `h` more points do not fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > BOTTOM {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = TOP;
        let c = self.cert;
        let head = format!("{}（续）", c.kind.title());
        self.text(MARGIN_X, self.y, 11.0, true, RED, &head);
        let who = format!("{}  {}", c.person_name, c.id_number_masked);
        let w = self.width(&who, 9.0, false);
        self.text(PAGE_W - MARGIN_X - w, self.y, 9.0, false, GREY, &who);
        self.y += 6.0;
        self.ops.push(Op::Rect {
            x: MARGIN_X,
            y: self.y,
            w: TEXT_W,
            h: 0.6,
            fill: Some(RED),
            stroke: None,
        });
        self.y += 18.0;
    }

    fn finish(mut self) -> Vec<Page> {
        self.pages.push(std::mem::take(&mut self.ops));
        self.pages
    }

    fn heading(&mut self, s: &str) {
        self.ensure(40.0);
        self.y += 8.0;
        self.text(MARGIN_X, self.y + 12.0, 12.0, true, BLACK, s);
        self.y += 22.0;
    }

    fn first_page_head(&mut self) {
        let c = self.cert;
        self.y = TOP + 10.0;
        self.centered(self.y + 24.0, 24.0, true, RED, c.kind.title());
        self.y += 40.0;
        self.centered(self.y + 12.0, 12.0, false, BLACK, &c.agency_name);
        self.y += 30.0;
        let indent = 2.0 * BODY;
        let lines = self.wrap(c.kind.intro(), BODY, false, TEXT_W - indent);
        for (i, line) in lines.iter().enumerate() {
            let x = if i == 0 { MARGIN_X + indent } else { MARGIN_X };
            self.text(x, self.y + BODY, BODY, false, BLACK, line);
            self.y += BODY * 1.6;
        }
    }

    /// Label/value pairs, two per line.
    fn pairs(&mut self, pairs: &[(String, String)]) {
        let col = TEXT_W / 2.0;
        for chunk in pairs.chunks(2) {
            let mut h: f32 = BODY * 1.7;
            let mut cells = Vec::new();
            for (i, (label, value)) in chunk.iter().enumerate() {
                let lw = self.width(label, BODY, true) + self.width("：", BODY, true);
                let lines = self.wrap(value, BODY, false, (col - lw - 8.0).max(40.0));
                h = h.max(lines.len() as f32 * BODY * 1.5 + BODY * 0.2);
                cells.push((MARGIN_X + i as f32 * col, lw, label, lines));
            }
            self.ensure(h);
            for (x, lw, label, lines) in cells {
                self.text(x, self.y + BODY, BODY, true, BLACK, &format!("{label}："));
                for (k, line) in lines.iter().enumerate() {
                    let y = self.y + BODY + k as f32 * BODY * 1.5;
                    self.text(x + lw, y, BODY, false, BLACK, line);
                }
            }
            self.y += h;
        }
    }

    fn person(&mut self) {
        let c = self.cert;
        let [person, _, _] = c.kind.sections();
        let [name, id, period] = c.kind.person_labels();
        self.heading(person);
        self.pairs(&[
            (name.to_string(), c.person_name.clone()),
            (id.to_string(), c.id_number_masked.clone()),
            (period.to_string(), c.period.clone()),
        ]);
    }

    fn summary(&mut self) {
        let c = self.cert;
        if c.summary.is_empty() {
            return;
        }
        let [_, summary, _] = c.kind.sections();
        self.heading(summary);
        self.pairs(&c.summary);
    }

    /// Column widths: each column's widest cell, scaled to the text width.
    fn column_widths(&self) -> Vec<f32> {
        let c = self.cert;
        let natural: Vec<f32> = c
            .table_header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let body = c
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|s| {
                        s.split('\n')
                            .map(|p| self.width(p, TABLE, false))
                            .fold(0.0, f32::max)
                    })
                    .fold(0.0, f32::max);
                body.max(self.width(h, TABLE, true)).min(TEXT_W / 2.0) + 2.0 * CELL_PAD + 2.0
            })
            .collect();
        let sum: f32 = natural.iter().sum();
        natural.iter().map(|w| w * TEXT_W / sum).collect()
    }

    fn table(&mut self) {
        let c = self.cert;
        let ncols = c.table_header.len();
        if ncols == 0 {
            return;
        }
        let [_, _, detail] = c.kind.sections();
        self.heading(detail);
        let widths = self.column_widths();
        let right: Vec<bool> = (0..ncols)
            .map(|i| {
                let mut any = false;
                let all = c.rows.iter().all(|r| match r.get(i).map(|s| s.trim()) {
                    None | Some("") => true,
                    Some(s) => {
                        any = true;
                        looks_numeric(s)
                    }
                });
                all && any
            })
            .collect();
        self.ensure(3.0 * TABLE_LINE + 12.0);
        let header = self.row_lines(&c.table_header, &widths, true);
        self.table_row(&header, &widths, &right, true);
        for row in &c.rows {
            // Each cell is wrapped once; the row's height follows from it.
            let lines = self.row_lines(row, &widths, false);
            if self.y + row_height(&lines) > BOTTOM {
                self.new_page();
                self.table_row(&header, &widths, &right, true);
            }
            self.table_row(&lines, &widths, &right, false);
        }
        self.y += 6.0;
    }

    /// The wrapped lines of each cell of a row (missing cells are empty).
    fn row_lines(&self, row: &[String], widths: &[f32], bold: bool) -> Vec<Vec<String>> {
        widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let cell = row.get(i).map(String::as_str).unwrap_or("");
                self.wrap(cell, TABLE, bold, w - 2.0 * CELL_PAD)
            })
            .collect()
    }

    fn table_row(&mut self, cells: &[Vec<String>], widths: &[f32], right: &[bool], header: bool) {
        let h = row_height(cells);
        let mut x = MARGIN_X;
        for (i, (w, lines)) in widths.iter().zip(cells).enumerate() {
            self.ops.push(Op::Rect {
                x,
                y: self.y,
                w: *w,
                h,
                fill: header.then_some(HEADER_FILL),
                stroke: Some((GREY, 0.5)),
            });
            for (k, line) in lines.iter().enumerate() {
                let lw = self.width(line, TABLE, header);
                let lx = if right.get(i) == Some(&true) && !header {
                    x + w - CELL_PAD - lw
                } else {
                    x + (w - lw) / 2.0
                };
                let ly = self.y + 3.0 + TABLE + 0.5 + k as f32 * TABLE_LINE;
                self.text(lx, ly, TABLE, header, BLACK, line);
            }
            x += w;
        }
        self.y += h;
    }

    /// "特此证明。" (a letter: "特此告知。"), the QR code, agency, issue
    /// time, code, URL and note.
    fn closing(&mut self, (n, dark): (usize, Vec<bool>)) {
        let c = self.cert;
        let qr = 96.0;
        let note_h = self.wrap(&c.footer_note, 9.0, false, TEXT_W).len() as f32 * 14.0;
        self.ensure(qr + 60.0 + note_h);
        self.y += 8.0;
        self.text(
            MARGIN_X + 2.0 * BODY,
            self.y + BODY,
            BODY,
            false,
            BLACK,
            c.kind.closing(),
        );
        self.y += 26.0;
        let top = self.y;
        let qx = PAGE_W - MARGIN_X - qr;
        self.ops.push(Op::Qr {
            x: qx,
            y: top,
            size: qr,
            n,
            dark,
        });
        self.ops.push(Op::Link {
            x: qx,
            y: top,
            w: qr,
            h: qr,
            url: c.verify_url.clone(),
        });
        let label_w = TEXT_W - qr - 16.0;
        let lines = [
            ("出具机构（盖章）", c.agency_name.as_str()),
            ("出具时间", c.issued_at.as_str()),
            ("核验码", c.code.as_str()),
            ("核验网址", c.verify_url.as_str()),
        ];
        let mut y = top;
        for (label, value) in lines {
            let lw = self.width(label, BODY, true) + self.width("：", BODY, true);
            let wrapped = self.wrap(value, BODY, false, label_w - lw);
            self.text(MARGIN_X, y + BODY, BODY, true, BLACK, &format!("{label}："));
            for (k, line) in wrapped.iter().enumerate() {
                let ly = y + BODY + k as f32 * BODY * 1.5;
                self.text(MARGIN_X + lw, ly, BODY, false, BLACK, line);
            }
            if label == "核验网址" {
                let h = wrapped.len() as f32 * BODY * 1.5;
                self.ops.push(Op::Link {
                    x: MARGIN_X + lw,
                    y,
                    w: label_w - lw,
                    h,
                    url: c.verify_url.clone(),
                });
            }
            y += wrapped.len() as f32 * BODY * 1.5 + 4.0;
        }
        let caption = "扫码核验";
        let cw = self.width(caption, 8.0, false);
        self.text(
            qx + (qr - cw) / 2.0,
            top + qr + 10.0,
            8.0,
            false,
            GREY,
            caption,
        );
        self.y = y.max(top + qr + 14.0) + 6.0;
        for line in self.wrap(&c.footer_note, 9.0, false, TEXT_W) {
            self.text(MARGIN_X, self.y + 9.0, 9.0, false, GREY, &line);
            self.y += 14.0;
        }
    }
}

/// Height of a table row: its tallest cell.
fn row_height(cells: &[Vec<String>]) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * TABLE_LINE + 6.0
}

fn frame_and_footer(
    page: &mut Page,
    cert: &Certificate,
    regular: &Metrics<'_>,
    number: usize,
    total: usize,
) {
    for (inset, width) in [(28.0, 1.6), (33.0, 0.5)] {
        page.push(Op::Rect {
            x: inset,
            y: inset,
            w: PAGE_W - 2.0 * inset,
            h: PAGE_H - 2.0 * inset,
            fill: None,
            stroke: Some((RED, width)),
        });
    }
    let y = PAGE_H - 48.0;
    let left = format!("核验码：{}", cert.code);
    page.push(Op::Text {
        x: MARGIN_X,
        y,
        size: 8.0,
        bold: false,
        color: GREY,
        text: left,
    });
    let right = format!("第 {number} 页 共 {total} 页");
    let w = regular.width_em(&right) * 8.0;
    page.push(Op::Text {
        x: PAGE_W - MARGIN_X - w,
        y,
        size: 8.0,
        bold: false,
        color: GREY,
        text: right,
    });
}

/// The keyword marker stored in the PDF metadata.
pub(crate) fn marker(code: &str) -> String {
    format!("{CODE_MARKER}{code}")
}

/// Amounts and counts ("12,345.67", "118", "-3.5", "12,345.67 元") are right aligned.
pub(crate) fn looks_numeric(cell: &str) -> bool {
    let s = cell.strip_suffix('元').unwrap_or(cell).trim_end();
    let s = s.strip_prefix('-').unwrap_or(s);
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}
