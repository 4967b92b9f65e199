//! `deploy/Dockerfile`: a builder stage and a runtime stage, pinned bases, a non-root user.

use super::{check_pinned, read};

const FILE: &str = "deploy/Dockerfile";

/// One instruction: its keyword in capitals and the rest, continuation lines joined.
#[derive(Debug)]
struct Instruction {
    keyword: String,
    arguments: String,
}

fn instructions() -> Vec<Instruction> {
    let mut found = Vec::new();
    let mut current = String::new();
    for line in read(FILE).lines() {
        let trimmed = line.trim();
        // Docker drops comment and empty lines, even in the middle of a continued instruction.
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(head) => {
                current.push_str(head);
                current.push(' ');
            }
            None => {
                current.push_str(trimmed);
                let text = std::mem::take(&mut current);
                let (keyword, arguments) = text.split_once(' ').unwrap_or((&text, ""));
                found.push(Instruction {
                    keyword: keyword.to_ascii_uppercase(),
                    arguments: arguments.trim().to_owned(),
                });
            }
        }
    }
    found
}

fn arguments_of(keyword: &str) -> Vec<String> {
    instructions()
        .into_iter()
        .filter(|instruction| instruction.keyword == keyword)
        .map(|instruction| instruction.arguments)
        .collect()
}

/// The instructions of the last stage, the one the image runs.
fn runtime_stage() -> Vec<Instruction> {
    let all = instructions();
    let start = all
        .iter()
        .rposition(|instruction| instruction.keyword == "FROM")
        .expect("a FROM");
    all.into_iter().skip(start).collect()
}

/// The `NAME` of every `NAME=value` the Dockerfile sets with `ENV`.
pub(crate) fn env_names() -> Vec<String> {
    arguments_of("ENV")
        .iter()
        .flat_map(|arguments| {
            arguments
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter_map(|word| word.split_once('=').map(|(name, _)| name.to_owned()))
        .collect()
}

#[test]
fn the_image_is_built_in_one_stage_and_run_from_another() {
    let stages = arguments_of("FROM");
    assert!(
        stages.len() >= 2,
        "one FROM means the toolchain ships in the image: {stages:?}"
    );
    assert!(
        arguments_of("COPY")
            .iter()
            .any(|arguments| arguments.starts_with("--from=")),
        "the runtime stage copies nothing from the builder"
    );
}

#[test]
fn every_base_image_is_pinned_to_a_version() {
    let stages = arguments_of("FROM");
    let mut earlier_stages: Vec<String> = Vec::new();
    for arguments in stages {
        let words: Vec<&str> = arguments
            .split_whitespace()
            .filter(|word| !word.starts_with("--"))
            .collect();
        let image = words.first().copied().expect("FROM names an image");
        // `FROM builder` continues an earlier stage; only real images can move.
        if !earlier_stages
            .iter()
            .any(|stage| stage.eq_ignore_ascii_case(image))
        {
            if let Err(problem) = check_pinned(image) {
                panic!("{FILE}: {problem}");
            }
        }
        if let [_, alias_keyword, alias] = words.as_slice() {
            if alias_keyword.eq_ignore_ascii_case("AS") {
                earlier_stages.push((*alias).to_owned());
            }
        }
    }
}

#[test]
fn the_runtime_runs_as_a_numeric_non_root_user() {
    let user = runtime_stage()
        .into_iter()
        .rev()
        .find(|instruction| instruction.keyword == "USER")
        .map(|instruction| instruction.arguments)
        .expect("the runtime stage sets a USER, or it runs as root");
    // Numeric, because Kubernetes' runAsNonRoot cannot tell whether a user *name* is root.
    let uid: u32 = user
        .split(':')
        .next()
        .and_then(|uid| uid.parse().ok())
        .unwrap_or_else(|| panic!("USER {user} is not a numeric uid"));
    assert_ne!(uid, 0, "USER {user} is root");
}

#[test]
fn the_binary_is_built_from_the_lockfile() {
    let builds: Vec<String> = arguments_of("RUN")
        .into_iter()
        .filter(|arguments| arguments.contains("cargo build"))
        .collect();
    assert!(
        builds.iter().any(|arguments| {
            ["--release", "-p chat-server", "--locked"]
                .iter()
                .all(|flag| arguments.contains(flag))
        }),
        "no `cargo build --release -p chat-server --locked` in {builds:?}"
    );
}

#[test]
fn the_runtime_serves_on_8080_keeps_its_data_in_a_volume_and_starts_the_binary() {
    let runtime = runtime_stage();
    let of = |keyword: &str| -> Vec<&str> {
        runtime
            .iter()
            .filter(|instruction| instruction.keyword == keyword)
            .map(|instruction| instruction.arguments.as_str())
            .collect()
    };
    assert!(of("EXPOSE")
        .iter()
        .any(|ports| ports.split_whitespace().any(|port| port == "8080")));
    assert!(
        of("ENV")
            .iter()
            .any(|env| env.contains("CHAT_DATA_DIR=/data")),
        "the runtime does not point CHAT_DATA_DIR at /data"
    );
    assert!(
        of("VOLUME").iter().any(|volume| volume.contains("/data")),
        "/data is no volume"
    );
    assert!(
        of("ENTRYPOINT")
            .iter()
            .any(|entry| entry.contains("/usr/local/bin/chat-server")),
        "the entrypoint is not the chat-server binary"
    );
}
