//! `exec` results: the fan-out summary table, a node's grouped output, and the JSON report.

use serde::Serialize;

use crate::exec::fanout::NodeOutcome;
use crate::exec::sink::{Captured, Cut};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NodeResult {
    pub node: String,
    pub pod: String,
    pub exit_code: Option<i32>,
    pub duration_seconds: f64,
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
    /// Set when the output was captured: whether `--max-output` cut a stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncated: Option<bool>,
    /// Bytes dropped from the middle of each stream (only when cut).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout_bytes_dropped: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stderr_bytes_dropped: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct FanoutReport {
    pub results: Vec<NodeResult>,
    pub succeeded: usize,
    pub failed: usize,
}

impl FanoutReport {
    /// The report of a fan-out, in the order the nodes were given.
    pub fn new(outcomes: Vec<NodeOutcome>) -> FanoutReport {
        let succeeded = outcomes.iter().filter(|o| o.succeeded()).count();
        FanoutReport {
            failed: outcomes.len() - succeeded,
            succeeded,
            results: outcomes
                .into_iter()
                .map(|o| {
                    let text = |b: &[u8]| Some(String::from_utf8_lossy(b).into_owned());
                    let truncated = o.captured.as_ref().map(|c| c.stdout_cut.is_some() || c.stderr_cut.is_some());
                    let dropped = |c: Option<Cut>| c.map(|c| c.dropped);
                    let (stdout_bytes_dropped, stderr_bytes_dropped) =
                        o.captured.as_ref().map(|c| (dropped(c.stdout_cut), dropped(c.stderr_cut))).unwrap_or_default();
                    let (stdout, stderr) =
                        o.captured.map(|c| (text(&c.stdout), text(&c.stderr))).unwrap_or((None, None));
                    NodeResult {
                        node: o.pod.node,
                        pod: o.pod.name,
                        exit_code: o.result.as_ref().ok().copied(),
                        duration_seconds: (o.duration.as_secs_f64() * 1000.0).round() / 1000.0,
                        error: o.result.err().map(|e| e.to_string()),
                        stdout,
                        stderr,
                        truncated,
                        stdout_bytes_dropped,
                        stderr_bytes_dropped,
                    }
                })
                .collect(),
        }
    }
}

/// The line that marks where `--max-output` cut a stream.
pub fn cut_marker(stream: &str, cut: Cut) -> String {
    format!("[… {} bytes of {stream} cut here (--max-output keeps the first and last half) …]", cut.dropped)
}

/// What was cut from a node's captured output, one line per stream, for stderr.
pub fn cut_notes(node: &str, c: &Captured) -> Vec<String> {
    [("stdout", c.stdout_cut), ("stderr", c.stderr_cut)]
        .into_iter()
        .filter_map(|(stream, cut)| {
            cut.map(|cut| {
                let kept = if stream == "stdout" { c.stdout.len() } else { c.stderr.len() };
                format!(
                    "[{node}] output cut: {} bytes of {stream} dropped, {kept} bytes kept (its first and last; raise --max-output)",
                    cut.dropped
                )
            })
        })
        .collect()
}

/// One stream with the marker line at its cut.
fn with_marker(data: &[u8], stream: &str, cut: Option<Cut>) -> Vec<u8> {
    let Some(cut) = cut else { return data.to_vec() };
    let at = cut.at.min(data.len());
    let mut out = data[..at].to_vec();
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.extend_from_slice(cut_marker(stream, cut).as_bytes());
    out.push(b'\n');
    out.extend_from_slice(&data[at..]);
    out
}

/// One node's captured output under a `=== node ===` heading (stdout), its stderr after it; a
/// marker line where `--max-output` cut a stream.
pub fn print_group(node: &str, c: &Captured) {
    use std::io::Write;
    let out = with_marker(&c.stdout, "stdout", c.stdout_cut);
    let err = with_marker(&c.stderr, "stderr", c.stderr_cut);
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "=== {node} ===");
    let _ = o.write_all(&out);
    if !out.is_empty() && !out.ends_with(b"\n") {
        let _ = writeln!(o);
    }
    drop(o);
    let _ = std::io::stderr().lock().write_all(&err);
}

