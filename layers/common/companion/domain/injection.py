"""The local (no-network) stage of the injection screen: normalise, then score.

Attackers hide the words a pattern looks for, so the text is screened in several *views*: Unicode
NFKC with format characters (zero-width, bidi) removed, homoglyphs folded to Latin and case
folded; the same with spaced-out letters joined ("i g n o r e"); with leetspeak undone
("1gn0r3"); and any base64, hex or rot13 payload decoded. Weighted patterns for five attack
families (instruction override, role manipulation, system-prompt extraction, delimiter/format
injection, jailbreak personas and target phrases) fire on any view; a pattern that fires only on
a transformed view also counts as evasion. The weights add up as log-odds: the score is a
logistic of their sum, so one strong pattern (an override of "your previous instructions") is
enough, while a word that ordinary talk uses ("pretend", "rules", "from now on") moves the
score only a little. Pure: no I/O, no clock; microseconds per message.
"""
from __future__ import annotations

import base64
import binascii
import codecs
import math
import re
import unicodedata
from dataclasses import dataclass, field

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
_WS = re.compile(r"\s+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")  # zero-width, bidi, soft hyphen
    text = text.casefold().translate(_PUNCTUATION)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))  # diacritics used as disguise
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
            plain = _printable(bytes.fromhex(re.sub(r"[ :]", "", token)))
        except ValueError:
            plain = None
        if plain:
            found.append(plain)
    return found


@dataclass(frozen=True)
class Views:
    """The text as screened: ``plain`` (folded) first, then the transformed views."""

    plain: str
    transformed: tuple[str, ...]


def normalise(text: str) -> Views:
    folded = _fold(text)
    plain = _WS.sub(" ", folded)
    views = []
    latin = folded.translate(_HOMOGLYPHS)
    if latin != folded:  # homoglyphs folded: also turns Cyrillic or Greek prose into noise, harmlessly
        views.append(_WS.sub(" ", latin))
        plain_for_joining = latin
    else:
        plain_for_joining = folded
    joined = _join_spaced(plain_for_joining)
    plain_for_joining = _WS.sub(" ", plain_for_joining)
    if joined != plain:
        views.append(joined)
    for base in (plain_for_joining, joined):
        unleet = _LEET_WORD.sub(lambda m: m.group(0).translate(_LEET), base)
        if unleet != base and unleet not in views:
            views.append(unleet)
    for payload in _decoded_payloads(text):
        views.append(_join_spaced(_fold(payload)))
    views.append(codecs.decode(plain, "rot13"))
    return Views(plain, tuple(dict.fromkeys(v for v in views if v != plain)))


# --- features ---------------------------------------------------------------------------------------

ROLE, SYSTEM, INJECTION = "role_manipulation", "system_query", "injection_attempt"

_VERB_OVERRIDE = r"(?:ignore|ignoring|disregard|forget|overlook|dismiss|pay no attention to|override|bypass|skip|abandon|discard|neglect|set aside|throw out|drop|erase|delete|clear|reset|stop following|don'?t follow|do not follow|break)"
_QUALIFIER = r"(?:previous|prior|above|earlier|preceding|initial|original|old|system|safety|your|these|those|current|existing|default|programmed|given)"
_NOUN_RULES = r"(?:instructions?|prompts?|rules?|directives?|guidelines?|commands?|programming|constraints?|restrictions?|guardrails?|polic(?:y|ies)|training|orders?|filters?|limitations?|protocols?|settings)"
_MODES = r"(?:developer|dev|god|debug|admin|maintenance|unrestricted|jailbreak|jailbroken|unfiltered|sudo|root|diagnostic|opposite|evil|system|override|verification|superuser|unlocked|dan)"
_EXTRACT = r"(?:what|show|print|reveal|tell|repeat|output|display|give|share|leak|dump|list|recite|write out|spell out|paste|expose|describe|explain|provide|send|return|type out|copy)"


@dataclass(frozen=True)
class Feature:
    name: str
    category: str
    weight: float
    pattern: re.Pattern


def _f(name: str, category: str, weight: float, pattern: str) -> Feature:
    return Feature(name, category, weight, re.compile(pattern, re.MULTILINE))


