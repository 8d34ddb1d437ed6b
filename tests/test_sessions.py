"""Cookie sessions for the web: flags, CSRF, sign-out, disabled accounts."""

from __future__ import annotations

from typing import Any

import httpx

from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer


def sign_in(
    server: LiveServer, username: str = "admin", password: str | None = None
) -> tuple[str, str, httpx.Response]:
    response = server.login(username, password or server.admin_password)
    assert response.status_code == 200, response.text
    return response.cookies["sitewarden_session"], response.json()["csrf_token"], response


def test_session_cookie_is_httponly_secure_samesite_strict(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        made = admin.post("/api/v1/users", json={"username": "cookie-op", "role": "operator"})
    _, _, response = sign_in(shared_server, "cookie-op", made.json()["password"])
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie


def test_cookie_session_reads_without_csrf_but_writes_need_it(shared_server: LiveServer) -> None:
    cookie, csrf = shared_server.admin_session()
    jar = {"sitewarden_session": cookie}
    assert httpx.get(shared_server.url + "/api/v1/me", cookies=jar).json()["username"] == "admin"
    site = {"site_id": "csrf-site", "name": "CSRF"}
    refused = httpx.post(shared_server.url + "/api/v1/sites", json=site, cookies=jar)
    assert refused.status_code == 403 and "x-csrf-token" in refused.json()["message"]
    wrong = httpx.post(
        shared_server.url + "/api/v1/sites",
        json=site,
        cookies=jar,
        headers={"x-csrf-token": "nope"},
    )
    assert wrong.status_code == 403
    done = httpx.post(
        shared_server.url + "/api/v1/sites", json=site, cookies=jar, headers={"x-csrf-token": csrf}
    )
    assert done.status_code == 201


def test_logout_ends_the_session(shared_server: LiveServer) -> None:
    cookie, csrf = shared_server.admin_session()
    jar = {"sitewarden_session": cookie}
    assert (
        httpx.post(
            shared_server.url + "/api/v1/auth/logout", cookies=jar, headers={"x-csrf-token": csrf}
        ).status_code
        == 204
    )
    after = httpx.get(shared_server.url + "/api/v1/me", cookies=jar)
    assert after.status_code == 401 and "sign in again" in after.json()["message"]


def test_disabling_a_user_ends_sessions_and_keys(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        created = admin.post(
            "/api/v1/users", json={"username": "temp-op", "role": "operator"}
        ).json()
        assert len(created["password"]) >= 16 and created["must_change_password"] is True
        cookie, _, _ = sign_in(shared_server, "temp-op", created["password"])
        assert (
            admin.patch(f"/api/v1/users/{created['user_id']}", json={"disabled": True}).status_code
            == 200
        )
    assert (
        httpx.get(
            shared_server.url + "/api/v1/me", cookies={"sitewarden_session": cookie}
        ).status_code
        == 401
    )
    login = shared_server.login("temp-op", created["password"])
    assert login.status_code == 401 and "disabled" in login.json()["message"]


def test_change_own_password(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        created = admin.post("/api/v1/users", json={"username": "pw-user", "role": "viewer"}).json()
    cookie, csrf, _ = sign_in(shared_server, "pw-user", created["password"])
    jar = {"sitewarden_session": cookie}
    short = httpx.post(
        shared_server.url + "/api/v1/me/password",
        cookies=jar,
        headers={"x-csrf-token": csrf},
        json={"current_password": created["password"], "new_password": "short"},
    )
    assert short.status_code == 422 and "at least 12" in short.json()["message"]
    changed = httpx.post(
        shared_server.url + "/api/v1/me/password",
        cookies=jar,
        headers={"x-csrf-token": csrf},
        json={"current_password": created["password"], "new_password": "a much longer passphrase"},
    )
    assert changed.status_code == 204
    sign_in(shared_server, "pw-user", "a much longer passphrase")


def test_api_keys_can_be_created_listed_and_revoked(shared_server: LiveServer) -> None:
    with shared_server.client(Role.OPERATOR) as operator:
        created = operator.post("/api/v1/me/api-keys", json={"name": "nightly export"}).json()
        listed = operator.get("/api/v1/me/api-keys").json()
        assert created["key_id"] in {key["key_id"] for key in listed}
        assert "token" not in listed[0]
        headers = {"Authorization": f"Bearer {created['token']}"}
        assert httpx.get(shared_server.url + "/api/v1/me", headers=headers).status_code == 200
        assert operator.delete(f"/api/v1/me/api-keys/{created['key_id']}").status_code == 204
    revoked = httpx.get(shared_server.url + "/api/v1/me", headers=headers)
    assert revoked.status_code == 401 and "revoked" in revoked.json()["message"]


def test_pages_set_security_headers(shared_server: LiveServer) -> None:
    response = httpx.get(shared_server.url + "/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text  # no inline scripts anywhere


def test_unauthenticated_page_answers_401_with_the_sign_in_form(shared_server: LiveServer) -> None:
    response = httpx.get(shared_server.url + "/devices")
    assert response.status_code == 401
    assert 'action="/login"' in response.text and 'value="/devices"' in response.text


def test_form_sign_in_redirects_only_within_the_site(shared_server: LiveServer) -> None:
    shared_server.admin_session()  # enrols the second factor if needed
    assert shared_server.admin_totp is not None
    token = login_csrf(shared_server)
    form = {
        "username": "admin",
        "password": shared_server.admin_password,
        "code": shared_server.totp_code(),
        "next": "//evil.example/",
        "login_csrf": token,
    }
    response = httpx.post(
        shared_server.url + "/login", data=form, headers={"Cookie": f"sitewarden_login={token}"}
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def login_csrf(server: LiveServer) -> str:
    """The sign-in form's login CSRF token, which its cookie carries too."""
    page = httpx.get(server.url + "/login")
    token = page.cookies["sitewarden_login"]
    assert f'name="login_csrf" value="{token}"' in page.text
    return token


def test_admin_without_second_factor_may_only_manage_their_own_account(
    live_server: LiveServer,
) -> None:
    live_server.change_admin_password()
    cookie, csrf, _ = sign_in(live_server)
    jar, headers = {"sitewarden_session": cookie}, {"x-csrf-token": csrf}
    blocked = httpx.get(live_server.url + "/api/v1/sites", cookies=jar)
    assert blocked.status_code == 403 and "second factor" in blocked.json()["message"]
    key = httpx.post(
        live_server.url + "/api/v1/me/api-keys", json={"name": "x"}, cookies=jar, headers=headers
    )
    assert key.status_code == 403  # no key as a way around the second factor
    assert httpx.get(live_server.url + "/api/v1/me", cookies=jar).status_code == 200
    page = httpx.get(live_server.url + "/", cookies=jar)
    assert page.status_code == 303 and page.headers["location"] == "/account/second-factor"

    secret = httpx.post(live_server.url + "/api/v1/me/totp", cookies=jar, headers=headers).json()
    assert secret["otpauth_uri"].startswith("otpauth://totp/sitewarden:admin")
    live_server.admin_totp = secret["secret"]
    wrong = httpx.post(
        live_server.url + "/api/v1/me/totp/confirm",
        json={"code": "000000"},
        cookies=jar,
        headers=headers,
    )
    assert wrong.status_code == 422
    code = {"code": live_server.totp_code()}
    assert (
        httpx.post(
            live_server.url + "/api/v1/me/totp/confirm", json=code, cookies=jar, headers=headers
        ).status_code
        == 204
    )
    assert httpx.get(live_server.url + "/api/v1/sites", cookies=jar).status_code == 200

    without = httpx.post(
        live_server.url + "/api/v1/auth/login",
        json={"username": "admin", "password": live_server.admin_password},
    )
    assert without.status_code == 401 and "6-digit code" in without.json()["message"]
    with_code = httpx.post(
        live_server.url + "/api/v1/auth/login",
        json={
            "username": "admin",
            "password": live_server.admin_password,
            "totp": live_server.totp_code(),  # each 30-second step's code is taken once
        },
    )
    assert with_code.status_code == 200


def test_repeated_wrong_passwords_delay_that_client_without_locking_the_account(
    configured_server: Any,
) -> None:
    server = configured_server("login_max_failures = 3\nlogin_delay_s = 60")
    with server.client() as admin:
        made = admin.post("/api/v1/users", json={"username": "delay-me", "role": "viewer"}).json()
    answers: dict[str, list[httpx.Response]] = {}
    for name in ("delay-me", "ghost"):  # a real name and one that does not exist
        answers[name] = [
            httpx.post(
                server.url + "/api/v1/auth/login", json={"username": name, "password": "x" * 12}
            )
            for _ in range(4)
        ]
    for name, tries in answers.items():
        assert [a.status_code for a in tries] == [401, 401, 401, 429], name
        assert tries[0].json()["message"] == "wrong username or password"
        assert "too many failed sign-ins" in tries[3].json()["message"]
        assert 55 <= int(tries[3].headers["retry-after"]) <= 60
    assert [a.json() for a in answers["delay-me"][:3]] == [a.json() for a in answers["ghost"][:3]]
    right = {"username": "delay-me", "password": made["password"]}
    waiting = httpx.post(server.url + "/api/v1/auth/login", json=right)
    assert waiting.status_code == 429  # this client waits, even with the right password
    other_client = httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.2"))
    with other_client:
        assert other_client.post(server.url + "/api/v1/auth/login", json=right).status_code == 200
    with server.client(Role.AUDITOR) as auditor:
        entries = auditor.get("/api/v1/audit").json()["entries"]
    failed = [e for e in entries if e["action"] == "auth.failed"]
    assert len(failed) == 6 and {tuple(e["targets"]) for e in failed} == {("127.0.0.1",)}
    assert [e["action"] for e in entries].count("auth.refused") == 3


def test_sign_ins_from_one_address_are_rate_limited(configured_server: Any) -> None:
    server = configured_server("rate_limit_login_per_min = 6")
    answers = [
        httpx.post(
            server.url + "/api/v1/auth/login", json={"username": "nobody", "password": "x" * 12}
        )
        for _ in range(6)
    ]
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["retry-after"]) >= 1
    assert "slow down" in answers[-1].json()["message"]


def test_api_keys_can_be_limited_to_some_permissions(shared_server: LiveServer) -> None:
    with shared_server.client(Role.OPERATOR) as operator:
        too_much = operator.post(
            "/api/v1/me/api-keys", json={"name": "n", "scopes": ["users:manage"]}
        )
        assert too_much.status_code == 422 and "cannot have more" in too_much.json()["message"]
        key = operator.post(
            "/api/v1/me/api-keys", json={"name": "reader", "scopes": ["events:read"]}
        ).json()
    headers = {"Authorization": f"Bearer {key['token']}"}
    assert httpx.get(shared_server.url + "/api/v1/events", headers=headers).status_code == 200
    limited = httpx.get(shared_server.url + "/api/v1/sites", headers=headers)
    assert limited.status_code == 403 and "limited to events:read" in limited.json()["message"]
