//! Live evidence: events and status text of a pod or workload (`Source::Cluster` only), and
//! findings that carry it.

use crate::finding::Finding;
use crate::snapshot::{Snapshot, Source, SpecRef, UNKNOWN_EXIT};

use super::containers::container_path;
use super::rule::Rule;

/// Where a piece of live evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObservationKind {
    /// A core/v1 Event on the object.
    Event,
    /// `state.waiting` of a container status.
    Waiting,
    /// `state.terminated` of a container status.
    Terminated,
    /// `lastState.terminated` of a container status.
    LastTerminated,
    /// A pod condition (`PodScheduled` …) with a reason or message.
    Condition,
}

/// One event or status message about a pod or workload.
#[derive(Debug, Clone)]
pub struct Observation<'a> {
    pub kind: ObservationKind,
    pub reason: &'a str,
    pub message: &'a str,
    /// The container it is about (event `fieldPath` `spec.containers{x}`, or the status entry).
    pub container: Option<&'a str>,
    pub exit_code: Option<i32>,
    /// Condition type for [`ObservationKind::Condition`].
    pub condition: Option<&'a str>,
}

impl<'a> Observation<'a> {
    /// An observation with this reason and message, about no container in particular.
    fn of(kind: ObservationKind, reason: &'a Option<String>, message: &'a Option<String>) -> Self {
        Observation {
            kind,
            reason: reason.as_deref().unwrap_or(""),
            message: message.as_deref().unwrap_or(""),
            container: None,
            exit_code: None,
            condition: None,
        }
    }

    /// `Reason: message`, the evidence format of the findings contract.
    pub fn line(&self) -> String {
        let mut msg = self.message.trim().to_string();
        if matches!(self.kind, ObservationKind::Terminated | ObservationKind::LastTerminated) {
            let code = self.exit_code.map(|c| format!("exit code {c}")).unwrap_or_else(|| "exit code unknown".into());
            msg = match (code.is_empty(), msg.is_empty()) {
                (false, false) => format!("{code}: {msg}"),
                (false, true) => code,
                _ => msg,
            };
        }
        match (self.reason.is_empty(), msg.is_empty()) {
            (false, false) => format!("{}: {}", self.reason, msg),
            (false, true) => self.reason.to_string(),
            _ => msg,
        }
    }

    /// True when the message contains any of the needles.
    pub fn mentions(&self, needles: &[&str]) -> bool {
        needles.iter().any(|n| self.message.contains(n))
    }
}

/// The container named in an event's `involvedObject.fieldPath` (`spec.containers{name}`).
fn field_path_container(path: &str) -> Option<&str> {
    let open = path.find('{')?;
    let close = path[open..].find('}')? + open;
    Some(&path[open + 1..close])
}

/// Events and status messages of a spec's object: for a pod its events, container statuses
/// and conditions; for a workload its own events (e.g. `FailedCreate`). Empty unless the
/// snapshot comes from a cluster.
pub fn observations<'a>(snapshot: &'a Snapshot, spec: &SpecRef<'a>) -> Vec<Observation<'a>> {
    let mut out = Vec::new();
    if snapshot.source != Source::Cluster {
        return out;
    }
    for e in snapshot.events_for(spec.object) {
        out.push(Observation {
            container: e.involved_object.field_path.as_deref().and_then(field_path_container),
            ..Observation::of(ObservationKind::Event, &e.reason, &e.message)
        });
    }
    let Some(pod) = spec.pod else { return out };
    let Some(status) = pod.status.as_ref() else { return out };
    let lists = [&status.init_container_statuses, &status.container_statuses, &status.ephemeral_container_statuses];
    for cs in lists.into_iter().flatten().flatten() {
        let name = Some(cs.name.as_str());
        if let Some(w) = cs.state.as_ref().and_then(|s| s.waiting.as_ref()) {
            out.push(Observation {
                container: name,
                ..Observation::of(ObservationKind::Waiting, &w.reason, &w.message)
            });
        }
        let terminated = [
            (ObservationKind::Terminated, cs.state.as_ref()),
            (ObservationKind::LastTerminated, cs.last_state.as_ref()),
        ];
        for (kind, state) in terminated {
            if let Some(t) = state.and_then(|s| s.terminated.as_ref()) {
                out.push(Observation {
                    container: name,
                    exit_code: Some(t.exit_code).filter(|c| *c != UNKNOWN_EXIT),
                    ..Observation::of(kind, &t.reason, &t.message)
                });
            }
        }
    }
    for c in status.conditions.iter().flatten() {
        if c.status == "True" && c.reason.is_none() {
            continue;
        }
        if c.reason.is_none() && c.message.is_none() {
            continue;
        }
        out.push(Observation {
            condition: Some(c.type_.as_str()),
            ..Observation::of(ObservationKind::Condition, &c.reason, &c.message)
        });
    }
    out
}

