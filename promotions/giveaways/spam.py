"""Explainable spam scoring for giveaway entries: pure Python, every point has a reason.

Each rule adds points and says why; the total is capped at 100 and an entry at or above
HOLD_AT is held for review (never deleted). Pingbacks and link markup are *blocking*: such
an entry can never be approved into a draw. The rules are tuned on the labelled sample in
tests/promotions/test_spam.py, which also measures precision and recall.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise

HOLD_AT = 50
MAX_SCORE = 100


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# The bigrams that make up ~97% of letter pairs inside English words (measured on a large
# English prose corpus), plus a few that skincare talk needs. Random-letter strings mostly
# consist of other pairs.
_COMMON_BIGRAMS = _set(
    "ab ac ad af ag ai ak al am an ap ar as at au av aw ax ay az ba be bi bl bo br bu by ca "
    "ce ch ci ck cl co cr ct cu cy da dd de di do ds du dy ea ec ed ee ef eg ei el em en ep "
    "er es et ev ew ex ey fa fe ff fi fl fo fr ft fu ga ge gg gh gi gl gn go gr gs gu gy ha "
    "he hi ho hy ia ib ic id ie if ig ik il im in io ip ir is it iv ix iz ju ka ke ki kn ko "
    "ks ky la ld le lf li lk ll lm lo lp ls lt lu ly ma mb me mi mm mo mp ms mu my na nc nd "
    "ne nf ng ni nk nl nn no ns nt nu nv ny oa ob oc od oe of og oi ok ol om on oo op or os "
    "ot ou ov ow ox oy oz pa pe ph pi pl po pp pr ps pt pu py qu ra rb rc rd re rf rg rh ri "
    "rk rl rm rn ro rp rr rs rt ru rv rw ry sa sc se sh si sk sl sm sn so sp ss st su sw sy "
    "ta tc te th ti tl to tr ts tt tu tw ty ua ub uc ud ue uf ug ui ul um un up ur us ut va "
    "ve vi vo wa we wh wi wl wn wo wr ws xa xc xe xi xp xt ya ye yi yl yo yp ys yt za ze zi zo"
)
_VOWELS = frozenset("aeiouy")

_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_BARE_DOMAIN = re.compile(r"(?i)\b[a-z0-9-]{2,}\.(?:com|net|org|info|biz|ru|cn|xyz|top|pl|co)\b")
_BBCODE_LINK = re.compile(r"(?i)\[(?:url|link)(?:=[^\]]*)?\].*?\[/(?:url|link)\]|\[(?:url|link)=")
_HTML_LINK = re.compile(r"(?i)<a\s[^>]*href")
_PINGBACK = re.compile(r"\[(?:\.\.\.|…|&hellip;|&#8230;)\]")
_PINGBACK_NAME = re.compile(r"[»«|]|\s[–—-]\s")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_LETTERS = re.compile(r"[A-Za-z]{7,}")
_REPEATS = re.compile(r"(.)\1{5,}")

SPAM_KEYWORDS = re.compile(
    r"(?i)\b(?:viagra|cialis|levitra|casino|poker|payday|loans?|replica|porn|xxx|bitcoin|"
    r"crypto|forex|backlinks?|seo (?:services|agency|experts?)|escort|work from home|"
    r"earn money|make money|diet pills|"
    r"weight loss pills|cheap (?:jerseys|watches|handbags)|louis vuitton|ugg boots)\b"
)
GENERIC_PRAISE = re.compile(
    r"(?i)(?:(?:great|nice|awesome|good|cool|lovely|excellent|fantastic) "
    r"(?:blog|post|site|website|article|theme|design|layout|read|write-?up|info)"
    r"|(?:blog|site|website) (?:design|layout|theme|looks)"
    r"|keep up the (?:good|great) work|bookmark(?:ed|ing)?|(?:which|what) (?:theme|template)"
    r"|(?:rss|feed) (?:feed|reader)|very informative|browsing online"
    r"|thanks? for (?:sharing|the post)"
    r"|i (?:really )?(?:like|love|enjoy) your (?:blog|site|website|writing|posts?)"
    r"|came across your (?:blog|site))"
)
GREETINGS = _set(
    "hi hello hey hiya howdy greetings first cool nice lol ok okay thanks thx ty good morning "
    "evening there from all everyone guys folks"
)
# Words a genuine entry uses: the skin, the products, and wanting to win.
TOPIC_WORDS = _set(
    "skin skincare pores pore acne oily oil dry dryness wrinkles wrinkle lines routine "
    "product products face facial cleanser cleanse toner tone serum foundation primer powder "
    "makeup complexion breakout breakouts blackheads whiteheads scars scarring zone nose "
    "cheeks forehead kit collection win won winning winner prize giveaway try trying tried "
    "love would want need hope chance enter entering entry pick please fingers crossed mom "
    "mother wife daughter sister husband birthday gift menopause combination sensitive aging "
    "age firming refined texture moisturizer eye eyes puffy puffiness regimen regime benefit "
    "help works results wash washing dmae smoother smooth treatment glow pimples pimple "
    "spots sebum shiny shine"
)
DISPOSABLE_DOMAINS = _set(
    "mailinator.com guerrillamail.com guerrillamail.net sharklasers.com grr.la 10minutemail.com "
    "10minutemail.net yopmail.com yopmail.fr trashmail.com trashmail.de tempmail.com "
    "temp-mail.org tempmail.net throwawaymail.com getnada.com nada.email dispostable.com "
    "maildrop.cc fakeinbox.com mintemail.com spamgourmet.com mailnesia.com emailondeck.com "
    "moakt.com tempr.email discard.email mohmal.com mailcatch.com spambox.us trbvm.com "
    "33mail.com getairmail.com burnermail.io inboxkitten.com mytemp.email tempail.com "
    "emailfake.com fakemail.net"
)


@dataclass(frozen=True)
class SpamContext:
    """What the score needs to know about the other entries (fetched by the caller)."""

    previous_shingles: tuple[frozenset[str], ...] = ()
    same_ip_entries: int = 0
    similar_addresses: int = 0


@dataclass(frozen=True)
class Reason:
    rule: str
    points: int
    detail: str

    def as_dict(self) -> dict[str, object]:
        return {"rule": self.rule, "points": self.points, "detail": self.detail}


@dataclass(frozen=True)
class SpamResult:
    score: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)
    blocked: bool = False

    @property
    def held(self) -> bool:
        return self.blocked or self.score >= HOLD_AT

    def reasons_json(self) -> list[dict[str, object]]:
        return [reason.as_dict() for reason in self.reasons]


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def shingles(text: str, size: int = 3) -> frozenset[str]:
    """Word 3-grams of a text, for near-duplicate detection across entries."""
    tokens = words(text)
    if len(tokens) < size:
        return frozenset([" ".join(tokens)]) if tokens else frozenset()
    return frozenset(" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1))


def looks_random(token: str) -> bool:
    """A letter string that is not a (misspelt) word: few common letter pairs or no vowels."""
    lower = token.lower()
    if len(lower) < 7:
        return False
    pairs = [lower[i : i + 2] for i in range(len(lower) - 1)]
    common = sum(pair in _COMMON_BIGRAMS for pair in pairs) / len(pairs)
    vowels = sum(ch in _VOWELS for ch in lower) / len(lower)
    run = (
        max(len(m) for m in re.findall(r"[^aeiouy]+", lower))
        if re.search(r"[^aeiouy]", lower)
        else 0
    )
    case_flips = sum(1 for a, b in pairwise(token) if a.islower() and b.isupper())
    return common < 0.6 or vowels < 0.15 or run >= 6 or case_flips >= 2


def _similarity(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def score_entry(*, name: str, email: str, comment: str, context: SpamContext) -> SpamResult:
    reasons: list[Reason] = []
    blocked = False

    def add(rule: str, points: int, detail: str) -> None:
        reasons.append(Reason(rule, points, detail))

    text = f"{name}\n{comment}"
    if _PINGBACK.search(comment):
        add("pingback", 70, "An excerpt wrapped in [...]: a pingback or trackback from a blog.")
        blocked = True
        if _PINGBACK_NAME.search(name):
            add("pingback_name", 10, "The name reads like a blog and post title.")
    if _BBCODE_LINK.search(comment):
        add("bbcode_link", 60, "BBCode [url=]/[link=] markup: link spam.")
        blocked = True
    if _HTML_LINK.search(comment):
        add("html_link", 50, "An HTML link in the comment.")
        blocked = True
    links = len(_URL.findall(comment)) + len(_BARE_DOMAIN.findall(_URL.sub(" ", comment)))
    if links >= 3:
        add("links", 60, f"{links} links in the comment.")
        blocked = True
    elif links:
        add("links", 20 * links, f"{links} link(s) in the comment.")
    if _URL.search(name) or _BARE_DOMAIN.search(name):
        add("name_link", 40, "The name is a web address.")
    keywords = sorted({m.lower() for m in SPAM_KEYWORDS.findall(text)})
    if keywords:
        points = 60 if len(keywords) >= 2 else 40
        add("spam_keywords", points, f"Spam vocabulary: {', '.join(keywords[:5])}.")

    comment_words = words(comment)
    random_tokens = [t for t in _LETTERS.findall(comment) if looks_random(t)]
    if random_tokens:
        ratio = len(random_tokens) / max(len(comment_words), 1)
        points = 60 if len(random_tokens) >= 3 or ratio >= 0.3 else 25 * len(random_tokens)
        sample = ", ".join(random_tokens[:3])
        add("random_letters", min(points, 60), f"Random-letter strings: {sample[:80]}.")
    if any(looks_random(t) for t in _LETTERS.findall(name)):
        add("random_name", 30, "The name is a random-letter string.")

    on_topic = any(w in TOPIC_WORDS for w in comment_words)
    if GENERIC_PRAISE.search(comment):
        if on_topic:
            add("generic_praise", 10, "Praise of the blog, though it also talks about the prize.")
        else:
            add("generic_praise", 50, "Generic praise of the blog, nothing about the prize.")
    elif not comment_words:
        add("empty_comment", 20, "No comment: the entry does not say why.")
    elif not on_topic and not random_tokens and reasons:
        add("off_topic", 20, "Nothing in it about the prize or the skin.")
    elif not on_topic and not random_tokens:
        if len(comment_words) <= 4:
            add("off_topic", 50, "A short greeting with nothing about the prize.")
        elif all(w in GREETINGS for w in comment_words):
            add("off_topic", 50, "Only a greeting.")
        elif len(comment_words) <= 12:
            add("off_topic", 25, "Nothing in it about the prize or the skin.")

    if _REPEATS.search(comment):
        add("repeated_characters", 10, "A character repeated many times.")

    mine = shingles(comment)
    if len(comment_words) >= 6 and context.previous_shingles:
        best = max(_similarity(mine, other) for other in context.previous_shingles)
        if best >= 0.9 and len(comment_words) >= 8:
            add("duplicate_text", 50, f"{best:.0%} the same as another entry's comment.")
        elif best >= 0.6:
            add("similar_text", 30, f"{best:.0%} similar to another entry's comment.")

    domain = email.rpartition("@")[2].lower().strip()
    if domain in DISPOSABLE_DOMAINS:
        add("disposable_email", 35, f"A disposable email domain ({domain}).")
    if context.same_ip_entries >= 10:
        add("ip_burst", 40, f"{context.same_ip_entries} other entries from the same network.")
    elif context.same_ip_entries >= 3:
        add("ip_burst", 20, f"{context.same_ip_entries} other entries from the same network.")
    if context.similar_addresses >= 3:
        add(
            "address_farm",
            25,
            f"{context.similar_addresses} entries from addresses differing only in digits.",
        )

    score = min(MAX_SCORE, sum(reason.points for reason in reasons))
    return SpamResult(score=score, reasons=tuple(reasons), blocked=blocked)


def address_stem(email: str) -> str:
    """The address with the digits of its local part removed: jane1@x and jane22@x match."""
    local, _, domain = email.lower().rpartition("@")
    return f"{re.sub(r'[0-9]+', '', local)}@{domain}"


def shingle_sets(comments: Iterable[str]) -> tuple[frozenset[str], ...]:
    return tuple(s for s in (shingles(c) for c in comments if len(words(c)) >= 6) if s)
