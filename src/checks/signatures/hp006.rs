//! HP006's log signatures: the account the container runs as lacks a privilege.

use crate::checks::signature::Signature;

pub const SIGNATURES: &[Signature] = &[Signature {
    id: "privilege-not-held",
    all: &["a required privilege is not held by the client"],
    any: &[],
    cause: "the process needs a privilege (symbolic links, backup/restore, token or driver operations) that its runAsUserName does not hold: NT AUTHORITY\\Local service, NetworkService and the ephemeral user of a local group run with few privileges (ERROR_PRIVILEGE_NOT_HELD).",
    fix: "run the container as NT AUTHORITY\\SYSTEM (runAsUserName), or grant the privilege to the local group it runs in",
    source: "https://github.com/cloudwego/hertz/issues/739",
    example: "symlink D:\\goproject\\bin\\hz.exe D:\\goproject\\bin\\protoc-gen-hertz.exe: A required privilege is not held by the client.",
    layout: false,
    last_line: false,
}];
