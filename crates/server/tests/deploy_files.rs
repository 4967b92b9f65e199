//! The deployment files, checked by parsing them: no Docker engine, compose tool or Kubernetes
//! cluster runs where the tests do, so this is what stands between a typo in
//! `docker-compose.yaml`, `deploy/Dockerfile` or `deploy/k8s/*.yaml` and an operator.
//!
//! What the files promise: every image is pinned to a version; every store has a health check
//! and a named volume; the app starts only once its stores are healthy, runs as a non-root user,
//! is probed on `/readyz` and `/healthz` and gets its JWT secret from a secret, never from the
//! repository; and every `CHAT_*` variable the files set is one the server really reads and the
//! README documents. The list of variables the server reads is not written down here: it is
//! found at test time by scanning `crates/server/src` for string literals such as
//! `"CHAT_DATABASE_URL"`, so the test follows the code.
//!
//! Layout: this file holds the readers the modules share; `deploy_files/compose.rs`,
//! `dockerfile.rs` and `kubernetes.rs` test one kind of file each, and `configuration.rs` tests
//! the variable names across all of them.

// A test crate's root sits in `tests/`, so its modules are found only through `#[path]`.
#[path = "deploy_files/compose.rs"]
mod compose;
#[path = "deploy_files/configuration.rs"]
mod configuration;
#[path = "deploy_files/dockerfile.rs"]
mod dockerfile;
#[path = "deploy_files/kubernetes.rs"]
mod kubernetes;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_norway::Value;

/// What the server waits for in-flight work when `CHAT_SHUTDOWN_GRACE_SECS` is unset (the
/// default in `crates/server/src/settings.rs`).
const DEFAULT_SHUTDOWN_GRACE_SECS: u64 = 30;

/// The workspace root: this crate lives in `crates/server`.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The text of a file, by its path from the workspace root.
fn read(relative: &str) -> String {
    let path = repo_root().join(relative);
    fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
}

/// Every YAML document of a file, with `<<` merge keys applied the way Compose and kubectl
/// apply them.
fn yaml_documents(relative: &str) -> Vec<Value> {
    let text = read(relative);
    serde_norway::Deserializer::from_str(&text)
        .map(|document| {
            let mut value = Value::deserialize(document)
                .unwrap_or_else(|error| panic!("{relative} is not valid YAML: {error}"));
            value
                .apply_merge()
                .unwrap_or_else(|error| panic!("{relative} has a bad `<<` merge: {error}"));
            value
        })
        .filter(|value| !value.is_null())
        .collect()
}

/// The only YAML document of a file.
fn yaml(relative: &str) -> Value {
    let mut documents = yaml_documents(relative);
    assert_eq!(
        documents.len(),
        1,
        "{relative} should hold exactly one YAML document"
    );
    documents.remove(0)
}

/// A scalar as the string a process would see in its environment (`8080` and `true` included).
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// `Ok` when `image` cannot silently change under an operator: it names a digest, or a tag with
/// at least `major.minor` (`postgres:16.10-alpine`, `rust:1.95.0-slim-bookworm`). A missing tag,
/// `latest`, a bare major or a codename (`debian:bookworm-slim`) moves with every release.
fn check_pinned(image: &str) -> Result<(), String> {
    if image.contains("@sha256:") {
        return Ok(());
    }
    let name_start = image.rfind('/').map_or(0, |slash| slash + 1);
    let Some(colon) = image[name_start..].find(':') else {
        return Err(format!("{image}: no tag, so it means `latest`"));
    };
    let tag = &image[name_start + colon + 1..];
    if tag == "latest" {
        return Err(format!("{image}: `latest` moves with every release"));
    }
    let has_version = tag.as_bytes().windows(3).any(|window| {
        window[0].is_ascii_digit() && window[1] == b'.' && window[2].is_ascii_digit()
    });
    if has_version {
        Ok(())
    } else {
        Err(format!("{image}: the tag names no `major.minor` version"))
    }
}

/// Every `CHAT_*` name that appears as a whole string literal in the server's source: the
/// variables the server reads.
fn server_env_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut folders = vec![repo_root().join("crates/server/src")];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("listing {}: {error}", folder.display()));
        for entry in entries {
            let path = entry.expect("a readable directory entry").path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                let source = fs::read_to_string(&path)
                    .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
                names.extend(chat_names_in_string_literals(&source));
            }
        }
    }
    names
}

/// The `CHAT_[A-Z0-9_]+` names of `source` that make up a whole string literal (`"CHAT_X"`),
/// not those inside a sentence or a doc comment.
fn chat_names_in_string_literals(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (start, _) in source.match_indices("\"CHAT_") {
        let rest = &source[start + 1..];
        let length = rest
            .bytes()
            .take_while(|byte| byte.is_ascii_uppercase() || byte.is_ascii_digit() || *byte == b'_')
            .count();
        if length > "CHAT_".len() && rest[length..].starts_with('"') {
            names.push(rest[..length].to_owned());
        }
    }
    names
}

/// The names in the first column of the README's `## Configuration` table.
fn readme_configuration_names() -> BTreeSet<String> {
    let readme = read("README.md");
    let section = readme
        .split("\n## ")
        .find(|section| section.starts_with("Configuration"))
        .expect("README.md has a `## Configuration` section");
    section
        .lines()
        .filter(|line| line.starts_with('|'))
        .filter_map(|line| line.split('|').nth(1))
        .filter_map(|cell| cell.trim().strip_prefix('`')?.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_pin_check_accepts_versions_and_digests_only() {
    for pinned in [
        "postgres:16.10-alpine",
        "rust:1.95.0-slim-bookworm",
        "ghcr.io/x/y:2.1",
        "redis@sha256:ab",
    ] {
        assert_eq!(check_pinned(pinned), Ok(()), "{pinned} is pinned");
    }
    for moving in [
        "postgres",
        "postgres:latest",
        "mongo:7",
        "debian:bookworm-slim",
        "localhost:5000/app",
    ] {
        assert!(check_pinned(moving).is_err(), "{moving} moves, yet passed");
    }
}
