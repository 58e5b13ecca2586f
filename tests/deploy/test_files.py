"""The deployment examples in deploy/ are well-formed and agree with the application.

No Docker engine runs here, so compose.yaml is checked by structure: every reference
(services, volumes, networks, build files) resolves, the OpenSearch nodes form one
cluster sharing a snapshot folder, and every variable the services set is one the
application reads. The systemd units go through ``systemd-analyze verify``.
"""

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
NODES = ["opensearch-1", "opensearch-2", "opensearch-3"]
APP_SERVICES = ["migrate", "web", "worker", "beat"]


def documented_variables() -> set[str]:
    """Every variable .env.example lists (the README's table lists the same)."""
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        found = re.match(r"^#?\s*([A-Z][A-Z0-9_]+)=", line)
        if found:
            names.add(found.group(1))
    return names


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_has_the_whole_topology(compose):
    services = compose["services"]
    assert set(APP_SERVICES + NODES + ["postgres", "redis", "opensearch-setup"]) <= set(services)
    assert services["web"]["command"] == ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1  # two beats would send tasks twice
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    # Only the web service is published, and only on the host's loopback (nginx in front).
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"web": ["127.0.0.1:8000:8000"]}


def test_compose_references_resolve(compose):
    services, volumes, networks = compose["services"], compose["volumes"], compose["networks"]
    for name, service in services.items():
        for dependency, condition in (service.get("depends_on") or {}).items():
            assert dependency in services, (name, dependency)
            assert condition["condition"] in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }
            if condition["condition"] == "service_healthy":
                assert "healthcheck" in services[dependency], (name, dependency)
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source in volumes, (name, source)
        service_networks = service.get("networks", [])
        for network in service_networks:
            assert network in networks, (name, network)
        assert service_networks, f"{name} is on no network"
        if "build" in service:
            context = (DEPLOY / service["build"]["context"]).resolve()
            assert context == ROOT
            assert (context / service["build"]["dockerfile"]).is_file()
    # Web, worker and beat wait for migrations and for every service they talk to.
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"] == {"condition": "service_completed_successfully"}
        assert {"postgres", "redis", *NODES} <= set(depends)


def test_compose_opensearch_is_one_cluster_with_snapshots(compose):
    services = compose["services"]
    environment = compose["services"]["web"]["environment"]
    replicas = int(environment["SEARCH_OPENSEARCH_REPLICAS"])
    assert int(environment["SEARCH_OPENSEARCH_SHARDS"]) >= 1
    assert replicas <= len(NODES) - 1  # every replica needs a node of its own
    assert environment["SEARCH_BACKEND"] == "opensearch"
    host = re.match(r"https?://([^:/]+)", environment["OPENSEARCH_URL"]).group(1)
    for node in NODES:
        service = services[node]
        env = service["environment"]
        assert env["node.name"] == node
        assert env["cluster.name"] == "portico-search"
        assert env["discovery.seed_hosts"].split(",") == NODES
        assert env["cluster.initial_cluster_manager_nodes"].split(",") == NODES
        assert env["path.repo"] == "/snapshots"
        assert "opensearch-snapshots:/snapshots" in service["volumes"]
        assert host in service["networks"]["backend"]["aliases"]  # the app reaches any node
        assert service["ulimits"]["memlock"] == {"soft": -1, "hard": -1}
        assert "healthcheck" in service
    data_volumes = {v for node in NODES for v in services[node]["volumes"] if "data" in v}
    assert len(data_volumes) == 3  # each node its own data
    setup = "\n".join(services["opensearch-setup"]["command"])
    assert "_snapshot/portico-snapshots" in setup and '"location": "/snapshots/portico"' in setup
    prefix = environment["SEARCH_INDEX_PREFIX"]
    assert f'"indices": "{prefix}-*"' in setup  # the versioned indexes behind the aliases


def test_compose_sets_only_variables_the_application_reads(compose):
    documented = documented_variables()
    for name in APP_SERVICES:
        for variable in compose["services"][name]["environment"]:
            assert variable in documented, (name, variable)


def test_env_examples_name_only_documented_variables():
    documented = documented_variables()
    readme = (ROOT / "README.md").read_text()
    for variable in documented:
        assert f"`{variable}`" in readme, f"{variable} is missing from the README's table"
    for line in (DEPLOY / "portico.env.example").read_text().splitlines():
        found = re.match(r"^([A-Z][A-Z0-9_]+)=", line)
        if found:
            assert found.group(1) in documented, found.group(1)


def test_nginx_sends_protected_files_only_after_the_check():
    site = (DEPLOY / "nginx" / "portico.conf").read_text()
    locations = dict(re.findall(r"location\s+([^\s{]+(?:\s+\"[^\"]+\")?)\s*{([^}]*)}", site))
    for url, folder in [
        ("/_protected/media/", "/var/lib/portico/media/"),
        ("/_protected/attachments/", "/var/lib/portico/ticket-attachments/"),
    ]:
        block = locations[url]
        assert "internal;" in block and f"alias {folder};" in block
        assert "X-Content-Type-Options nosniff" in block
    # No location serves the media folder publicly: /media/ goes to the application.
    assert not any(url.startswith("/media") for url in locations)
    assert site.count("alias /var/lib/portico/") == 2
    assert "proxy_set_header X-Request-ID $request_id;" in locations["/"]
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in locations["/"]


@pytest.mark.parametrize("unit", ["portico-web", "portico-worker", "portico-beat"])
def test_systemd_units(unit, tmp_path):
    text = (DEPLOY / "systemd" / f"{unit}.service").read_text()
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(text)
    service = parser["Service"]
    assert service["User"] == "portico" and service["WorkingDirectory"] == "/srv/portico"
    assert service["EnvironmentFile"] == "/etc/portico/portico.env"
    assert service["ReadWritePaths"] == "/var/lib/portico"
    assert service["Restart"] == "on-failure"
    command = service["ExecStart"].split()
    expected = {
        "portico-web": ["/srv/portico/.venv/bin/gunicorn", "--config", "deploy/gunicorn.conf.py"],
        "portico-worker": ["/srv/portico/.venv/bin/celery", "-A", "config", "worker"],
        "portico-beat": ["/srv/portico/.venv/bin/celery", "-A", "config", "beat"],
    }[unit]
    assert command[: len(expected)] == expected

    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs systemd-analyze (Debian's systemd package)")
        pytest.skip("systemd-analyze is not installed")
    # Verified with this checkout in place of /srv/portico (its .venv has the commands).
    local = tmp_path / f"{unit}.service"
    local.write_text(
        text.replace("/srv/portico", str(ROOT)).replace(
            "/etc/portico/portico.env", str(DEPLOY / "portico.env.example")
        )
    )
    result = subprocess.run(
        [analyze, "verify", str(local)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr
