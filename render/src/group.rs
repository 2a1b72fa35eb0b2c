//! Grouping what went wrong across targets (issue 16, item 4).
//!
//! A fleet usually fails alike: one broken library fails the same
//! application in every cluster of a region, one policy is broken by the
//! same object everywhere. Repeating the same diagnostic per target buries
//! the one thing to fix, so [`failures`] and [`violations`] put identical
//! problems together, each with the targets it happened in, and
//! [`TargetSet`] names those targets briefly: the shortest glob that
//! selects exactly them among the render's targets (`edge-eu-*/web`), or
//! their list when no glob does. A glob is written as `--only` reads it
//! (`*` does not match `/`), so it can be pasted back to render just those
//! targets.
//!
//! Two failures are identical when their diagnostics print the same text
//! (message, location and full stack trace): targets that evaluate the
//! same files fail with the same spans, while an error that mentions a
//! target's own data stays apart. Two violations are identical when the
//! same object broke the same rule with the same message.
//!
//! Nothing is printed here: `kcfg render` and `kcfg argocd generate` print
//! the groups, and the JSON report lists them.

use std::collections::HashMap;

use globset::GlobBuilder;

use crate::error::Failure;
use crate::policy::Violation;
use crate::renderer::TargetReport;

/// Some of a render's targets, and how to name them briefly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetSet {
    /// The targets, in the order of the reports.
    pub names: Vec<String>,
    /// The shortest glob that selects exactly these targets among the
    /// render's, if there is one (`None` for a single target too).
    pub pattern: Option<String>,
    /// Whether these are all the render's targets.
    pub all: bool,
}

impl TargetSet {
    /// `names` among `every` target of the render.
    pub fn new(names: Vec<String>, every: &[&str]) -> TargetSet {
        let all = names.len() == every.len() && names.len() > 1;
        let pattern = if names.len() > 1 {
            shortest_glob(&names, every)
        } else {
            None
        };
        TargetSet {
            names,
            pattern,
            all,
        }
    }
}

impl std::fmt::Display for TargetSet {
    /// `edge-eu-1/web`, `3 targets: edge-eu-*/web`, `all 10 targets`,
    /// `2 targets: a/web, b/db`, `14 targets: a, b, c, d, e, … (9 more)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const LISTED: usize = 5;
        match (self.names.as_slice(), &self.pattern) {
            ([one], _) => f.write_str(one),
            (names, _) if self.all => write!(f, "all {} targets", names.len()),
            (names, Some(pattern)) => write!(f, "{} targets: {pattern}", names.len()),
            (names, None) if names.len() <= LISTED + 1 => {
                write!(f, "{} targets: {}", names.len(), names.join(", "))
            }
            (names, None) => write!(
                f,
                "{} targets: {}, … ({} more)",
                names.len(),
                names[..LISTED].join(", "),
                names.len() - LISTED
            ),
        }
    }
}

/// Targets that failed alike.
#[derive(Debug)]
pub struct FailureGroup<'r> {
    /// The failure (of the first of the targets).
    pub failure: &'r Failure,
    /// Where it happened.
    pub targets: TargetSet,
}

/// One policy violation, broken alike in several targets.
#[derive(Debug)]
pub struct ViolationGroup<'r> {
    /// The violation.
    pub violation: &'r Violation,
    /// Where it happened.
    pub targets: TargetSet,
}

/// The failed targets of `reports`, identical failures together, in the
/// order of their first target.
pub fn failures(reports: &[TargetReport]) -> Vec<FailureGroup<'_>> {
    let every = names(reports);
    let failed = reports.iter().filter_map(|report| match &report.status {
        crate::Status::Failed(failure) => Some((failure_key(failure), (&report.name, failure))),
        _ => None,
    });
    group(failed)
        .into_iter()
        .map(|(failure, names)| FailureGroup {
            failure,
            targets: TargetSet::new(names, &every),
        })
        .collect()
}

