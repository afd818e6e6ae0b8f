use super::*;

fn validations(v: &Value) -> &Vec<Value> {
    v["spec"]["validations"].as_array().unwrap()
}

#[test]
fn every_static_rule_has_a_validation_whose_message_starts_with_its_id() {
    let ids: Vec<&str> = rules().iter().map(|r| r.id).collect();
    for id in ["HP001", "HP002", "HP003", "HP004", "HP005", "HP008", "HP015"] {
        assert!(ids.contains(&id), "{id} has no admission data: {ids:?}");
    }
    let p = policy(&Options::default());
    let msgs: Vec<&str> = validations(&p).iter().map(|v| v["message"].as_str().unwrap()).collect();
    for r in rules() {
        let own: Vec<_> = msgs.iter().filter(|m| m.starts_with(&format!("{} {}: ", r.id, r.name))).collect();
        assert_eq!(own.len(), r.admission.len(), "{}", r.id);
        assert!(own.iter().all(|m| m.contains(r.summary) && m.contains("; fix: ") && !m.contains('\n')), "{own:?}");
    }
    assert_eq!(msgs.len(), rules().iter().map(|r| r.admission.len()).sum::<usize>());
    assert_eq!(p["metadata"]["annotations"]["kubectl-hostprocess/rules"], ids.join(","));
}

#[test]
fn host_process_only_checks_are_guarded() {
    let p = policy(&Options::default());
    let v = validations(&p);
    let hp001 = v.iter().find(|v| v["message"].as_str().unwrap().starts_with("HP001")).unwrap();
    assert!(hp001["expression"].as_str().unwrap().starts_with("!variables.hostProcess || ("));
    let hp003 = v.iter().find(|v| v["message"].as_str().unwrap().starts_with("HP003")).unwrap();
    assert!(!hp003["expression"].as_str().unwrap().contains("variables.hostProcess ||"));
}

#[test]
fn defaults_match_every_pod_kind_and_deny_everywhere() {
    let [p, b] = objects(&Options::default());
    assert_eq!(p["metadata"]["name"], DEFAULT_NAME);
    assert_eq!(b["spec"]["policyName"], DEFAULT_NAME);
    assert_eq!(b["spec"]["validationActions"], json!(["Deny"]));
    assert!(b["spec"].get("matchResources").is_none());
    let resources: Vec<&str> = p["spec"]["matchConstraints"]["resourceRules"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["resources"].as_array().unwrap().iter().map(|x| x.as_str().unwrap()))
        .collect();
    for kind in [
        "pods",
        "daemonsets",
        "deployments",
        "replicasets",
        "statefulsets",
        "jobs",
        "cronjobs",
        "replicationcontrollers",
    ] {
        assert!(resources.contains(&kind), "{kind}");
    }
    let spec = p["spec"]["variables"][0]["expression"].as_str().unwrap();
    assert!(spec.contains("jobTemplate.spec.template.spec") && spec.contains("object.spec.template.spec"));
    // No guardrail without its option.
    let text = p.to_string();
    assert!(GUARDRAIL_IDS.iter().all(|g| !text.contains(g)), "{text}");
}

#[test]
fn options_change_the_output() {
    let o = Options {
        name: "x".into(),
        action: Action::Warn,
        allow_namespaces: vec!["kube-system".into(), "hp".into()],
        allow_image_prefixes: vec!["mcr.microsoft.com/".into()],
        allow_users: vec!["NT AUTHORITY\\SYSTEM".into()],
        namespace_selector: vec![("team".into(), "win".into())],
    };
    let [p, b] = objects(&o);
    assert_eq!((p["metadata"]["name"].as_str(), b["metadata"]["name"].as_str()), (Some("x"), Some("x")));
    assert_eq!(b["spec"]["validationActions"], json!(["Warn"]));
    assert_eq!(b["spec"]["matchResources"]["namespaceSelector"]["matchLabels"], json!({"team": "win"}));
    let v = validations(&p);
    let base = validations(&policy(&Options::default())).len();
    assert_eq!(v.len(), base + 3);
    let guard: Vec<&str> = v[base..].iter().map(|v| v["messageExpression"].as_str().unwrap()).collect();
    for (g, id) in guard.iter().zip(GUARDRAIL_IDS) {
        assert!(g.starts_with(&format!("'{id}: ")), "{g}");
    }
    assert!(v[base]["expression"].as_str().unwrap().contains(r#"["kube-system", "hp"]"#));
    let vars = p["spec"]["variables"].to_string();
    // The account is lower-cased and its backslash escaped for CEL.
    assert!(vars.contains(r#"nt authority\\\\system"#), "{vars}");
    assert!(vars.contains("mcr.microsoft.com/"));
}

#[test]
fn cel_strings_are_escaped() {
    assert_eq!(cel_string(r#"a"b\c"#), r#""a\"b\\c""#);
    assert_eq!(cel_string("x\ny"), r#""x\u000ay""#);
    assert_eq!(cel_list(&["a", "b"]), r#"["a", "b"]"#);
}

#[test]
fn messages_are_one_line_and_built_from_the_rule() {
    let r = crate::checks::find("HP001").unwrap();
    let m = message(r, &r.admission[0]);
    assert!(
        m.starts_with(
            "HP001 host-network-required: HostProcess pods must set hostNetwork: true (spec.hostNetwork); fix: "
        ),
        "{m}"
    );
}
