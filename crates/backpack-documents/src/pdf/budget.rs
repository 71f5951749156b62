//! The PDF work bound: how much drawing a page asks for, counted from its
//! content streams before anything is interpreted.
//!
//! A few kilobytes can ask `hayro` for billions of operations: a form
//! XObject that draws another ten times, which draws another ten times, nine
//! levels deep, is 10⁹ draws. The count here walks the same tree the
//! interpreter would (the page's content, form XObjects through `Do`, soft
//! masks through `gs`, tiling patterns through `scn`/`SCN`, Type 3 glyph
//! procedures for each glyph shown in a Type 3 font, and the annotations'
//! appearance streams), charging every operator once per time it would run:
//! the total is the sum over the nesting tree of the products of the
//! fan-outs. Each distinct stream is parsed once (the cost of a stream is
//! remembered per object and resources), and the walk stops as soon as the
//! total passes [`MAX_PDF_OPERATIONS`], so the count itself is cheap: its
//! work is bounded by the budget, not by what the document asks for.
//! Forms nested deeper than [`MAX_PDF_NESTING`] (a form that draws itself,
//! say) are refused too.
//!
//! The caller's stop flag is read every [`POLL_EVERY`] operators parsed.

use crate::{MAX_PDF_NESTING, MAX_PDF_OPERATIONS};
use hayro::hayro_interpret::hayro_syntax::content::UntypedIter;
use hayro::hayro_interpret::hayro_syntax::object::{
    Array, Dict, Name, Object, ObjectIdentifier, Stream,
};
use hayro::hayro_interpret::hayro_syntax::page::{Page, Resources};
use std::collections::HashMap;

/// How often, in operators parsed, the stop flag is read.
pub(crate) const POLL_EVERY: u64 = 1024;

/// Why the work stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    /// Over the budget, or nested too deep.
    TooComplex,
    /// The caller asked to stop (a deadline, a dropped request, a shutdown).
    Cancelled,
}

/// What one stream costs when it runs once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Cost {
    /// Operators run, through every nested invocation.
    ops: u64,
    /// Glyph codes shown in the font the stream inherits from its caller
    /// (no `Tf` of its own before them): they cost what a glyph of the
    /// caller's font costs.
    inherited_glyphs: u64,
}

/// A stream's identity together with the resources it runs with (a form
/// without `/Resources` uses its caller's, so the same form may cost
/// differently from different callers).
type Key = (ObjectIdentifier, [(usize, usize); 4]);

/// The counter for one document call (all the pages it reads).
pub(crate) struct Budget<'s> {
    /// Operators charged so far, over the pages counted.
    charged: u64,
    max: u64,
    /// Operators actually parsed (the walk's own work).
    parsed: u64,
    should_stop: &'s dyn Fn() -> bool,
    streams: HashMap<Key, Cost>,
    /// The cost of one glyph of a Type 3 font.
    fonts: HashMap<Key, u64>,
}

impl<'s> Budget<'s> {
    pub(crate) fn new(should_stop: &'s dyn Fn() -> bool) -> Self {
        Self::with_max(MAX_PDF_OPERATIONS, should_stop)
    }

    pub(crate) fn with_max(max: u64, should_stop: &'s dyn Fn() -> bool) -> Self {
        Budget {
            charged: 0,
            max,
            parsed: 0,
            should_stop,
            streams: HashMap::new(),
            fonts: HashMap::new(),
        }
    }

    /// Operators charged so far.
    #[cfg(test)]
    pub(crate) fn charged(&self) -> u64 {
        self.charged
    }

    /// Operators parsed so far (the work the count itself did).
    #[cfg(test)]
    pub(crate) fn parsed(&self) -> u64 {
        self.parsed
    }

