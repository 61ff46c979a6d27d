"""Names for anonymous visitors, as Intercom gives them: "<Colour> <Thing> from <Place>",
in the visitor's language, derived from their browser id so a visitor keeps one name."""

from __future__ import annotations

import hashlib

_EN = (
    ["Red", "Blue", "Green", "Golden", "Silver", "Purple", "Orange", "Teal", "Crimson", "Indigo", "Amber", "Ivory"],
    ["Kettle", "Lantern", "Notebook", "Umbrella", "Bicycle", "Teacup", "Compass", "Kite", "Pebble", "Fox", "Owl", "Maple"],
    ["Tokyo", "Osaka", "Kyoto", "Sapporo", "Fukuoka", "Nagoya", "London", "Paris", "Lisbon", "Seoul", "Taipei", "Oslo"],
)
_JA = (
    ["赤い", "青い", "緑の", "金色の", "銀色の", "紫の", "橙色の", "青緑の", "深紅の", "藍色の", "琥珀色の", "象牙色の"],
    ["やかん", "ちょうちん", "ノート", "かさ", "自転車", "湯のみ", "コンパス", "たこ", "小石", "きつね", "ふくろう", "かえで"],
    ["東京", "大阪", "京都", "札幌", "福岡", "名古屋", "ロンドン", "パリ", "リスボン", "ソウル", "台北", "オスロ"],
)


def visitor_name(*, seed: str, language: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    words = _JA if language.lower().startswith("ja") else _EN
    colour, thing, place = (words[i][digest[i] % len(words[i])] for i in range(3))
    if words is _JA:
        return f"{place}の{colour}{thing}"
    return f"{colour} {thing} from {place}"
