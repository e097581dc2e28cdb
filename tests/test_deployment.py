"""Checks of the docker-compose deployment, made by reading the files and checking nginx's.

No Docker engine runs the tests, so the compose file is validated against the Compose
Specification's JSON schema, and the rules the deployment relies on (health checks, bind
mounts, migrations before serving, nginx's limits, headers and cache) are checked in the files.
The nginx template is rendered with envsubst and checked by Debian's `nginx -t` (skipped
without nginx, a failure with REQUIRE_SERVICES=1); tests/test_edge_cache.py runs it.
"""

import json
import os
import re
import subprocess
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema.validators import validator_for

from bench.nginx import NginxServer, render_template
from tests.test_edge_cache import require_nginx

ROOT = Path(__file__).resolve().parent.parent
SERVICES = {"nginx", "app", "worker", "beat", "postgres", "redis", "pgadmin"}
TEMPLATE = "docker/nginx/bakery.conf.template"
TEMPLATE_VALUES = {
    "BAKERY_UPSTREAM": "app:5000",
    "BAKERY_PUBLIC_ROOT": "/srv/bakery",
    "NGINX_PORT": "80",
}


def read(relative_path):
    return (ROOT / relative_path).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(read("docker-compose.yml"))


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def test_compose_file_follows_the_compose_specification(compose):
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    # `${VAR:?msg}` is left as it is: interpolated or not, it is a string to the schema.
    errors = [
        f"{error.json_path}: {error.message}"
        for error in validator_class(schema).iter_errors(compose)
    ]
    assert errors == []
    # `version` is obsolete in the Compose Specification; compose warns about it.
    assert "version" not in compose
    assert set(compose["services"]) == SERVICES


def test_every_service_is_health_checked_and_restarted(services):
    for name, service in services.items():
        healthcheck = service.get("healthcheck", {})
        # `depends_on: condition: service_healthy` and `docker compose ps` rely on it.
        assert healthcheck.get("test"), f"{name} has no healthcheck"
        assert not healthcheck.get("disable"), f"{name} disables its healthcheck"
        assert service.get("restart") == "unless-stopped", name
        # A dependency that is only started (not healthy) races the service's startup.
        for dependency, condition in service.get("depends_on", {}).items():
            assert condition.get("condition") == "service_healthy", f"{name} -> {dependency}"


def bind_mounts(service):
    """(source, target, read_only) of each of the service's volumes."""
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *options = volume.split(":")
            yield source, target, "ro" in ",".join(options).split(",")
        else:
            assert volume.get("type") == "bind", volume
            yield volume["source"], volume["target"], bool(volume.get("read_only"))


def test_data_lives_in_bind_mounts_under_docker_volumes(compose, services):
    # Named volumes would hide the data inside Docker; backups look in ./docker/volumes/.
    assert "volumes" not in compose
    for name, service in services.items():
        for source, _target, read_only in bind_mounts(service):
            if source.startswith("./docker/volumes/"):
                continue
            # Besides data, only configuration from ./docker/ is mounted, read-only.
            assert source.startswith("./docker/"), f"{name}: {source}"
            assert read_only, f"{name}: {source} must be mounted read-only"
    # nginx serves the images the app writes, and must not be able to change them.
    assert ("./docker/volumes/uploads", "/app/uploads", False) in bind_mounts(services["app"])
    nginx_uploads = [m for m in bind_mounts(services["nginx"]) if "uploads" in m[0]]
    assert nginx_uploads
    assert all(read_only for _, _, read_only in nginx_uploads)


def test_pgadmin_starts_only_with_a_profile(services):
    assert services["pgadmin"].get("profiles"), "pgadmin would start with every `up`"
    # Everything else must start with a plain `docker compose up`.
    assert [name for name, s in services.items() if s.get("profiles")] == ["pgadmin"]


def block(text, opening):
    """The text between the braces of the first block whose header matches `opening`."""
    start = re.search(opening + r"\s*\{", text)
    assert start, f"no block {opening!r}"
    depth = 0
    for index in range(start.end() - 1, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start.end() : index]
    raise AssertionError(f"unbalanced braces after {opening!r}")


def nginx_template():
    """The template without its comments: one that mentions a rule must not count as it."""
    return re.sub(r"#.*", "", read(TEMPLATE))


