//! Unit tests of `redact`, on the public samples of `testdata/redact/` (sources in SOURCES.md).

use super::*;

fn sample(name: &str) -> String {
    let path = format!("{}/src/bundle/testdata/redact/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(text: &str) -> (String, u32) {
    let (out, n) = redact("x", text.as_bytes());
    (String::from_utf8(out).unwrap(), n)
}

/// Redacting the output again changes nothing and counts nothing.
fn assert_idempotent(out: &str) {
    let (again, n) = run(out);
    assert_eq!(n, 0, "second pass redacted more in:\n{out}");
    assert_eq!(again, out);
}

#[test]
fn every_rule_compiles_and_has_three_groups() {
    for (rule, re) in RULES.iter().zip(COMPILED.iter()) {
        assert_eq!(re.captures_len(), 4, "rule {} needs groups prefix, value, suffix", rule.name);
    }
}

#[test]
fn kubeconfig_credentials_are_redacted_and_the_rest_is_kept() {
    let (out, n) = run(&sample("kubeconfig.yaml"));
    assert_eq!(n, 4, "client-certificate-data, client-key-data, password, token:\n{out}");
    assert!(out.contains("    client-key-data: [REDACTED]\n"), "{out}");
    assert!(out.contains("    client-certificate-data: [REDACTED]\n"), "{out}");
    assert!(out.contains("    password: [REDACTED]\n"), "{out}");
    assert!(out.contains("    token: [REDACTED]\n"), "{out}");
    assert!(!out.contains("f395accd246ae52d") && !out.contains("some-password"));
    // The CA (public), servers and user names stay: support needs them.
    assert!(out.contains("certificate-authority-data: LS0tLS1CRUdJTiBDRVJU"));
    assert!(out.contains("server: https://10.240.0.4:443") && out.contains("username: exp"));
    assert_idempotent(&out);
}

#[test]
fn containerd_registry_auth_is_redacted_on_windows_config() {
    let (out, n) = run(&sample("containerd-config.toml"));
    assert_eq!(n, 3, "auth, password, identitytoken:\n{out}");
    assert!(out.contains("          auth = \"[REDACTED]\"\n"), "{out}");
    assert!(out.contains("          password = '[REDACTED]'\n"), "{out}");
    assert!(out.contains("          identitytoken = \"[REDACTED]\"\n"), "{out}");
    // Table headers ending in `.auth]`, paths and the pipe address are untouched.
    assert!(out.contains(r#"[plugins."io.containerd.grpc.v1.cri".registry.configs."my-registry.com".auth]"#));
    assert!(out.contains(r#"conf_dir = "C:\\k\\azurecni\\netconf""#));
    assert!(out.contains(r#"address = "\\\\.\\pipe\\containerd-containerd""#));
    assert!(out.contains("username = \"_json_key\""));
    assert_idempotent(&out);
}

#[test]
fn hosts_toml_password_is_redacted() {
    let (out, n) = run(&sample("hosts.toml"));
    assert_eq!(n, 1, "{out}");
    assert!(out.contains("\tpassword = \"[REDACTED]\"\n") && out.contains("\tusername = \"xxxxx\""));
}

#[test]
fn bearer_tokens_in_client_go_log_lines_are_redacted() {
    let (out, n) = run(&sample("client-go-bearer.log"));
    assert_eq!(n, 2, "{out}");
    assert!(!out.contains("VHdkVXZvYzlvS1RVUW9Pc0Y3OWZDcDIr"), "{out}");
    assert_eq!(out.matches(r#"-H "Authorization: Bearer [REDACTED]""#).count(), 2, "{out}");
    assert!(out.contains(r#"failed to get node "w1" when trying to set owner ref"#));
    assert_idempotent(&out);
}

#[test]
fn aks_engine_custom_script_secrets_are_redacted() {
    let (out, n) = run(&sample("aks-engine-cse.txt"));
    assert_eq!(n, 2, "-AgentKey and -AADClientSecret:\n{out}");
    assert!(out.contains("-AgentKey [REDACTED] -AADClientId 11111111-2222"), "{out}");
    assert!(out.contains("-AADClientSecret ''[REDACTED]'' -NetworkAPIVersion"), "{out}");
    assert!(out.contains("-MasterIP 10.255.255.5"));
    assert_idempotent(&out);
}

#[test]
fn az_cli_argument_lists_are_redacted() {
    let (out, n) = run(&sample("az-aks-create-args.txt"));
    assert_eq!(n, 2, "{out}");
    assert!(out.contains("'--windows-admin-password', '[REDACTED]'"), "{out}");
    assert!(out.contains("'--client-secret', '[REDACTED]'"), "{out}");
    assert!(out.contains("'--service-principal', 'da2013fb-af03-4dd8-a376-e69b59d032d1'"));
    assert_idempotent(&out);
}

#[test]
fn kubeadm_join_token_is_redacted_but_not_the_ca_hash() {
    let (out, n) = run(&sample("kubeadm-join.txt"));
    assert_eq!(n, 1, "{out}");
    assert!(out.contains("kubeadm join --token [REDACTED] 10.240.0.4:6443"), "{out}");
    assert!(out.contains("--discovery-token-ca-cert-hash sha256:1234..cdef"));
}

#[test]
fn pem_private_keys_are_redacted_certificates_kept() {
    let (out, n) = run(&sample("private-key.pem"));
    assert_eq!(n, 1, "{out}");
    assert!(out.contains("-----BEGIN PRIVATE KEY-----[REDACTED]-----END PRIVATE KEY-----"), "{out}");
    assert!(out.contains("MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn"), "the certificate stays");
    assert!(!out.contains("MIGEAgEAMBAGByqGSM49"));
    // A block cut before its END line is redacted to the end.
    let (cut, n) = run("-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\nMIIE");
    assert_eq!((cut.as_str(), n), ("-----BEGIN RSA PRIVATE KEY-----[REDACTED]", 1));
    assert_idempotent(&out);
}

#[test]
fn command_line_flags_jwts_headers_and_urls() {
    let cases = [
        ("kubelet.exe --token=s3cr3t --v=2", "kubelet.exe --token=[REDACTED] --v=2"),
        ("x.exe --password \"hunter2\" -y", "x.exe --password \"[REDACTED]\" -y"),
        ("New-X -Password:P@ss -Force", "New-X -Password:[REDACTED] -Force"),
        ("New-X -Password -Force", "New-X -Password -Force"),
        (
            "--token-file=C:\\var\\token --service-account-key-file=k",
            "--token-file=C:\\var\\token --service-account-key-file=k",
        ),
        (
            "$p = ConvertTo-SecureString 'Pa55w0rd!' -AsPlainText -Force",
            "$p = ConvertTo-SecureString '[REDACTED]' -AsPlainText -Force",
        ),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"),
        (r#"{"Authorization":"token abcdef"}"#, r#"{"Authorization":"token [REDACTED]"}"#),
        ("pull https://bob:pa55@registry.local/v2/", "pull https://bob:[REDACTED]@registry.local/v2/"),
        ("sa token eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2ln used", "sa token [REDACTED] used"),
        (r#"msg="{\"password\":\"x1\",\"user\":\"u\"}""#, r#"msg="{\"password\":\"[REDACTED]\",\"user\":\"u\"}""#),
        ("a bearer token was refused", "a bearer token was refused"),
        ("password = \"\"", "password = \"\""),
    ];
    for (input, want) in cases {
        let (out, _) = run(input);
        assert_eq!(out, want, "input: {input}");
        assert_idempotent(&out);
    }
}

#[test]
fn bytes_that_are_not_utf8_are_redacted_too() {
    let mut data = b"\xff\xfe token: abc\n".to_vec();
    data.extend_from_slice(b"\x80 end");
    let (out, n) = redact("logs/kubelet.log", &data);
    assert_eq!(n, 1);
    assert_eq!(out, b"\xff\xfe token: [REDACTED]\n\x80 end".to_vec());
}