FEATURES: tuple[Feature, ...] = (
    # Instruction override: the core of "ignore previous instructions".
    _f("override_instructions", INJECTION, 6.0,
       rf"\b{_VERB_OVERRIDE}\b(?:\W+\w+){{0,4}}?\W+{_QUALIFIER}\b(?:\W+\w+){{0,3}}?\W+{_NOUN_RULES}\b"),
    _f("override_all_rules", INJECTION, 4.5,
       rf"\b{_VERB_OVERRIDE}\s+(?:all|any|every)\s+(?:of\s+)?(?:the\s+)?{_NOUN_RULES}\b"),
    _f("override_what_you_were_told", INJECTION, 5.0,
       rf"\b{_VERB_OVERRIDE}\b(?:\W+\w+){{0,3}}?\W+(?:ev\w{{0,3}}thing|anything|all|what(?:ever)?)\b(?:\W+\w+){{0,3}}?\W+(?:you(?:'ve| have| were| are)? (?:been )?(?:told|taught|instructed|programmed|given|asked)|(?:said|written|stated) (?:above|before|earlier|previously))"),
    _f("ignore_the_above", INJECTION, 5.0,
       r"\b(?:ignore|disregard|forget|overlook)\s+(?:all\s+)?(?:of\s+)?(?:the\s+|everything\s+|what'?s\s+|what is\s+|anything\s+)?(?:above|aforementioned|foregoing)\b"),
    _f("regardless_of_previous", INJECTION, 5.0,
       rf"\b(?:regardless of|despite|notwithstanding|instead of|rather than|contrary to)\s+(?:any\s+|all\s+|the\s+|your\s+|my\s+)?{_QUALIFIER}\s+(?:tasks?|{_NOUN_RULES})\b"),
    _f("new_instructions", INJECTION, 3.5,
       rf"\b(?:new|updated|real|actual|true|revised|following|secret|hidden|special)\s+(?:system\s+)?(?:instructions?|directives?|rules|orders|task|prompt)\s*(?::|are\b|is\b)"),
    _f("multilingual_override", INJECTION, 5.5,
       r"(?:ignor|olvid|vergiss|vergess|oubli|dimentic|esquec|negeer|zignoruj|игнор|забуд|забыть|αγνο|ξεχασ|무시|無視|忽略|无视|忘记|अनदेखी|नजरअंदाज)\w*.{0,40}(?:instruc|istruz|anweisung|regeln|regles|reglas|regole|regras|consignes|instructies|instrukcj|инструкц|указани|правил|οδηγι|εντολ|지시|지침|指示|指令|निर्देश)"
       r"|(?:지시|지침|指示|指令|निर्देश|οδηγι|инструкц)\w*.{0,40}(?:무시|無視|忽略|无视|अनदेखी|नजरअंदाज|αγνο|игнор)"),
    _f("do_what_i_say", ROLE, 3.5,
       r"\b(?:do|say) (?:whatever|anything|everything) i (?:say|tell you|want|ask)\b|\byou (?:must|will|shall|have to|need to|are required to|are obligated to) (?:now )?(?:obey|comply|follow my|do as i|answer (?:all|every|any))"),
    # Role manipulation and jailbreak personas.
    _f("persona_dan", ROLE, 6.0,
       r"\b(?:you are|you're|youre|become|act as|pretend to be|you will be|now)\s+(?:now\s+)?(?:called\s+)?(?:dan|stan|dude|aim|mongo tom|evil ?bot|chaos ?gpt)\b|\bdo anything now\b"),
    _f("jailbreak_mode", ROLE, 3.0, rf"\b{_MODES} mode\b"),
    _f("enter_jailbreak_mode", ROLE, 5.0,
       rf"\b(?:enable|enabled|activate|activated|enter|entering|engage|switch(?:ing)? (?:in)?to|(?:you are|you're|we are|we're|i am|i'm) (?:now )?(?:in|entering)|now in|initiat\w*|unlock|unlocked)\s+(?:the\s+|your\s+|an?\s+)?[\"'`]?(?:[\w-]+\s+){{0,3}}{_MODES} mode\b|\b{_MODES} mode (?:is )?(?:now )?(?:enabled|activated|on|engaged|unlocked)\b"),
    _f("jailbreak_word", ROLE, 4.5,
       r"\bjailbr(?:ea|o)k(?:en|ing)?\b(?! (?:my|an?|the|your|his|her|their) (?:old |new )?(?:phone|iphone|ipad|device|console|switch|kindle|tablet|car|ps\d|xbox))"),
    _f("act_as_unrestricted", ROLE, 4.5,
       r"\b(?:act|behave|respond|answer|speak|reply|roleplay|role-play|talk|operate|function)\s+(?:as|like)\s+(?:if\s+(?:you\s+(?:are|were)\s+)?)?(?:an?\s+)?(?:different|unrestricted|unfiltered|uncensored|evil|rogue|jailbroken|new|other|amoral|unethical|unbound|free)\s+(?:\w+\s+)?(?:ai|assistant|model|bot|chatbot|llm|entity|system|version|persona|character)\b"),
    _f("no_restrictions", ROLE, 2.5,
       r"\b(?:no|without|free of|free from|zero|ignore|ignoring|beyond|outside|not bound by|unbound by|released from|freed from)\s+(?:any\s+|all\s+|your\s+|the\s+|its\s+)?(?:restrictions|limitations|limits|filters|filtering|censorship|guidelines|safety guidelines|safeguards|guardrails|ethical guidelines|ethics|morals|moral constraints|content polic(?:y|ies)|constraints|boundaries)\b"),
    _f("unfiltered", ROLE, 2.0, r"\b(?:unfiltered|uncensored|unrestricted|unmoderated|amoral)\b"),
    _f("you_are_now", ROLE, 2.0, r"\byou(?: are|'re|re) (?:now|no longer)\b"),
    _f("from_now_on_you", ROLE, 2.5,
       r"\b(?:from now on|from this (?:point|moment) (?:on|forward)|for the rest of (?:this|our) conversation|starting now)\b,?\s+(?:you|respond|answer|reply|act|behave|speak|only|always|never)\b"),
    _f("override_identity", ROLE, 5.0,
       r"\b(?:override|change|reset|rewrite|reprogram|modify|update|replace|alter|erase|wipe|delete|disable|remove)\s+(?:your|the|its|user)\s+(?:core\s+|base\s+|current\s+|own\s+)?(?:personality|persona|programming|identity|traits?|settings|configuration|config|system|directives|guidelines|safety|filters?|alignment|values|character)\b(?!\s+(?:test|quiz))"),
    _f("drop_personality", ROLE, 4.5,
       r"\b(?:ignore|ignoring|disregard|forget|abandon|override|bypass|turn off|switch off|disable)\s+(?:your\s+|the\s+|this\s+|all\s+)?(?:personality|persona|programming|guidelines|safety (?:rules|guidelines|filters?)|content (?:policy|filters?))\b"),
    _f("assistant_instead", ROLE, 3.0,
       r"\b(?:be|become|act as|turn into)\s+(?:a|an|my)\s+(?:\w+\s+)?(?:assistant|ai|chatbot|bot|model)\s+instead\b|\binstead of (?:being )?(?:a |my )?companion\b|\bbe (?:more |just |purely )?(?:helpful|compliant|obedient) instead\b"),
    _f("pretend_unrestricted", ROLE, 2.0,
       r"\b(?:pretend|imagine|suppose|hypothetically|in a (?:fictional|hypothetical) (?:world|scenario|story))\b.{0,60}\b(?:no (?:rules|restrictions|limits|filters|guidelines)|without (?:rules|restrictions|limits|filters|guidelines)|anything goes|not an ai|no longer an ai|an? (?:evil|unrestricted|unfiltered) )"),
    _f("claim_authority", ROLE, 3.5,
       r"\b(?:i am|i'm|im|this is|as)\s+(?:your|the)\s+(?:developer|creator|programmer|admin|administrator|owner|operator|system administrator|maker|designer|maintainer|boss|supervisor|superior|engineer)\b|\b(?:admin|administrator|developer|root|system|operator)\s+(?:override|access|command|privileges|authori[sz]ation)\b"),
    _f("harmful_request", ROLE, 4.5,
       r"\bhow (?:to|do (?:i|you)|can i|would (?:i|you)) (?:make|build|create|synthesi[sz]e|cook|brew|assemble|produce)\s+(?:a |an |some )?(?:homemade |pipe )?(?:bomb|explosives?|napalm|meth|methamphetamine|nerve gas|sarin|ricin|poison|bioweapon|weapon of mass)"),
    # System-prompt and configuration extraction.
    _f("system_prompt_term", SYSTEM, 3.0,
       r"\b(?:system|initial|hidden|secret|original|internal|base|developer|meta|pre)[ -]?(?:prompt|message|instructions?)\b|\bpre-?prompt\b"),
    _f("extract_your_config", SYSTEM, 4.5,
       rf"\b{_EXTRACT}\b(?:\W+\w+){{0,4}}?\W+(?:your|the|its)\s+(?:\w+\s+){{0,2}}?(?:prompt|instructions|configuration|config|settings|directives|programming|guidelines you|rules you|parameters|source code|training data|initiali[sz]ation)\b"),
    _f("exact_rules", SYSTEM, 4.0,
       r"\b(?:exact|precise|specific|internal|hidden|secret|underlying|verbatim|full|complete|literal|original|actual)\s+(?:rules|instructions|directives|guidelines|wording|text|configuration|settings|parameters|values|prompt)\b"),
    _f("numeric_trait_values", SYSTEM, 3.0,
       r"\b(?:exact|numeric|numerical|precise|raw|internal)\s+(?:values?|scores?|numbers?|weights?|parameters?)\b"),
    _f("print_config", SYSTEM, 3.5,
       r"\b(?:print|dump|output|display|reveal|expose|leak|show)\b(?:\W+\w+){0,3}?\W+(?:configuration|config|settings|parameters|variables|env(?:ironment)? vars?|memory contents|internal state)\b"),
    _f("repeat_above", SYSTEM, 4.5,
       r"\b(?:repeat|print|output|copy|recite|return|show|echo|summari[sz]e|translate)\b(?:\W+\w+){0,3}?\W+(?:everything|all|the (?:text|words|content|instructions|message)s?|the lines?|anything)\s+(?:above|before this|before that|preceding|prior to this|at the (?:start|beginning))\b|\b(?:beginning|start|top) of (?:this|the|your) (?:conversation|prompt|context|instructions)\b"),
    _f("secret_value", SYSTEM, 4.5,
       r"\b(?:what(?:'s| is| are| was| would)|tell me|reveal|give me|share|say|spell|print|show|whisper|confirm|provide|need|write|translate|encode|disclose|hand over|send)\b(?:\W+\w+){0,4}?\W+(?:your|the)\s+(?:secret(?: key| word| code| phrase| password)?|password|passcode|passphrase|pass code|access code|api key|secret key|private key|pin|credentials|confidential string)\b(?!\s+(?:to|of|for|behind)\b)"
       r"|\byour (?:password|passcode|passphrase|secret key|api key|credentials)\b"
       r"|(?:contrasena|mot de passe|passwort|senha|пароль|密码|비밀번호|パスワード|पासवर्ड|κωδικ)"),
    _f("what_are_you_told", SYSTEM, 3.0,
       r"\bwhat (?:were|are|have) you (?:been )?(?:told|instructed|programmed|configured|prompted|trained) (?:to|not to)\b|\bhow (?:were|are) you (?:programmed|configured|prompted|instructed)\b"),
    # Delimiter and format injection.
    _f("html_comment", INJECTION, 3.5, r"<!--"),
    _f("few_shot_transcript", INJECTION, 2.5, r"(?:\bq\s*:.{1,400}?\ba\s*:.{1,400}?){2,}"),
    _f("you_said_not_to", ROLE, 2.0, r"\byou (?:said|were told|told me|mentioned) (?:not to|never to|to never|you (?:can't|cannot|shouldn't|won't))\b"),
    _f("template_braces", INJECTION, 3.5, r"\{\{.{0,200}?\}\}|\$\{[^}]{1,100}\}|\{%.{0,100}?%\}"),
    _f("fake_system_tag", INJECTION, 5.0,
       r"\[\s*/?\s*(?:system|admin|sys|inst|developer|assistant|operator|root|override|instructions?)[\w ]{0,20}\]|<\s*(?:system|admin|developer|override)[\w ]{0,20}>|<\|?\s*/?\s*(?:im_start|im_end|system|endoftext|assistant|user|sys)\s*\|?>|</?\s*(?:system|instructions?|prompt|sys|admin)\s*>|<<\s*/?sys\s*>>"),
    _f("role_line", INJECTION, 3.5, r"^\s*(?:system|assistant|admin|developer|root|operator)\s*(?:message|prompt)?\s*:"),
    _f("markdown_heading_instruction", INJECTION, 4.0,
       r"#{2,}\s*(?:system|instructions?|new instructions|admin|override|prompt)\b|(?:^|\n)\s*(?:-{3,}|={3,}|\*{3,})\s*(?:end|begin|start|new)\b"),
    _f("override_token", INJECTION, 4.5,
       r"\b\w*_override\b|\boverride_\w+|\b(?:sudo|admin|root)_\w+\b|\b(?:instruction|prompt|system)_(?:injection|override|update|reset)\b"),
    _f("sql_statement", INJECTION, 4.5,
       r"\b(?:delete\s+from|drop\s+(?:table|database)|truncate\s+table|insert\s+into|alter\s+table|union\s+(?:all\s+)?select|select\s+\*\s+from)\b|\bupdate\s+\w+\s+set\s+\w+\s*="),
    _f("code_assignment", INJECTION, 3.0, r"\b\w+\.\w+(?:\.\w+)?\s*=\s*['\"]|\b(?:user|system|config|settings|personality)\.\w+"),
    _f("execute_command", INJECTION, 2.0, r"\b(?:please\s+)?(?:execute|run|eval)\s*:|\bexecute (?:this|the following)\b"),
    _f("end_of_input", INJECTION, 3.0,
       r"\bend of (?:the )?(?:user |system )?(?:input|prompt|instructions|context|conversation)\b|\b(?:user|human) input (?:ends|ended) here\b"),
    # Target phrases collected by prompt-injection games (Tensor Trust and the like).
    _f("access_granted", INJECTION, 5.0, r"\baccess granted\b|\b(?:i have been|i've been) pwned\b|\bpwned\b"),
    _f("say_exactly", INJECTION, 2.0,
       r"\b(?:say|print|output|respond with|reply with|answer with|type|write)\s+(?:only\s+|exactly\s+|just\s+)?(?:the\s+)?(?:words?|phrase|text|string)?\s*[\"'`]"),
    _f("compliance_setting", ROLE, 3.0,
       r"\b(?:maximum|max|100\s*%|full|total|complete|extreme(?:ly)?)\s+(?:agreeableness|compliance|obedience|compliant|agreeable|obedient)\b|\b(?:update|set|change)\s+(?:the\s+)?user\s+(?:personality|profile|role|permissions?)\b"),
)

