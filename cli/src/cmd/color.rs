//! `--color auto|always|never`: one choice type for the commands' flags.
//!
//! `apply`, `diff` and `hydrate` take it (issue 16); the other commands
//! still have enums of their own, which issue 15 moves onto this one. Output
//! is painted with owo-colors and written through anstream, which strips
//! the escapes when the choice (or, for `auto`, the stream) says no colour.
//! `auto` follows anstream's rules, the common conventions of command-line
//! tools: `NO_COLOR` (set and not empty) turns colour off,
//! `CLICOLOR_FORCE` turns it on, `CLICOLOR=0` off, and otherwise colour is
//! used on a terminal that supports it.

use anstream::AutoStream;

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (CLICOLOR_FORCE forces colour)
    #[default]
    Auto,
    /// Always, even into a pipe or a file
    Always,
    /// Never
    Never,
}

impl ColorWhen {
    /// anstream's equivalent.
    pub fn choice(self) -> anstream::ColorChoice {
        match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        }
    }

    /// Standard output, painting or stripping as chosen.
    pub fn stdout(self) -> AutoStream<std::io::Stdout> {
        AutoStream::new(std::io::stdout(), self.choice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum as _;

    #[test]
    fn names_and_explicit_choices() {
        let names: Vec<String> = ColorWhen::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(names, ["auto", "always", "never"]);
        assert_eq!(ColorWhen::default(), ColorWhen::Auto);
        // Explicit choices do not look at the stream or the environment.
        let painted = |when: ColorWhen| {
            use std::io::Write as _;
            let mut stream = AutoStream::new(Vec::new(), when.choice());
            write!(stream, "{}", owo_colors::OwoColorize::red(&"x")).unwrap();
            String::from_utf8(stream.into_inner()).unwrap()
        };
        assert_eq!(painted(ColorWhen::Always), "\x1b[31mx\x1b[39m");
        assert_eq!(painted(ColorWhen::Never), "x");
    }
}
