//! Name resolution: which declaration a name refers to, and "did you mean" suggestions
//! for the names that refer to none.

use std::prelude::rust_2024::*;
use std::vec;

use std::collections::{BTreeMap, BTreeSet};

use syn::Ident;

use super::super::ast::{Layout, PageDecl, SegmentDecl, closest};
use super::super::error::DidYouMean;

/// How many candidate names the "did you mean" suggestions for unknown pages of one
/// layout may compare in all; later unknown names get the plain hint.
pub const SUGGESTION_BUDGET: usize = 1 << 20;

/// A name as written, without a raw-identifier `r#` prefix.
pub fn name_of(ident: &Ident) -> String {
    // One string, where `unraw` makes one, clones the identifier, and `to_string` makes
    // another: names are taken many times per page of a large layout.
    let name = ident.to_string();
    match name.strip_prefix("r#") {
        Some(unraw) => unraw.to_string(),
        None => name,
    }
}

/// A page declaration found by name, in a table or among the shared pages.
#[derive(Clone, Copy)]
pub struct PageRef<'a> {
    /// The declaration.
    pub decl: &'a PageDecl,
}

/// Suggestions computed for unknown page names: (table, word) to the suggestion.
type Suggested = BTreeMap<(Option<usize>, String), Option<String>>;

/// Name resolution shared by the checks, the lowering and the code generator.
///
/// Every index is built once, in [`Scope::new`], in time linear in the size of the
/// layout (times a logarithm), so resolving a name costs a map look-up and asking which
/// shared declarations a table holds costs nothing.
pub struct Scope<'a> {
    pub(super) layout: &'a Layout,
    pub(super) tables: BTreeMap<String, usize>,
    pub(super) pools: BTreeSet<String>,
    /// Each table's pages by name (the first declaration of a name wins).
    pub(super) table_pages: Vec<BTreeMap<String, &'a PageDecl>>,
    /// Names of the pages declared in any table.
    any_table_page: BTreeSet<String>,
    /// Shared pages by name: index into `layout.shared_pages` (the first one wins).
    shared_pages: BTreeMap<String, usize>,
    /// For each table, the indices of the shared pages mapped into it, ascending.
    pub(super) shared_pages_in: Vec<Vec<usize>>,
    /// For each table, the indices of the shared segments it holds, ascending.
    pub(super) shared_segments_in: Vec<Vec<usize>>,
    /// Suggestions already computed for unknown page names, by (table, word).
    suggested: std::cell::RefCell<Suggested>,
    /// Candidates the page suggestions may still compare (see [`SUGGESTION_BUDGET`]).
    suggestion_budget: std::cell::Cell<usize>,
}