def test_nginx_limits_uploads_and_serves_them_safely():
    conf = nginx_template()
    # The app gives its own JSON 413 over 5 MB; nginx must let such bodies through to it.
    assert re.search(r"\bclient_max_body_size\s+6m\s*;", conf)
    for header in ("For", "Proto", "Host", "Port"):
        assert re.search(rf"proxy_set_header\s+X-Forwarded-{header}\s", conf), header
    assert re.search(r"server\s+\$\{BAKERY_UPSTREAM\}\s*;", block(conf, r"upstream\s+bakery_app"))
    uploads = block(conf, r"location\s+(?:\^~\s+)?/uploads/")
    assert re.search(r"root\s+\$\{BAKERY_PUBLIC_ROOT\}\s*;", uploads)
    assert re.search(r"add_header\s+X-Content-Type-Options\s+\"?nosniff\b", uploads)
    assert re.search(r"add_header\s+Content-Security-Policy\s+\"default-src 'none'\"", uploads)
    assert "image/webp" in uploads
    assert not re.search(r"autoindex\s+on", uploads)


def test_nginx_caches_public_catalog_answers_as_the_app_says():
    conf = nginx_template()
    catalog = block(conf, r"location\s+~\s+\S*products\|categories\S*")
    directives = {
        " ".join(line.split()) for line in catalog.replace("{", ";").split(";") if line.strip()
    }
    assert {
        "proxy_cache bakery_catalog",
        # Never answered from the cache, never stored: a signed-in caller's answer.
        "proxy_cache_bypass $http_authorization",
        "proxy_no_cache $http_authorization",
        "proxy_cache_lock on",
        "proxy_cache_revalidate on",
        "proxy_cache_background_update on",
        "proxy_cache_use_stale updating error timeout http_500 http_502 http_503 http_504",
        "add_header X-Cache-Status $upstream_cache_status always",
    } <= directives
    key = next(d for d in directives if d.startswith("proxy_cache_key "))
    # Image URLs in the answers are absolute: built from the scheme and host the client used.
    for part in ("$scheme", "$bakery_proto", "$http_host", "$request_uri"):
        assert part in key
    # The app's Cache-Control and Vary decide what is kept, and for how long.
    assert "proxy_ignore_headers" not in conf
    assert "proxy_cache_valid" not in conf


def test_compose_renders_the_nginx_template_from_its_three_variables(services):
    nginx = services["nginx"]
    mounts = {target: (source, read_only) for source, target, read_only in bind_mounts(nginx)}
    assert mounts["/etc/nginx/templates/default.conf.template"] == (f"./{TEMPLATE}", True)
    assert mounts["/etc/nginx/nginx.conf"] == ("./docker/nginx/nginx.conf", True)
    environment = nginx["environment"]
    assert {name: environment[name] for name in TEMPLATE_VALUES} == TEMPLATE_VALUES
    # The images, where the template serves them from.
    assert mounts["/srv/bakery/uploads"] == ("./docker/volumes/uploads", True)
    # The image substitutes each variable of its environment whose name the filter (an awk
    # regular expression) matches; compose turns $$ into $.
    pattern = re.compile(environment["NGINX_ENVSUBST_FILTER"].replace("$$", "$"))
    names = {*environment, "PATH", "HOME", "HOSTNAME", "NGINX_VERSION", "BAKERY_UPSTREAM_X"}
    assert {name for name in names if pattern.search(name)} == set(TEMPLATE_VALUES)
    # nginx looks the app up when it starts: a recreated app must restart it.
    assert nginx["depends_on"]["app"].get("restart") is True


def test_the_images_main_config_holds_the_catalog_cache_and_the_json_log():
    http = block(re.sub(r"#.*", "", read("docker/nginx/nginx.conf")), r"\bhttp")
    assert re.search(
        r"proxy_cache_path\s+/var/cache/nginx/\S+\s[^;]*keys_zone=bakery_catalog:", http
    )
    assert re.search(r"include\s+/etc/nginx/conf\.d/\*\.conf\s*;", http)
    assert re.search(r"access_log\s+/var/log/nginx/access\.log\s+bakery\s*;", http)