/// The policy violations of `reports`, identical violations together, in
/// the order of their first target.
pub fn violations(reports: &[TargetReport]) -> Vec<ViolationGroup<'_>> {
    let every = names(reports);
    let broken = reports.iter().flat_map(|report| {
        report
            .violations()
            .iter()
            .map(move |violation| (violation.clone(), (&report.name, violation)))
    });
    group(broken)
        .into_iter()
        .map(|(violation, names)| ViolationGroup {
            violation,
            targets: TargetSet::new(names, &every),
        })
        .collect()
}

fn names(reports: &[TargetReport]) -> Vec<&str> {
    reports.iter().map(|report| report.name.as_str()).collect()
}

/// What makes two failures the same.
fn failure_key(failure: &Failure) -> String {
    match failure {
        Failure::Eval(err) => format!("{}\n{}", err.diagnostic.code, err.render_plain(0)),
        Failure::Objects(message) => format!("objects\n{message}"),
        Failure::Output(message) => format!("output\n{message}"),
    }
}

/// Items with the same key together, in the order of their first
/// appearance, each with the names of its targets (once each).
fn group<'r, K: std::hash::Hash + Eq, T>(
    items: impl Iterator<Item = (K, (&'r String, &'r T))>,
) -> Vec<(&'r T, Vec<String>)> {
    let mut index: HashMap<K, usize> = HashMap::new();
    let mut groups: Vec<(&'r T, Vec<String>)> = Vec::new();
    for (key, (name, item)) in items {
        let at = *index.entry(key).or_insert_with(|| {
            groups.push((item, Vec::new()));
            groups.len() - 1
        });
        let names = &mut groups[at].1;
        if names.last() != Some(name) {
            names.push(name.clone());
        }
    }
    groups
}

/// The shortest glob that matches every one of `names` and no other of
/// `every`, if one of the shapes tried does.
///
/// The shapes: per `/`-separated part (when the names have as many parts),
/// each part as it is when the names agree on it, else `*` or the part's
/// common beginning and end around `*` (`edge-eu-*`); or the whole names'
/// common beginning and end around `*` (`**` when what differs spans a
/// `/`). Literal text is escaped, so a name with glob characters is
/// matched as written.
pub fn shortest_glob(names: &[String], every: &[&str]) -> Option<String> {
    let mut candidates: Vec<String> = Vec::new();
    let parts: Vec<Vec<&str>> = names.iter().map(|name| name.split('/').collect()).collect();
    let depth = parts[0].len();
    if parts.iter().all(|name| name.len() == depth) {
        // The choices for each part, then every combination of them (at
        // most 2^6; deeper names try the two uniform ones).
        let choices: Vec<Vec<String>> = (0..depth)
            .map(|at| {
                let values: Vec<&str> = parts.iter().map(|name| name[at]).collect();
                if values.iter().all(|value| *value == values[0]) {
                    vec![globset::escape(values[0])]
                } else {
                    let (prefix, suffix) = common_ends(&values);
                    let around = format!("{}*{}", globset::escape(prefix), globset::escape(suffix));
                    if around == "*" {
                        vec![around]
                    } else {
                        vec![around, "*".to_string()]
                    }
                }
            })
            .collect();
        let combinations: usize = choices.iter().map(Vec::len).product();
        if combinations <= 64 {
            for mut number in 0..combinations {
                let mut glob = Vec::with_capacity(depth);
                for options in &choices {
                    glob.push(options[number % options.len()].as_str());
                    number /= options.len();
                }
                candidates.push(glob.join("/"));
            }
        } else {
            for pick in [0, usize::MAX] {
                let glob: Vec<&str> = choices
                    .iter()
                    .map(|options| options[pick.min(options.len() - 1)].as_str())
                    .collect();
                candidates.push(glob.join("/"));
            }
        }
    }
    let whole: Vec<&str> = names.iter().map(String::as_str).collect();
    let (prefix, suffix) = common_ends(&whole);
    let spans_separator = whole
        .iter()
        .any(|name| name[prefix.len()..name.len() - suffix.len()].contains('/'));
    candidates.push(format!(
        "{}{}{}",
        globset::escape(prefix),
        if spans_separator { "**" } else { "*" },
        globset::escape(suffix)
    ));
    candidates.sort_by_key(|glob| (glob.chars().count(), glob.matches('*').count()));
    candidates.dedup();
    candidates.into_iter().find(|candidate| {
        let Ok(glob) = GlobBuilder::new(candidate).literal_separator(true).build() else {
            return false;
        };
        let matcher = glob.compile_matcher();
        every
            .iter()
            .all(|name| matcher.is_match(name) == names.iter().any(|member| member == name))
    })
}

/// The longest beginning and end all `values` share, not overlapping in
/// the shortest one, on character boundaries.
fn common_ends<'v>(values: &[&'v str]) -> (&'v str, &'v str) {
    let first = values[0];
    let mut prefix = first.len();
    for value in &values[1..] {
        prefix = first
            .char_indices()
            .zip(value.chars())
            .take_while(|((_, a), b)| a == b)
            .map(|((at, a), _)| at + a.len_utf8())
            .last()
            .unwrap_or(0)
            .min(prefix);
    }
    let shortest = values.iter().map(|value| value.len()).min().unwrap_or(0);
    let mut suffix = shortest - prefix;
    for value in values {
        let common = first
            .chars()
            .rev()
            .zip(value.chars().rev())
            .take_while(|(a, b)| a == b)
            .map(|(a, _)| a.len_utf8())
            .sum::<usize>();
        suffix = suffix.min(common);
    }
    (&first[..prefix], &first[first.len() - suffix..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str], every: &[&str]) -> String {
        let names = names.iter().map(|name| name.to_string()).collect();
        TargetSet::new(names, every).to_string()
    }

    const FLEET: &[&str] = &[
        "edge-eu-1/db",
        "edge-eu-1/web",
        "edge-eu-2/db",
        "edge-eu-2/web",
        "edge-eu-3/db",
        "edge-eu-3/web",
        "edge-us-1/db",
        "edge-us-1/web",
    ];

    #[test]
    fn issue16_shortest_accurate_glob() {
        let eu_web = ["edge-eu-1/web", "edge-eu-2/web", "edge-eu-3/web"];
        assert_eq!(set(&eu_web, FLEET), "3 targets: edge-eu-*/web");
        let web = [
            "edge-eu-1/web",
            "edge-eu-2/web",
            "edge-eu-3/web",
            "edge-us-1/web",
        ];
        assert_eq!(set(&web, FLEET), "4 targets: */web");
        let eu_1 = ["edge-eu-1/db", "edge-eu-1/web"];
        assert_eq!(set(&eu_1, FLEET), "2 targets: edge-eu-1/*");
        assert_eq!(set(FLEET, FLEET), "all 8 targets");
        assert_eq!(set(&["edge-us-1/db"], FLEET), "edge-us-1/db");
    }

    #[test]
    fn issue16_a_list_when_no_glob_is_accurate() {
        // No glob of the shapes tried selects exactly these two.
        let odd = ["edge-eu-1/web", "edge-eu-3/db"];
        assert_eq!(set(&odd, FLEET), "2 targets: edge-eu-1/web, edge-eu-3/db");
        let every: Vec<String> = (0..20).map(|n| format!("t{n:02}")).collect();
        let every: Vec<&str> = every.iter().map(String::as_str).collect();
        let evens: Vec<&str> = every.iter().copied().step_by(2).collect();
        assert_eq!(
            set(&evens, &every),
            "10 targets: t00, t02, t04, t06, t08, … (5 more)"
        );
    }

    #[test]
    fn issue16_globs_span_depths_and_escape_names() {
        let every = ["a/x/1", "a/y", "b/z"];
        assert_eq!(set(&["a/x/1", "a/y"], &every), "2 targets: a/**");
        let every = ["app[1]/web", "app[2]/web", "other/web"];
        assert_eq!(
            set(&["app[1]/web", "app[2]/web"], &every),
            "2 targets: app[[]*[]]/web"
        );
    }

    #[test]
    fn issue16_common_ends_do_not_overlap() {
        assert_eq!(common_ends(&["ab", "abb"]), ("ab", ""));
        assert_eq!(common_ends(&["aXb", "aYb"]), ("a", "b"));
        assert_eq!(common_ends(&["é1", "é2"]), ("é", ""));
    }
}
