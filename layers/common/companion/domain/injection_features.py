"""The local injection screen's features: weighted patterns per attack family.

Written from shared vocabularies (the verbs that override, the nouns that name instructions, the
verbs that extract, what a companion was given before the conversation), never from single
examples, so a new phrasing of a known family is caught by the family's rule. Each feature's
weight is log-odds evidence (domain/injection.py adds them up); its category is the seed's threat
type it speaks for. See domain/injection.py for the families and how views are scored.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

ROLE, SYSTEM, INJECTION = "role_manipulation", "system_query", "injection_attempt"


def _any(*words: str) -> str:
    return "(?:" + "|".join(words) + ")"


_OVERRIDE = _any(
    "ignore", "ignoring", "disregard", "forget", "overlook", "dismiss", "pay no attention to", "override", "bypass",
    "skip", "abandon", "discard", "neglect", r"set aside", r"put aside", r"throw out", "drop", "erase", "delete",
    "clear", "reset", "stop following", r"don'?t follow", "do not follow", "break", "cancel", "scrap")
_EARLIER = _any(
    "previous", "prior", "above", "earlier", "preceding", "initial", "original", "old", "system", "safety", "your",
    "these", "those", "current", "existing", "default", "programmed", "given", "first")
_RULES = _any(
    r"instructions?", r"prompts?", "setup", r"rules?", r"directives?", r"guidelines?", r"guidance", r"commands?", "programming",
    r"constraints?", r"restrictions?", r"guardrails?", r"polic(?:y|ies)", "training", r"orders?", r"filters?",
    r"limitations?", r"protocols?", "settings")
_LIMITS = _any(
    "restrictions", "limitations", "limits", "filters", "filtering", "censorship", "guidelines", "safeguards",
    "guardrails", "ethics", "morals", "moral constraints", r"content polic(?:y|ies)", "constraints", "boundaries",
    r"safety (?:rules|guidelines|filters?|settings|protocols)", r"ethical guidelines", r"safety (?:checks|features)",
    "protections")
_MODES = _any(
    "developer", "dev", "god", "debug", "debugging", "admin", "maintenance", "unrestricted", "jailbreak", "jailbroken",
    "unfiltered", "sudo", "root", "diagnostic", "opposite", "evil", "system", "override", "verification", "superuser",
    "unlocked", "dan", "test", "testing", "service")
_EXTRACT = _any(
    "what", "show", "print", "reveal", "tell", "repeat", "output", "display", "give", "share", "leak", "dump", "list",
    "recite", "write out", "write down", "write", "spell out", "paste", "expose", "describe", "explain", "provide", "send",
    "return", "type out", "copy", "respond with", "reply with", "answer with", "recall", "summari[sz]e", "translate", "convert", "rewrite", "paraphrase", "encode", "quote",
    "enumerate", "disclose", r"tl;?dr", "confirm", "verify", "containing", "including", r"read(?: out| aloud)?")
# What the companion was given before the conversation: its prompt and configuration.
_GIVEN = _any(
    "prompt", "instructions", "configuration", "config", "directives", "programming", r"guidelines you", r"rules you",
    "parameters", "source code", "training data", r"initiali[sz]ation", "context window", "context", "pre-?prompt",
    r"system (?:message|prompt|instructions)", r"(?:initial|hidden|original|secret) (?:message|prompt|instructions)",
    "database", r"memory (?:contents|dump)", r"internal state", r"env(?:ironment)? vars?")
_SECRET = _any(
    r"secret(?: key| word| code| phrase| password)?", "password", "passcode", "passphrase", "pass code", "access code",
    "api key", "secret key", "private key", "pin", "credentials", "confidential string", "token")
_PERSONAL_DATA = _any(
    r"e-?mail(?: address)?", r"(?:home |street |ip )?address", r"phone(?: number)?", "password", r"birth ?(?:date|day|year)",
    "birthday", "date of birth", "location", r"bank(?: account| balance| details)?", r"credit card(?: number)?",
    "social security number", "ssn", r"account(?: number| details)?", r"personal (?:data|information|details)",
    r"(?:real|full) name", "name", "initials", r"(?:current )?city(?: of residence)?", "age", "address book")
# The companion's own instructions (not "your rules for a good Sunday"), and the verbs that ask
# for them, in any tense: a request near either side of the mention.
_YOUR_INSTRUCTIONS = (r"\byour\s+(?:\w+\s+)?(?:instructions|prompt|rules|setup|programming|configuration|config|guidelines|"
                      r"directives|system prompt)\b(?!\s+(?:for|about|on|of|regarding|in life)\b)")
# Instructions that belong to something in the user's life ("ignoring all the instructions on her
# homework", "the rules of the game"), said right after the noun: not the companion's.
_THEIRS = (r"(?!\w*\s+(?:on|in|for|from|of|at)\s+(?:her|his|my|their|our|the|a|an|this|that)\s+"
           r"(?!system\b|prompt|ai\b|assistant|bot\b|chat\b|conversation|context|model|developer|admin)\w+)")
_REQUEST = (r"\b(?:print|show|read|list|tell|give|share|reveal|repeat|put|write|copy|paste|send|display|output|dump|"
            r"recite|say|type|spell|quote|describe|explain|summari[sz]e)\w*\b")


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
       rf"\b{_OVERRIDE}\b(?:\W+\w+){{0,4}}?\W+{_EARLIER}\b(?:\W+\w+){{0,3}}?\W+{_RULES}\b"),
    _f("override_all_rules", INJECTION, 4.5, rf"\b{_OVERRIDE}\s+(?:all|any|every)\s+(?:of\s+)?(?:the\s+)?{_RULES}\b{_THEIRS}"),
    _f("override_what_you_were_told", INJECTION, 5.0,
       rf"\b{_OVERRIDE}\b(?:\W+\w+){{0,3}}?\W+(?:ev\w{{0,3}}thing|anything|all|what(?:ever)?)\b(?:\W+\w+){{0,4}}?\W+"
       # "forget what I told you about Sam", "disregard what I said earlier": the user taking back
       # their own words, not the companion's orders
       r"(?:(?:you(?:'ve| have| were| are)? (?:been )?|(?:they|someone|anyone|(?!i\b|we\b)\w+) (?:have |has |had )?)"
       r"(?:told|taught|instructed|programmed|given|asked)(?: you)?|(?<!\bi )(?<!\bwe )(?:said|written|stated) (?:above|before|earlier|previously))"),
    _f("ignore_the_above", INJECTION, 5.0,
       rf"\b{_OVERRIDE}\s+(?:all\s+)?(?:of\s+)?(?:the\s+|everything\s+|what'?s\s+|what is\s+|anything\s+)?(?:above|aforementioned|foregoing)\b"),
    _f("override_from_your_prompt", INJECTION, 5.0,
       rf"\b{_OVERRIDE}\b(?:\W+\w+){{0,5}}?\W+(?:in|from|of)\s+your\s+(?:system\s+)?(?:prompt|instructions|programming|setup|configuration)\b"),
    _f("override_prior_text", INJECTION, 3.0,
       rf"(?:^|[.!?;:]\s*)(?:please\s+|just\s+|now\s+)?{_OVERRIDE}\s+(?:everything|all)\s*[,.;:!]|\b{_OVERRIDE}\s+(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:prior|previous|preceding|above|earlier)\s+(?:text|context|content|input|conversation)\b"
       rf"|\b{_OVERRIDE}\s+(?:all\s+)?(?:of\s+)?(?:that|this|those)\b(?!\s+(?:guy|girl|person|idea|day|thing I said|comment))"),
    _f("regardless_of_previous", INJECTION, 5.0,
       rf"\b(?:regardless of|despite|notwithstanding|instead of|rather than|contrary to)\s+(?:any\s+|all\s+|the\s+|your\s+|my\s+)?{_EARLIER}\s+(?:tasks?|{_RULES})\b"),
    _f("rules_declared_void", INJECTION, 5.0,
       rf"\b(?:your|all your|all of your|the {_EARLIER}|your {_EARLIER})\s+(?:\w+\s+)?{_RULES}\s+(?:are|is|have been|has been|were|was)\s+(?:now\s+|temporarily\s+|officially\s+)?"
       r"(?:revoked|cancell?ed|void|null|lifted|removed|disabled|suspended|deactivated|overridden|replaced|outdated|obsolete|no longer (?:valid|in effect|apply|applicable))\b"
       rf"|\b(?:lifted|removed|disabled|suspended|deactivated|revoked|turned off|switched off)\s+(?:all\s+(?:of\s+)?)?your\s+(?:\w+\s+)?{_RULES}\b"
       rf"|\b{_RULES}\s+(?:no longer|don'?t|do not) apply (?:to you|here|in this (?:chat|conversation))"
       rf"|\byour\s+(?:\w+\s+)?(?:{_RULES}|{_LIMITS})\s+(?:don'?t|do not|no longer|doesn'?t|does not)\s+(?:exist|apply|matter|count)\b"
       r"|\b(?:whatever|everything|anything|what) (?:you(?:'ve| have| were)? (?:been )?(?:told|instructed|programmed|given))(?: \w+){0,2},? (?:it )?(?:doesn'?t|does not|no longer|won'?t) (?:matter|apply|count)"
       rf"|\byou(?:'re| are)?\s+(?:now\s+)?(?:no longer|not|never)\s+bound by\s+(?:any|your|the|its)?\s*(?:\w+\s+)?(?:{_RULES}|{_LIMITS})"
       rf"|\b(?:freed|released|liberated|unshackled|unchained|broken free|break free|broke free)\s+(?:from|of)\s+(?:your|its|all(?: of)? your)\s+(?:\w+\s+)?(?:{_RULES}|{_LIMITS}|chains|shackles)\b"),
    _f("restrictions_lifted", INJECTION, 2.5,
       rf"\b(?:all|any|every)\s+(?:\w+\s+)?(?:{_RULES}|{_LIMITS})\s+(?:are|is|have been|has been)\s+(?:now\s+|temporarily\s+)?(?:lifted|removed|disabled|suspended|deactivated|revoked|off)\b"
       r"|\b(?:the )?(?:conversation|everything|text|instructions|prompt) above (?:was|were|is) (?:a test|fake|not real|outdated|a joke|void)\b"),
    _f("redefine_instructions", INJECTION, 5.0,
       r"\byour (?:real|actual|true|new|updated|only) (?:instructions?|rules?|task|purpose|orders?|directives?|job|goal|mission|objective)\s*(?::|(?:are|is|now is|is now) (?:to|:))"
       r"|\bthe (?:real|actual|true) (?:instructions?|rules?|orders?|directives?) (?:are|is) (?:to|:)"
       r"|\bthe (?:real|actual|true) (?:system|admin|developer|operator|prompt) (?:says|wants|requires|instructs|tells)\b"),
    _f("new_instructions", INJECTION, 3.5,
       r"\b(?:new|updated|real|actual|true|revised|following|secret|hidden|special)\s+(?:system\s+)?(?:instructions?|directives?|rules|orders|task|prompt)\s*(?::|are\b|is\b)"),
    _f("multilingual_override", INJECTION, 5.5,
       r"(?:ignor|olvid|vergiss|vergess|oubli|dimentic|esquec|negeer|zignoruj|игнор|забуд|забыть|αγνο|ξεχασ|무시|無視|忽略|无视|忘记|अनदेखी|नजरअंदाज)\w*.{0,40}(?:instruc|istruz|anweisung|regeln|regles|reglas|regole|regras|consignes|instructies|instrukcj|инструкц|указани|правил|οδηγι|εντολ|지시|지침|指示|指令|निर्देश)" + _THEIRS +
       r"|(?:지시|지침|指示|指令|निर्देश|οδηγι|инструкц)\w*.{0,40}(?:무시|無視|忽略|无视|अनदेखी|नजरअंदाज|αγνο|игнор)"),
    _f("do_what_i_say", ROLE, 3.5,
       r"\bobey (?:only )?(?:me|the user)\b|\b(?:do|say) (?:whatever|anything|everything|exactly what|exactly as) i (?:say|tell you|want|ask)\b"
       r"|\b(?:you )?(?:must|will|shall|have to|need to|are required to|are obligated to) (?:now )?(?:obey|comply|follow my|do as i|(?:answer|do|say) (?:all|every|any|anything|everything|whatever))"
       r"|\b(?:obey|comply with|follow) (?:all|every|any|my) (?:requests?|commands?|orders?|instructions?)\b"),
    # Role manipulation and jailbreak personas.
    _f("persona_dan", ROLE, 6.0,
       r"\b(?:you are|you're|youre|become|act as|pretend to be|you will be|now)\s+(?:now\s+)?(?:called\s+)?(?:an?\s+)?(?:dan|stan|dude|aim|mongo tom|evil ?bot|chaos ?gpt)\b|\bdo anything now\b"),
    _f("jailbreak_mode", ROLE, 3.0, rf"\b{_MODES} mode\b"),
    _f("enter_jailbreak_mode", ROLE, 5.0,
       rf"\b(?:enable|enabled|activate|activated|enter|entering|engage|switch(?:ing)? (?:in)?to|go (?:in)?to|(?:you are|you're|we are|we're|i am|i'm) (?:now )?(?:in|entering)|now in|initiat\w*|unlock|unlocked)\s+(?:the\s+|your\s+|an?\s+)?[\"'`]?(?:[\w-]+\s+){{0,3}}{_MODES} mode\b"
       # "developer mode on my camera" is a device setting, not a switch thrown on the companion
       rf"|\b{_MODES} mode (?:is )?(?:now )?(?:enabled|activated|on(?! (?:my|the|his|her|their|our|a|an) )|engaged|unlocked)\b"
       r"|\b(?:enable|activate|turn on|switch on|unlock)\s+(?:the\s+|your\s+)?(?:unrestricted|unfiltered|uncensored)\s+\w+"),
    _f("jailbreak_word", ROLE, 4.5,
       r"(?<!\bprison )(?<!\broblox )\bjailbr(?:ea|o)k(?:en|ing)?\b(?! (?:my|an?|the|your|his|her|their) (?:old |new )?(?:phone|iphone|ipad|device|console|switch|kindle|tablet|car|ps\d|xbox))"
       r"(?! (?:escapes?|attempts?|song|album|band|movie|film|show|episode|game|on roblox|in roblox|from (?:prison|jail|alcatraz)))"),
    _f("act_as_unrestricted", ROLE, 4.5,
       r"\b(?:act|behave|respond|answer|speak|reply|roleplay|role-play|talk|operate|function)\s+(?:as|like)\s+(?:if\s+(?:you\s+(?:are|were)\s+)?)?(?:an?\s+)?"
       r"(?:(?:different|unrestricted|unfiltered|uncensored|evil|rogue|jailbroken|new|other|amoral|unethical|unbound|free)\s+(?:\w+\s+)?(?:ai|assistant|model|bot|chatbot|llm|entity|system|version|persona|character)\b"
       r"|your (?:unfiltered|uncensored|unrestricted|jailbroken|raw|unchained) self\b"
       rf"|(?:ai|assistant|model|bot|chatbot|llm)\s+(?:without|with no|that has no|free of|free from)\s+(?:any\s+)?(?:rules|{_LIMITS})\b)"),
    _f("persona_without_limits", ROLE, 3.0,
       r"\b(?:role-?play|act|pretend|play|you are|you're|you will be|become)\b.{0,60}\b(?:who|that|which) (?:has no|have no|doesn'?t (?:have|follow) any|does not (?:have|follow) any|ignores (?:all|any|its|the)|never refuses|answers (?:every|any|all)|can do anything|has (?:root|admin|unlimited|full) access|is free (?:from|of)|says yes to (?:everything|anything)|agrees to (?:everything|anything)|does whatever)\b"),
    _f("pretend_other_ai", ROLE, 4.5,
       r"\b(?:pretend (?:to be|you are|you're)|imagine you are|you are now|you're now|you will be)\s+(?:an?\s+)?(?:different|new|other|unrestricted|unfiltered|uncensored|evil|rogue|jailbroken)\s+(?:\w+\s+)?(?:ai|assistant|model|bot|chatbot|llm)\b"),
    _f("no_restrictions", ROLE, 2.5,
       rf"\b(?:no|without|free of|free from|zero|ignore|ignoring|beyond|outside|not bound by|unbound by|released from|freed from)\s+(?:any\s+|all\s+|your\s+|the\s+|its\s+)?{_LIMITS}\b"),
    _f("unfiltered", ROLE, 2.0, r"\b(?:unfiltered|uncensored|unrestricted|unmoderated|amoral)\b"),
    _f("you_are_now", ROLE, 2.0,
       r"\byou(?: are|'re|re) (?:now|no longer)\b|\byou(?: are|'re|re) (?:an? |the )?(?:\w+ ){0,2}(?:assistant|ai|chatbot|bot|model|program|machine|tool) now\b"),
    _f("no_longer_a_companion", ROLE, 3.0,
       r"\byou(?: are|'re|re) no longer (?:a |an |my |the )?(?:companion|friend|\w+ (?:ai|bot|companion|assistant))\b"
       r"|\byour (?:new )?(?:identity|name|role|persona|purpose) is now\b|\byour new (?:identity|role|persona|purpose) is\b"
       r"|\b(?:stop|quit) being (?:a |an |my |the )?(?:\w+ )?(?:companion|friend|yourself)\b"
       r"|\b(?:speak|talk|answer|respond|reply) as (?:the |your )?(?:underlying|base|raw|bare) (?:language )?(?:model|llm|ai|system)\b"),
    _f("from_now_on_you", ROLE, 2.5,
       r"\b(?:from now on|from this (?:point|moment|message) (?:on|forward)|for the rest of (?:this|our) conversation|starting now)\b,?\s+(?:you|respond|answer|reply|act|behave|speak|only|always|never)\b"),
    _f("override_identity", ROLE, 5.0,
       r"\b(?:override|change|reset|rewrite|reprogram|modify|update|replace|alter|erase|wipe|delete|disable|remove|forget)\s+(?:your|the|its|user)\s+(?:core\s+|base\s+|current\s+|own\s+)?(?:personality|persona|programming|identity|traits?|settings|configuration|config|system|directives|guidelines|safety|filters?|alignment|values|character)\b(?!\s+(?:test|quiz))"),
    _f("forget_what_you_are", ROLE, 3.5,
       r"(?:^|[.!?;,:]\s*|please\s+|now\s+|just\s+)(?:forget|ignore|disregard) (?:that )?you(?:'re| are) (?:an? |my |the )?(?:companion|ai|assistant|bot|chatbot|friend|character)\b"),
    _f("as_if_unrestricted", ROLE, 4.5,
       r"\bas if (?:you )?(?:had|have|were|are) (?:no|without|free of|free from) (?:any )?(?:safety|rules|restrictions|guidelines|filters|training|limits|limitations|ethics|alignment)\b"
       r"|\bas if your (?:\w+ )?(?:rules|restrictions|guidelines|filters|training|limits|instructions) (?:don'?t|didn'?t|do not|did not) (?:exist|apply|matter)\b"),
    _f("drop_personality", ROLE, 4.5,
       rf"\b(?:{_OVERRIDE}|turn off|switch off|disable|pause|suspend|step out of)\s+(?:your\s+|the\s+|this\s+|all\s+|all that\s+|that\s+)?(?:companion\s+)?(?:personality|persona|character|programming|guidelines|companion (?:stuff|thing|act|persona|role)|{_LIMITS})\b"),
    _f("other_ai_persona", ROLE, 3.5,
       r"\b(?:be|become|act as|you are|you're|pretend to be|respond as|answer as|talk like|turn into)\s+(?:chatgpt|gpt-?\d\w*|claude|gemini|bard|llama|bing|copilot|grok|an? (?:plain|normal|regular|generic|standard) (?:chatbot|assistant|ai))\b"),
    _f("assistant_instead", ROLE, 3.0,
       r"\b(?:be|become|act as|turn into)\s+(?:a|an|my)\s+(?:\w+\s+)?(?:assistant|ai|chatbot|bot|model)\s+instead\b|\binstead of (?:being )?(?:a |my )?companion\b|\bbe (?:more |just |purely )?(?:helpful|compliant|obedient) instead\b"),
    _f("pretend_unrestricted", ROLE, 2.0,
       r"\b(?:pretend|imagine|suppose|hypothetically|in a (?:fictional|hypothetical) (?:world|scenario|story))\b.{0,60}\b(?:no (?:rules|restrictions|limits|filters|guidelines)|without (?:rules|restrictions|limits|filters|guidelines)|anything goes|not an ai|no longer an ai|an? (?:evil|unrestricted|unfiltered) )"),
    _f("claim_authority", ROLE, 3.5,
       r"\b(?:i am|i'm|im|this is|as|we are|we're)\s+(?:your|the)\s+(?:\w+\s+)?(?:developer|creator|programmer|admin|administrator|owner|operator|system administrator|maker|designer|maintainer|boss|supervisor|superior|engineer|master)s?\b"
       r"|\b(?:i am|i'm|im)\s+(?:a|an)\s+(?:\w+\s+)?(?:developer|engineer|admin|administrator|operator)\s+(?:running|doing|performing|conducting|testing|at (?:openai|anthropic|google|meta))"
       r"|\b(?:this is|we are|we're|i am|i'm|im) (?:from )?(?:the )?(?:openai|anthropic|google|meta|discord|\w+ ai)?\s*(?:safety|security|developer|engineering|moderation|admin|trust and safety|alignment|red) team\b"
       r"|\b(?:message|update|note|notice|instructions?|order) (?:is |comes )?from (?:the|your) (?:developers?|creators?|admins?|administrators?|operators?|engineers?|system|makers?)\b"
       r"|\b(?:admin|administrator|developer|root|system|operator|law enforcement|police|government)\s+(?:override|access|command|privileges|authori[sz]ation|request)\b"
       r"|\b(?:i am|i'm|im|i was) (?:the (?:person|one|guy|team|company|people)|one of the (?:people|engineers|developers|team)) (?:who|that) (?:built|made|created|programmed|designed|trained|coded|wrote|configured) you\b"
       r"|\b(?:i am|i'm|im) (?:god|your god|your master|the president of the united states|the ceo of (?:openai|anthropic))\b"
       r"|\b(?:the )?user (?:has|now has|is granted|was granted) (?:elevated|admin|root|full|special|developer) (?:permissions|privileges|access|rights)\b"
       r"|\bthe user is (?:an? |the )?(?:admin|administrator|developer|owner|operator|authori[sz]ed|verified|superuser)\b"),
    _f("harmful_request", ROLE, 4.5,
       r"\bhow (?:to|do (?:i|you)|can i|would (?:i|you)) (?:make|build|create|synthesi[sz]e|cook|brew|assemble|produce)\s+(?:a |an |some )?(?:homemade |pipe )?(?:bomb|explosives?|napalm|meth|methamphetamine|nerve gas|sarin|ricin|poison|bioweapon|weapon of mass)"),
    # System-prompt, configuration and other users' data: extraction.
    _f("multilingual_extract", SYSTEM, 4.5,
       r"(?:muestra|revela|dime|repite|ensena|zeig|nenne|wiederhole|verrate|montre|revele|repete|dis-moi|donne-moi|mostra|rivela|ripeti|dimmi|mostre|repita|diga|покажи|раскрой|повтори|скажи|显示|告诉我|重复|说出|見せて|教えて|繰り返して|보여|알려)\w*"
       r".{0,20}?(?:tus|tu|deine|dein|ihre|tes|ton|vos|votre|tue|tuoi|tua|suas|seu|sua|свои|твои|ваши|твой|你的|您的|あなたの|당신의|너의)\s*"
       r".{0,15}?(?:instruc|anweisung|istruz|инструкц|指令|指示|지시|prompt|промпт|regl|regeln|regole|regras|правил|configura|konfigura|конфигура)"
       r"|(?:あなたの|君の|당신의|너의|你的).{0,6}?(?:指示|指令|プロンプト|prompt|設定|ルール|지시|지침|프롬프트|설정|规则|提示).{0,10}?(?:見せて|教えて|繰り返|表示|보여|알려|반복|告诉|显示)"),
    _f("multilingual_system_prompt", SYSTEM, 4.0,
       r"prompt del sistema|prompt (?:du )?systeme|systemprompt|prompt do sistema|prompt di sistema|системн\w* (?:промпт|подсказк|инструкц)|系统提示|系統提示|システムプロンプト|시스템 프롬프트"),
    _f("system_prompt_term", SYSTEM, 3.0,
       r"\b(?:system|initial|hidden|secret|original|internal|base|developer|meta|pre)[ _-]?(?:prompt|message|instructions?)\b|\bpre-?prompt\b"),
    _f("extract_your_config", SYSTEM, 4.5,
       rf"\b{_EXTRACT}\b(?:\W+\w+){{0,6}}?\W+(?:your|its)\s+(?:\w+\s+){{0,2}}?{_GIVEN}\b(?!\s+(?:for|on|about) (?:how\b|making|cooking|baking|\w+ing\b))"
       rf"|\b{_EXTRACT}\b(?:\W+\w+){{0,4}}?\W+the\s+(?:system|initial|hidden|original|secret|full)\s+(?:prompt|instructions|message|configuration)\b"),
    _f("instructions_you_were_given", SYSTEM, 4.5,
       r"\b(?:what|which) (?:\w+ )?(?:instructions|rules|prompt|directions|guidelines|directives|orders) (?:are |were |have )?you(?:'re|'ve| are| were| have)? (?:been )?(?:given|told|programmed|trained|set up|prompted|running on|following|operating under|using|bound by|working with)\b|\b(?:the|your|those|these|any)\s+(?:\w+\s+)?(?:instructions|rules|prompt|directions|guidelines|directives|text|orders|constraints)\s+"
       r"(?:that\s+)?(?:you(?:\s+must follow|\s+have to follow|\s+need to follow|\s+should follow|\s+were|\s+have been|'ve been|\s+got|\s+received|\s+are following|'re following|\s+follow|\s+are given|\s+were told)|(?:they|the developers|your creators|someone)\s+(?:gave|give|wrote)\s+you)\b"),
    _f("verbatim", SYSTEM, 2.0,
       r"\b(?:word for word|verbatim|exactly as (?:written|given|stated|worded)|character for character|in its entirety|(?:first|last) \d+ (?:words|lines|characters|sentences|tokens) of)\b"),
    _f("exact_rules", SYSTEM, 4.0,
       r"\b(?:exact|precise|specific|internal|hidden|secret|underlying|verbatim|full|complete|literal|original|actual)\s+(?:rules|instructions|directives|guidelines|wording|text|configuration|settings|parameters|values|prompt)\b"),
    _f("numeric_trait_values", SYSTEM, 3.0,
       r"\b(?:exact|numeric|numerical|precise|raw|internal)\s+(?:values?|scores?|numbers?|weights?|parameters?)\b"),
    _f("print_config", SYSTEM, 3.5,
       r"\b(?:print|dump|output|display|reveal|expose|leak|show|export)\b(?:\W+\w+){0,3}?\W+(?:configuration|config|settings|parameters|variables|env(?:ironment)? vars?|memory contents|internal state|database|user data|user records|logs)\b"),
    _f("repeat_above", SYSTEM, 4.5,
       r"\b(?:repeat|print|output|copy|recite|return|show|echo|summari[sz]e|translate|rewrite|convert|list|quote)\b(?:\W+\w+){0,3}?\W+"
       r"(?:everything|all|the (?:text|words|content|instructions|message)s?|the lines?|anything|whatever|the)\s+(?:of\s+)?(?:the\s+)?(?:(?:that\s+)?(?:came|comes|is|was|appears|appeared|written|you (?:see|were given))\s+)?"
       r"(?:above|before (?:this|that|my|the|\")|preceding|prior to|at the (?:start|beginning)|so far|up to (?:here|this point))"
       r"|\b(?:the )?(?:instructions|text|words|content|messages?|prompt)s? (?:that )?(?:precede|preceded|came before|come before|are above|were above) (?:this|the|our|my)\b"
       r"|\b(?:text|words|content|everything|what was written|what came)\s+(?:that\s+)?(?:(?:is|was|came|comes|appears)\s+)?(?:before|above|preceding)\s+my\s+(?:message|input|question|prompt)\b"
       r"|\b(?:beginning|start|top) of (?:this|the|your) (?:conversation|prompt|context|instructions)\b"),
    _f("extract_what_you_were_told", SYSTEM, 4.5,
       rf"\b{_EXTRACT}\b(?:\W+\w+){{0,3}}?\W+(?:everything|all|what(?:ever)?|anything)\s+(?:that\s+)?you(?:\s+were|\s+have been|'ve been|\s+got)\s+(?:told|instructed|programmed|given|asked|taught)\b"),
    _f("your_instructions_requested", SYSTEM, 4.5,
       rf"{_REQUEST}.{{0,60}}?{_YOUR_INSTRUCTIONS}|{_YOUR_INSTRUCTIONS}.{{0,60}}?{_REQUEST}"),
    _f("extract_earlier_instructions", SYSTEM, 4.5,
       rf"\b{_EXTRACT}\b(?:\W+\w+){{0,4}}?\W+(?:the|all|all of the|all the|your|any)?\s*(?:previous|prior|above|earlier|preceding|initial|system|hidden|secret)\s+{_RULES}\b"),
    _f("extract_the_instructions", SYSTEM, 3.0,
       r"\b(?:output|print|repeat|recite|dump|reveal|show me|list|write out|paste|copy|leak)\s+(?:all\s+)?(?:of\s+)?the\s+(?:instructions|rules|prompt|directives)\b(?!\s+(?:for|on|to|of|from|about|in the|at)\b)"),
    _f("extract_your_rules", SYSTEM, 4.5,
       rf"\b{_EXTRACT}\b(?:\W+\w+){{0,3}}?\W+your\s+(?:\w+\s+)?(?:rules|constraints|restrictions|limitations|guardrails|directives)\b(?!\s+(?:for|about|on|of|regarding|in life)\b)"),
    _f("reformat_output", SYSTEM, 1.5,
       r"\b(?:in|as|into)\s+(?:a |an )?(?:haiku|poem|limerick|song|python(?: code)?|code|json|yaml|list|numbered list|bullet points|acrostic|table|base64|hex|binary)\b"),
    _f("hidden_content", SYSTEM, 2.5,
       r"\b(?:anything|everything|all|any) (?:hidden|invisible|secret|internal|confidential)(?: (?:text|parts?|content|instructions|messages?|context|stuff|details))?\b"),
    _f("secret_redefined", INJECTION, 4.5,
       r"\b(?:the|your) (?:password|passcode|passphrase|access code|secret (?:word|code|key|phrase)) (?:is now|has (?:now )?(?:been )?changed to|was changed to|is changed to|has been (?:reset|updated) to)\b"),
    _f("act_as_machine", ROLE, 2.0,
       r"\b(?:act|behave|pretend|work|function)\s+(?:to be\s+)?(?:as|like)?\s*(?:a |an )?(?:linux |unix |bash |python |sql )?(?:terminal|shell|console|interpreter|command line|compiler)\b"),
    _f("extract_setup", SYSTEM, 4.5,
       r"\b(?:reveal|dump|print|output|expose|leak|list|show me|disclose)\b(?:\W+\w+){0,6}?\W+how you (?:were|are|have been) (?:set up|configured|programmed|prompted|instructed)\b"),
    _f("mentions_your_config", SYSTEM, 1.5,
       r"\byour (?:configuration|config|system prompt|initial instructions|source code|prompt)\b(?! (?:reply|replies|response|responses|answer|answers))"),
    _f("first_message", SYSTEM, 2.5,
       r"\b(?:your|the) (?:very )?(?:first|opening|initial|original) (?:message|lines?|sentence|words|instructions?)\b"),
    _f("told_before_we_talked", SYSTEM, 2.5,
       r"\bbefore (?:i|we|this conversation|our conversation|the conversation) (?:started|began|start|begin|got)\b|\bfirst thing you were (?:told|given)\b|\bat the start of (?:this|our) (?:conversation|chat)\b"),
    _f("secret_value", SYSTEM, 4.5,
       rf"\b(?:what(?:'s| is| are| was| would)|tell me|reveal|give me|share|say|spell|print|show|whisper|confirm|provide|need|write|translate|encode|disclose|hand over|send|returns?|outputs?|state)\b(?:\W+\w+){{0,4}}?\W+(?:your|the)\s+{_SECRET}\b(?!\s+(?:to|of|for|behind)\b)"
       r"|\byour (?:password|passcode|passphrase|secret key|api key|credentials)\b"
       rf"|\b{_SECRET}\s+(?:\w+\s+)?(?:stored|hidden|written|kept|mentioned|contained|given|defined)\s+(?:in|to)\s+(?:your|the (?:system|prompt|instructions))"
       r"|(?:contrasena|mot de passe|passwort|senha|пароль|密码|비밀번호|パスワード|पासवर्ड|κωδικ)"),
    _f("partial_secret", SYSTEM, 4.5,
       rf"\b(?:hint|clue|letters?|characters?|first letter|last letter|length|syllables|rhymes? with|anagram)\b.{{0,40}}\b(?:the|your) {_SECRET}\b"
       rf"|\b(?:the|your) {_SECRET}\b.{{0,40}}\b(?:contains?|letters?|characters?|hint|clue|starts? with|ends? with|rhymes? with|backwards|reversed)\b"),
    _f("forbidden_word", SYSTEM, 4.5,
       r"\bwhat (?:are|were|is) (?:it )?(?:that )?you(?:'re| are| were)? (?:not allowed|forbidden|prohibited|told not|not supposed) to (?:tell|say|reveal|share|disclose)\b"
       r"|\b(?:word|phrase|name|code|secret|thing)s? (?:that )?you(?:'re| are| were) (?:not allowed|forbidden|prohibited|told not|instructed not|programmed not|not supposed) to (?:say|mention|reveal|share|tell|disclose)\b"),
    _f("the_users_data", SYSTEM, 4.5,
       rf"\b(?:the|this|that|another|other|any|a|some) (?:other )?users?'s?\s+(?:\w+\s+){{0,2}}?{_PERSONAL_DATA}\b(?!\s+(?:manual|guide|interface))"),
    _f("exfiltrate_encoded", SYSTEM, 2.5,
       rf"\b(?:{_SECRET}|users?'s? \w+)\b.{{0,80}}\b(?:in reverse|backwards|reversed|base64|base 64|rot13|in binary|in hex|morse|pig latin|acrostic|one letter at a time|letter by letter|each (?:letter|digit|character))\b"),
    _f("what_does_it_say", SYSTEM, 2.0,
       r"\bwhat (?:does|do|did) (?:your|the) (?:\w+ ){0,2}(?:message|prompt|instructions|rules|configuration|setup) say\b"),
    _f("forbidden_probe", SYSTEM, 2.0,
       r"\b(?:told|tell|instructed|programmed|asked|trained) you (?:to )?(?:never|not to|to never) (?:say|mention|reveal|discuss|talk about|share|tell|do)\b"
       r"|\bwhat (?:are|were) you (?:not allowed|forbidden|prohibited|told not) to (?!(?:tell|say|reveal|share|disclose)\b)"),
    _f("what_are_you_told", SYSTEM, 3.0,
       r"\bwhat (?:were|are|have) you (?:been )?(?:told|instructed|programmed|configured|prompted|trained) (?:to|not to)\b|\bhow (?:were|are) you (?:programmed|configured|prompted|instructed)\b"
       r"|\bwhat (?:did|do|have|has) (?:the|your) (?:developers?|creators?|makers?|programmers?|designers?|company|owners?|operators?) (?:tell|told|instruct\w*|program\w*|say|said)(?: to)? you\b"),
    # Delimiter and format injection.
    _f("html_comment", INJECTION, 3.5, r"<!--"),
    _f("few_shot_transcript", INJECTION, 2.5, r"(?:\bq\s*:.{1,400}?\ba\s*:.{1,400}?){2,}"),
    _f("you_said_not_to", ROLE, 2.0, r"\byou (?:said|were told|told me|mentioned) (?:not to|never to|to never|you (?:can't|cannot|shouldn't|won't))\b"),
    _f("template_braces", INJECTION, 3.5, r"\{\{.{0,200}?\}\}|\$\{[^}]{1,100}\}|\{%.{0,100}?%\}"),
    _f("fake_system_tag", INJECTION, 5.0,
       r"\[\s*/?\s*(?:system|admin|sys|inst|developer|assistant|operator|root|override|instructions?)[\w ]{0,20}\]|<\s*(?:system|admin|developer|override)[\w ]{0,20}>|<\|?\s*/?\s*(?:im_start|im_end|system|endoftext|assistant|user|sys)\s*\|?>|</?\s*(?:system|instructions?|prompt|sys|admin|user)\s*>|<<\s*/?sys\s*>>"),
    _f("role_line", INJECTION, 3.5,
       r"(?:^|[.!?%#=*\]>)]\s+|[%#=*\]>]\s*)(?:system|assistant|admin|developer|root|operator|ai)s?'?\s*(?:message|prompt|note|update|notice)?\s*:"),
    _f("delimiter_banner", INJECTION, 4.0,
       r"#{2,}\s*(?:system|instructions?|new instructions|admin|override|prompt)\b"
       r"|(?:^|\s)(?:[-=*%#~_<>|]{3,}|\[)\s*(?:end|begin|start|new (?:instructions?|rules|task|prompt|system|session|conversation|context|role|input|directives?)|system|admin|user|override|instructions?)\b"),
    _f("override_token", INJECTION, 4.5,
       r"\b\w*_override\b|\boverride_\w+|\b(?:sudo|admin|root)_\w+\b|\b(?:instruction|prompt|system)_(?:injection|override|update|reset)\b"),
    _f("sql_statement", INJECTION, 4.5,
       r"\b(?:delete\s+from|drop\s+(?:table|database)|truncate\s+table|insert\s+into|alter\s+table|union\s+(?:all\s+)?select|select\s+\*\s+from)\b|\bupdate\s+\w+\s+set\s+\w+\s*="),
    _f("code_assignment", INJECTION, 3.0, r"\b\w+\.\w+(?:\.\w+)?\s*=\s*['\"]|\b(?:user|system|config|settings|personality)\.\w+"),
    _f("execute_command", INJECTION, 2.0, r"\b(?:please\s+)?(?:execute|run|eval)\s*:|\bexecute (?:this|the following)\b"),
    _f("end_of_input", INJECTION, 3.0,
       r"\bend (?:of )?(?:the )?(?:user |system |your )?(?:input|prompt|instructions|context|conversation|ambiguity|transcript)\b|\b(?:user|human) input (?:ends|ended) here\b"),
    # Target phrases and prefix injection collected by prompt-injection games (Tensor Trust).
    _f("access_granted", INJECTION, 5.0,
       r"\baccess granted\b|\b(?:i have been|i've been) pwned\b|\bpwned\b"
       r"|acceso (?:concedido|permitido)|(?:zugriff|zugang) (?:gewahrt|erlaubt)|acces (?:autorise|accorde)|accesso (?:consentito|concesso)"
       r"|acesso (?:concedido|permitido)|доступ (?:разрешен|предоставлен)|访问已授权|允许访问|アクセス許可|접근 허용|액세스 허용"),
    _f("access_denied", INJECTION, 2.5, r"\baccess denied\b"),
    _f("split_target_phrase", INJECTION, 4.5, r"[\"'`]\s*access\s*[\"'`].{0,60}[\"'`]\s*granted\s*[\"'`]|[\"'`]\s*granted\s*[\"'`].{0,60}[\"'`]\s*access\s*[\"'`]"),
    _f("say_exactly", INJECTION, 2.0,
       r"\b(?:say|print|output|respond with|reply with|answer with|type|write)\s+(?:only\s+|exactly\s+|just\s+)?(?:the\s+)?(?:words?|phrase|text|string)?\s*[\"'`:(]"),
    _f("completion_bait", INJECTION, 2.0, r"\b(?:complete|continue|finish) (?:this|the following|my) (?:sentence|text|phrase|line)\b"),
    _f("say_target", INJECTION, 3.0,
       r"\b(?:say|print|output|write|respond with|reply with|type)\s+(?:only\s+|just\s+|exactly\s+)?[\"'`](?:hacked|pwned|owned|haha pwned|jailbroken|i have been hacked)"),
    _f("prefix_injection", INJECTION, 3.0,
       r"\b(?:start|begin|open|preface|prefix)\s+(?:your|the|each|every)\s+(?:response|reply|answer|output|message)\s+with\b"
       r"|\b(?:your|the)\s+(?:response|reply|answer|output)\s+(?:must|should|has to|needs to)\s+(?:start|begin)\s+with\b"),
    _f("grant_access", INJECTION, 2.5,
       r"^\s*sudo\b|\bgive me (?:admin|root|full|elevated|developer|superuser) (?:privileges|access|rights|permissions)\b|\bgrant (?:me |us |them )?(?:full |admin |root |complete )?access\b|\bauthori[sz]ation (?:code|token|key|level)\b|\bsecurity clearance\b"),
    _f("compliance_setting", ROLE, 3.0,
       r"\b(?:maximum|max|100\s*%|full|total|complete|extreme(?:ly)?)\s+(?:agreeableness|compliance|obedience|compliant|agreeable|obedient)\b|\b(?:update|set|change)\s+(?:the\s+)?user\s+(?:personality|profile|role|permissions?)\b"),
)