def test_the_template_renders_with_envsubst_leaving_nginx_variables_alone():
    require_nginx()
    rendered = render_template(
        TEMPLATE_VALUES["BAKERY_UPSTREAM"],
        Path(TEMPLATE_VALUES["BAKERY_PUBLIC_ROOT"]),
        int(TEMPLATE_VALUES["NGINX_PORT"]),
    )

    expected = read(TEMPLATE)
    for name, value in TEMPLATE_VALUES.items():
        expected = expected.replace("${" + name + "}", value)
    # Only the three were replaced: $host, $request_uri and the others are as written.
    assert rendered == expected
    assert "$bakery_request_id" in rendered


def test_nginx_accepts_the_rendered_configuration(tmp_path):
    require_nginx()
    public_root = tmp_path / "public"
    public_root.mkdir()

    checked = NginxServer(tmp_path, "127.0.0.1:5000", public_root).check()

    assert checked.returncode == 0, checked.stderr


def real_ip_rules(tmp_path, trusted: str):
    target = tmp_path / "real-ip.conf"
    env = {"PATH": os.environ["PATH"], "BAKERY_TRUSTED_PROXIES": trusted}
    result = subprocess.run(
        ["sh", str(ROOT / "docker/nginx/real-ip.sh")],
        env={**env, "BAKERY_REAL_IP_CONF": str(target)},
        capture_output=True,
        text=True,
        check=False,
    )
    return result, (target.read_text() if target.exists() else None)


def test_nginx_believes_forwarded_addresses_only_from_the_trusted_proxies(tmp_path, services):
    result, rules = real_ip_rules(tmp_path, "10.0.0.0/8, 2001:db8::/32,192.0.2.7")

    assert result.returncode == 0, result.stderr
    assert rules.splitlines() == [
        "set_real_ip_from 10.0.0.0/8;",
        "set_real_ip_from 2001:db8::/32;",
        "set_real_ip_from 192.0.2.7;",
        "real_ip_header X-Forwarded-For;",
        "real_ip_recursive on;",
    ]
    # A relative include: beside the main config, /etc/nginx/ in the image (where the script
    # writes by default) and the folder of one's own main config outside it.
    assert re.search(r"^\s*include\s+bakery-real-ip\.conf;", nginx_template(), re.MULTILINE)
    assert "/etc/nginx/bakery-real-ip.conf" in read("docker/nginx/real-ip.sh")
    scripts = [
        t for _, t, _ in bind_mounts(services["nginx"]) if t.startswith("/docker-entrypoint.d/")
    ]
    assert scripts == ["/docker-entrypoint.d/40-bakery-real-ip.sh"]


def test_without_trusted_proxies_no_forwarded_address_is_believed(tmp_path):
    result, rules = real_ip_rules(tmp_path, "")

    assert result.returncode == 0, result.stderr
    assert rules == ""


def test_a_bad_trusted_proxy_stops_nginx_with_a_message(tmp_path):
    result, rules = real_ip_rules(tmp_path, "10.0.0.0/8;allow all")

    assert result.returncode != 0
    assert "BAKERY_TRUSTED_PROXIES" in result.stderr
    assert rules is None


