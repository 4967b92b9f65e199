//! `docker-compose.yaml`: the stores, their health checks and volumes, and how the app nodes
//! wait for them, reach them and stop.

use serde_norway::{Mapping, Value};

use super::{check_pinned, scalar, yaml, DEFAULT_SHUTDOWN_GRACE_SECS};

const FILE: &str = "docker-compose.yaml";

/// The store services and the scheme of the URL the app uses to reach each.
const STORES: [(&str, &str); 3] = [
    ("postgres", "postgres://"),
    ("mongodb", "mongodb://"),
    ("redis", "redis://"),
];

pub(crate) fn services() -> Mapping {
    yaml(FILE)["services"]
        .as_mapping()
        .cloned()
        .expect("docker-compose.yaml has a `services` mapping")
}

/// The services built from `deploy/Dockerfile`: the chat-server nodes.
pub(crate) fn app_services() -> Vec<(String, Value)> {
    let nodes: Vec<(String, Value)> = services()
        .into_iter()
        .filter(|(_, service)| service["build"]["dockerfile"] == "deploy/Dockerfile")
        .map(|(name, service)| (scalar(&name).expect("a service name"), service))
        .collect();
    assert!(
        !nodes.is_empty(),
        "no compose service is built from deploy/Dockerfile"
    );
    nodes
}

/// A service's `environment`, written either as a mapping or as a list of `NAME=value`.
pub(crate) fn environment(service: &Value) -> Vec<(String, String)> {
    match &service["environment"] {
        Value::Mapping(variables) => variables
            .iter()
            .map(|(name, value)| {
                let name = scalar(name).expect("an environment variable name");
                (name, scalar(value).unwrap_or_default())
            })
            .collect(),
        Value::Sequence(entries) => entries
            .iter()
            .filter_map(Value::as_str)
            .map(|entry| match entry.split_once('=') {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (entry.to_owned(), String::new()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn variable(service: &Value, name: &str) -> Option<String> {
    environment(service)
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// Seconds of a Compose duration such as `40s`, `1m` or `1m30s`.
fn seconds(duration: &str) -> u64 {
    let (minutes, rest) = duration.split_once('m').unwrap_or(("0", duration));
    let rest = rest.strip_suffix('s').unwrap_or(rest);
    let number = |text: &str| -> u64 {
        if text.is_empty() {
            0
        } else {
            text.parse()
                .unwrap_or_else(|_| panic!("{duration:?} is not a duration like 40s"))
        }
    };
    number(minutes) * 60 + number(rest)
}

#[test]
fn compose_runs_postgres_mongodb_redis_and_the_app() {
    let services = services();
    for name in ["postgres", "mongodb", "redis", "app"] {
        assert!(
            services.contains_key(name),
            "docker-compose.yaml has no `{name}` service"
        );
    }
    assert!(
        app_services().iter().any(|(name, _)| name == "app"),
        "the `app` service is not built from deploy/Dockerfile"
    );
}

#[test]
fn every_pulled_image_is_pinned_to_a_version() {
    for (name, service) in services() {
        let name = scalar(&name).unwrap_or_default();
        // A service with `build` names the image it builds, not one it pulls.
        if service.get("build").is_some() {
            continue;
        }
        let image = service["image"]
            .as_str()
            .unwrap_or_else(|| panic!("service {name} has neither `build` nor `image`"));
        if let Err(problem) = check_pinned(image) {
            panic!("service {name} is not pinned: {problem}");
        }
    }
}

#[test]
fn every_store_has_a_healthcheck_and_keeps_its_data_in_a_named_volume() {
    let compose = yaml(FILE);
    for (store, _) in STORES {
        let service = &compose["services"][store];
        let check = &service["healthcheck"]["test"];
        assert!(
            check.as_sequence().is_some_and(|words| words.len() > 1) || check.is_string(),
            "{store} has no healthcheck test, so `service_healthy` could never hold"
        );
        assert_ne!(
            service["healthcheck"]["disable"], true,
            "{store} disables its healthcheck"
        );
        let volumes = service["volumes"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        let named = volumes.iter().filter_map(Value::as_str).any(|mount| {
            let source = mount.split(':').next().unwrap_or_default();
            compose["volumes"].get(source).is_some()
        });
        assert!(
            named,
            "{store} keeps its data in no named volume, so `down` + `up` loses it"
        );
    }
}

#[test]
fn the_app_nodes_start_only_once_every_store_is_healthy() {
    for (node, service) in app_services() {
        for (store, _) in STORES {
            assert_eq!(
                service["depends_on"][store]["condition"], "service_healthy",
                "{node} must wait for {store} to be healthy, not merely started"
            );
        }
    }
}

#[test]
fn the_app_listens_on_every_interface_and_publishes_8080() {
    let (_, app) = app_services()
        .into_iter()
        .find(|(name, _)| name == "app")
        .expect("app");
    assert_eq!(
        variable(&app, "CHAT_HTTP_ADDR").as_deref(),
        Some("0.0.0.0:8080")
    );
    let published = app["ports"].as_sequence().cloned().unwrap_or_default();
    assert!(
        published
            .iter()
            .filter_map(scalar)
            .any(|port| port.starts_with("8080:8080")),
        "app does not publish port 8080: {published:?}"
    );
}

#[test]
fn every_app_node_checks_its_own_readiness() {
    for (node, service) in app_services() {
        let check = service["healthcheck"]["test"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        let words: Vec<String> = check.iter().filter_map(scalar).collect();
        assert!(
            words.iter().any(|word| word.contains("/readyz")),
            "{node}'s healthcheck does not ask /readyz: {words:?}"
        );
    }
}

#[test]
fn every_app_node_uses_the_compose_stores() {
    for (node, service) in app_services() {
        for (variable_name, (store, scheme)) in
            ["CHAT_DATABASE_URL", "CHAT_MONGODB_URI", "CHAT_REDIS_URL"]
                .into_iter()
                .zip(STORES)
        {
            let url = variable(&service, variable_name)
                .unwrap_or_else(|| panic!("{node} does not set {variable_name}"));
            let host = url
                .strip_prefix(scheme)
                .map(|rest| rest.rsplit('@').next().unwrap_or(rest));
            assert!(
                host.is_some_and(|host| host.starts_with(&format!("{store}:"))),
                "{node}'s {variable_name}={url:?} does not point at the `{store}` service"
            );
        }
    }
}

#[test]
fn the_jwt_secret_comes_from_whoever_runs_compose_never_from_the_file() {
    for (node, service) in app_services() {
        let secret = variable(&service, "CHAT_JWT_SECRET")
            .unwrap_or_else(|| panic!("{node} does not set CHAT_JWT_SECRET, so nodes disagree"));
        assert!(
            secret.starts_with("${CHAT_JWT_SECRET:?"),
            "{node} must take CHAT_JWT_SECRET from the environment (`${{CHAT_JWT_SECRET:?...}}`), \
             not hold a value: {secret:?}"
        );
    }
}

#[test]
fn a_stop_gives_every_app_node_longer_than_its_shutdown_grace() {
    for (node, service) in app_services() {
        let grace = variable(&service, "CHAT_SHUTDOWN_GRACE_SECS")
            .map_or(DEFAULT_SHUTDOWN_GRACE_SECS, |value| {
                value.parse().expect("a number")
            });
        let stop = service["stop_grace_period"]
            .as_str()
            .map(seconds)
            .unwrap_or_else(|| {
                panic!("{node} has no stop_grace_period: Docker kills it after 10 s")
            });
        assert!(
            stop > grace,
            "{node}: stop_grace_period {stop}s is not above the {grace}s grace"
        );
    }
}
