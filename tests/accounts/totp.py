"""The codes an authenticator app shows, computed from a TOTP device's key (tests only)."""

from django_otp.oath import totp


def code(device, offset: int = 0) -> str:
    """The code the user's authenticator app shows now (``offset`` steps away)."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return str(value).zfill(device.digits)


def wrong_code(device) -> str:
    """A well-formed code the device accepts at no step near now."""
    right = {code(device, offset) for offset in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)
