//! The geometry of a picture drawn by `memlayout::export::svg`, read back from the SVG
//! text, and the checks that its labels, boxes and connectors do not collide.
//!
//! [`Picture::parse`] reads the elements the exporter writes (one element per tag, plain
//! absolute coordinates): every `<text>` becomes a [`Label`] with the box its glyphs
//! cover, every filled `<rect>` a [`Shape`], every `<path>` a polyline (curves sampled),
//! and the page boxes of equal `x` are gathered into [`Column`]s. A label's box comes
//! from its font size (read from the picture's own `<style>` sheet by class), its number
//! of characters, the font's advance of [`svg::CHAR_ADVANCE_PERMILLE`] thousandths of
//! the size (the metric the exporter fits its labels with) and the monospace font's
//! ascent and descent; its anchor (`start`, `middle`, `end`) and a `rotate(-90)`
//! transform place it.
//!
//! [`Picture::collisions`] lists every collision the picture must not have:
//!
//! * two labels whose boxes overlap;
//! * a label that lies partly inside a box (it must be wholly inside or wholly outside);
//! * two boxes that overlap without one holding the other;
//! * a connector (a `join` path) or any other line (dividers, ticks, brackets) that
//!   crosses a label;
//! * a connector that crosses a box other than the two it joins, or passes through a
//!   column that holds neither of its ends.
//!
//! [`svg::CHAR_ADVANCE_PERMILLE`]: memlayout::export::svg::CHAR_ADVANCE_PERMILLE

use std::collections::BTreeMap;
use std::fmt;

use memlayout::export::svg::CHAR_ADVANCE_PERMILLE;

/// Ascent of the monospace font (DejaVu Sans Mono: 1556 of 2048 units), as a fraction of
/// the font size: how far glyphs reach above the baseline.
pub const ASCENT: f64 = 0.76;
/// Descent of the font (`g`, `_`: 483 of 2048 units) below the baseline.
pub const DESCENT: f64 = 0.24;

/// An axis-aligned box: `x0 <= x1`, `y0 <= y1`, in SVG user units (pixels).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    /// Whether the interiors of `self` and `o` meet (touching edges do not).
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }

    /// Whether `o` lies wholly inside `self` (edges may touch).
    pub fn holds(&self, o: &Rect) -> bool {
        self.x0 <= o.x0 && o.x1 <= self.x1 && self.y0 <= o.y0 && o.y1 <= self.y1
    }

    /// Whether the point lies inside or within `tol` of `self`.
    pub fn near(&self, (x, y): (f64, f64), tol: f64) -> bool {
        self.x0 - tol <= x && x <= self.x1 + tol && self.y0 - tol <= y && y <= self.y1 + tol
    }

    /// Whether the segment from `a` to `b` passes through the interior of `self`
    /// (Liang-Barsky clipping; a segment along an edge does not).
    pub fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let mut t0 = 0.0f64;
        let mut t1 = 1.0f64;
        for (p, q) in [
            (-dx, a.0 - self.x0),
            (dx, self.x1 - a.0),
            (-dy, a.1 - self.y0),
            (dy, self.y1 - a.1),
        ] {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
            } else {
                let t = q / p;
                if p < 0.0 {
                    t0 = t0.max(t);
                } else {
                    t1 = t1.min(t);
                }
            }
        }
        if t0 >= t1 {
            return false;
        }
        // The clipped part must reach into the interior, not only run along an edge.
        let tm = (t0 + t1) / 2.0;
        let (mx, my) = (a.0 + tm * dx, a.1 + tm * dy);
        self.x0 < mx && mx < self.x1 && self.y0 < my && my < self.y1
    }
}

impl fmt::Display for Rect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{:.1},{:.1} .. {:.1},{:.1}]",
            self.x0, self.y0, self.x1, self.y1
        )
    }
}

/// A `<text>` element and the box its glyphs cover.
#[derive(Clone, Debug)]
pub struct Label {
    pub class: String,
    pub text: String,
    pub bbox: Rect,
}

/// A filled `<rect>`.
#[derive(Clone, Debug)]
pub struct Shape {
    pub class: String,
    pub bbox: Rect,
}

/// A `<path>` as a polyline: one list of points per subpath (a connector path is read
/// as one `Line` per subpath).
#[derive(Clone, Debug)]
pub struct Line {
    pub class: String,
    pub parts: Vec<Vec<(f64, f64)>>,
}

