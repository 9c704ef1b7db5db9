//! The deployment files: the systemd unit (checked by `systemd-analyze
//! verify` where the tool exists), the container recipe, and the LICENSE.

use crate::support;

use std::process::Command;

fn read(path: &str) -> String {
    std::fs::read_to_string(support::root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The values of `Key=` lines in a unit's text.
fn directives<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

#[test]
fn the_systemd_unit_is_sandboxed_and_reloads_on_sighup() {
    let unit = read("deploy/careerbot.service");
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("StateDirectory", "careerbot"),
        ("ProtectSystem", "strict"),
        ("NoNewPrivileges", "yes"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        (
            "LoadCredential",
            "discord_token:/etc/careerbot/discord_token",
        ),
    ] {
        assert_eq!(directives(&unit, key), vec![value], "{key}");
    }
    let start = directives(&unit, "ExecStart");
    assert_eq!(start.len(), 1);
    assert!(start[0].ends_with(" serve"), "{start:?}");
    // The token's name in the credential is the one careerbot reads.
    assert!(careerbot::config::TOKEN_CREDENTIAL == "discord_token");
}

#[test]
fn systemd_analyze_verifies_the_unit() {
    let Ok(probe) = Command::new("systemd-analyze").arg("--version").output() else {
        eprintln!("systemd-analyze is not installed; the unit's directives are checked above");
        return;
    };
    assert!(probe.status.success());
    // The unit names the installed binary; verify needs one that exists.
    let unit = read("deploy/careerbot.service")
        .replace("/usr/local/bin/careerbot", env!("CARGO_BIN_EXE_careerbot"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("careerbot.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("run systemd-analyze");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // verify exits 0 on directives it ignores, so its warnings count too.
    let about_the_unit: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("careerbot.service"))
        .collect();
    assert!(
        out.status.success() && about_the_unit.is_empty(),
        "systemd-analyze verify: {stderr}"
    );
}

#[test]
fn the_container_builds_in_two_stages_and_runs_unprivileged_with_a_health_check() {
    let file = read("Dockerfile");
    let froms: Vec<&str> = file.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert_eq!(
        froms.len(),
        2,
        "a build stage and a slim runtime: {froms:?}"
    );
    assert!(froms[1].contains("slim"), "{froms:?}");
    let user = file
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("a USER");
    assert!(user != "root" && user != "0", "{user}");
    assert!(file.contains("HEALTHCHECK") && file.contains("/healthz"));
    assert!(file.contains("CMD [\"serve-http\"]"));
    assert!(file.contains("VOLUME [\"/srv/careerbot/knowledge\", \"/var/lib/careerbot\"]"));
    // The dependency layer is built before the sources are copied in.
    let deps = file.find("cargo build --release --locked").unwrap();
    let sources = file.find("COPY src src").unwrap();
    assert!(
        deps < sources,
        "dependencies are a cached layer of their own"
    );
    // Every bench the manifest names gets a stand-in in that layer.
    let ignore = read(".dockerignore");
    // The model's weights are compiled in: the build needs them, and the
    // image carries the model's licence.
    assert!(file.contains("COPY models models"));
    assert!(file.contains("models/all-MiniLM-L6-v2/LICENSE"));
    // So is the chart's font, with its licence.
    assert!(file.contains("COPY assets/fonts assets/fonts"));
    assert!(file.contains("assets/fonts/LICENSE"));
    for needed in [
        "src",
        "benches",
        "knowledge",
        "models",
        "assets",
        "Cargo.toml",
        "Cargo.lock",
    ] {
        assert!(
            !ignore.lines().any(|l| l.trim() == needed),
            "{needed} is in the build context"
        );
    }
    assert!(ignore.lines().any(|l| l.trim() == "target"));
}

#[test]
fn the_license_is_the_mit_license_the_manifest_names() {
    let license = read("LICENSE");
    assert!(license.starts_with("MIT License"), "{license}");
    assert!(read("Cargo.toml").contains("license = \"MIT\""));
}