/// Observations whose message mentions any needle, grouped by container (spec-level first,
/// then containers in the order they first appear).
pub fn observed_groups<'a>(
    obs: &[Observation<'a>],
    keep: impl Fn(&Observation<'a>) -> bool,
) -> Vec<(Option<&'a str>, Vec<Observation<'a>>)> {
    let mut groups: Vec<(Option<&'a str>, Vec<Observation<'a>>)> = Vec::new();
    for o in obs.iter().filter(|o| keep(o)) {
        match groups.iter_mut().find(|(c, _)| *c == o.container) {
            Some((_, v)) => v.push(o.clone()),
            None => groups.push((o.container, vec![o.clone()])),
        }
    }
    groups.sort_by_key(|(c, _)| c.is_some());
    groups
}

/// Distinct evidence lines, newest last, at most `max` (the newest ones).
pub fn evidence_lines(obs: &[Observation<'_>], max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for o in obs {
        let l = o.line();
        lines.retain(|x| x != &l);
        lines.push(l);
    }
    let skip = lines.len().saturating_sub(max);
    lines.into_iter().skip(skip).collect()
}

/// Attach evidence lines to a finding.
pub fn with_evidence(mut f: Finding, obs: &[Observation<'_>]) -> Finding {
    f.evidence.extend(evidence_lines(obs, 3));
    f
}

/// A finding about a spec, placed at a container when the evidence names one.
pub fn finding_at_container(
    rule: &Rule,
    spec: &SpecRef<'_>,
    container: Option<&str>,
    rest: &str,
    message: impl Into<String>,
    fix: impl Into<String>,
) -> Finding {
    let path = container.and_then(|c| container_path(spec.spec, c));
    let field = match (&path, rest.is_empty()) {
        (Some(p), true) => p.clone(),
        (Some(p), false) => format!("{p}.{rest}"),
        (None, _) => String::new(),
    };
    let f = rule.finding(spec, &field, message, fix);
    match container {
        Some(c) => f.with_container(c),
        None => f,
    }
}

/// `"a", "b"` — names quoted and joined the way Kubernetes messages list them.
pub fn join_quoted<S: AsRef<str>>(names: &[S]) -> String {
    names.iter().map(|n| format!("\"{}\"", n.as_ref())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::testutil;

    #[test]
    fn observation_lines() {
        let s = testutil::cluster_pod(
            r#"{"containers":[{"name":"a"}]}"#,
            r#"{"containerStatuses":[{"name":"a","image":"x","imageID":"","ready":false,"restartCount":1,
                "state":{"waiting":{"reason":"ErrImagePull","message":"boom"}},
                "lastState":{"terminated":{"exitCode":2,"reason":"Error"}}}]}"#,
        );
        let spec = s.specs().remove(0);
        let lines: Vec<String> = observations(&s, &spec).iter().map(Observation::line).collect();
        assert_eq!(lines, ["ErrImagePull: boom", "Error: exit code 2"]);
    }
}
