"""normalize_email: one person, one identity, whatever way they type their address."""

import pytest

from promotions.messaging.identity import normalize_email


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Jane.Doe@Example.com", "jane.doe@example.com"),
        ("  jane@example.com ", "jane@example.com"),
        ("Jane.Doe+giveaway@gmail.com", "janedoe@gmail.com"),
        ("j.a.n.e.doe@googlemail.com", "janedoe@gmail.com"),
        ("JANEDOE@GMAIL.COM", "janedoe@gmail.com"),
        ("jane.doe+news@outlook.com", "jane.doe@outlook.com"),
        ("jane+x@hotmail.com", "jane@hotmail.com"),
        ("jane+x@fastmail.com", "jane@fastmail.com"),
        ("jane+x@protonmail.com", "jane@protonmail.com"),
        ("jane+x@icloud.com", "jane@icloud.com"),
        # Unknown providers may deliver a+b@ to a different mailbox: only the case folds.
        ("jane.doe+x@example.com", "jane.doe+x@example.com"),
        ("Jane.Doe@Sub.Example.ORG", "jane.doe@sub.example.org"),
        ("not-an-address", "not-an-address"),
        ("", ""),
    ],
)
def test_normalize_email(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


def test_gmail_variants_are_one_person() -> None:
    variants = ["Jane.Doe@gmail.com", "janedoe+win@gmail.com", "jane.doe@googlemail.com"]
    assert len({normalize_email(v) for v in variants}) == 1
