//! Renderers: human (rustc/ruff style), tables, json, yaml, sarif. Data goes to stdout.

pub mod doctor;
pub mod escape;
pub mod exec;
pub mod explain;
pub mod human;
pub mod nodes;
pub mod report;
pub mod sarif;

use std::io::{IsTerminal, Write};

use serde::Serialize;

use crate::error::{Error, Result};

/// When to color: always, never, or when stdout is a terminal and NO_COLOR is unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorMode {
    #[default]
    Auto,
    Always,
    Never,
}

/// Decide once whether to color: `--color`, then NO_COLOR, then whether stdout is a terminal.
pub fn init_color(mode: ColorMode) {
    let on = match mode {
        ColorMode::Always => true,
        ColorMode::Never => false,
        ColorMode::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal(),
    };
    colored::control::set_override(on);
}

pub fn json<T: Serialize>(value: &T) -> Result<String> {
    let mut s = serde_json::to_string_pretty(value).map_err(|e| Error::Usage(format!("cannot render JSON: {e}")))?;
    s.push('\n');
    Ok(s)
}

pub fn yaml<T: Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Usage(format!("cannot render YAML: {e}")))
}

/// Serialize as pretty JSON straight to stdout: a report of tens of thousands of findings is
/// never held whole as text (at 150,000 pods that text was tens of MB of doctor's peak).
pub fn print_json<T: Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, PipeOut::default());
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| Error::Usage(format!("cannot render JSON: {e}")))?;
    out.write_all(b"\n").and_then(|_| out.flush()).map_err(Error::Io)
}

/// [`print_json`] in YAML.
pub fn print_yaml<T: Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, PipeOut::default());
    serde_saphyr::to_io_writer(&mut out, value).map_err(|e| Error::Usage(format!("cannot render YAML: {e}")))?;
    out.flush().map_err(Error::Io)
}

/// Stdout for a serializer: once the reader has gone (`| head`), the rest is dropped quietly,
/// as [`print`] does.
#[derive(Default)]
struct PipeOut {
    closed: bool,
}

impl PipeOut {
    /// What `op` on stdout returns, or `gone` once stdout is a closed pipe (then and after).
    fn unless_closed<T>(
        &mut self,
        gone: T,
        op: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        if self.closed {
            return Ok(gone);
        }
        match op(&mut std::io::stdout().lock()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(gone)
            }
            r => r,
        }
    }
}

impl Write for PipeOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.unless_closed(buf.len(), |out| out.write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.unless_closed((), |out| out.flush())
    }
}

/// Write to stdout; a closed pipe (`| head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut out = PipeOut::default();
    out.write_all(text.as_bytes()).and_then(|_| out.flush()).map_err(Error::Io)
}

/// A comfy-table in kubectl's plain style (no borders, upper-case headers).
pub fn table(headers: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    t.set_content_arrangement(comfy_table::ContentArrangement::Disabled);
    t.set_header(headers.iter().map(comfy_table::Cell::new));
    for c in t.column_iter_mut() {
        c.set_padding((0, 3));
    }
    t
}

/// Render a table without trailing spaces on each line.
pub fn render_table(t: &comfy_table::Table) -> String {
    let mut s: String = t.to_string().lines().map(|l| format!("{}\n", l.trim_end())).collect();
    if s.is_empty() {
        s.push('\n');
    }
    s
}