impl Line {
    fn segments(&self) -> impl Iterator<Item = ((f64, f64), (f64, f64))> + '_ {
        self.parts
            .iter()
            .flat_map(|p| p.windows(2).map(|w| (w[0], w[1])))
    }

    /// The first and the last point.
    pub fn ends(&self) -> Option<((f64, f64), (f64, f64))> {
        let first = *self.parts.first()?.first()?;
        let last = *self.parts.last()?.last()?;
        Some((first, last))
    }
}

/// One address space: the hull of its page boxes and empty bands (drawn at one `x`),
/// its address labels and ticks, and its brackets and their labels.
#[derive(Clone, Debug)]
pub struct Column {
    pub bbox: Rect,
}

/// What [`Picture::parse`] reads from an SVG document.
#[derive(Clone, Debug, Default)]
pub struct Picture {
    pub labels: Vec<Label>,
    pub shapes: Vec<Shape>,
    pub lines: Vec<Line>,
    pub columns: Vec<Column>,
}

/// Attributes of one tag, in order.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq]
            .rsplit(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        let after = &rest[eq + 2..];
        let Some(close) = after.find('"') else { break };
        out.insert(name.to_string(), after[..close].to_string());
        rest = &after[close + 1..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn num(a: &BTreeMap<String, String>, k: &str) -> Result<f64, String> {
    a.get(k)
        .ok_or_else(|| format!("missing {k}"))?
        .parse()
        .map_err(|e| format!("{k}: {e}"))
}

/// Font sizes by class, from rules like `.name { font-size: 11px; .. }`.
fn font_sizes(svg: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let Some(start) = svg.find("<style>") else {
        return out;
    };
    let end = svg[start..]
        .find("</style>")
        .map_or(svg.len(), |e| start + e);
    for rule in svg[start + 7..end].lines() {
        let rule = rule.trim();
        let Some(sel) = rule.strip_prefix('.') else {
            continue;
        };
        let name = sel.split(|c: char| c.is_whitespace() || c == '{').next();
        let Some(fs) = rule.find("font-size:") else {
            continue;
        };
        let v = rule[fs + 10..].trim_start();
        let v = &v[..v.find("px").unwrap_or(0)];
        if let (Some(name), Ok(size)) = (name, v.parse()) {
            out.insert(name.to_string(), size);
        }
    }
    out
}

/// The points of a path's `d`: absolute `M`, `L`, `H`, `V`, `C`, `Q` and `Z`, curves
/// sampled at 24 points.
fn path_points(d: &str) -> Result<Vec<Vec<(f64, f64)>>, String> {
    let mut toks: Vec<String> = Vec::new();
    let mut cur = String::new();
    for ch in d.chars() {
        if ch.is_ascii_alphabetic() {
            if !cur.is_empty() {
                toks.push(std::mem::take(&mut cur));
            }
            toks.push(ch.to_string());
        } else if ch == ',' || ch.is_whitespace() {
            if !cur.is_empty() {
                toks.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(ch);
        }
    }
    if !cur.is_empty() {
        toks.push(cur);
    }
    let mut parts: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut i = 0;
    let mut cmd = ' ';
    let mut at = (0.0, 0.0);
    let n = |i: &mut usize| -> Result<f64, String> {
        let t = toks.get(*i).ok_or("path ends early")?;
        *i += 1;
        t.parse::<f64>().map_err(|e| format!("{t}: {e}"))
    };
    while i < toks.len() {
        if toks[i].chars().all(|c| c.is_ascii_alphabetic()) {
            cmd = toks[i].chars().next().unwrap_or(' ');
            i += 1;
            if cmd == 'Z' {
                if let Some(p) = parts.last_mut() {
                    let first = p[0];
                    p.push(first);
                    at = first;
                }
                continue;
            }
        }
        match cmd {
            'M' => {
                at = (n(&mut i)?, n(&mut i)?);
                parts.push(vec![at]);
                cmd = 'L';
            }
            'L' => {
                at = (n(&mut i)?, n(&mut i)?);
                parts.last_mut().ok_or("L before M")?.push(at);
            }
            'H' => {
                at = (n(&mut i)?, at.1);
                parts.last_mut().ok_or("H before M")?.push(at);
            }
            'V' => {
                at = (at.0, n(&mut i)?);
                parts.last_mut().ok_or("V before M")?.push(at);
            }
            'C' | 'Q' => {
                let c1 = (n(&mut i)?, n(&mut i)?);
                let c2 = if cmd == 'C' {
                    (n(&mut i)?, n(&mut i)?)
                } else {
                    c1
                };
                let end = (n(&mut i)?, n(&mut i)?);
                let p = parts.last_mut().ok_or("curve before M")?;
                for k in 1..=24 {
                    let t = f64::from(k) / 24.0;
                    let u = 1.0 - t;
                    let pt = if cmd == 'C' {
                        (
                            u * u * u * at.0
                                + 3.0 * u * u * t * c1.0
                                + 3.0 * u * t * t * c2.0
                                + t * t * t * end.0,
                            u * u * u * at.1
                                + 3.0 * u * u * t * c1.1
                                + 3.0 * u * t * t * c2.1
                                + t * t * t * end.1,
                        )
                    } else {
                        (
                            u * u * at.0 + 2.0 * u * t * c1.0 + t * t * end.0,
                            u * u * at.1 + 2.0 * u * t * c1.1 + t * t * end.1,
                        )
                    };
                    p.push(pt);
                }
                at = end;
            }
            c => return Err(format!("unsupported path command {c:?} in {d:?}")),
        }
    }
    Ok(parts)
}

/// `translate(X,Y) rotate(-90)`: the point, if the text is turned a quarter left.
fn rotated(transform: &str) -> Option<(f64, f64)> {
    let t = transform.strip_prefix("translate(")?;
    let close = t.find(')')?;
    let (x, y) = t[..close].split_once(',')?;
    if t[close + 1..].trim() != "rotate(-90)" {
        return None;
    }
    Some((x.trim().parse().ok()?, y.trim().parse().ok()?))
}

impl Picture {
    /// Reads `svg`; an element it cannot measure (a text of a class without a font
    /// size, an unknown path command, a transform other than a quarter turn) is an
    /// error, so a check never passes by skipping what it cannot read.
    pub fn parse(svg: &str) -> Result<Picture, String> {
        let sizes = font_sizes(svg);
        let advance = CHAR_ADVANCE_PERMILLE as f64 / 1000.0;
        let mut pic = Picture::default();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            rest = &rest[open..];
            let end = rest.find('>').ok_or("unterminated tag")?;
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            let name = tag.split_whitespace().next().unwrap_or("");
            let a = attributes(tag);
            let class = a.get("class").cloned().unwrap_or_default();
            match name {
                "text" => {
                    let close = rest.find("</text>").ok_or("unterminated <text>")?;
                    let text = unescape(&rest[..close]);
                    rest = &rest[close..];
                    let size = *sizes
                        .get(&class)
                        .ok_or_else(|| format!("no font size for class {class:?}"))?;
                    let w = text.chars().count() as f64 * size * advance;
                    let anchor = a.get("text-anchor").map_or("start", String::as_str);
                    let bbox = if let Some(tr) = a.get("transform") {
                        let (x, y) = rotated(tr).ok_or_else(|| format!("transform {tr}"))?;
                        let (u0, u1) = match anchor {
                            "middle" => (-w / 2.0, w / 2.0),
                            "end" => (-w, 0.0),
                            _ => (0.0, w),
                        };
                        Rect {
                            x0: x - ASCENT * size,
                            x1: x + DESCENT * size,
                            y0: y - u1,
                            y1: y - u0,
                        }
                    } else {
                        let (x, y) = (num(&a, "x")?, num(&a, "y")?);
                        let x0 = match anchor {
                            "middle" => x - w / 2.0,
                            "end" => x - w,
                            _ => x,
                        };
                        Rect {
                            x0,
                            x1: x0 + w,
                            y0: y - ASCENT * size,
                            y1: y + DESCENT * size,
                        }
                    };
                    pic.labels.push(Label { class, text, bbox });
                }
                "rect" => {
                    if a.get("fill").is_some_and(|f| f == "none") {
                        continue;
                    }
                    let (x, y) = (num(&a, "x")?, num(&a, "y")?);
                    let (w, h) = (num(&a, "width")?, num(&a, "height")?);
                    pic.shapes.push(Shape {
                        class,
                        bbox: Rect {
                            x0: x,
                            y0: y,
                            x1: x + w,
                            y1: y + h,
                        },
                    });
                }
                "path" => {
                    let d = a.get("d").ok_or("path without d")?;
                    let parts = path_points(d)?;
                    if class == "join" {
                        // Every subpath of a connector path is one connector.
                        for p in parts {
                            pic.lines.push(Line {
                                class: class.clone(),
                                parts: vec![p],
                            });
                        }
                    } else {
                        pic.lines.push(Line { class, parts });
                    }
                }
                _ => {}
            }
        }
        // Columns: the page boxes and bands (not the legend's swatches) of equal x.
        let mut by_x: BTreeMap<i64, Rect> = BTreeMap::new();
        for s in &pic.shapes {
            let page = s.class.starts_with("pg-") || s.class == "band" || s.class == "bandout";
            if !page || s.bbox.x1 - s.bbox.x0 < 100.0 {
                continue;
            }
            let b = by_x.entry(s.bbox.x0 as i64).or_insert(s.bbox);
            b.x0 = b.x0.min(s.bbox.x0);
            b.y0 = b.y0.min(s.bbox.y0);
            b.x1 = b.x1.max(s.bbox.x1);
            b.y1 = b.y1.max(s.bbox.y1);
        }
        // Each column also holds its address labels, their ticks and its brackets, which
        // sit left of its boxes: the nearest column to their right.
        let mut hulls: Vec<Rect> = by_x.into_values().collect();
        let mut margin: Vec<Rect> = pic
            .labels
            .iter()
            .filter(|l| l.class == "addr" || l.class == "brl")
            .map(|l| l.bbox)
            .collect();
        for l in &pic.lines {
            if l.class == "tick" || l.class.starts_with("br-") {
                let pts = l.parts.iter().flatten();
                let (xs, ys): (Vec<f64>, Vec<f64>) = pts.copied().unzip();
                let lo = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                margin.push(Rect {
                    x0: lo(&xs),
                    y0: lo(&ys),
                    x1: hi(&xs),
                    y1: hi(&ys),
                });
            }
        }
        let boxes = hulls.clone();
        for m in margin {
            let right = boxes
                .iter()
                .enumerate()
                .filter(|(_, b)| b.x0 >= m.x1 - 1.0)
                .min_by(|(_, a), (_, b)| a.x0.total_cmp(&b.x0));
            if let Some((i, _)) = right {
                let h = &mut hulls[i];
                h.x0 = h.x0.min(m.x0);
                h.y0 = h.y0.min(m.y0);
                h.x1 = h.x1.max(m.x1);
                h.y1 = h.y1.max(m.y1);
            }
        }
        pic.columns = hulls.into_iter().map(|bbox| Column { bbox }).collect();
        Ok(pic)
    }

    /// The connectors: each subpath of a path of class `join` (the legend's sample is
    /// one too; it touches no column).
    pub fn connectors(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|l| l.class == "join")
    }

    /// Every collision (see the [module](self) docs), one sentence each; empty when the
    /// picture is clean.
    pub fn collisions(&self) -> Vec<String> {
        let mut out = Vec::new();
        // Visible boxes, but not the page's background.
        let shapes: Vec<&Shape> = self.shapes.iter().filter(|s| !s.class.is_empty()).collect();
        for (i, a) in self.labels.iter().enumerate() {
            for b in &self.labels[i + 1..] {
                if a.bbox.overlaps(&b.bbox) {
                    out.push(format!(
                        "label {:?} {} overlaps label {:?} {}",
                        a.text, a.bbox, b.text, b.bbox
                    ));
                }
            }
            for s in &shapes {
                if a.bbox.overlaps(&s.bbox) && !s.bbox.holds(&a.bbox) {
                    out.push(format!(
                        "label {:?} {} sticks out of box {} {}",
                        a.text, a.bbox, s.class, s.bbox
                    ));
                }
            }
        }
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                if a.bbox.overlaps(&b.bbox) && !a.bbox.holds(&b.bbox) && !b.bbox.holds(&a.bbox) {
                    out.push(format!(
                        "box {} {} overlaps box {} {}",
                        a.class, a.bbox, b.class, b.bbox
                    ));
                }
            }
        }
        for l in &self.lines {
            if l.class == "halo" {
                continue;
            }
            for t in &self.labels {
                if let Some((p, q)) = l.segments().find(|&(p, q)| t.bbox.crossed_by(p, q)) {
                    out.push(format!(
                        "{} line {p:?}-{q:?} crosses label {:?} {}",
                        l.class, t.text, t.bbox
                    ));
                }
            }
        }
        for c in self.connectors() {
            let Some((s, e)) = c.ends() else { continue };
            let tol = 1.0;
            let crosses = |r: &Rect| c.segments().any(|(p, q)| r.crossed_by(p, q));
            for b in &shapes {
                if !b.bbox.near(s, tol) && !b.bbox.near(e, tol) && crosses(&b.bbox) {
                    out.push(format!(
                        "connector {s:?}-{e:?} crosses box {} {}",
                        b.class, b.bbox
                    ));
                }
            }
            for col in &self.columns {
                if !col.bbox.near(s, tol) && !col.bbox.near(e, tol) && crosses(&col.bbox) {
                    out.push(format!(
                        "connector {s:?}-{e:?} passes through the column at {} it does not connect",
                        col.bbox
                    ));
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }
}