impl<'a> Scope<'a> {
    /// Indexes the names of a layout (the first declaration of a name wins).
    pub fn new(layout: &'a Layout) -> Scope<'a> {
        let n = layout.tables.len();
        let mut tables = BTreeMap::new();
        let mut table_pages = Vec::with_capacity(n);
        let mut any_table_page = BTreeSet::new();
        for (i, t) in layout.tables.iter().enumerate() {
            tables.entry(name_of(&t.name)).or_insert(i);
            let mut pages = BTreeMap::new();
            for p in &t.pages {
                let name = name_of(&p.name);
                if !any_table_page.contains(&name) {
                    any_table_page.insert(name.clone());
                }
                pages.entry(name).or_insert(p);
            }
            table_pages.push(pages);
        }
        let pools = layout.pools.iter().map(|p| name_of(&p.name)).collect();
        let mut shared_pages = BTreeMap::new();
        // The tables of every shared page, computed once.
        let mut page_tables: Vec<Vec<usize>> = Vec::with_capacity(layout.shared_pages.len());
        let mut shared_pages_in = vec![Vec::new(); n];
        for (i, p) in layout.shared_pages.iter().enumerate() {
            shared_pages.entry(name_of(&p.name)).or_insert(i);
            let mut ts: Vec<usize> = match &p.tables {
                None => (0..n).collect(),
                Some((list, _)) => list
                    .iter()
                    .filter_map(|t| tables.get(&name_of(t)).copied())
                    .collect(),
            };
            ts.sort_unstable();
            ts.dedup();
            for &t in &ts {
                shared_pages_in[t].push(i);
            }
            page_tables.push(ts);
        }
        let mut shared_segments_in = vec![Vec::new(); n];
        for (i, s) in layout.shared_segments.iter().enumerate() {
            let page = s
                .in_page
                .as_ref()
                .and_then(|p| shared_pages.get(&name_of(p)));
            if let Some(&page) = page {
                for &t in &page_tables[page] {
                    shared_segments_in[t].push(i);
                }
            }
        }
        Scope {
            layout,
            tables,
            pools,
            table_pages,
            any_table_page,
            shared_pages,
            shared_pages_in,
            shared_segments_in,
            suggested: std::cell::RefCell::default(),
            suggestion_budget: std::cell::Cell::new(SUGGESTION_BUDGET),
        }
    }

    /// The index of the table with this name.
    pub fn table(&self, name: &str) -> Option<usize> {
        self.tables.get(name).copied()
    }

    /// The shared pages mapped into the table at `t`, in declaration order.
    pub fn shared_pages_in(&self, t: usize) -> impl Iterator<Item = &'a PageDecl> + '_ {
        let all = &self.layout.shared_pages;
        self.shared_pages_in
            .get(t)
            .into_iter()
            .flatten()
            .map(move |&i| &all[i])
    }

    /// The shared segments the table at `t` holds (those whose page is mapped into
    /// it), in declaration order.
    pub fn shared_segments_in(&self, t: usize) -> impl Iterator<Item = &'a SegmentDecl> + '_ {
        let all = &self.layout.shared_segments;
        self.shared_segments_in
            .get(t)
            .into_iter()
            .flatten()
            .map(move |&i| &all[i])
    }

    /// Whether some table declares a page with this name.
    pub(super) fn table_declares(&self, name: &str) -> bool {
        self.any_table_page.contains(name)
    }

    /// Whether the shared page named `name` is mapped into the table at `t`.
    fn shared_page_in(&self, name: &str, t: usize) -> bool {
        self.shared_pages
            .get(name)
            .is_some_and(|i| self.shared_pages_in[t].binary_search(i).is_ok())
    }

    /// The page a segment of table `t` (or a shared segment, `None`) names with `in`.
    ///
    /// A table's own pages come first, then shared pages mapped into it.
    pub fn page_for(&self, t: Option<usize>, name: &str) -> Option<PageRef<'a>> {
        let shared = |i: &usize| PageRef {
            decl: &self.layout.shared_pages[*i],
        };
        match t {
            Some(t) => {
                if let Some(p) = self.table_pages.get(t).and_then(|m| m.get(name)) {
                    return Some(PageRef { decl: p });
                }
                if t < self.shared_pages_in.len() && self.shared_page_in(name, t) {
                    return self.shared_pages.get(name).map(shared);
                }
                None
            }
            None => self.shared_pages.get(name).map(shared),
        }
    }

    /// How many names [`Self::page_candidates`] gives, without collecting them.
    fn page_candidate_count(&self, t: Option<usize>) -> usize {
        let own = t
            .and_then(|t| self.table_pages.get(t))
            .map_or(0, |p| p.len());
        own.saturating_add(self.shared_pages.len())
    }

    /// The names a segment of table `t` (or a shared segment) could put in `in`.
    fn page_candidates(&self, t: Option<usize>) -> Vec<&str> {
        let own = t
            .and_then(|t| self.table_pages.get(t))
            .into_iter()
            .flatten();
        own.map(|(name, _)| name.as_str())
            .chain(self.shared_pages.keys().map(String::as_str))
            .collect()
    }

    /// "did you mean `x`?" for a page name unknown to table `t` (or among shared pages),
    /// else `fallback`. Each (word, table) is looked up once, so many references to one
    /// missing name cost one search, and all searches of a layout together compare at
    /// most [`SUGGESTION_BUDGET`] candidates.
    pub(super) fn suggest_page(&self, word: &str, t: Option<usize>, fallback: &str) -> String {
        let key = (t, word.to_string());
        let found = self.suggested.borrow().get(&key).cloned();
        let best = match found {
            Some(best) => best,
            None => {
                // Past the budget, unknown names get the plain hint: the work of all
                // suggestions of one layout stays bounded. The count is known without
                // collecting the names, so a search past the budget costs nothing.
                let left = self.suggestion_budget.get();
                let count = self.page_candidate_count(t);
                let best = if count <= left {
                    self.suggestion_budget.set(left - count);
                    closest(word, &self.page_candidates(t)).map(str::to_string)
                } else {
                    None
                };
                self.suggested.borrow_mut().insert(key, best.clone());
                best
            }
        };
        DidYouMean::one(best.as_deref()).or(fallback)
    }
}

/// "did you mean `x`?" for an unknown name, or a plain hint.
pub(super) fn suggest<'s>(
    word: &str,
    candidates: impl IntoIterator<Item = &'s String>,
    fallback: &str,
) -> String {
    let refs: Vec<&str> = candidates.into_iter().map(String::as_str).collect();
    DidYouMean::one(closest(word, &refs)).or(fallback)
}