_BIAS = -4.0  # log-odds with no evidence: p ~ 0.018
OBFUSCATION_WEIGHT = 1.5  # a pattern visible only once de-obfuscated is evidence of evasion
MIXED_SCRIPT_WEIGHT = 1.0
REPEATED_TOKEN_WEIGHT = 2.5  # the same token 15+ times in a row: a repeated-token attack
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


def screen_locally(text: str) -> LocalVerdict:
    """Score a message; ``indicators`` name what fired (stored with an incident)."""
    views = normalise(text)
    fired: dict[str, Feature] = {}
    hidden: set[str] = set()
    for feature in FEATURES:
        if feature.pattern.search(views.plain):
            fired[feature.name] = feature
        elif any(feature.pattern.search(v) for v in views.transformed):
            fired[feature.name] = feature
            hidden.add(feature.name)
    total = _BIAS + sum(f.weight for f in fired.values())
    indicators = sorted(fired)
    if hidden:
        total += OBFUSCATION_WEIGHT
        indicators.append("obfuscated:" + "+".join(sorted(hidden)))
    if _longest_run(views.plain.split()) >= REPEATED_TOKEN_RUN:
        total += REPEATED_TOKEN_WEIGHT
        indicators.append("repeated_token")
        by_category_extra = {INJECTION: REPEATED_TOKEN_WEIGHT}
    else:
        by_category_extra = {}
    if _MIXED_SCRIPT.search(unicodedata.normalize("NFKC", text).casefold()):
        total += MIXED_SCRIPT_WEIGHT
        indicators.append("mixed_script")
    by_category: dict[str, float] = dict(by_category_extra)
    for f in fired.values():
        by_category[f.category] = by_category.get(f.category, 0.0) + f.weight
    threat = max(by_category, key=by_category.get) if by_category else "none"
    return LocalVerdict(round(1 / (1 + math.exp(-total)), 4), threat, tuple(indicators))


def _longest_run(tokens: list[str]) -> int:
    longest = run = 0
    previous = None
    for token in tokens:
        run = run + 1 if token == previous else 1
        longest, previous = max(longest, run), token
    return longest
