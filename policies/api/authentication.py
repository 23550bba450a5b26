"""API token authentication against ``ApiToken``: the client sends
``Authorization: Token <secret>`` (the header DRF's authtoken used, so existing
scripts keep working); the secret is hashed and looked up by its hash."""

from __future__ import annotations

from rest_framework import authentication, exceptions

from policies.models import ApiToken, hash_token_secret


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """One query per request (the token with its user); ``last_used_at`` is
    written at most once a minute.  Subclasses DRF's class for its header parsing
    and so that the OpenAPI schema still describes the ``Token`` scheme."""

    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        try:
            token = (
                ApiToken.objects.active()
                .select_related("user")
                .get(key_hash=hash_token_secret(key))
            )
        except ApiToken.DoesNotExist:
            # Unknown and revoked tokens get the same answer.
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.user.last_login is None:
            # An account that never finished a first sign-in still has the one-time
            # password someone else gave it (policies/editorial/signin.py).  The
            # tokens page refuses such accounts, so this is only a backstop.
            raise exceptions.PermissionDenied(
                "Sign in and choose a new password first: the one-time password has been used."
            )
        token.touch()
        return (token.user, token)
