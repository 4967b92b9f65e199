//! `deploy/k8s/`: replicas, probes, a non-root read-only pod, the JWT secret from a Secret, a
//! shutdown that outlasts the server's own grace, and a Service that reaches the pods.

use std::fs;

use serde_norway::Value;

use super::{check_pinned, repo_root, scalar, yaml_documents, DEFAULT_SHUTDOWN_GRACE_SECS};

const FOLDER: &str = "deploy/k8s";

/// Every manifest of the folder with the file it came from.
fn manifests() -> Vec<(String, Value)> {
    let folder = repo_root().join(FOLDER);
    let mut files: Vec<String> = fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("listing {}: {error}", folder.display()))
        .map(|entry| entry.expect("a readable directory entry").file_name())
        .filter_map(|name| name.to_str().map(str::to_owned))
        .filter(|name| name.ends_with(".yaml") || name.ends_with(".yml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .flat_map(|file| {
            yaml_documents(&format!("{FOLDER}/{file}"))
                .into_iter()
                .map(move |doc| (file.clone(), doc))
        })
        .collect()
}

/// The one manifest of `kind`.
fn the(kind: &str) -> Value {
    let mut found: Vec<Value> = manifests()
        .into_iter()
        .filter(|(_, doc)| doc["kind"] == kind)
        .map(|(_, doc)| doc)
        .collect();
    assert_eq!(found.len(), 1, "{FOLDER} should hold exactly one {kind}");
    found.remove(0)
}

pub(crate) fn deployment() -> Value {
    the("Deployment")
}

pub(crate) fn config_map() -> Value {
    the("ConfigMap")
}

/// The Deployment's containers, init containers included.
pub(crate) fn containers(deployment: &Value) -> Vec<Value> {
    let spec = &deployment["spec"]["template"]["spec"];
    ["initContainers", "containers"]
        .iter()
        .filter_map(|list| spec[*list].as_sequence())
        .flatten()
        .cloned()
        .collect()
}

/// The container that serves: the one with a port.
fn server_container(deployment: &Value) -> Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|container| container["ports"].is_sequence())
        .cloned()
        .expect("the Deployment has a container with ports")
}

fn env_entry(container: &Value, name: &str) -> Option<Value> {
    container["env"]
        .as_sequence()?
        .iter()
        .find(|entry| entry["name"] == name)
        .cloned()
}

/// `selector` ⊆ `labels`: every key of the selector has the same value among the labels.
fn selects(selector: &Value, labels: &Value) -> bool {
    selector.as_mapping().is_some_and(|selector| {
        !selector.is_empty()
            && selector
                .iter()
                .all(|(key, value)| labels.get(key) == Some(value))
    })
}

#[test]
fn the_deployment_runs_several_replicas() {
    let replicas = deployment()["spec"]["replicas"]
        .as_u64()
        .expect("spec.replicas is set");
    assert!(
        replicas >= 2,
        "{replicas} replica(s): one pod restart would take the chat down"
    );
}

#[test]
fn the_server_is_probed_for_readiness_on_readyz_and_liveness_on_healthz() {
    let server = server_container(&deployment());
    assert_eq!(
        server["readinessProbe"]["httpGet"]["path"], "/readyz",
        "readiness must follow the stores, so the Service skips a pod that cannot work"
    );
    assert_eq!(
        server["livenessProbe"]["httpGet"]["path"], "/healthz",
        "liveness must not follow the stores, or a store outage restarts every pod"
    );
}

#[test]
fn every_container_runs_as_non_root_on_a_read_only_root_filesystem() {
    let deployment = deployment();
    let pod_says_non_root =
        deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] == true;
    for container in containers(&deployment) {
        let name = scalar(&container["name"]).unwrap_or_default();
        let context = &container["securityContext"];
        assert!(
            context["runAsNonRoot"] == true
                || (pod_says_non_root && context["runAsNonRoot"] != false),
            "container {name} may run as root"
        );
        assert_eq!(
            context["readOnlyRootFilesystem"], true,
            "container {name} can write its image"
        );
    }
}

#[test]
fn every_image_of_the_deployment_is_pinned_to_a_version() {
    for container in containers(&deployment()) {
        let name = scalar(&container["name"]).unwrap_or_default();
        if let Err(problem) = check_pinned(container["image"].as_str().unwrap_or_default()) {
            panic!("container {name} is not pinned: {problem}");
        }
    }
}

