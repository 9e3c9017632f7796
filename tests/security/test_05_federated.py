"""Item 5: a provider token logs into the account created for its (issuer, subject),
never into an existing account by an e-mail or username claim; issuer and audience
are required settings and are always checked."""

from __future__ import annotations

from typing import Any

import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings

from .conftest import PASSWORD, client, login, new_user


def whoami(server: LocalServer, id_token: str) -> str:
    import jwt

    claims = jwt.decode(id_token, options={"verify_signature": False})
    return str(claims["email"])


@pytest.mark.parametrize("claim", ["email", "preferred_username"])
@pytest.mark.parametrize("spelling", [str, str.upper])
def test_an_email_claim_does_not_take_over_a_password_account(
    server: LocalServer, claim: str, spelling: type[str]
) -> None:
    http = client(server)
    victim, _ = new_user(server)
    claimed = spelling(victim)
    if claim == "email":
        token = server.mint_provider_token(claimed, sub="attacker-subject", preferred_username=None)
    else:
        token = server.mint_provider_token(
            "attacker@evil.example", sub="attacker-subject", preferred_username=claimed
        )
    reply = login(http, **{"provider-token": token})
    if reply.status_code == 200:  # an account of its own, never the victim's
        assert whoami(server, reply.json()["id-token"]).casefold() != victim.casefold()
    else:
        assert reply.status_code == 401, reply.text
        assert reply.json()["error"]["code"] == 23
    assert login(http, email=victim, password=PASSWORD).status_code == 200


def test_the_same_identity_gets_the_same_account(server: LocalServer) -> None:
    http = client(server)
    first = server.mint_provider_token("fed-1@example.com", sub="subject-1")
    later = server.mint_provider_token("renamed@example.com", sub="subject-1")
    a = login(http, **{"provider-token": first})
    b = login(http, **{"provider-token": later})
    assert a.status_code == b.status_code == 200
    assert whoami(server, a.json()["id-token"]) == whoami(server, b.json()["id-token"])
    # A different subject claiming that e-mail gets nothing.
    other = server.mint_provider_token("fed-1@example.com", sub="subject-2")
    assert login(http, **{"provider-token": other}).status_code == 401


@pytest.mark.parametrize(
    "claims",
    [{"aud": "someone-else"}, {"iss": "https://evil.example/"}, {"aud": None}, {"iss": ""}],
    ids=["wrong-aud", "wrong-iss", "no-aud", "empty-iss"],
)
def test_issuer_and_audience_are_always_checked(
    server: LocalServer, claims: dict[str, Any]
) -> None:
    token = server.mint_provider_token("fed-x@example.com", sub="subject-x", **claims)
    reply = login(client(server), **{"provider-token": token})
    assert reply.status_code == 401


def test_issuer_and_audience_are_required_settings() -> None:
    from quantinuum_api_server.testing import TEST_IDP_AUDIENCE

    for missing in ({"idp_issuer": ""}, {"idp_audience": ""}):
        server = LocalServer(settings=fast_settings(idp_audience=TEST_IDP_AUDIENCE))
        server.settings = server.settings.replace(**missing)
        with pytest.raises(ValueError, match="issuer and an audience"):
            server.start()
        server.close()
