//! The `CHAT_*` variable names across the deploy files, the server's source and the README.
//!
//! The server's source is the truth: a name the files set but the server does not read is a
//! typo or a setting that silently does nothing, and a name the server reads but the README
//! does not list is one no operator will find.

use std::collections::BTreeSet;

use super::{
    chat_names_in_string_literals, compose, dockerfile, kubernetes, readme_configuration_names,
    scalar, server_env_names,
};

/// Every `CHAT_*` name the deploy files set, each with where it is set.
fn names_set_by_the_deploy_files() -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (name, service) in compose::services() {
        let service_name = scalar(&name).unwrap_or_default();
        for (variable, _) in compose::environment(&service) {
            found.push((
                variable,
                format!("docker-compose.yaml, service {service_name}"),
            ));
        }
    }
    for variable in dockerfile::env_names() {
        found.push((variable, "deploy/Dockerfile, ENV".to_owned()));
    }
    let config_map = kubernetes::config_map();
    for (key, _) in config_map["data"].as_mapping().into_iter().flatten() {
        found.push((
            scalar(key).unwrap_or_default(),
            "deploy/k8s ConfigMap".to_owned(),
        ));
    }
    for container in kubernetes::containers(&kubernetes::deployment()) {
        let container_name = scalar(&container["name"]).unwrap_or_default();
        for entry in container["env"].as_sequence().into_iter().flatten() {
            let variable = scalar(&entry["name"]).unwrap_or_default();
            found.push((
                variable,
                format!("deploy/k8s Deployment, container {container_name}"),
            ));
        }
    }
    found.retain(|(variable, _)| variable.starts_with("CHAT_"));
    found
}

#[test]
fn the_source_scan_finds_the_variables_the_settings_read() {
    // Guards the other tests: a scan that found nothing would let any name through.
    let names = server_env_names();
    for expected in ["CHAT_HTTP_ADDR", "CHAT_DATABASE_URL", "CHAT_JWT_SECRET"] {
        assert!(
            names.contains(expected),
            "{expected} not found in crates/server/src: {names:?}"
        );
    }
}

#[test]
fn the_scan_takes_whole_string_literals_only() {
    let source = r#"
        /// `CHAT_IN_A_DOC` is not read here.
        let a = get("CHAT_READ_ME");
        bail!("CHAT_IN_A_SENTENCE must be set");
        let b = "CHAT_";
    "#;
    assert_eq!(
        chat_names_in_string_literals(source),
        vec!["CHAT_READ_ME".to_owned()]
    );
}

#[test]
fn every_chat_variable_the_deploy_files_set_is_one_the_server_reads() {
    let known = server_env_names();
    let unknown: Vec<String> = names_set_by_the_deploy_files()
        .into_iter()
        .filter(|(variable, _)| !known.contains(variable))
        .map(|(variable, place)| format!("{variable} ({place})"))
        .collect();
    assert!(
        unknown.is_empty(),
        "the deploy files set variables that crates/server/src never reads:\n  {}\n\
         the server reads: {known:?}",
        unknown.join("\n  ")
    );
}

#[test]
fn the_readme_configuration_table_lists_every_variable_the_server_reads() {
    let documented = readme_configuration_names();
    let missing: BTreeSet<String> = server_env_names()
        .difference(&documented)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "README.md's configuration table lacks {missing:?} (it lists {documented:?})"
    );
}
