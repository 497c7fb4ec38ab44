//! Replays the laid-out pages into a PDF with krilla. Fonts are embedded as
//! subsets (only the glyphs used), text stays real text (ToUnicode maps), so
//! it can be searched, copied and read by screen readers.

use krilla::action::{Action, LinkAction};
use krilla::annotation::{LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{GlyphId, KrillaGlyph};
use krilla::{Document, SerializeSettings};

use crate::fonts::{Face, Metrics};
use crate::layout::{marker, Op, Page, Rgb, BLACK, PAGE_H, PAGE_W};
use crate::{CertError, Certificate};

fn color(c: Rgb) -> krilla::paint::Paint {
    rgb::Color::new(c.0, c.1, c.2).into()
}

pub(crate) struct Faces<'a> {
    pub regular: (&'a Face, &'a Metrics<'a>),
    pub bold: (&'a Face, &'a Metrics<'a>),
}

pub(crate) fn write(
    cert: &Certificate,
    pages: &[Page],
    faces: &Faces<'_>,
) -> Result<Vec<u8>, CertError> {
    let settings = SerializeSettings {
        compress_content_streams: true,
        xmp_metadata: false,
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut doc = Document::new_with(settings);
    let mut meta = Metadata::new()
        .title(format!("{} {}", cert.kind.title(), cert.code))
        .authors(vec![cert.agency_name.clone()])
        .keywords(vec![marker(&cert.code)])
        .creator("SIRM sirm-cert".to_string())
        .language("zh-CN".to_string())
        .document_id(marker(&cert.code));
    if let Some(date) = parse_date(&cert.issued_at) {
        meta = meta.creation_date(date);
    }
    doc.set_metadata(meta);

    let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
        .ok_or_else(|| CertError::Pdf("invalid page size".into()))?;
    for ops in pages {
        let mut page = doc.start_page_with(settings.clone());
        let mut links = Vec::new();
        {
            let mut s = page.surface();
            let mut fill_color = None;
            for op in ops {
                match op {
                    Op::Text {
                        x,
                        y,
                        size,
                        bold,
                        color: c,
                        text,
                    } => {
                        if fill_color != Some(*c) {
                            s.set_fill(Some(Fill {
                                paint: color(*c),
                                ..Fill::default()
                            }));
                            fill_color = Some(*c);
                        }
                        let (face, m) = if *bold { faces.bold } else { faces.regular };
                        if let Some(ch) = m.first_missing(text) {
                            return Err(CertError::MissingGlyph {
                                field: "template".into(),
                                ch,
                                family: face.family.clone(),
                            });
                        }
                        let glyphs = glyphs(m, text);
                        s.set_stroke(None);
                        s.draw_glyphs(
                            Point::from_xy(*x, *y),
                            &glyphs,
                            face.font.clone(),
                            text,
                            *size,
                            false,
                        );
                    }
                    Op::Rect {
                        x,
                        y,
                        w,
                        h,
                        fill,
                        stroke,
                    } => {
                        let mut pb = PathBuilder::new();
                        if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                            pb.push_rect(r);
                        }
                        let Some(path) = pb.finish() else { continue };
                        s.set_fill(fill.map(|c| Fill {
                            paint: color(c),
                            ..Fill::default()
                        }));
                        fill_color = *fill;
                        s.set_stroke(stroke.map(|(c, width)| Stroke {
                            paint: color(c),
                            width,
                            ..Stroke::default()
                        }));
                        s.draw_path(&path);
                    }
                    Op::Qr {
                        x,
                        y,
                        size,
                        n,
                        dark,
                    } => {
                        let m = size / (*n as f32);
                        let mut pb = PathBuilder::new();
                        // One rectangle per horizontal run of dark modules.
                        for row in 0..*n {
                            let mut col = 0;
                            while col < *n {
                                if dark.get(row * n + col) == Some(&true) {
                                    let start = col;
                                    while col < *n && dark.get(row * n + col) == Some(&true) {
                                        col += 1;
                                    }
                                    let w = (col - start) as f32 * m;
                                    if let Some(r) = Rect::from_xywh(
                                        x + start as f32 * m,
                                        y + row as f32 * m,
                                        w,
                                        m,
                                    ) {
                                        pb.push_rect(r);
                                    }
                                } else {
                                    col += 1;
                                }
                            }
                        }
                        if let Some(path) = pb.finish() {
                            s.set_stroke(None);
                            s.set_fill(Some(Fill {
                                paint: color(BLACK),
                                ..Fill::default()
                            }));
                            fill_color = Some(BLACK);
                            s.draw_path(&path);
                        }
                    }
                    Op::Link { x, y, w, h, url } => {
                        if let Some(r) = Rect::from_xywh(*x, *y, *w, *h) {
                            links.push((r, url.clone()));
                        }
                    }
                }
            }
            s.finish();
        }
        for (rect, url) in links {
            page.add_annotation(
                LinkAnnotation::new(rect, Target::Action(Action::Link(LinkAction::new(url))))
                    .into(),
            );
        }
        page.finish();
    }
    doc.finish().map_err(|e| CertError::Pdf(format!("{e:?}")))
}

fn glyphs(m: &Metrics<'_>, text: &str) -> Vec<KrillaGlyph> {
    text.char_indices()
        .map(|(i, c)| {
            let (gid, adv) = m.glyph(c);
            KrillaGlyph::new(
                GlyphId::new(gid),
                adv,
                0.0,
                0.0,
                0.0,
                i..i + c.len_utf8(),
                None,
            )
        })
        .collect()
}

/// `YYYY-MM-DD[ HH:MM[:SS]]` (also with 'T'), agency time UTC+8, as the PDF
/// creation date; anything else leaves the date out.
pub(crate) fn parse_date(s: &str) -> Option<DateTime> {
    let (y, mo, d, h, mi, se) = parse_ymd_hms(s)?;
    Some(
        DateTime::new(y)
            .month(mo)
            .day(d)
            .hour(h)
            .minute(mi)
            .second(se)
            .utc_offset_hour(8)
            .utc_offset_minute(0),
    )
}

pub(crate) fn parse_ymd_hms(s: &str) -> Option<(u16, u8, u8, u8, u8, u8)> {
    let s = s.trim();
    let (date, time) = match s.split_once([' ', 'T']) {
        Some((d, t)) => (d, Some(t.trim())),
        None => (s, None),
    };
    fn num<T: std::str::FromStr>(p: &str, len: usize) -> Option<T> {
        if p.len() == len && p.bytes().all(|b| b.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    }
    let mut d = date.split('-');
    let year: u16 = num(d.next()?, 4)?;
    let month: u8 = num(d.next()?, 2)?;
    let day: u8 = num(d.next()?, 2)?;
    if d.next().is_some() {
        return None;
    }
    let (hour, minute, second) = match time {
        None => (0, 0, 0),
        Some(t) => {
            let mut t = t.split(':');
            let h: u8 = num(t.next()?, 2)?;
            let m: u8 = num(t.next()?, 2)?;
            let s: u8 = match t.next() {
                Some(s) => num(s, 2)?,
                None => 0,
            };
            if t.next().is_some() {
                return None;
            }
            (h, m, s)
        }
    };
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    Some((year, month, day, hour, minute, second))
}