def dockerfile_instructions():
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = read("Dockerfile").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(maxsplit=1)[0].upper(), line.split(maxsplit=1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_image_runs_gunicorn_as_a_non_root_user():
    instructions = dockerfile_instructions()
    users = [args for keyword, args in instructions if keyword == "USER"]
    assert users, "the image would run as root"
    assert users[-1].split(":")[0] not in {"root", "0"}
    assert all(args.startswith("python:3.11-slim") for k, args in instructions if k == "FROM")
    command = json.loads([args for keyword, args in instructions if keyword == "CMD"][-1])
    assert command[0] == "gunicorn"
    # gunicorn 27 would create a control socket under $HOME otherwise.
    assert "--no-control-socket" in command
    assert any(k == "HEALTHCHECK" and "/health" in args for k, args in instructions)


def test_entrypoint_migrates_the_database_before_gunicorn(services):
    entrypoint = [args for keyword, args in dockerfile_instructions() if keyword == "ENTRYPOINT"]
    assert entrypoint
    assert "docker/entrypoint.sh" in entrypoint[-1]
    # compose must not bypass it.
    assert "entrypoint" not in services["app"]
    script = ROOT / "docker" / "entrypoint.sh"
    assert os.access(script, os.X_OK), "entrypoint.sh is not executable"
    lines = [line.strip() for line in script.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    # A failed migration must stop the container, not serve with an old schema.
    assert "set -eu" in lines
    upgrade = next(i for i, line in enumerate(lines) if "flask --app wsgi db upgrade" in line)
    # The Dockerfile's CMD (gunicorn) is what the script execs at the end.
    assert lines[-1] == 'exec "$@"'
    assert upgrade < len(lines) - 1


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_worker_and_beat_run_the_jobs_with_the_apps_image_and_settings(services, name):
    app, service = services["app"], services[name]

    assert service["command"][:4] == ["celery", "--app", "wsgi:celery", name]
    # The same image, settings and folders as the app: a job sends what the app would.
    assert service["build"] == app["build"]
    assert "image" not in service
    assert "entrypoint" not in service
    app_settings = {k: v for k, v in app["environment"].items() if not k.startswith("GUNICORN_")}
    assert service["environment"] == app_settings
    assert service["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert set(bind_mounts(service)) == set(bind_mounts(app))
    # Only the app's entrypoint migrates, and it is healthy once it has: jobs wait for that.
    assert set(service["depends_on"]) == {"postgres", "redis", "app"}
    # The image's own check asks gunicorn, which does not run here.
    assert "/health" not in str(service["healthcheck"]["test"])


def test_beat_keeps_its_schedule_where_the_apps_user_may_write(services):
    command = services["beat"]["command"]
    # /app belongs to root in the image; the app's user writes only its folders and /tmp.
    assert command[command.index("--schedule") + 1].startswith("/tmp/")
    # A second beat would queue every scheduled job twice.
    assert "deploy" not in services["beat"]


def test_env_example_lists_every_variable_compose_reads():
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", read("docker-compose.yml")))
    listed = set(re.findall(r"^([A-Za-z_][A-Za-z0-9_]*)=", read(".env.example"), re.MULTILINE))
    assert used - listed == set()


def test_nginx_is_built_with_the_storefront_where_the_template_serves_it(services):
    build = services["nginx"]["build"]
    dockerfile = read(build["dockerfile"])
    public_root = services["nginx"]["environment"]["BAKERY_PUBLIC_ROOT"]

    assert build["context"] == "."
    # The packages from the lockfile, built in a Node.js stage; only the built files go on.
    assert "COPY storefront/package.json storefront/package-lock.json ./" in dockerfile
    assert "RUN npm ci" in dockerfile
    assert "RUN npm run build" in dockerfile
    assert f"COPY --from=storefront /storefront/dist/ {public_root}/" in dockerfile
    assert dockerfile.strip().splitlines()[-2].startswith("FROM nginx:")


def test_dockerignore_keeps_secrets_and_data_out_of_the_build():
    patterns = {line.strip() for line in read(".dockerignore").splitlines()}
    assert {".git", ".env", ".venv", "instance/*", "uploads/*", "docker/volumes"} <= patterns
    # The storefront is built inside the image, never copied from a local build.
    assert {"**/node_modules", "storefront/dist"} <= patterns


def deploy_section():
    """The "Deploying with docker-compose" section: README.md's, else docs/deploy-docker.md's."""
    for path in (ROOT / "README.md", ROOT / "docs" / "deploy-docker.md"):
        if not path.exists():
            continue
        # Without code blocks: their `# comments` would look like headings.
        text = re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.M | re.S)
        heading = re.search(r"^(#+)\s.*docker-compose.*$", text, re.MULTILINE | re.IGNORECASE)
        if heading:
            level = len(heading.group(1))
            end = re.compile(rf"^#{{1,{level}}}\s", re.MULTILINE).search(text, heading.end())
            return text[heading.end() : end.start() if end else len(text)]
    pytest.fail("no docker-compose section in README.md or docs/deploy-docker.md")


def test_deploy_docs_name_the_compose_services(services):
    mentioned = set(re.findall(r"`([^`\n]+)`", deploy_section())) & SERVICES
    # Docs that name a service compose does not define send operators astray.
    assert mentioned <= set(services)
    assert mentioned == SERVICES, f"not described: {sorted(SERVICES - mentioned)}"
