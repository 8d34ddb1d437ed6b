"""Property tests for sealing, key wrapping, normalisation, masking, and the vault's
false-positive handling with a real SQLite store."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.events.ids import EventIdFactory
from sitewarden.events.kinds import Severity
from sitewarden.events.model import Event
from sitewarden.identifiers import normalise_id_number, normalise_plate
from sitewarden.privacy import blind_index
from sitewarden.privacy.keyring import KeyRing, KeyUnwrapFailed, unwrap_key, wrap_key
from sitewarden.privacy.masking import mask_personal, mask_plate
from sitewarden.privacy.sealing import NONCE_BYTES, NonceSource, SealBroken, binding, seal, unseal
from sitewarden.privacy.vault import Vault
from sitewarden.runtime.storage import Storage

KEY = os.urandom(32)
IDS = EventIdFactory()


def test_nonces_never_repeat_across_refills_or_a_fork() -> None:
    source = NonceSource(per_refill=64)
    nonces = [source.take() for _ in range(10_000)]
    assert {len(n) for n in nonces} == {NONCE_BYTES}
    assert len(set(nonces)) == len(nonces)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child's next nonce must not be the one the parent takes next
        os.write(writing, source.take())
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(reading, NONCE_BYTES) != source.take()


@given(
    st.binary(max_size=2000), st.binary(min_size=1, max_size=40), st.text(min_size=1, max_size=10)
)
def test_seal_round_trips(plaintext: bytes, row: bytes, field: str) -> None:
    aad = binding("events", row, field)
    assert unseal(KEY, seal(KEY, plaintext, aad), aad) == plaintext


@given(st.binary(min_size=1, max_size=200), st.data())
def test_any_change_to_ciphertext_row_or_field_is_refused(
    plaintext: bytes, data: st.DataObject
) -> None:
    aad = binding("events", b"row-1", "personal")
    sealed = bytearray(seal(KEY, plaintext, aad))
    with pytest.raises(SealBroken):
        unseal(KEY, bytes(sealed), binding("events", b"row-2", "personal"))
    with pytest.raises(SealBroken):
        unseal(KEY, bytes(sealed), binding("events", b"row-1", "media"))
    with pytest.raises(SealBroken):
        unseal(os.urandom(32), bytes(sealed), aad)
    position = data.draw(st.integers(min_value=0, max_value=len(sealed) - 1))
    sealed[position] ^= data.draw(st.integers(min_value=1, max_value=255))
    with pytest.raises(SealBroken):
        unseal(KEY, bytes(sealed), aad)


@given(st.binary(min_size=32, max_size=32), st.text(min_size=1, max_size=20))
def test_wrapped_keys_open_only_for_their_subject(data_key: bytes, subject: str) -> None:
    kek = os.urandom(32)
    wrapped = wrap_key(kek, data_key, subject.encode())
    assert unwrap_key(kek, wrapped, subject.encode()) == data_key
    with pytest.raises(KeyUnwrapFailed):
        unwrap_key(kek, wrapped, subject.encode() + b"x")
    with pytest.raises(KeyUnwrapFailed):
        unwrap_key(os.urandom(32), wrapped, subject.encode())


PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
plates = st.builds(
    lambda p, letter, rest: f"{p}{letter}{rest}",
    st.sampled_from(PROVINCES),
    st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZ"),
    st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=5, max_size=6),
)


@given(plates, st.sampled_from(["", "·", " ", "-", "•", "."]))
def test_plate_spellings_normalise_alike(plate: str, separator: str) -> None:
    spelled = plate[:2] + separator + plate[2:]
    full_width = "".join(
        chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in spelled
    )
    assert normalise_plate(spelled) == normalise_plate(full_width) == plate
    assert normalise_plate(spelled.lower()) == plate
    assert blind_index.lookup_term(KEY, "s", "plate", spelled) == blind_index.lookup_term(
        KEY, "s", "plate", plate
    )


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789Xx"))
def test_id_numbers_normalise_without_spaces(digits: str, check: str) -> None:
    spaced = " ".join([digits[:6], digits[6:14], digits[14:] + check])
    assert normalise_id_number(spaced) == digits + check.upper()


@given(plates)
def test_masked_plates_keep_only_the_region(plate: str) -> None:
    masked = mask_plate(plate)
    assert masked == f"{plate[:2]}·***"


def test_masking_leaves_out_images_and_unknown_fields() -> None:
    masked = mask_personal({"face_crop": "abc", "phone": "13812345678", "other": "x"})
    assert masked == {"phone": "***"}


def _event(site: str, plate: str) -> Event:
    now = datetime.now(UTC)
    return Event(
        IDS.new(),
        site,
        None,
        "cam",
        "plate.read",
        Severity.INFO,
        now,
        now,
        {"confidence": 1.0},
        {"plate": plate},
        None,
    )


def test_truncated_index_collisions_are_told_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With zero lookup bytes every plate collides with every other: the vault must still
    # return exactly the subject whose sealed value matches.
    monkeypatch.setattr(blind_index, "LOOKUP_BYTES", 0)
    store = Storage.sqlite(tmp_path / "v.db")
    vault = Vault(store.privacy, KeyRing(os.urandom(32), os.urandom(32), os.urandom(32)))
    events = [_event("s", plate) for plate in ("浙A11111", "浙A22222", "浙A·11111", "浙A33333")]
    vault.seal_events(events)
    store.batch.insert_events(events, {})
    assert len(store.privacy.find_subjects("s", "plate", b"")) == 3
    matches = vault.find_subjects("s", "plate", "浙A11111")
    assert matches == [events[0].subject_id] == [events[2].subject_id]
    assert vault.find_subjects("s", "plate", "浙A44444") == []
    assert vault.find_subjects("other-site", "plate", "浙A11111") == []
    # A fresh process (empty caches) resolves the same subject from the database.
    fresh = Vault(store.privacy, vault._keys)
    assert fresh.subject_for("s", "plate", "vehicle", "浙A-22222") == events[1].subject_id
    store.close()


def test_keys_come_from_the_environment_when_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    from sitewarden.errors import ConfigError

    with pytest.raises(ConfigError, match="missing"):
        KeyRing.load(tmp_path)
    raw = {name: os.urandom(32) for name in ("KEK", "INDEX_KEY", "AUDIT_KEY")}
    for name, value in raw.items():
        monkeypatch.setenv(f"SITEWARDEN_{name}", base64.b64encode(value).decode())
    keys = KeyRing.load(tmp_path)
    assert (keys.kek, keys.index_key, keys.audit_key) == (
        raw["KEK"],
        raw["INDEX_KEY"],
        raw["AUDIT_KEY"],
    )
    monkeypatch.setenv("SITEWARDEN_KEK", base64.b64encode(b"short").decode())
    with pytest.raises(ConfigError, match="32 bytes"):
        KeyRing.load(tmp_path)
