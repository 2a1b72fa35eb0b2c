//! Paging a long report as git does: through `$PAGER`, else `less` with
//! `LESS=FRX` when `LESS` is not set (quit when it fits one screen, keep
//! colours, leave the text on the screen), only when standard output is a
//! terminal and the text is taller than it. Without a terminal, or when
//! the pager cannot be started, the text is written directly.

use std::io::{IsTerminal as _, Write as _};
use std::process::{Command, Stdio};

/// Writes `text` to standard output, through a pager when it is long and
/// standard output is a terminal.
pub fn page(text: &str) {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() || text.lines().count() < terminal_rows() {
        let _ = stdout.lock().write_all(text.as_bytes());
        return;
    }
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less".into());
    if pager.trim().is_empty() || pager.trim() == "cat" {
        let _ = stdout.lock().write_all(text.as_bytes());
        return;
    }
    let mut command = Command::new("sh");
    command.args(["-c", &pager]).stdin(Stdio::piped());
    if std::env::var_os("LESS").is_none() {
        command.env("LESS", "FRX");
    }
    let Ok(mut child) = command.spawn() else {
        let _ = stdout.lock().write_all(text.as_bytes());
        return;
    };
    if let Some(mut input) = child.stdin.take() {
        // A pager quit early closes the pipe: not an error.
        let _ = input.write_all(text.as_bytes());
    }
    let _ = child.wait();
}

/// The terminal's height in rows (24 when it cannot be read).
fn terminal_rows() -> usize {
    // SAFETY: TIOCGWINSZ fills a `winsize` on a terminal descriptor and
    // fails otherwise; the struct is plain data, zeroed before.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let read = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut size) };
    if read == 0 && size.ws_row > 0 {
        usize::from(size.ws_row)
    } else {
        24
    }
}
