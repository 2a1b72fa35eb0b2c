//! Colors: one `--color` choice for every command, and one painter.
//!
//! A command decides once, per stream, whether to color: `always`,
//! `never`, or `auto`: when the stream is a terminal and `NO_COLOR` is not
//! set (no-color.org). It then writes through a [`Painter`], which styles
//! text with owo-colors when coloring and leaves it alone otherwise. On
//! standard error, coloring also turns on the rich rendering of
//! diagnostics (source snippets, `crate::report`).

use std::io::IsTerminal;

use clap::ValueEnum;
use owo_colors::{OwoColorize as _, Style};

/// Whether to color output (`--color`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// `auto`, `always` or `never`, for command lines parsed by hand
    /// (`kcfg eval`).
    pub fn parse(text: &str) -> Option<ColorChoice> {
        ColorChoice::from_str(text, false).ok()
    }

    /// The painter for standard error.
    pub fn stderr(self) -> Painter {
        self.painter(|| std::io::stderr().is_terminal())
    }

    /// The painter for standard output.
    pub fn stdout(self) -> Painter {
        self.painter(|| std::io::stdout().is_terminal())
    }

    fn painter(self, terminal: impl FnOnce() -> bool) -> Painter {
        let on = match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        Painter { on }
    }
}

/// Styles text for one stream, or leaves it plain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Painter {
    on: bool,
}

impl Painter {
    /// A painter that never colors.
    pub const PLAIN: Painter = Painter { on: false };

    /// Whether it colors.
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

    /// What is removed.
    pub fn red(self, text: &str) -> String {
        self.paint(Style::new().red(), text)
    }

    /// What is added.
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
        let on = ColorChoice::Always.stderr();
        assert!(on.is_on());
        assert_eq!(on.bold("a"), "\x1b[1ma\x1b[0m");
        assert_eq!(on.red("a"), "\x1b[31ma\x1b[0m");
        assert_eq!(on.green("a"), "\x1b[32ma\x1b[0m");
        assert_eq!(on.yellow("a"), "\x1b[33ma\x1b[0m");
        assert_eq!(on.cyan("a"), "\x1b[36ma\x1b[0m");
        assert_eq!(on.dim("a"), "\x1b[2ma\x1b[0m");
        assert_eq!(on.error("a"), "\x1b[31;1ma\x1b[0m");
        let off = ColorChoice::Never.stdout();
        assert_eq!(off.error("a"), "a");
        assert_eq!(off, Painter::PLAIN);
    }

    #[test]
    fn the_choice_parses_as_clap_does() {
        assert_eq!(ColorChoice::parse("auto"), Some(ColorChoice::Auto));
        assert_eq!(ColorChoice::parse("always"), Some(ColorChoice::Always));
        assert_eq!(ColorChoice::parse("never"), Some(ColorChoice::Never));
        assert_eq!(ColorChoice::parse("Never"), None);
    }
}
