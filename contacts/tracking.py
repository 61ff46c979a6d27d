"""What the browser tells us about a contact, turned into tracked fields without asking
any outside service: browser and OS from the user agent, country and city from the IANA
time zone the browser reports."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class ClientInfo:
    browser: str = ""
    browser_version: str = ""
    os: str = ""
    device_type: str = ""


@functools.lru_cache(maxsize=2048)
def parse_user_agent(user_agent: str) -> ClientInfo:
    from ua_parser import parse

    if not user_agent:
        return ClientInfo()
    result = parse(user_agent[:1000])
    browser = result.user_agent.family if result.user_agent else ""
    version = result.user_agent.major if result.user_agent and result.user_agent.major else ""
    os_name = result.os.family if result.os else ""
    device = result.device.family if result.device else ""
    lowered = user_agent.lower()
    if "ipad" in lowered or "tablet" in lowered:
        device_type = "tablet"
    elif "mobi" in lowered or os_name in {"iOS", "Android"}:
        device_type = "mobile"
    elif device == "Spider":
        device_type = "bot"
    else:
        device_type = "desktop"
    return ClientInfo(
        browser="" if browser == "Other" else browser[:64],
        browser_version=version[:32],
        os="" if os_name == "Other" else os_name[:64],
        device_type=device_type,
    )


@functools.lru_cache(maxsize=1)
def _zone_countries() -> dict[str, str]:
    base = resources.files("tzdata").joinpath("zoneinfo")
    names = {}
    for line in base.joinpath("iso3166.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, name = line.split("\t", 1)
            names[code] = name.strip()
    zones = {}
    for line in base.joinpath("zone.tab").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            parts = line.split("\t")
            if len(parts) >= 3:
                zones[parts[2]] = names.get(parts[0], parts[0])
    return zones


def location_from_timezone(timezone_name: str) -> tuple[str, str]:
    """(country, city) for a time zone such as Asia/Tokyo -> (Japan, Tokyo); blanks when
    the zone names no country (UTC, Etc/GMT+9)."""
    country = _zone_countries().get(timezone_name, "")
    if not country:
        return "", ""
    return country, timezone_name.rsplit("/", 1)[-1].replace("_", " ")
