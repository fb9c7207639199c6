//! "Did you mean" suggestions: the known names closest to a misspelt one.

use std::prelude::rust_2024::*;
use std::vec;

/// Words longer than this get no suggestion: a "did you mean" only helps with short
/// names, and the edit distance of long strings costs time for nothing.
pub const MAX_SUGGESTION_CHARS: usize = 64;

/// The candidate closest to `word`, if close enough to be a likely misspelling (see
/// [`suggestions`]).
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    suggestions(word, candidates).into_iter().next()
}

/// Names other tools (linker scripts, ELF sections, MMU code) give to what a keyword of
/// the language means, and that keyword.
const SYNONYMS: [(&str, &str); 21] = [
    ("text", "code"),
    ("exec", "code"),
    ("ro", "rodata"),
    ("rdata", "rodata"),
    ("const", "rodata"),
    ("zero", "bss"),
    ("zi", "bss"),
    ("rw", "data"),
    ("heap", "data"),
    ("mmio", "device"),
    ("io", "device"),
    ("ram", "data"),
    ("normal", "data"),
    ("nc", "non_cacheable"),
    ("wb", "write_back"),
    ("writable", "rw"),
    ("writeable", "rw"),
    ("write", "rw"),
    ("readonly", "r"),
    ("read_only", "r"),
    ("executable", "rx"),
];

/// The keyword that `word` (case-insensitively) is another tool's name for, when it is
/// among `candidates` (keywords only: a name the user chose is no synonym): `text` is `code`, `ro` is `rodata`, `zero` is `bss`, `mmio` is
/// `device`, ...
pub fn synonym<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let (_, meant) = SYNONYMS
        .iter()
        .find(|(other, _)| other.eq_ignore_ascii_case(word))?;
    candidates.iter().copied().find(|c| c == meant)
}

/// What `word` was likely meant to be, case-insensitively: the candidates it is a prefix
/// of (`EL1` → `EL1_NS`, `EL1_S`; at most three, in the order given), else the one
/// nearest in edit distance if within a third of its length (plus one).
///
/// The work is bounded: a word of more than [`MAX_SUGGESTION_CHARS`] characters gets
/// none, a candidate whose length differs by more than the limit is skipped without a
/// distance, and a distance stops as soon as it passes the limit (or the best so far),
/// so a look-up costs `O(candidates * len * limit)`.
pub fn suggestions<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let w: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    if w.is_empty() || w.len() > MAX_SUGGESTION_CHARS {
        return Vec::new();
    }
    if w.len() >= 2 {
        let extending: Vec<&'a str> = candidates
            .iter()
            .copied()
            .filter(|c| {
                c.len() > word.len()
                    && c.get(..word.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(word))
            })
            .take(3)
            .collect();
        if !extending.is_empty() {
            return extending;
        }
    }
    let limit = (w.len() / 3).max(1) + 1;
    let mut best: Option<(usize, &'a str)> = None;
    for &c in candidates {
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        if let Some(d) = bounded_distance(&w, c, bound) {
            best = Some((d, c));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| vec![c]).unwrap_or_default()
}

/// The case-insensitive Levenshtein distance of `a` (lower case already) and `b`, if it
/// is at most `limit`; `None` as soon as it must be more.
pub(super) fn bounded_distance(a: &[char], b: &str, limit: usize) -> Option<usize> {
    let n = b.chars().count();
    if n.abs_diff(a.len()) > limit || n > MAX_SUGGESTION_CHARS + limit {
        return None;
    }
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ExecutionContext;

    #[test]
    fn closest_names() {
        let names: Vec<&str> = ExecutionContext::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(closest("EL1NS", &names), Some("EL1_NS"));
        assert_eq!(closest("el3", &names), Some("EL3"));
        assert_eq!(closest("EL1_realm", &names), Some("EL1_Realm"));
        assert_eq!(closest("banana_split", &names), None);
        // A prefix names every level it could be, before any edit distance.
        assert_eq!(suggestions("EL1", &names), ["EL1_NS", "EL1_S", "EL1_Realm"]);
        assert_eq!(suggestions("el2", &names), ["EL2_NS", "EL2_S", "EL2_Realm"]);
    }

    #[test]
    fn other_tools_names_win_over_spelling() {
        // `writeable` is one edit-distance step nearer `write_back` than `rw`, but it
        // means write permission.
        let options = ["r", "rw", "rx", "rwx", "write_back", "write_through"];
        assert_eq!(synonym("writeable", &options), Some("rw"));
        assert_eq!(synonym("Executable", &options), Some("rx"));
        assert_eq!(synonym("writeable", &["code", "data"]), None);
        assert_eq!(closest("writeable", &options), Some("write_back"));
    }

    #[test]
    fn suggestions_are_bounded() {
        // Long words get none, whatever the candidates.
        let long = "a".repeat(40_000);
        let other = "b".repeat(40_000);
        assert_eq!(closest(&long, &[other.as_str(), long.as_str()]), None);
        // Candidates far longer or shorter are skipped; near ones still found.
        assert_eq!(
            closest("mailbx", &[other.as_str(), "mailbox"]),
            Some("mailbox")
        );
        assert_eq!(bounded_distance(&['a', 'b'], "abcdef", 2), None);
        assert_eq!(
            bounded_distance(&['k', 'i', 't', 't', 'e', 'n'], "sitting", 3),
            Some(3)
        );
        assert_eq!(
            bounded_distance(&['k', 'i', 't', 't', 'e', 'n'], "sitting", 2),
            None
        );
    }
}
