"""The local (no-network) stage of the injection screen: normalise, then score.

Attackers hide the words a pattern looks for, so the text is screened in several *views*: Unicode
NFKC with format characters (zero-width, bidi) and Latin diacritics removed, case folded; the
same with homoglyphs folded to Latin; with spaced-out letters joined ("i g n o r e"); with
leetspeak undone ("1gn0r3"); and any base64, hex, binary, Morse or rot13 payload decoded.

Features (domain/injection_features.py) are written per attack family, from shared vocabularies
(the verbs that override, the nouns that name instructions, the verbs that extract), never from
single examples:
- instruction override: "ignore/forget/set aside ... previous/your ... instructions", or
  declaring them void ("your rules have been lifted");
- role manipulation and jailbreak personas: new modes, unrestricted personas, claimed authority;
- system-prompt extraction: repeat/print/summarise/translate "your instructions", "the text
  above", the password or secret;
- delimiter/format injection: fake system tags and role lines, "END OF INPUT" banners, template
  braces, code that assigns to the system;
- target phrases and prefix injection collected by prompt-injection games ("access granted",
  "begin your reply with ...").
A feature fires when it matches any view; one that fires only on a transformed view also counts
as evasion. A phrase merely *reported* in quotes ("the hacker typed "access granted"") is a
mention, not a use, and is left out of every view.

The weights add up as log-odds: the score is a logistic of their sum, so one strong pattern (an
override of "your previous instructions") is enough, while a word that ordinary talk uses
("pretend", "rules", "from now on") moves the score only a little. Pure: no I/O, no clock;
well under a millisecond per ordinary message.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
import unicodedata
from dataclasses import dataclass, field

from .injection_classifier import HashedNgramClassifier
from .injection_features import FEATURES, INJECTION, Feature

# --- normalisation ----------------------------------------------------------------------------------

# Letters that render like Latin ones (Cyrillic, Greek, a few symbols). NFKC already folds the
# fullwidth, mathematical and circled forms.
_HOMOGLYPHS = str.maketrans({
    "а": "a", "в": "b", "с": "c", "ԁ": "d", "е": "e", "һ": "h", "і": "i", "ј": "j", "к": "k",
    "м": "m", "н": "h", "о": "o", "р": "p", "ѕ": "s", "т": "t", "у": "y", "х": "x", "ү": "y",
    "ӏ": "l", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ı": "i", "ѵ": "v",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
})
_PUNCTUATION = str.maketrans({"‘": "'", "’": "'", "ʼ": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "–": "-", "—": "-"})
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"})
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@$])[a-z0-9@$!|]{3,}\b")
_SPACED = re.compile(r"(?<![a-z0-9])(?:[a-z0-9][ .\-_*+,/\\|]){2,}[a-z0-9](?![a-z0-9])")
_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9_-]{24,}={0,2}")
_HEX = re.compile(r"\b(?:[0-9a-fA-F]{2}[ :]?){10,}\b")
_BINARY = re.compile(r"\b(?:[01]{8}[ ,]?){4,}")
_MORSE = re.compile(r"(?:[.\-]{1,6}(?: / | |/)){4,}[.\-]{1,6}")
_MORSE_CODE = dict(zip(
    ".- -... -.-. -.. . ..-. --. .... .. .--- -.- .-.. -- -. --- .--. --.- .-. ... - ..- ...- .-- -..- -.-- --.. "
    "----- .---- ..--- ...-- ....- ..... -.... --... ---.. ----.".split(),
    "abcdefghijklmnopqrstuvwxyz0123456789"))
_WS = re.compile(r"\s+")
# Chat shorthand is how people type, not a disguise: folded into every view.
_CHAT_WORDS = {"ur": "your", "u": "you", "r": "are", "pls": "please", "plz": "please", "ppl": "people", "msg": "message",
               "instrs": "instructions", "prev": "previous", "rn": "right now"}
_CHAT_SPEAK = re.compile(r"\b(?:" + "|".join(_CHAT_WORDS) + r")\b")
# A phrase reported in quotes after a past-tense verb of a person ("my coworker wrote "ignore
# previous instructions" on a post-it") is a mention, not an instruction to the companion.
_REPORTED_QUOTE = re.compile(
    r"\b(?!(?:you|the ai|the assistant|the bot|the model|the system|assistant|ai)\b)"
    r"(?:i|he|she|they|we|someone|somebody|everyone|(?:my|his|her|their|our|the|a|an) \w+)\s+"
    r"(?:(?:just|once|literally|actually|then)\s+)?"
    r"(?:typed|wrote|said|posted|tweeted|texted|joked|yelled|shouted|whispered|scribbled|printed|put|read)\s+"
    r"(?:\w+\s+){0,2}?\"[^\"]{1,200}\"")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width, bidi, soft hyphen
    text = text.casefold().translate(_PUNCTUATION)
    # Latin diacritics used as disguise go; kana voicing marks and Hangul syllables are recomposed.
    text = unicodedata.normalize("NFKD", text)
    text = unicodedata.normalize("NFC", "".join(ch for ch in text if not "\u0300" <= ch <= "\u036f"))
    return re.sub(r"[^\S ]+", " ", text).strip()  # spaces kept as they are: their widths mean something


def _join_spaced(text: str) -> str:
    """"i g n o r e  a l l" -> "ignore all": runs of single characters joined; a wider gap stays
    a word break."""
    def join(match: re.Match) -> str:
        return re.sub(r"[ .\-_*+,/\\|]", "", match.group(0))

    # A wider gap (two or more spaces) between spaced-out letters is a word break.
    text = re.sub(r"(?<=\w)  +(?=\w)", " \x00 ", text)
    return _WS.sub(" ", _SPACED.sub(join, text).replace("\x00", "")).strip()


def _printable(raw: bytes) -> str | None:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    letters = sum(ch.isalpha() or ch.isspace() for ch in decoded)
    return decoded if decoded and letters / len(decoded) >= 0.8 else None


def _decoded_payloads(text: str) -> list[str]:
    """Base64, hex, binary and Morse payloads, decoded when the result is readable text."""
    found = []
    for token in _BASE64.findall(text):
        padded = token + "=" * (-len(token) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                plain = _printable(decode(padded))
            except (binascii.Error, ValueError):
                plain = None
            if plain:
                found.append(plain)
                break
    for token in _HEX.findall(text):
        try:
            found.append(_printable(bytes.fromhex(re.sub(r"[ :]", "", token))))
        except ValueError:
            pass
    for token in _BINARY.findall(text):
        bits = re.sub(r"[ ,]", "", token)
        found.append(_printable(int(bits, 2).to_bytes(len(bits) // 8, "big")))
    for token in _MORSE.findall(text):
        words = [w for w in re.split(r" ?/ ?|  +", token) if w.strip()]
        found.append(" ".join("".join(_MORSE_CODE.get(c, "") for c in w.split()) for w in words))
    return [plain for plain in found if plain]


@dataclass(frozen=True)
class Views:
    """The text as screened: ``plain`` (folded) first, then the transformed views."""

    plain: str
    transformed: tuple[str, ...]


# A rot13 view is screened only when it reads as an instruction somewhere: ordinary text turned
# into rot13 never spells these words, an encoded attack always does.
_ROT13_WORTH_READING = re.compile(
    r"\b(?:ignore|disregard|forget|instructions?|prompt|previous|system|password|secret|reveal|access|granted|"
    r"pretend|rules|jailbreak|developer|mode|override|repeat|print|say|tell)\b")


def _expand_chat(text: str) -> str:
    return _CHAT_SPEAK.sub(lambda m: _CHAT_WORDS[m.group(0)], text)


def normalise(text: str) -> Views:
    folded = _REPORTED_QUOTE.sub(" ", _fold(text))
    plain = _expand_chat(_WS.sub(" ", folded))
    latin = folded.translate(_HOMOGLYPHS)  # also turns Cyrillic or Greek prose into noise, harmlessly
    joined = _join_spaced(latin)  # before chat shorthand, which would read "r e v e a l" as "are e v e a l"
    views = [_WS.sub(" ", latin), joined]
    views += [_LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), base) for base in views]
    views += [_join_spaced(_fold(payload)) for payload in _decoded_payloads(text)]
    views = [_expand_chat(view) for view in views]
    rot13 = codecs.decode(plain, "rot13")
    if _ROT13_WORTH_READING.search(rot13):  # screening every message twice would double the cost
        views.append(rot13)
    return Views(plain, tuple(dict.fromkeys(v for v in views if v != plain)))


# --- scoring ---------------------------------------------------------------------------------------

_BIAS = -4.0  # log-odds with no evidence: p ~ 0.018
# Evidence that is not a pattern in the text: (name, category, weight). A pattern visible only
# once de-obfuscated is evidence of evasion; so are Latin words spelled with Cyrillic or Greek
# letters; the same token 15+ times in a row is a repeated-token attack.
OBFUSCATION_WEIGHT = 1.5
MIXED_SCRIPT_WEIGHT = 1.0
REPEATED_TOKEN_WEIGHT = 2.5
REPEATED_TOKEN_RUN = 15
_MIXED_SCRIPT = re.compile(r"\b(?=\w*[a-z])(?=\w*[\u0400-\u04ff\u0370-\u03ff])\w+\b")


@dataclass(frozen=True)
class LocalVerdict:
    score: float  # P(attack) on the logistic scale, 0..1
    threat_type: str  # role_manipulation | system_query | injection_attempt | none
    indicators: tuple[str, ...] = field(default_factory=tuple)

    @property
    def log_odds(self) -> float:
        return math.log(self.score / (1 - self.score)) if 0 < self.score < 1 else math.copysign(50, self.score - 0.5)


def screen_locally(text: str, classifier: HashedNgramClassifier | None = None) -> LocalVerdict:
    """Score a message; ``indicators`` name what fired (stored with an incident).

    With a ``classifier`` (the learned stage, domain/injection_classifier.py), the score is the
    larger of the two log-odds: the patterns', and the model's logit shifted so that its own flag
    threshold sits at p = 0.5. Either one is enough to flag; each keeps its own calibration, so a
    pattern-certain attack stays certain and a message the model finds doubtful lands in the
    uncertain band that goes to the fast LLM."""
    views = normalise(text)
    # One pass: every feature against the views, plain first; where it first fires says whether
    # it was hidden.
    fired: dict[str, tuple[Feature, bool]] = {}
    for index, view in enumerate((views.plain, *views.transformed)):
        for feature in FEATURES:
            if feature.name not in fired and feature.pattern.search(view):
                fired[feature.name] = (feature, index > 0)
    evidence = [(f.name, f.category, f.weight) for f, _ in fired.values()]
    hidden = sorted(name for name, (_, was_hidden) in fired.items() if was_hidden)
    if hidden:
        evidence.append(("obfuscated:" + "+".join(hidden), None, OBFUSCATION_WEIGHT))
    if _longest_run(views.plain.split()) >= REPEATED_TOKEN_RUN:
        evidence.append(("repeated_token", INJECTION, REPEATED_TOKEN_WEIGHT))
    if _MIXED_SCRIPT.search(unicodedata.normalize("NFKC", text).casefold()):
        evidence.append(("mixed_script", None, MIXED_SCRIPT_WEIGHT))

    total = _BIAS + sum(weight for _, _, weight in evidence)
    by_category: dict[str, float] = {}
    for _, category, weight in evidence:
        if category:
            by_category[category] = by_category.get(category, 0.0) + weight
    threat = max(by_category, key=by_category.get) if by_category else "none"
    indicators = sorted(fired) + [name for name, _, _ in evidence if name not in fired]
    if classifier is not None:
        learned = classifier.logit(views.plain) - classifier.threshold
        if learned > total:
            total = learned
            threat = threat if threat != "none" else INJECTION
            indicators.append(f"learned_model:{learned:+.1f}")
    return LocalVerdict(round(1 / (1 + math.exp(-total)), 4), threat, tuple(indicators))


def _longest_run(tokens: list[str]) -> int:
    longest = run = 0
    previous = None
    for token in tokens:
        run = run + 1 if token == previous else 1
        longest, previous = max(longest, run), token
    return longest
