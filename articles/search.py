"""Help-center search that works in Japanese as well as English, on PostgreSQL full text.

Japanese has no spaces between words, and PostgreSQL's parser would take a whole sentence
as one "word". So text is turned into terms here before PostgreSQL sees it:

- documents: every run of Japanese characters (kanji, hiragana, katakana) becomes its
  overlapping character bigrams ("請求書を発行" → 請求 求書 書を を発 発行); other words
  stay words, which the `english` configuration stems ("exporting" → export);
- queries: a Japanese run is first cut where the script changes, and runs of hiragana are
  dropped when anything else is left, since they are mostly particles and endings
  ("請求書の発行方法" → 請求書, 発行方法); each part must appear, as all its bigrams. A
  single character is matched as the start of a bigram, and the last English word as a
  prefix, so results follow as someone types.

The published copy's title (weight A), subtitle (B) and text (C) are stored as one weighted
`tsvector` (`ArticleContent.search_vector`, GIN-indexed), so a search is an index lookup
plus `ts_rank` over the matches, never `to_tsvector` at query time. Snippets with the
matched words highlighted are cut in Python from the ten results' plain text.

On SQLite (the embedded demo) the same query terms are matched with LIKE."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CONFIG = "english"
SNIPPET_LENGTH = 160
MAX_QUERY_TERMS = 12

_HIRAGANA = "\u3041-\u309f"
_KATAKANA = "\u30a0-\u30ff\u31f0-\u31ff"
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3005"  # 々 repeats the kanji before it
_JAPANESE_RUN = re.compile(f"[{_HIRAGANA}{_KATAKANA}{_KANJI}]+")
_SCRIPT_RUN = re.compile(f"[{_HIRAGANA}]+|[{_KATAKANA}]+|[{_KANJI}]+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Full-width letters and digits to half width, half-width katakana to full width,
    lower case: the same text however it was typed."""
    return unicodedata.normalize("NFKC", text or "").lower()


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


def document_terms(text: str) -> str:
    """The text as PostgreSQL should index it: words, and Japanese as bigrams."""
    terms: list[str] = []
    for token in _WORD.findall(normalize(text)):
        for piece in re.split(f"([{_HIRAGANA}{_KATAKANA}{_KANJI}]+)", token):
            if not piece:
                continue
            terms.extend(_bigrams(piece) if _JAPANESE_RUN.fullmatch(piece) else [piece])
    return " ".join(terms)


@dataclass(frozen=True)
class ParsedQuery:
    tsquery: str  # for to_tsquery: lexemes quoted, joined with &
    words: tuple[str, ...]  # what to highlight and, on SQLite, to match with LIKE

    def __bool__(self) -> bool:
        return bool(self.words)


def _quoted(lexeme: str, prefix: bool = False) -> str:
    # Terms come from _WORD, so they hold letters and digits only; the quoting keeps
    # to_tsquery from ever reading an operator out of them.
    return "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "'" + (":*" if prefix else "")


def parse_query(text: str) -> ParsedQuery:
    words: list[str] = []
    for token in _WORD.findall(normalize(text)):
        for piece in re.split(f"([{_HIRAGANA}{_KATAKANA}{_KANJI}]+)", token):
            if not piece:
                continue
            if _JAPANESE_RUN.fullmatch(piece):
                parts = _SCRIPT_RUN.findall(piece)
                content = [part for part in parts if not re.fullmatch(f"[{_HIRAGANA}]+", part)]
                words.extend(content or parts)
            else:
                words.append(piece)
    words = list(dict.fromkeys(words))[:MAX_QUERY_TERMS]
    lexemes: list[str] = []
    for index, word in enumerate(words):
        if _JAPANESE_RUN.fullmatch(word):
            if len(word) == 1:
                lexemes.append(_quoted(word, prefix=True))
            else:
                lexemes.extend(_quoted(bigram) for bigram in _bigrams(word))
        else:
            lexemes.append(_quoted(word, prefix=index == len(words) - 1))
    return ParsedQuery(tsquery=" & ".join(lexemes), words=tuple(words))


def vector_expression(*, title: str, subtitle: str, text: str) -> SearchVector:
    return (
        SearchVector(Value(document_terms(title)), config=CONFIG, weight="A")
        + SearchVector(Value(document_terms(subtitle)), config=CONFIG, weight="B")
        + SearchVector(Value(document_terms(text)), config=CONFIG, weight="C")
    )


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def search_filter(queryset: QuerySet, query: ParsedQuery) -> QuerySet:
    """Published contents matching the query, best first (the caller limits)."""
    if uses_full_text():
        tsquery = SearchQuery(query.tsquery, search_type="raw", config=CONFIG)
        return (
            queryset.filter(search_vector=tsquery)
            .annotate(rank=SearchRank(F("search_vector"), tsquery, normalization=1))
            .order_by("-rank", "-published_at", "id")
        )
    condition = Q()
    for word in query.words:
        condition &= Q(published_title__icontains=word) | Q(published_subtitle__icontains=word) | Q(
            published_text__icontains=word
        )
    return queryset.filter(condition).order_by("-published_at", "id")


def snippet(text: str, query: ParsedQuery, length: int = SNIPPET_LENGTH) -> SafeString:
    """A piece of `text` around the first match, HTML-escaped, matches in <mark>."""
    text = " ".join((text or "").split())
    if not query.words:
        return mark_safe(escape(text[:length]))  # escaped just above
    folded = normalize(text)
    # NFKC keeps the length of almost everything a help article holds; where it does not
    # (ligatures, some symbols), highlighting simply finds nothing and the text is shown.
    if len(folded) != len(text):
        folded = text.lower()
    pattern = re.compile("|".join(re.escape(word) for word in sorted(query.words, key=len, reverse=True)))
    first = pattern.search(folded)
    start = 0 if first is None else max(0, first.start() - length // 4)
    end = min(len(text), start + length)
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for match in pattern.finditer(folded, start, end):
        pieces.append(escape(text[cursor : match.start()]))
        pieces.append(f"<mark>{escape(text[match.start() : match.end()])}</mark>")
        cursor = match.end()
    pieces.append(escape(text[cursor:end]))
    pieces.append("…" if end < len(text) else "")
    return mark_safe("".join(pieces))  # every piece of text above is escaped
