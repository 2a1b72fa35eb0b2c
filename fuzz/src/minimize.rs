//! Minimizing a finding: the smallest input that still fails the same way.
//!
//! Delta debugging (Zeller's ddmin) over three granularities in turn:
//! lines, then tokens (runs of word characters, single other characters),
//! then single characters for inputs that are already small. Between them
//! a structural pass removes what ddmin's aligned chunks miss: whole
//! `local …;` bindings, the contents of brackets, and list elements. A
//! candidate
//! is kept when replaying it gives a finding with the same signature, so
//! the minimizer never trades one bug for another. Every check is a fresh
//! worker process, because the input may abort it.

use std::path::Path;

use crate::finding;
use crate::input::Input;
use crate::supervisor::{self, RunConfig};
use crate::worker::Inputs;

/// Minimizes `input`, whose finding has `signature`, using `config` for
/// the limits of each check. Returns the smallest input found and how many
/// checks it took.
pub fn minimize(
    config: &RunConfig,
    input: &Input,
    signature: &str,
    scratch: &Path,
) -> std::io::Result<(Input, usize)> {
    std::fs::create_dir_all(scratch)?;
    let mut checks = 0usize;
    let mut check = |body: &str| -> bool {
        checks += 1;
        reproduces(config, input, body, signature, scratch).unwrap_or(false)
    };
    let body = finding::strip_header(&input.text).to_string();
    if !check(&body) {
        return Err(std::io::Error::other(format!(
            "the input does not reproduce `{signature}`"
        )));
    }
    let mut text = ddmin(split_lines(&body), &mut check).concat();
    // Each pass can make room for another (an emptied object frees the
    // binding it referred to), so they repeat while they shrink the input.
    for _ in 0..4 {
        let before = text.len();
        let mut units = structural(split_tokens(&text), &mut check);
        units = ddmin(units, &mut check);
        text = units.concat();
        if text.len() <= 200 {
            text = ddmin(text.chars().map(String::from).collect(), &mut check).concat();
        }
        if text.len() == before {
            break;
        }
    }
    let mut smallest = input.clone();
    smallest.text = text;
    smallest.origin = format!("minimized from {}", input.origin);
    Ok((smallest, checks))
}

fn reproduces(
    config: &RunConfig,
    input: &Input,
    body: &str,
    signature: &str,
    scratch: &Path,
) -> std::io::Result<bool> {
    let path = scratch.join("candidate.jsonnet");
    let header = format!("// name: {}\n// mode: {}\n", input.name, input.mode.name());
    std::fs::write(&path, format!("{header}{body}"))?;
    let mut config = config.clone();
    config.inputs = Inputs::Files(vec![path]);
    config.count = 1;
    config.jobs = 1;
    config.duration = None;
    config.per_signature = 0;
    config.progress = false;
    config.out = scratch.join("out");
    let report = supervisor::run(&config)?;
    Ok(report.distinct.contains_key(signature))
}

/// Zeller's ddmin: removes chunks of `units` while `test` still holds.
pub fn ddmin(mut units: Vec<String>, test: &mut impl FnMut(&str) -> bool) -> Vec<String> {
    let mut parts = 2usize;
    while units.len() >= 2 {
        let chunk = units.len().div_ceil(parts);
        let mut reduced = false;
        let mut start = 0;
        while start < units.len() {
            let end = (start + chunk).min(units.len());
            let candidate: Vec<String> = units[..start]
                .iter()
                .chain(&units[end..])
                .cloned()
                .collect();
            if test(&candidate.concat()) {
                units = candidate;
                parts = (parts - 1).max(2);
                reduced = true;
                break;
            }
            start = end;
        }
        if !reduced {
            if parts >= units.len() {
                break;
            }
            parts = (parts * 2).min(units.len());
        }
    }
    units
}

/// Removes syntactic units while `test` holds: a `local` binding up to its
/// `;`, everything between a pair of brackets, one element of a bracketed
/// list. Repeats until nothing more goes.
pub fn structural(mut tokens: Vec<String>, test: &mut impl FnMut(&str) -> bool) -> Vec<String> {
    loop {
        let mut removed = false;
        for (start, end) in spans(&tokens) {
            if end > tokens.len() || start >= end {
                continue;
            }
            let candidate: Vec<String> = tokens[..start]
                .iter()
                .chain(&tokens[end..])
                .cloned()
                .collect();
            if test(&candidate.concat()) {
                tokens = candidate;
                removed = true;
                break;
            }
        }
        if !removed {
            return tokens;
        }
    }
}

/// Candidate token ranges to remove, largest first.
fn spans(tokens: &[String]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    // The start of the current list element at each bracket depth.
    let mut element: Vec<usize> = vec![0];
    for (i, token) in tokens.iter().enumerate() {
        match token.as_str() {
            "(" | "[" | "{" => {
                open.push(i);
                element.push(i + 1);
            }
            ")" | "]" | "}" => {
                if let Some(start) = open.pop() {
                    spans.push((start + 1, i));
                    element.pop();
                    if let Some(first) = element.last() {
                        // The last element of a list, with its comma before.
                        if *first > 0 && tokens.get(*first - 1).is_some_and(|t| t == ",") {
                            spans.push((*first - 1, i));
                        }
                    }
                }
            }
            "," => {
                if let Some(first) = element.last_mut() {
                    spans.push((*first, i + 1));
                    *first = i + 1;
                }
            }
            "local" => {
                let depth = open.len();
                let mut level = depth;
                for (j, next) in tokens.iter().enumerate().skip(i + 1) {
                    match next.as_str() {
                        "(" | "[" | "{" => level += 1,
                        ")" | "]" | "}" if level == depth => break,
                        ")" | "]" | "}" => level -= 1,
                        ";" if level == depth => {
                            spans.push((i, j + 1));
                            break;
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    spans.sort_by_key(|&(start, end)| std::cmp::Reverse(end - start));
    spans
}

fn split_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(String::from).collect()
}

fn split_tokens(text: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
            }
            tokens.push(c.to_string());
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddmin_finds_the_failing_core() {
        let units = split_tokens("local a = 1; local b = [x for x in [1]]; boom(a) + b");
        let mut checks = 0;
        let smallest = ddmin(units, &mut |text: &str| {
            checks += 1;
            text.contains("boom")
        });
        assert_eq!(smallest.concat(), "boom");
        assert!(checks < 200, "{checks} checks");
    }

    #[test]
    fn the_structural_pass_removes_bindings_and_elements() {
        let tokens = split_tokens("local a = [1, (2)]; local b = {k: 1}; f(b, a, 3)");
        let smallest = structural(tokens, &mut |text: &str| {
            text.contains("f(") && text.contains(')') && !text.contains("f()")
        });
        let text: String = smallest.concat().split_whitespace().collect();
        assert_eq!(text, "f(3)");
    }

    #[test]
    fn tokens_and_lines_cover_the_text() {
        let text = "a(1)\n  bb.c + 'x y'\n";
        assert_eq!(split_tokens(text).concat(), text);
        assert_eq!(split_lines(text).concat(), text);
        assert_eq!(split_lines(text).len(), 2);
    }
}