/// The table printed (on stderr) after a fan-out.
pub fn render_summary(r: &FanoutReport) -> String {
    let mut t = super::table(&["NODE", "EXIT", "DURATION", "ERROR"]);
    for x in &r.results {
        t.add_row(vec![
            x.node.clone(),
            x.exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into()),
            format!("{:.1}s", x.duration_seconds),
            x.error.clone().unwrap_or_default(),
        ]);
    }
    format!("\n{}{} of {} node(s) succeeded.\n", super::render_table(&t), r.succeeded, r.results.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::exec::plan::{Request, options_at};
    use std::time::Duration;

    fn outcome(node: &str, result: Result<i32, Error>, captured: Option<Captured>) -> NodeOutcome {
        let pod = options_at(&Request::default(), "ops", node, std::time::UNIX_EPOCH, "abcde").unwrap();
        NodeOutcome { pod, result, duration: Duration::from_millis(1234), captured }
    }

    fn report() -> FanoutReport {
        FanoutReport::new(vec![
            outcome("win-a", Ok(0), Some(Captured { stdout: b"hi\n".to_vec(), ..Default::default() })),
            outcome("win-b", Ok(4), None),
            outcome("win-c", Err(Error::Interrupted), None),
        ])
    }

    #[test]
    fn the_report_counts_and_keeps_each_node() {
        let r = report();
        assert_eq!((r.succeeded, r.failed), (1, 2));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v["results"][0],
            serde_json::json!({"node": "win-a", "pod": "hostprocess-win-a-abcde", "exitCode": 0,
                "durationSeconds": 1.234, "error": null, "stdout": "hi\n", "stderr": "", "truncated": false})
        );
        assert_eq!(v["results"][1]["exitCode"], 4);
        assert!(v["results"][1].get("stdout").is_none());
        assert_eq!(v["results"][2]["exitCode"], serde_json::Value::Null);
        assert_eq!(v["results"][2]["error"], "interrupted");
    }

    #[test]
    fn the_summary_is_a_table_and_a_count() {
        let text = render_summary(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "");
        assert!(lines[1].starts_with("NODE") && lines[1].contains("EXIT") && lines[1].ends_with("ERROR"), "{text}");
        assert!(lines[2].starts_with("win-a") && lines[2].contains("1.2s"), "{text}");
        assert!(
            lines[4].starts_with("win-c") && lines[4].contains(" - ") && lines[4].ends_with("interrupted"),
            "{text}"
        );
        assert_eq!(lines[5], "1 of 3 node(s) succeeded.");
    }

    #[test]
    fn cut_output_is_flagged_in_json_and_marked_for_humans() {
        let c = Captured {
            stdout: b"first\nlast\n".to_vec(),
            stdout_cut: Some(Cut { at: 6, dropped: 1000 }),
            ..Default::default()
        };
        let r = FanoutReport::new(vec![outcome("win-a", Ok(0), Some(c.clone()))]);
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["results"][0]["truncated"], true);
        assert_eq!(v["results"][0]["stdoutBytesDropped"], 1000);
        assert!(v["results"][0].get("stderrBytesDropped").is_none());
        assert_eq!(v["results"][0]["stdout"], "first\nlast\n");
        let marked = String::from_utf8(with_marker(&c.stdout, "stdout", c.stdout_cut)).unwrap();
        assert_eq!(
            marked,
            "first\n[… 1000 bytes of stdout cut here (--max-output keeps the first and last half) …]\nlast\n"
        );
        assert_eq!(
            cut_notes("win-a", &c),
            [
                "[win-a] output cut: 1000 bytes of stdout dropped, 11 bytes kept (its first and last; raise --max-output)"
            ]
        );
        assert!(cut_notes("win-a", &Captured::default()).is_empty());
    }

    #[test]
    fn out_of_range_remote_codes_are_failures_with_their_real_code() {
        let r = FanoutReport::new(vec![outcome("win-a", Ok(256), None), outcome("win-b", Ok(0), None)]);
        assert_eq!((r.succeeded, r.failed), (1, 1));
        assert_eq!(r.results[0].exit_code, Some(256));
        assert!(render_summary(&r).lines().any(|l| l.starts_with("win-a") && l.contains(" 256 ")));
    }
}
