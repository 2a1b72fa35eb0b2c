//! Colours: one `--color auto|always|never` choice for every command, and
//! one painter (issue 15; `apply`, `diff` and `hydrate` introduced the
//! choice in issue 16).
//!
//! A command decides once per stream whether to colour, and then writes
//! through a [`Painter`], which styles text with owo-colors when colouring
//! and leaves it alone otherwise. `always` and `never` are taken at their
//! word; `auto` follows anstream's rules, the common conventions of
//! command-line tools: `NO_COLOR` (set and not empty) turns colour off,
//! `CLICOLOR_FORCE` turns it on, `CLICOLOR=0` off, and otherwise colour is
//! used on a terminal that supports it. Colour only paints: how
//! diagnostics are laid out is `--error-format`'s choice
//! (`crate::report`), whose default is rich on a terminal or with
//! `--color always`.

use clap::ValueEnum;
use owo_colors::{OwoColorize as _, Style};

/// When to colour output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
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
    /// `auto`, `always` or `never`, for the command lines parsed by hand
    /// (`kcfg eval`, `kcfg fmt`).
    pub fn parse(text: &str) -> Option<ColorWhen> {
        ColorWhen::from_str(text, false).ok()
    }

    /// The painter for standard output.
    pub fn stdout(self) -> Painter {
        self.painter(&std::io::stdout())
    }

    /// The painter for standard error.
    pub fn stderr(self) -> Painter {
        self.painter(&std::io::stderr())
    }

    fn painter(self, stream: &impl anstream::stream::RawStream) -> Painter {
        let on = match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => !matches!(
                anstream::AutoStream::choice(stream),
                anstream::ColorChoice::Never
            ),
        };
        Painter { on }
    }
}

/// Styles text for one stream, or leaves it plain (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Painter {
    on: bool,
}

impl Painter {
    /// Whether it colours.
    pub fn is_on(self) -> bool {
        self.on
    }

    /// Headlines.
    pub fn bold(self, text: &str) -> String {
        self.paint(Style::new().bold(), text)
    }

    /// `error: …` headlines.
    pub fn error(self, text: &str) -> String {
        self.paint(Style::new().bold().red(), text)
    }

    /// What is less important (stack traces).
    pub fn dim(self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }

    /// What is removed, or failed.
    pub fn red(self, text: &str) -> String {
        self.paint(Style::new().red(), text)
    }

    /// What is added, or done.
    pub fn green(self, text: &str) -> String {
        self.paint(Style::new().green(), text)
    }

    /// What is changed.
    pub fn yellow(self, text: &str) -> String {
        self.paint(Style::new().yellow(), text)
    }

    /// Where (diff hunk headers).
    pub fn cyan(self, text: &str) -> String {
        self.paint(Style::new().cyan(), text)
    }

    fn paint(self, style: Style, text: &str) -> String {
        if self.on {
            text.style(style).to_string()
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issue15_one_painter_writes_ansi_styles() {
        let on = ColorWhen::Always.stderr();
        assert!(on.is_on());
        assert_eq!(on.bold("a"), "\x1b[1ma\x1b[0m");
        assert_eq!(on.red("a"), "\x1b[31ma\x1b[0m");
        assert_eq!(on.green("a"), "\x1b[32ma\x1b[0m");
        assert_eq!(on.yellow("a"), "\x1b[33ma\x1b[0m");
        assert_eq!(on.cyan("a"), "\x1b[36ma\x1b[0m");
        assert_eq!(on.dim("a"), "\x1b[2ma\x1b[0m");
        assert_eq!(on.error("a"), "\x1b[31;1ma\x1b[0m");
        // Explicit choices do not look at the stream or the environment.
        let off = ColorWhen::Never.stdout();
        assert_eq!(off.error("a"), "a");
        assert_eq!(off, Painter::default());
        assert!(ColorWhen::Always.stdout().is_on());
    }

    #[test]
    fn names_parse_as_clap_shows_them() {
        let names: Vec<String> = ColorWhen::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(names, ["auto", "always", "never"]);
        assert_eq!(ColorWhen::default(), ColorWhen::Auto);
        assert_eq!(ColorWhen::parse("auto"), Some(ColorWhen::Auto));
        assert_eq!(ColorWhen::parse("always"), Some(ColorWhen::Always));
        assert_eq!(ColorWhen::parse("never"), Some(ColorWhen::Never));
        assert_eq!(ColorWhen::parse("Never"), None);
    }
}
