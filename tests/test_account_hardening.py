"""Sign-in and account hardening from the security review (issue 17, items 6 and 17):
one session per TOTP code, wrong codes slow sign-in down, a password set by someone
else is changed before anything else, login CSRF, second-factor changes only from a
fresh session, disabled accounts' keys stay revoked, admins manage others' keys, and
the enrolment page keeps its pending secret."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pyotp

from sitewarden.accounts.accounts import create_api_key, create_user
from sitewarden.accounts.roles import Role
from tests.conftest import LiveServer

PASSWORD = "a long enough passphrase"


def _login(server: LiveServer, username: str, password: str, totp: str | None = None) -> Any:
    body = {"username": username, "password": password}
    if totp is not None:
        body["totp"] = totp
    return httpx.post(server.url + "/api/v1/auth/login", json=body)


def _user_with_key(server: LiveServer, username: str, role: Role, **kwargs: Any) -> tuple[str, str]:
    """A user with a password of their own (nothing to change) and an API key: (id, key)."""
    store = server.open_storage()
    try:
        user, _ = create_user(
            store.accounts, store.registry, username, role, password=PASSWORD, **kwargs
        )
        _, token = create_api_key(store.accounts, user, "script")
    finally:
        store.close()
    return user.user_id, token


def _session(answer: httpx.Response) -> tuple[dict[str, str], dict[str, str]]:
    assert answer.status_code == 200, answer.text
    return (
        {"sitewarden_session": answer.cookies["sitewarden_session"]},
        {"x-csrf-token": answer.json()["csrf_token"]},
    )


def test_a_totp_code_opens_one_session_only(shared_server: LiveServer) -> None:
    shared_server.admin_session()  # enrolled
    code = shared_server.totp_code()
    assert _login(shared_server, "admin", shared_server.admin_password, code).status_code == 200
    replayed = _login(shared_server, "admin", shared_server.admin_password, code)
    assert replayed.status_code == 401 and "used already" in replayed.json()["message"]


def test_wrong_totp_codes_slow_sign_in_down(configured_server: Any) -> None:
    server = configured_server("login_max_failures = 2\nlogin_delay_s = 60")
    server.admin_session()
    for _ in range(2):
        wrong = _login(server, "admin", server.admin_password, "000000")
        assert wrong.status_code == 401 and "code" in wrong.json()["message"]
    delayed = _login(server, "admin", server.admin_password, server.totp_code())
    assert delayed.status_code == 429 and "too many failed sign-ins" in delayed.json()["message"]


def test_a_password_set_by_someone_else_is_changed_before_anything_else(
    shared_server: LiveServer,
) -> None:
    with shared_server.client() as admin:
        made = admin.post("/api/v1/users", json={"username": "new-hire", "role": "viewer"}).json()
    jar, headers = _session(_login(shared_server, "new-hire", made["password"]))
    for path in ("/api/v1/me", "/api/v1/events"):
        refused = httpx.get(shared_server.url + path, cookies=jar)
        assert refused.status_code == 403, path
        assert "change your password first" in refused.json()["message"]
    key = httpx.post(
        shared_server.url + "/api/v1/me/api-keys", json={"name": "k"}, cookies=jar, headers=headers
    )
    assert key.status_code == 403
    page = httpx.get(shared_server.url + "/", cookies=jar)
    assert page.status_code == 303 and page.headers["location"] == "/account/password"
    form = httpx.get(shared_server.url + "/account/password", cookies=jar)
    assert form.status_code == 200 and 'name="new_password"' in form.text
    changed = httpx.post(
        shared_server.url + "/api/v1/me/password",
        json={"current_password": made["password"], "new_password": PASSWORD},
        cookies=jar,
        headers=headers,
    )
    assert changed.status_code == 204
    jar, _ = _session(_login(shared_server, "new-hire", PASSWORD))
    assert httpx.get(shared_server.url + "/api/v1/events", cookies=jar).status_code == 200


def test_a_session_that_must_change_its_password_may_sign_out(shared_server: LiveServer) -> None:
    with shared_server.client() as admin:
        made = admin.post("/api/v1/users", json={"username": "leaver", "role": "viewer"}).json()
    jar, headers = _session(_login(shared_server, "leaver", made["password"]))
    out = httpx.post(shared_server.url + "/api/v1/auth/logout", cookies=jar, headers=headers)
    assert out.status_code == 204


def test_the_sign_in_form_refuses_a_post_without_its_login_csrf_token(
    shared_server: LiveServer,
) -> None:
    _user_with_key(shared_server, "form-user", Role.VIEWER)
    form = {"username": "form-user", "password": PASSWORD, "next": "/"}
    forged = httpx.post(shared_server.url + "/login", data=form)  # as another site's form would
    assert forged.status_code == 403 and "sitewarden_session" not in forged.cookies
    page = httpx.get(shared_server.url + "/login")
    token = page.cookies["sitewarden_login"]
    assert f'name="login_csrf" value="{token}"' in page.text
    mismatch = httpx.post(
        shared_server.url + "/login",
        data={**form, "login_csrf": "x" * 32},
        headers={"Cookie": f"sitewarden_login={token}"},
    )
    assert mismatch.status_code == 403
    signed_in = httpx.post(
        shared_server.url + "/login",
        data={**form, "login_csrf": token},
        headers={"Cookie": f"sitewarden_login={token}"},
    )
    assert signed_in.status_code == 303 and "sitewarden_session" in signed_in.cookies


def test_an_api_key_cannot_change_its_accounts_second_factor(shared_server: LiveServer) -> None:
    shared_server.admin_session()  # the admin has a second factor
    with shared_server.client() as admin:  # an API key of an admin
        started = admin.post("/api/v1/me/totp")
        assert started.status_code == 403 and "not an API key" in started.json()["message"]
        confirmed = admin.post("/api/v1/me/totp/confirm", json={"code": "123456"})
        assert confirmed.status_code == 403


def test_starting_a_new_second_factor_keeps_the_one_in_use_until_confirmed(
    shared_server: LiveServer,
) -> None:
    cookie, csrf = shared_server.admin_session()
    jar, headers = {"sitewarden_session": cookie}, {"x-csrf-token": csrf}
    started = httpx.post(shared_server.url + "/api/v1/me/totp", cookies=jar, headers=headers)
    assert started.status_code == 200
    # Not confirmed: the factor in use still signs in, and is still needed.
    assert _login(shared_server, "admin", shared_server.admin_password).status_code == 401
    shared_server.admin_session(fresh=True)


def test_disabling_an_account_revokes_its_api_keys_for_good(shared_server: LiveServer) -> None:
    user_id, token = _user_with_key(shared_server, "disabled-op", Role.OPERATOR)
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(shared_server.url + "/api/v1/me", headers=bearer).status_code == 200
    with shared_server.client() as admin:
        assert admin.patch(f"/api/v1/users/{user_id}", json={"disabled": True}).status_code == 200
        assert admin.patch(f"/api/v1/users/{user_id}", json={"disabled": False}).status_code == 200
    revived = httpx.get(shared_server.url + "/api/v1/me", headers=bearer)
    assert revived.status_code == 401 and "revoked" in revived.json()["message"]


def test_admins_list_and_revoke_other_operators_api_keys(shared_server: LiveServer) -> None:
    user_id, token = _user_with_key(shared_server, "keyed-op", Role.OPERATOR)
    bearer = {"Authorization": f"Bearer {token}"}
    with shared_server.client() as admin:
        keys = admin.get(f"/api/v1/users/{user_id}/api-keys")
        assert keys.status_code == 200 and [k["name"] for k in keys.json()] == ["script"]
        key_id = keys.json()[0]["key_id"]
        assert "token" not in keys.json()[0]
        missing = admin.delete(f"/api/v1/users/{user_id}/api-keys/nope")
        assert missing.status_code == 404
        assert admin.delete(f"/api/v1/users/{user_id}/api-keys/{key_id}").status_code == 204
        assert admin.get(f"/api/v1/users/{user_id}/api-keys").json()[0]["revoked_at"]
    assert httpx.get(shared_server.url + "/api/v1/me", headers=bearer).status_code == 401
    with shared_server.client(Role.OPERATOR) as operator:
        assert operator.get(f"/api/v1/users/{user_id}/api-keys").status_code == 403


def test_the_enrolment_page_keeps_its_pending_secret_until_confirmed(
    shared_server: LiveServer,
) -> None:
    _user_with_key(shared_server, "officer-2fa", Role.PRIVACY_OFFICER)
    jar, _ = _session(_login(shared_server, "officer-2fa", PASSWORD))
    shown = [
        re.search(r'id="totp-secret">([A-Z2-7]+)<', httpx.get(url, cookies=jar).text)
        for url in [shared_server.url + "/account/second-factor"] * 2
    ]
    assert shown[0] is not None and shown[1] is not None
    assert shown[0].group(1) == shown[1].group(1)
    assert pyotp.TOTP(shown[0].group(1)).now().isdigit()