    /// Charges what interpreting `page` (content and annotations) would
    /// run; refuses once the total over the pages counted passes the budget.
    pub(crate) fn charge_page(&mut self, page: &Page<'_>) -> Result<(), Stop> {
        let resources = page.resources();
        let content = page.page_stream().unwrap_or(&[]);
        let cost = self.stream_cost(content, resources, 0)?;
        self.charge(cost.ops)?;
        if let Some(annots) = page.raw().get::<Array<'_>>(b"Annots") {
            for annot in annots.iter::<Dict<'_>>() {
                let Some(ap) = annot.get::<Dict<'_>>(b"AP") else {
                    continue;
                };
                // The normal appearance: one stream, or one per state (the
                // dearest is charged).
                let mut dearest = 0u64;
                match ap.get::<Object<'_>>(b"N") {
                    Some(Object::Stream(s)) => {
                        dearest = self.form_cost(&s, resources, 1)?.ops;
                    }
                    Some(Object::Dict(states)) => {
                        for key in states.keys() {
                            if let Some(s) = states.get::<Stream<'_>>(key) {
                                dearest = dearest.max(self.form_cost(&s, resources, 1)?.ops);
                            }
                        }
                    }
                    _ => {}
                }
                self.charge(dearest.saturating_add(1))?;
            }
        }
        Ok(())
    }

    fn charge(&mut self, ops: u64) -> Result<(), Stop> {
        self.charged = self.charged.saturating_add(ops);
        if self.charged > self.max {
            Err(Stop::TooComplex)
        } else {
            Ok(())
        }
    }

    /// The cost of a form (or pattern, mask group, glyph procedure) run
    /// with `resources` as its caller's.
    fn form_cost(
        &mut self,
        stream: &Stream<'_>,
        caller: &Resources<'_>,
        depth: usize,
    ) -> Result<Cost, Stop> {
        if depth > MAX_PDF_NESTING {
            return Err(Stop::TooComplex);
        }
        let own = stream
            .dict()
            .get::<Dict<'_>>(b"Resources")
            .map(Resources::new);
        let resources = own.as_ref().unwrap_or(caller);
        let key = key(stream.obj_id(), resources);
        if let Some(cost) = key.and_then(|k| self.streams.get(&k)) {
            return Ok(*cost);
        }
        // A stream that does not decode draws nothing.
        let Ok(data) = stream.decoded_data() else {
            return Ok(Cost::default());
        };
        let cost = self.stream_cost(&data, resources, depth)?;
        if let Some(k) = key {
            self.streams.insert(k, cost);
        }
        Ok(cost)
    }

    fn stream_cost(
        &mut self,
        data: &[u8],
        resources: &Resources<'_>,
        depth: usize,
    ) -> Result<Cost, Stop> {
        let mut cost = Cost::default();
        // What one glyph of the current font costs; `None` until a `Tf`
        // (the font is the caller's).
        let mut glyph: Option<u64> = None;
        let mut ops = UntypedIter::new(data);
        while let Some(op) = ops.next() {
            self.parsed += 1;
            if self.parsed.is_multiple_of(POLL_EVERY) && (self.should_stop)() {
                return Err(Stop::Cancelled);
            }
            // The walk's own work: at most twice the budget, whatever is
            // charged (glyph procedures of fonts barely used, say).
            if self.parsed > self.max.saturating_mul(2) {
                return Err(Stop::TooComplex);
            }
            cost.ops += 1;
            let operands: Vec<&Object<'_>> = op.operands().collect();
            let last_name = || match operands.last() {
                Some(Object::Name(n)) => Some(n.clone()),
                _ => None,
            };
            match &**op.operator {
                b"Do" => {
                    if let Some(stream) = last_name().and_then(|n| resources.get_x_object(&n)) {
                        let image = stream
                            .dict()
                            .get::<Name<'_>>(b"Subtype")
                            .is_some_and(|s| &*s == b"Image");
                        if !image {
                            let child = self.form_cost(&stream, resources, depth + 1)?;
                            cost.ops = cost.ops.saturating_add(child.ops);
                            shown(&mut cost, glyph, child.inherited_glyphs);
                        }
                    }
                }
                b"Tf" => {
                    let font = match operands.first() {
                        Some(Object::Name(n)) => resources.get_font(n),
                        _ => None,
                    };
                    glyph = Some(match font {
                        Some(font) => self.glyph_cost(&font, resources, depth + 1)?,
                        None => 0,
                    });
                }
                b"Tj" | b"'" | b"\"" | b"TJ" => {
                    let mut codes = 0u64;
                    for operand in &operands {
                        match operand {
                            Object::String(s) => codes += s.as_bytes().len() as u64,
                            Object::Array(a) => {
                                for item in a.iter::<Object<'_>>() {
                                    if let Object::String(s) = item {
                                        codes += s.as_bytes().len() as u64;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    shown(&mut cost, glyph, codes);
                }
                b"gs" => {
                    let group = last_name()
                        .and_then(|n| resources.get_ext_g_state(&n))
                        .and_then(|gs| gs.get::<Dict<'_>>(b"SMask"))
                        .and_then(|mask| mask.get::<Stream<'_>>(b"G"));
                    if let Some(group) = group {
                        let child = self.form_cost(&group, resources, depth + 1)?;
                        cost.ops = cost.ops.saturating_add(child.ops);
                    }
                }
                b"scn" | b"SCN" => {
                    // A tiling pattern is a content stream of its own.
                    if let Some(Object::Stream(pattern)) =
                        last_name().and_then(|n| resources.get_pattern(&n))
                    {
                        let child = self.form_cost(&pattern, resources, depth + 1)?;
                        cost.ops = cost.ops.saturating_add(child.ops);
                    }
                }
                _ => {}
            }
            if cost.ops > self.max.saturating_sub(self.charged) {
                return Err(Stop::TooComplex);
            }
        }
        Ok(cost)
    }

    /// What one glyph of `font` costs: 0 but for a Type 3 font, whose
    /// glyphs are content streams (the dearest is charged per glyph; all of
    /// them together must fit the budget).
    fn glyph_cost(
        &mut self,
        font: &Dict<'_>,
        caller: &Resources<'_>,
        depth: usize,
    ) -> Result<u64, Stop> {
        let type3 = font
            .get::<Name<'_>>(b"Subtype")
            .is_some_and(|s| &*s == b"Type3");
        if !type3 {
            return Ok(0);
        }
        if depth > MAX_PDF_NESTING {
            return Err(Stop::TooComplex);
        }
        let own = font.get::<Dict<'_>>(b"Resources").map(Resources::new);
        let resources = own.as_ref().unwrap_or(caller);
        let key = font.obj_id().and_then(|id| key(id, resources));
        if let Some(cost) = key.and_then(|k| self.fonts.get(&k)) {
            return Ok(*cost);
        }
        let mut dearest = 0u64;
        let mut all = 0u64;
        if let Some(procs) = font.get::<Dict<'_>>(b"CharProcs") {
            for name in procs.keys() {
                if let Some(proc_) = procs.get::<Stream<'_>>(name) {
                    let ops = self.form_cost(&proc_, resources, depth)?.ops;
                    dearest = dearest.max(ops);
                    all = all.saturating_add(ops);
                    if all > self.max {
                        return Err(Stop::TooComplex);
                    }
                }
            }
        }
        let cost = dearest.saturating_add(1);
        if let Some(k) = key {
            self.fonts.insert(k, cost);
        }
        Ok(cost)
    }
}

/// Charges `codes` glyphs of the current font (or leaves them to the
/// caller's font).
fn shown(cost: &mut Cost, glyph: Option<u64>, codes: u64) {
    match glyph {
        Some(each) => cost.ops = cost.ops.saturating_add(codes.saturating_mul(each)),
        None => cost.inherited_glyphs = cost.inherited_glyphs.saturating_add(codes),
    }
}

/// The memo key: the object and the resources it runs with; `None` for a
/// stream without an object number (never remembered).
fn key(id: ObjectIdentifier, resources: &Resources<'_>) -> Option<Key> {
    if id == ObjectIdentifier::new(0, 0) {
        return None;
    }
    let at = |d: &Dict<'_>| (d.data().as_ptr() as usize, d.data().len());
    Some((
        id,
        [
            at(&resources.x_objects),
            at(&resources.fonts),
            at(&resources.ext_g_states),
            at(&resources.patterns),
        ],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::{form_bomb, Builder};
    use hayro::hayro_interpret::hayro_syntax::Pdf;
    use std::sync::Arc;

    /// Counts the first page of `doc` with a budget of `max`.
    fn count(doc: &[u8], max: u64) -> (Result<u64, Stop>, u64) {
        let pdf = Pdf::new(Arc::new(doc.to_vec())).unwrap();
        let pages = pdf.pages();
        let never = || false;
        let mut budget = Budget::with_max(max, &never);
        let r = budget.charge_page(&pages[0]).map(|()| budget.charged());
        (r, budget.parsed())
    }

    /// A page with `content`, the resources `resources` (a dictionary body)
    /// and a 10 × 10 form `/F` filling `fills` rectangles, as object 3.
    fn page_with(content: &str, resources: &str, extra: &str, fills: usize) -> Vec<u8> {
        let mut b = Builder::new();
        let catalog = b.reserve();
        let pages = b.reserve();
        let form = b.stream(
            "/Type /XObject /Subtype /Form /BBox [0 0 10 10]",
            "0 0 1 1 re f ".repeat(fills).as_bytes(),
        );
        assert_eq!(form, 3);
        let stream = b.stream("", content.as_bytes());
        let page = b.add(format!(
            "<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 612 792] \
             /Resources << {resources} >> /Contents {stream} 0 R {extra} >>"
        ));
        b.set(catalog, format!("<< /Type /Catalog /Pages {pages} 0 R >>"));
        b.set(
            pages,
            format!("<< /Type /Pages /Kids [{page} 0 R] /Count 1 >>"),
        );
        b.finish(catalog, "")
    }

    #[test]
    fn counts_the_fan_out_products_and_parses_each_stream_once() {
        // 10^3 fills, 3 operators each; q, Q and ten Do in each of the 111
        // forms above them; 9 on the page.
        let (r, _) = count(&form_bomb(10, 3), u64::MAX);
        assert_eq!(r, Ok(9 + 1_000 * 3 + (1 + 10 + 100) * 12));
        // 10^9: refused, having parsed a few dozen operators.
        let (r, parsed) = count(&form_bomb(10, 9), MAX_PDF_OPERATIONS);
        assert_eq!(r, Err(Stop::TooComplex));
        assert!(parsed < 200, "{parsed}");
    }

    #[test]
    fn counts_forms_through_every_door() {
        let form = "/XObject << /F 3 0 R >>";
        // Do, a hundred times.
        let doc = page_with(&"/F Do ".repeat(100), form, "", 10);
        assert_eq!(count(&doc, u64::MAX).0, Ok(100 + 100 * 20));
        // A soft mask group, each time the state is set.
        let doc = page_with(
            &"/G gs ".repeat(100),
            "/ExtGState << /G << /SMask << /S /Luminosity /G 3 0 R >> >> >>",
            "",
            10,
        );
        assert_eq!(count(&doc, u64::MAX).0, Ok(100 + 100 * 20));
        // A tiling pattern, each time it is chosen.
        let doc = page_with(
            &"/Pattern cs /P scn ".repeat(100),
            "/Pattern << /P 3 0 R >>",
            "",
            10,
        );
        assert_eq!(count(&doc, u64::MAX).0, Ok(200 + 100 * 20));
        // Annotation appearances: 1 + their content each.
        let annots: Vec<String> = (0..50)
            .map(|_| "<< /Subtype /Square /Rect [0 0 10 10] /AP << /N 3 0 R >> >>".to_owned())
            .collect();
        let doc = page_with("", "", &format!("/Annots [{}]", annots.join(" ")), 10);
        assert_eq!(count(&doc, u64::MAX).0, Ok(50 * 21));
        // Over the budget through any of them: refused.
        let doc = page_with(&"/F Do ".repeat(1_000), form, "", 1_000);
        assert_eq!(count(&doc, MAX_PDF_OPERATIONS).0, Err(Stop::TooComplex));
    }

    #[test]
    fn type3_glyphs_cost_their_procedures() {
        // A Type 3 font whose glyph `a` draws the 20-operator form.
        let font = "/Font << /T3 << /Type /Font /Subtype /Type3 /FontBBox [0 0 10 10] \
                    /FontMatrix [0.1 0 0 0.1 0 0] /FirstChar 97 /LastChar 97 /Widths [10] \
                    /Encoding << /Differences [97 /a] >> /CharProcs << /a 3 0 R >> >> >>";
        let shown = |n: usize| format!("BT /T3 12 Tf ({}) Tj ET", "a".repeat(n));
        // BT, Tf, Tj, ET, and 21 per glyph (the procedure's 20 and 1).
        let doc = page_with(&shown(10), font, "", 10);
        assert_eq!(count(&doc, u64::MAX).0, Ok(4 + 10 * 21));
        let doc = page_with(&shown(20_000), font, "", 10);
        assert_eq!(count(&doc, MAX_PDF_OPERATIONS).0, Err(Stop::TooComplex));
    }

    #[test]
    fn nesting_is_limited() {
        assert!(count(&form_bomb(1, MAX_PDF_NESTING - 1), u64::MAX)
            .0
            .is_ok());
        assert_eq!(
            count(&form_bomb(1, MAX_PDF_NESTING + 1), u64::MAX).0,
            Err(Stop::TooComplex)
        );
    }

    #[test]
    fn the_stop_flag_is_read_while_counting() {
        let doc = page_with(&"0 0 1 1 re f ".repeat(5_000), "", "", 1);
        let pdf = Pdf::new(Arc::new(doc)).unwrap();
        let reads = std::cell::Cell::new(0);
        let stop = || {
            reads.set(reads.get() + 1);
            true
        };
        let mut budget = Budget::new(&stop);
        assert_eq!(budget.charge_page(&pdf.pages()[0]), Err(Stop::Cancelled));
        assert_eq!(reads.get(), 1);
        assert_eq!(budget.parsed(), POLL_EVERY);
    }
}
