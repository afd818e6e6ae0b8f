//! `exec` results: the fan-out summary table, a node's grouped output, and the JSON report.

use serde::Serialize;

use crate::exec::fanout::NodeOutcome;

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
                    }
                })
                .collect(),
        }
    }
}

/// One node's captured output under a `=== node ===` heading (stdout), its stderr after it.
pub fn print_group(node: &str, out: &[u8], err: &[u8]) {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "=== {node} ===");
    let _ = o.write_all(out);
    if !out.is_empty() && !out.ends_with(b"\n") {
        let _ = writeln!(o);
    }
    drop(o);
    let _ = std::io::stderr().lock().write_all(err);
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
    use crate::exec::fanout::Captured;
    use crate::exec::plan::{Request, options_at};
    use std::time::Duration;

    fn outcome(node: &str, result: Result<i32, Error>, captured: Option<Captured>) -> NodeOutcome {
        let pod = options_at(&Request::default(), "ops", node, std::time::UNIX_EPOCH, "abcde").unwrap();
        NodeOutcome { pod, result, duration: Duration::from_millis(1234), captured }
    }

    fn report() -> FanoutReport {
        FanoutReport::new(vec![
            outcome("win-a", Ok(0), Some(Captured { stdout: b"hi\n".to_vec(), stderr: vec![] })),
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
                "durationSeconds": 1.234, "error": null, "stdout": "hi\n", "stderr": ""})
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
}
