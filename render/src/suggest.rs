//! "Did you mean …?": near matches for names the user mistyped (issue 16,
//! item 5), where no argument parser offers one: a plan's fields, a
//! target's fields (serde's `unknown field` errors), and `--only` globs
//! that select no target.
//!
//! Closeness is the optimal string alignment distance (strsim's
//! Levenshtein distance with a swap of two neighbours as one edit),
//! allowing one edit per four characters and at least one: `tla` finds
//! `tlas`, `fromat` finds `format` and `prod-eu1` finds `prod-eu-1`, but
//! `web` does not find `db`.

/// The candidate closest to `name`, if one is close enough to be a typo
/// of it (ties: the first).
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    let allowed = (name.chars().count() / 4).max(1);
    candidates
        .into_iter()
        .filter(|candidate| *candidate != name)
        .map(|candidate| (strsim::osa_distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= allowed)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// A deserialization error, with "did you mean" added when it is serde's
/// ``unknown field `tla`, expected one of `name`, `entry`, `tlas`, …``
/// (or ``unknown variant `…` ``) and one of the expected names is close.
pub fn unknown_field(message: String) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message;
    };
    let Some((name, expected)) = rest.split_once('`') else {
        return message;
    };
    // The expected fields are the back-quoted words after the name.
    let fields: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    match closest(name, fields) {
        Some(close) => format!("{message}; did you mean `{close}`?"),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue16_close_names_only() {
        assert_eq!(closest("tla", ["name", "entry", "tlas"]), Some("tlas"));
        assert_eq!(closest("extvars", ["tlas", "extVars"]), Some("extVars"));
        assert_eq!(
            closest("prod-eu1", ["prod-eu-1", "prod-us-1"]),
            Some("prod-eu-1")
        );
        assert_eq!(closest("web", ["db", "cache"]), None);
        assert_eq!(closest("tlas", ["tlas"]), None);
    }

    #[test]
    fn issue16_serde_unknown_field_gets_a_suggestion() {
        assert_eq!(
            unknown_field(
                "unknown field `tla`, expected one of `name`, `entry`, `tlas`, `extVars`".into()
            ),
            "unknown field `tla`, expected one of `name`, `entry`, `tlas`, `extVars`; did you mean `tlas`?"
        );
        assert_eq!(
            unknown_field("unknown field `fromat`, expected `format` or `layout`".into()),
            "unknown field `fromat`, expected `format` or `layout`; did you mean `format`?"
        );
        let far = "unknown field `zzz`, expected `format` or `layout`";
        assert_eq!(unknown_field(far.into()), far);
        assert_eq!(
            unknown_field("unknown variant `jsno`, expected `yaml` or `json`".into()),
            "unknown variant `jsno`, expected `yaml` or `json`; did you mean `json`?"
        );
        assert_eq!(
            unknown_field("invalid type: map".into()),
            "invalid type: map"
        );
    }
}