#[test]
fn the_data_dir_is_a_writable_empty_dir() {
    let deployment = deployment();
    let data_dir =
        scalar(&config_map()["data"]["CHAT_DATA_DIR"]).expect("CHAT_DATA_DIR in the ConfigMap");
    let server = server_container(&deployment);
    let mount = server["volumeMounts"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|mount| mount["mountPath"] == data_dir.as_str())
        .unwrap_or_else(|| panic!("nothing is mounted on {data_dir} of a read-only filesystem"));
    let volume = deployment["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|volume| volume["name"] == mount["name"])
        .expect("the volume mounted on the data dir is declared");
    assert!(
        volume.get("emptyDir").is_some(),
        "the data dir's volume is no emptyDir: {volume:?}"
    );
}

#[test]
fn the_jwt_secret_comes_from_a_secret_and_never_from_the_config_map() {
    let example = the("Secret");
    for container in containers(&deployment()) {
        let name = scalar(&container["name"]).unwrap_or_default();
        let entry = env_entry(&container, "CHAT_JWT_SECRET")
            .unwrap_or_else(|| panic!("container {name} does not set CHAT_JWT_SECRET"));
        let reference = &entry["valueFrom"]["secretKeyRef"];
        assert_eq!(
            reference["name"], example["metadata"]["name"],
            "container {name} names another Secret"
        );
        let key = reference["key"].as_str().expect("secretKeyRef.key");
        assert!(
            example["stringData"].get(key).is_some(),
            "container {name} reads key {key:?}, which secret.example.yaml does not show"
        );
    }
    assert!(
        config_map()["data"].get("CHAT_JWT_SECRET").is_none(),
        "the ConfigMap holds the JWT secret"
    );
}

#[test]
fn a_terminating_pod_has_time_to_leave_the_service_and_drain() {
    let deployment = deployment();
    let grace = scalar(&config_map()["data"]["CHAT_SHUTDOWN_GRACE_SECS"])
        .map_or(DEFAULT_SHUTDOWN_GRACE_SECS, |value| {
            value.parse().expect("a number")
        });
    let pre_stop: Vec<String> = server_container(&deployment)["lifecycle"]["preStop"]["exec"]
        ["command"]
        .as_sequence()
        .expect("a preStop command, so the Service stops routing before SIGTERM")
        .iter()
        .filter_map(scalar)
        .collect();
    let sleep: u64 = match pre_stop.as_slice() {
        [command, seconds] if command == "sleep" => seconds.parse().expect("sleep seconds"),
        other => panic!("the preStop hook is not `sleep N`: {other:?}"),
    };
    assert!(
        sleep > 0,
        "a preStop sleep of 0 s gives the endpoints no time to update"
    );
    let termination = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        .as_u64()
        .expect("terminationGracePeriodSeconds is set (the default, 30 s, is too short)");
    assert!(
        termination > sleep + grace,
        "terminationGracePeriodSeconds {termination} does not cover the {sleep}s preStop sleep \
         plus the server's {grace}s shutdown grace"
    );
}

#[test]
fn the_service_routes_to_the_deployment_pods() {
    let deployment = deployment();
    let service = the("Service");
    let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
    assert!(selects(
        &deployment["spec"]["selector"]["matchLabels"],
        pod_labels
    ));
    assert!(
        selects(&service["spec"]["selector"], pod_labels),
        "the Service's selector matches no pod of the Deployment"
    );
    let ports = server_container(&deployment)["ports"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    for port in service["spec"]["ports"]
        .as_sequence()
        .expect("Service ports")
    {
        let target = &port["targetPort"];
        assert!(
            ports.iter().any(|pod_port| &pod_port["name"] == target || &pod_port["containerPort"] == target),
            "the Service's targetPort {target:?} is no port of the server container"
        );
    }
}

#[test]
fn the_example_secret_holds_placeholders_only() {
    let example = the("Secret");
    assert!(
        example.get("data").is_none(),
        "base64 `data` could hide a real value; use stringData"
    );
    let values = example["stringData"].as_mapping().expect("stringData");
    for (key, value) in values {
        let value = value.as_str().unwrap_or_default();
        let key = scalar(key).unwrap_or_default();
        assert!(
            value.contains("REPLACE-ME"),
            "{key} in secret.example.yaml looks real: {value:?}"
        );
    }
}

#[test]
fn the_kustomization_applies_every_manifest_but_the_secret() {
    let kustomization = the("Kustomization");
    let listed: Vec<String> = kustomization["resources"]
        .as_sequence()
        .expect("kustomization resources")
        .iter()
        .filter_map(scalar)
        .collect();
    for (file, doc) in manifests() {
        let kind = doc["kind"].as_str().unwrap_or_default();
        match kind {
            "Kustomization" => {}
            "Secret" => assert!(
                !listed.contains(&file),
                "the example Secret would be applied"
            ),
            _ => assert!(
                listed.contains(&file),
                "{file} ({kind}) is not in kustomization.yaml"
            ),
        }
    }
    for file in &listed {
        assert!(
            repo_root().join(FOLDER).join(file).is_file(),
            "kustomization lists missing {file}"
        );
    }
}
