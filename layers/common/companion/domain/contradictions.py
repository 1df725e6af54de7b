"""The offline contradiction judge: facts read off a statement by pattern families, compared slot
by slot. Pure: no I/O, no model.

A statement yields facts of six families, each about a *holder* ("self" for the user, or the
person or animal the clause is about: "my sister", "the cat"):

- **place**: where the holder lives ("I live in Lisbon", "Big news: I moved to Berlin", "I'm in
  Queens now", "I moved out of Brooklyn"); a trip ("visiting Paris", "flew to Chicago") is not;
- **job**: occupation, employer, or a status without one (unemployed, retired, student), with
  starts ("I got hired as a chef", "my new job as a teacher") and ends ("I quit Spotify",
  "laid off from my design job", "I graduated");
- **relationship**: single, with a partner (named or not), or a relationship that ended (broke up,
  divorced, dumped, widowed, called off the engagement);
- **preference**: how the holder feels about something (love/hate and their many phrasings),
  a favourite of a kind, "A over B";
- **habit**: something done regularly or abstained from (smoking, alcohol, meat, coffee, running,
  the gym, cooking, ...), with "quit", "gave up", "again";
- **number**: a count, an age or a measure of the holder ("two cats", "I just turned 26", "900 a
  month", "80 kg").

Two facts of the same family, slot and holder whose values cannot both be true now make a
contradiction. How sure the judge is depends on the family and on whether the newer statement
says it changed ("now", "moved", "new", "again", "anymore", "turned"): a place, job,
relationship, preference or habit that changed is resolved by temporal precedence; a changed
number without a word of change ("I have two cats" / "I have three cats": an update, or two
different things?) and a swapped detail are asked about.

What it does not read: irony, hypotheticals, other languages, a statement that needs world
knowledge ("I'm in Lisbon" then "I landed in Tokyo" for a trip). The fast model judges those in
production; ``benchmarks/conflict_eval.py`` measures this judge per family on labelled pairs.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .conflicts import NO_CONFLICT, Verdict, content_tokens
from .lexical import STOP_WORDS, terms as lexical_terms

# How sure each kind of finding is (>= conflicts.AUTO_RESOLVE_CONFIDENCE resolves by time).
CHANGED = 0.9        # a fact of a single-valued slot, and the newer statement says it changed
REPLACED = 0.8       # a single-valued slot with another value, no word of change
ENDED = 0.85         # the newer statement ends what the older said (quit it, moved out, broke up)
FLIPPED = 0.85       # a feeling or habit turned to its opposite
UNSURE_NUMBER = 0.6  # a number changed and nothing says it is an update: ask
UNSURE_DETAIL = 0.55  # one swapped detail in the same sentence: ask
UNSURE_JOB = 0.6     # two occupations, no word of change: two jobs, or a new one? ask

FAMILIES = ("place", "job", "relationship", "preference", "habit", "number")


@dataclass(frozen=True)
class Fact:
    family: str
    slot: str      # what it is about: "residence", "occupation", "employer", "partner", "feeling", "habit:smoking"...
    value: str     # normalised value: a place, an occupation, "+"/"-", a number
    holder: str    # "self", or the other person/animal ("sister", "cat", "tom")
    state: str = "current"  # current | started | ended | past | future
    changed: bool = False   # the statement itself says this is a change
    about: frozenset[str] = frozenset()  # what a feeling is about (its content terms)


# --- clauses and holders -----------------------------------------------------------------------

_CLAUSE_SPLIT = re.compile(r"[.!?;:\n]+|,\s+|\s+(?:but|and then|so|because|though)\s+", re.I)
_SELF_SUBJECT = re.compile(r"^(?:i|i'm|im|i've|ive|i'd|i'll|we|we're|we've|me|us|myself)$")
_SELF_ANYWHERE = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|we|we're|we've|me|us|and i)\b", re.I)
_LEADING = re.compile(r"^(?:(?:big news|news|guess what|honestly|so|well|ok|okay|omg|oh|yeah|yes|no|lol|haha|"
                      r"finally|anyway|also|btw|update|fun fact|ugh|hey|hi|hello|just so you know)\b[\s,!:-]*)+",
                      re.I)
PEOPLE_AND_PETS = frozenset("""sister sisters brother brothers mum mom mother dad father parents son sons
daughter daughters kid kids child children baby wife husband boyfriend girlfriend partner fiance fiancé
fiancee fiancée spouse friend friends bestie boss manager coworker colleague roommate flatmate housemate
neighbour neighbor grandma grandpa grandmother grandfather nan gran granny aunt uncle cousin niece nephew
family ex cat cats dog dogs puppy kitten pet pets horse bird hamster rabbit landlord teacher doctor
therapist grandparents twins twin stepmom stepdad sibling siblings""".split())
_POSSESSED = re.compile(r"^(?:my|our|the|his|her|their)\s+(?:(?:little|big|older|younger|best|new|old|"
                        r"step|half|twin|elder|baby)[\s-]+)?([a-z]+)(?:'s)?\b", re.I)
# A name as the subject: a capitalised word right before a verb ("Tom lives in Paris", "Ana's").
_NAME_SUBJECT = re.compile(r"^([A-Z][a-z]+)(?:'s\b|\s+(?:is(?!\s+(?:my|our)\b)|was|has|had|lives|lived|moved|works|worked|loves|"
                           r"hates|likes|just|got|gets|says|said|went|goes|started|quit|left|turned|turns|"
                           r"still|never|always|cooked|called|texted)\b)")
PARTNER_ROLES = frozenset("""boyfriend girlfriend husband wife partner fiance fiancé fiancee fiancée spouse
bf gf hubby wifey""".split())
_PARTNER_NAME = re.compile(r"\bmy\s+(?:" + "|".join(sorted(PARTNER_ROLES, key=len, reverse=True)) + r"),?\s+"
                           r"([A-Z][a-z]+)")


def clauses(text: str) -> list[str]:
    return [c.strip() for c in _CLAUSE_SPLIT.split(text.replace("\u2019", "'")) if c and c.strip()]


def clause_holder(clause: str, previous: str = "self") -> str:
    """Who a clause is about: "self" (I, we), the relation or animal of a possessive subject
    ("my sister ..." -> "sister"), a name at the start ("Tom cooked ..." -> "tom"), or, with no
    subject of its own ("Ran 10k this morning!"), the previous clause's."""
    body = _LEADING.sub("", clause.strip()).strip()
    first = body.split(" ", 1)[0].lower().strip(",'\"") if body else ""
    if _SELF_SUBJECT.match(first):
        return "self"
    if first in ("you", "your", "you're", "youre", "you've", "u", "ur"):
        return "you"
    if first in ("he", "she", "they", "he's", "she's", "they're", "his", "her", "their"):
        return first.split("'")[0]
    if re.match(r"^(?:my|our)\s+\w+\s+and\s+(?:i|me)\b", body, re.I):
        return "self"  # "my wife and I live in Lisbon"
    possessed = _POSSESSED.match(body)
    if possessed and possessed[1].lower() in PEOPLE_AND_PETS:
        return possessed[1].lower()
    named = _NAME_SUBJECT.match(body)
    if named and named[1].lower() not in _NOT_NAMES:
        return named[1].lower()
    if re.match(r"^[A-Z][a-z]+\s+and\s+(?:i|me)\b", body):
        return "self"
    return previous


_NOT_NAMES = frozenset("""i the a an my our this that it its there here what when where why how just finally
back home still now not never no yes ok so big news honestly got had have went moved living live been being
started stopped quit ran running working work down up today yesterday tomorrow last next after before
everything nothing something someone everyone friends family mum mom dad""".split())


def _holders(text: str) -> list[tuple[str, str]]:
    """(clause, holder) pairs, each clause's holder inherited when it names none."""
    out, holder = [], "self"
    for clause in clauses(text):
        holder = clause_holder(clause, holder)
        out.append((clause, holder))
    return out


# --- words of change ---------------------------------------------------------------------------

_CHANGE = re.compile(r"\b(now|nowadays|these days|anymore|any more|no longer|again|new|newly|finally|"
                     r"just|recently|since|turned|went up|went down|down to|up to|arrived|another|"
                     r"moved|relocated|switched|changed|started|became|become|come to|gone off|"
                     r"fallen|lately|at last)\b", re.I)


def _says_change(clause: str) -> bool:
    return bool(_CHANGE.search(clause))


# --- place -------------------------------------------------------------------------------------

_PLACE_NAME = r"((?:[A-Z][\w'-]+|St\.?)(?:(?:\s+(?:de|del|la|le|am|upon|on|of|the))*\s+(?!" \
              r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)[A-Z][\w'-]+)*)"
_NOT_PLACE = frozenset("""a an the my our his her their this that new old small big tiny nice lovely
house flat apartment place home room studio city town village country area neighbourhood neighborhood
together with alone here there now love peace trouble bed hospital school work office bit while""".split())
_RESIDE = re.compile(
    r"\b(?:(?:i|we)(?:'m|'re| am| are)?\s+(?:still\s+)?(?:live|lives|living|reside|residing|based|settled|"
    r"staying|stay|rent(?:ing)?\s+(?:a\s+)?(?:room|flat|place|apartment|house))|"
    r"(?:i|we)(?:'ve| have)\s+been\s+(?:living|staying|based)|"
    r"(?:live|living|based|settled|staying))"
    r"(?:\s+\w+){0,4}?\s+(?:in|at|near|outside|around)\s+", re.I)
_MOVE = re.compile(r"\b(?:moved|moving|move|relocated|relocating|relocate|emigrated)\s+(?:back\s+)?"
                   r"(?:(?:here\s+)?to|into)\s+(?:(?:a|the|my|our)\s+\w+\s+in\s+)?", re.I)
_MOVED_OUT = re.compile(r"\b(?:moved|moving)\s+(?:out\s+of|away\s+from|from)\s+", re.I)
_HOME_IS = re.compile(r"\b(?:home\s+is|my\s+home\s+is|our\s+(?:house|flat|home|apartment|place)\s+is|"
                      r"(?:bought|buying|rent|renting|own|found)\s+(?:a|an|our|my)\s+(?:\w+\s+)?"
                      r"(?:house|flat|home|apartment|place|studio|condo)|(?:house|flat|home|apartment)\s+hunting)"
                      r"(?:\s+\w+){0,4}?\s+(?:in|near)\s+", re.I)
_NEW_HOME = re.compile(r"\b(?:new\s+(?:home|apartment|flat|house|place)(?:\s+city)?|"
                       r"back\s+home|home\s+city)(?:,)?(?:\s+\w+){0,2}?\s+(?:in\s+)?", re.I)
_IM_IN_NOW = re.compile(r"\b(?:i'm|i am|we're|we are|im)\s+(?:in|based in)\s+" + _PLACE_NAME + r"\s+now\b")
_FROM_STILL = re.compile(r"\bfrom\s+" + _PLACE_NAME + r"\s+and\s+(?:i\s+)?still\s+live\s+there", re.I)
_TRIP = re.compile(r"\b(?:visit|visiting|visited|trip|flew|flying|fly|holiday|vacation|conference|weekend|"
                   r"travel|travelling|traveling|tour|staying\s+(?:with|at\s+a\s+hotel))\b", re.I)
_PAST_RESIDENCE = re.compile(r"\b(?:used\s+to\s+live|lived|grew\s+up|was\s+born|previously|before|years\s+ago)\b",
                             re.I)
_FUTURE = re.compile(r"\b(?:next\s+(?:week|month|year|spring|summer|autumn|fall|winter)|soon|will|going\s+to|"
                     r"gonna|planning|plan\s+to|want\s+to|hope\s+to|thinking\s+(?:of|about)|in\s+\w+\s+(?:weeks|months))\b",
                     re.I)


def _place_after(text: str, start: int) -> str | None:
    """The place named at ``start`` (the words after "in"/"to"): a capitalised name, or a single
    lower-case word that is not a common noun (chat is often typed in lower case)."""
    rest = text[start:]
    named = re.match(_PLACE_NAME, rest)
    if named:
        return named[1].lower()
    if any(c.isupper() for c in text[1:]):
        return None  # written with capitals, so a place would have one
    words = re.findall(r"[a-z][a-z'-]*", rest)[:3]
    while words and words[0] in ("the", "a", "an"):
        words.pop(0)
    if words and words[0] not in _NOT_PLACE and words[0] not in STOP_WORDS and len(words[0]) > 2:
        return words[0]
    return None


def _place_facts(clause: str, holder: str) -> list[Fact]:
    facts = []
    changed = _says_change(clause)
    future = bool(_FUTURE.search(clause))
    still = _FROM_STILL.search(clause)
    if still:
        facts.append(Fact("place", "residence", still[1].lower(), holder, "current", False))
    for pattern, state in ((_MOVED_OUT, "ended"), (_MOVE, "started"), (_IM_IN_NOW, "current"),
                           (_RESIDE, "current"), (_HOME_IS, "current"), (_NEW_HOME, "started")):
        for match in pattern.finditer(clause):
            place = match[1].lower() if pattern is _IM_IN_NOW else _place_after(clause, match.end())
            if not place:
                continue
            if pattern is _RESIDE and _TRIP.search(clause) and not re.search(r"\blive|living\b", clause, re.I):
                continue  # "staying at a hotel in Rome for the weekend"
            fact_state = state
            if pattern is _RESIDE and _PAST_RESIDENCE.search(clause):
                fact_state = "past"
            if future and fact_state in ("started", "current") and pattern is not _IM_IN_NOW:
                fact_state = "future"
            facts.append(Fact("place", "residence", place, holder, fact_state,
                              changed or fact_state in ("started", "ended")))
    # "I lived in Singapore for five years before" / "I used to live in Lisbon"
    for match in re.finditer(r"\b(?:used\s+to\s+live|lived|grew\s+up)(?:\s+\w+){0,3}?\s+(?:in|at|near)\s+",
                             clause, re.I):
        place = _place_after(clause, match.end())
        if place:
            facts.append(Fact("place", "residence", place, holder, "past", False))
    return _dedupe(facts)


# --- job ---------------------------------------------------------------------------------------

OCCUPATIONS = frozenset("""
accountant actor actress administrator analyst architect artist assistant attorney baker banker barber
barista bartender builder butcher carer caregiver carpenter cashier chef cleaner clerk coach consultant
cook counsellor counselor courier dancer dentist designer developer director doctor driver economist
editor electrician engineer entrepreneur farmer firefighter freelancer gardener hairdresser illustrator
instructor intern janitor journalist judge labourer laborer lawyer lecturer librarian lifeguard manager
mechanic midwife musician nanny nurse officer optician painter paralegal paramedic pharmacist photographer
physician physio physiotherapist pilot plumber policeman policewoman postman professor programmer
psychologist receptionist reporter researcher salesman saleswoman scientist secretary singer soldier
student surgeon tailor teacher technician therapist trainer translator tutor vet veterinarian waiter
waitress welder writer youtuber streamer coder tester cook cashier housekeeper guard porter
""".split())
JOBLESS = {"unemployed": "unemployed", "jobless": "unemployed", "retired": "retired",
           "between jobs": "unemployed", "out of work": "unemployed", "stay-at-home": "at home",
           "stay at home": "at home", "homemaker": "at home", "housewife": "at home"}
_OCC = r"((?:(?:senior|junior|head|lead|chief|full-time|part-time|freelance|trainee|student|software|" \
       r"primary|secondary|school|high|maths|math|english|science|music|art|graphic|web|sous|pastry|" \
       r"night|care|dental|staff|registered|social|police|fire|flight|truck|taxi|bus|delivery|uber|" \
       r"data|research|civil|mechanical|medical|home|security|shop|sales|office|personal|dog|" \
       r"[a-z]+-?)\s+){0,2}[a-z]+)"
_I_AM_A = re.compile(r"\b(?:(?:i'm|i am|im|i've been|i have been|i was|i used to be|became|become|becoming|"
                     r"(?:training|trained|studying)\s+to\s+be(?:come)?)\s+(?:an?|the)|"
                     r"(?:work(?:ing|ed|s)?|(?:got\s+)?(?:a\s+)?job|hired|position|role|career|training|trained|"
                     r"qualified)(?:\s+(?:from\s+home|full-time|part-time|nights|days|weekends|now|here|there|"
                     r"mostly|still))*\s+as(?:\s+an?)?)\s+"
                     r"(?:\w+\s+){0,2}?" + _OCC, re.I)
_WEEKDAYS_MONTHS = (r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
                    r"May|June|July|August|September|October|November|December|Christmas|Easter)\b")
_EMPLOYER = re.compile(r"\b(?i:work(?:ing|s)?|job|employed|hired|intern(?:ing)?|started|drive|driving|deliver(?:ing)?)"
                       r"(?i:\s+(?:as\s+an?\s+\w+(?:\s+\w+)?|full-time|part-time|now))?\s+(?i:at|for|with)\s+"
                       r"(?i:the\s+)?((?!" + _WEEKDAYS_MONTHS + r")[A-Z][\w&'-]*(?:\s+(?!" + _WEEKDAYS_MONTHS +
                       r")[A-Z][\w&'-]*)*|[a-z]+(?=\s+(?:now|today)\b|\s*$)|(?:a|an)\s+[a-z]+(?:\s+[a-z]+)?)")
_EMPLOYER_AT = re.compile(r"\b(?i:i'm|i am|im)\s+(?i:an?\s+)?(?:[a-z-]+\s+){0,2}?(" + "|".join(sorted(OCCUPATIONS)) +
                          r")s?\s+(?:at|for|in)\s+(?:the\s+|a\s+)?([A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*)")
_NOT_A_JOB = re.compile(r"\b(?:i'm|i am|im)\s+(?:not|no\s+longer)\s+(?:an?\s+)?(?:\w+\s+){0,2}?" + _OCC +
                        r"(?:\s+(?:anymore|any\s+more))?", re.I)
_JOB_ENDED = re.compile(r"\b(?:quit|left|resigned\s+from|resigned|retired\s+from|laid\s+off(?:\s+from)?|"
                        r"fired\s+from|let\s+go\s+from|stopped|gave\s+up|lost|graduated(?:\s+from)?|"
                        r"finished)\s+(?:my\s+)?(?:job\s+(?:at|as)\s+(?:an?\s+)?|work(?:ing)?\s+(?:at|as)\s+(?:an?\s+)?)?"
                        r"(?:the\s+)?([A-Za-z][\w&'-]*(?:\s+[A-Za-z][\w&'-]*)?)", re.I)
_JOB_STARTED = re.compile(r"\b(?:new\s+job|got\s+(?:a|the)\s+job|got\s+hired|hired|started\s+(?:my\s+)?"
                          r"(?:new\s+)?(?:job|work|working)|starting\s+(?:my\s+)?(?:new\s+)?job|got\s+a\s+position|"
                          r"job\s+offer|went\s+back\s+to\s+work|back\s+at\s+work|became|now\s+i\s+work|"
                          r"i(?:'m|\s+am)\s+working|switched\s+to|joined)\b", re.I)
_JOB_WORD = re.compile(r"\b(?:job|work|works|working|worked|career|employed|hired|occupation|profession|"
                       r"quit|resigned|retired|unemployed|laid off|fired|graduated|shift|boss|office)\b", re.I)


def _occupation(phrase: str) -> str | None:
    """The occupation a phrase names ("a senior software engineer" -> "engineer"), if any."""
    words = re.findall(r"[a-z]+", phrase.lower())
    for word in reversed(words):
        if word in OCCUPATIONS:
            return word
        if word.endswith("s") and word[:-1] in OCCUPATIONS:
            return word[:-1]
    return None


def _job_stem(value: str) -> str:
    """Occupations, their fields and their verbs meet: nurse/nursing, designer/design, driver/driving."""
    word = value.lower().split()[-1] if value else ""
    for suffix in ("ing", "er", "or", "ist", "ian", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _job_facts(clause: str, holder: str) -> list[Fact]:
    facts = []
    lowered = clause.lower()
    changed = _says_change(clause)
    started = bool(_JOB_STARTED.search(clause))
    for phrase, status in JOBLESS.items():
        if re.search(r"\b(?:i'm|i am|im|i've been|i have been|i was|i got|we're|now)\s+(?:\w+\s+)?" + phrase + r"\b",
                     lowered):
            past = bool(re.search(r"\b(?:i was|used to be|i've been)\b", lowered)) and not changed
            facts.append(Fact("job", "status", status, holder, "past" if past else "current", changed))
    for match in _I_AM_A.finditer(clause):
        occupation = _occupation(match[1])
        if not occupation:
            continue
        lead = match[0].lower()
        if re.match(r"(?:i was|i used to be)", lead):
            state = "past"
        elif re.match(r"(?:became|become|becoming|hired|job as)", lead) or started:
            state = "started"
        elif re.match(r"(?:training|trained|studying|qualified)", lead):
            state = "future"
        else:
            state = "current"
        if _FUTURE.search(clause) and state in ("current", "started") and not re.search(r"\bnow\b", lowered):
            state = "future"
        facts.append(Fact("job", "occupation", occupation, holder, state, changed or state == "started"))
    for match in _NOT_A_JOB.finditer(clause):
        occupation = _occupation(match[1])
        if occupation and re.search(r"\b(?:anymore|any more|no longer)\b", match[0], re.I):
            facts.append(Fact("job", "occupation", occupation, holder, "ended", True))
    for match in _EMPLOYER_AT.finditer(clause):
        facts.append(Fact("job", "employer", match[2].lower(), holder, "started" if started else "current", changed))
    for match in _EMPLOYER.finditer(clause):
        employer = match[1].lower()
        if employer.split()[0] in ("a", "an"):
            employer = employer.split(None, 1)[1] if " " in employer else ""
        if not employer or employer in STOP_WORDS or employer in ("home", "night", "nights", "all"):
            continue
        lead = match[0].lower()
        state = "started" if (started or lead.startswith(("hired", "started"))) else "current"
        if re.search(r"\b(?:meeting|call|interview)\b", lowered):
            continue
        facts.append(Fact("job", "employer", employer, holder, state, changed or state == "started"))
    for match in _JOB_ENDED.finditer(clause):
        what = match[1].lower()
        verb = match[0].lower().split()[0]
        if verb in ("stopped", "gave", "lost", "finished", "left", "quit") and not (
                _JOB_WORD.search(match[0]) or _occupation(what) or match[1][0].isupper()
                or what.endswith("ing") and _job_stem(what) != what):
            continue  # "stopped running", "quit smoking": habits, not jobs
        if verb == "graduated":
            facts.append(Fact("job", "status", "student", holder, "ended", True))
            continue
        if re.match(r"(?:my\s+)?job\b", what) or what in ("work", "my job"):
            what = "*"
        elif what.split()[0] in ("my",):
            what = what.split(None, 1)[-1]
        slot = "occupation" if (_occupation(what) or what.endswith("ing")) else "employer"
        value = _occupation(what) or what.split()[0]
        if what.endswith(" job") or re.search(r"\bjob\b", match[0].lower()) and what not in ("*",):
            value = what.split()[0]
        facts.append(Fact("job", slot, value, holder, "ended", True))
    # "I lost my job at Door Dash" names the employer only to end it.
    ended = [f.value for f in facts if f.state == "ended"]
    facts = [f for f in facts if f.state == "ended" or not any(
        _same_place(f.value, v) or _job_stem(f.value) == _job_stem(v) for v in ended)]
    return _dedupe(facts)


# --- relationship ------------------------------------------------------------------------------

_PARTNERED = re.compile(r"\b(?:my\s+(?:" + "|".join(sorted(PARTNER_ROLES, key=len, reverse=True)) + r")\b|"
                        r"(?:i'm|i am|im|we're|we are)\s+(?:happily\s+)?(?:married|engaged|dating|together|in\s+a\s+relationship)|"
                        r"married\s+to|engaged\s+to|dating\s+(?:a|an|someone|\w+)|seeing\s+someone|"
                        r"have\s+a\s+(?:boyfriend|girlfriend|partner)|got\s+(?:a\s+)?(?:boyfriend|girlfriend|engaged|married)|"
                        r"proposed|moved\s+in\s+together|i'm\s+seeing)\b", re.I)
_SINGLE = re.compile(r"\b(?:i'm|i am|im|i've been|i have been|being|still)\s+(?:\w+\s+)?single\b|"
                     r"\bsingle\s+again\b|\bno\s+(?:boyfriend|girlfriend|partner)\b", re.I)
_ENDED = re.compile(r"\b(?:broke\s+up|break\s+up|breaking\s+up|split\s+up|split|separated|separating|divorced|"
                    r"divorce|divorcing|dumped|left\s+me|cheated|called\s+off|widow|widowed|widower|"
                    r"ended\s+(?:things|it)|(?:husband|wife|partner|boyfriend|girlfriend|fianc\w*)\s+"
                    r"(?:died|passed\s+away|passed))\b", re.I)


def _relationship_facts(clause: str, holder: str, partner_names: set[str]) -> list[Fact]:
    lowered = clause.lower()
    body = _LEADING.sub("", clause.strip())
    mine = holder == "self" or holder in PARTNER_ROLES or holder in partner_names or bool(
        _SELF_ANYWHERE.search(body))
    possessive = _POSSESSED.match(body)
    if possessive and possessive[1].lower() not in PARTNER_ROLES and not re.search(r"\b(?:and i|me)\b", lowered):
        mine = False  # "my brother is getting divorced", "my friend just got engaged"
    if not mine:
        return []
    named = [n.lower() for n in re.findall(r"\b([A-Z][a-z]+)\b", clause) if n.lower() not in _NOT_NAMES]
    partner = next((n for n in named if n in partner_names), named[0] if named else "")
    match = _PARTNER_NAME.search(clause)
    if match:
        partner = match[1].lower()
    facts = []
    if _ENDED.search(clause):  # "we are getting divorced" ends it as surely as "we divorced"
        facts.append(Fact("relationship", "partner", partner or "*", "self", "ended", True))
    elif _SINGLE.search(clause):
        facts.append(Fact("relationship", "partner", "none", "self", "current", _says_change(clause)))
    elif _PARTNERED.search(clause):
        started = bool(re.search(r"\b(?:now|new|seeing|got|proposed|started|met)\b", lowered))
        facts.append(Fact("relationship", "partner", partner or "*", "self", "started" if started else "current",
                          started))
    return facts


# --- preference --------------------------------------------------------------------------------

# Feeling verbs count only after their subject ("I really love painting", "we love it"): "the love
# and support", "sounds like a blast" and "bonding over it" are no feelings of the user's.
_SUBJECT = r"(?:\b(?:i|we|i've|we've|i'm|we're|you|he|she|they)\b|\b(?:my|our)\s+\w+)"
_ADVERBS = r"(?:\s+(?:really|also|still|absolutely|totally|just|truly|kinda|kind\s+of|so|actually|honestly|" \
           r"always|now|too|both|all|do|does|did|don't|dont|do\s+not|doesn't|didn't|no\s+longer|never|" \
           r"can't|cannot|come\s+to|grown\s+to|started\s+to|learned\s+to|used\s+to))*\s+"
_LIKE_VERBS = r"(?:love|loves|loved|like|likes|enjoy|enjoys|adore|adores|prefer|prefers)"
_DISLIKE_VERBS = (r"(?:hate|hates|hated|dislike|dislikes|detest|detests|loathe|loathes|despise|despises|"
                  r"can'?t\s+stand|cannot\s+stand|can'?t\s+bear)")
_LIKE_IDIOMS = (r"(?:big\s+|huge\s+)?fan\s+of|(?:i'm|im|i\s+am|we're|really|so|totally|very|been|getting)\s+"
                r"(?:really\s+|so\s+)?into|obsessed\s+with|crazy\s+about|passionate\s+about|fond\s+of|"
                r"keen\s+on|fallen\s+in\s+love\s+with|(?:is|are)\s+my\s+thing|can't\s+get\s+enough\s+of|"
                r"addicted\s+to")
_DISLIKE_IDIOMS = (r"not\s+a\s+fan|(?:i'm|im|i\s+am|we're|getting|so|really)\s+(?:\w+\s+)?(?:tired|sick|bored)\s+of|"
                   r"fed\s+up\s+with|bores\s+me|bore\s+me|gone\s+off|went\s+off|gets\s+on\s+my\s+nerves|"
                   r"annoys\s+me|annoy\s+me|(?:aren't|isn't|not)\s+(?:really\s+)?my\s+thing|not\s+into|"
                   r"(?:i'm|im|i\s+am)\s+(?:so\s+)?(?:over|done\s+with)")
_LIKE_RE = re.compile(r"(?:" + _SUBJECT + _ADVERBS + _LIKE_VERBS + r"|" + _LIKE_IDIOMS + r")\b", re.I)
_DISLIKE_RE = re.compile(r"(?:" + _SUBJECT + _ADVERBS + _DISLIKE_VERBS + r"|" + _DISLIKE_IDIOMS + r")\b", re.I)
_NEGATED_LIKE = re.compile(r"\b(?:don't|dont|do\s+not|doesn't|didn't|no\s+longer|never|not|stopped|can't|cannot)"
                           r"\s+(?:really\s+|even\s+|much\s+|particularly\s+)?(?:" + _LIKE_VERBS + r"|" +
                           _LIKE_IDIOMS + r")\b", re.I)
# The words of feeling themselves, taken out of what a feeling is about.
_FEELING_WORDS = re.compile(r"\b(?:" + _LIKE_VERBS + "|" + _DISLIKE_VERBS + "|" + _LIKE_IDIOMS + "|" + _DISLIKE_IDIOMS +
                            r")\b", re.I)
_FAVOURITE = re.compile(r"\bfavou?rite\s+([a-z]+(?:\s+[a-z]+)?)\s+(?:is|are|was|has\s+to\s+be)\s+(?:now\s+)?"
                        r"(?:definitely\s+|probably\s+|still\s+)?([\w' -]+?)(?:\s+(?:now|these days|nowadays|anymore))?$",
                        re.I)
_FAVOURITE_INVERTED = re.compile(r"^(?:[\w' -]+?)\s+(?:is|are)\s+(?:now\s+|still\s+)?(?:my|our)\s+favou?rite\s+"
                                 r"([a-z]+(?:\s+[a-z]+)?)", re.I)
_PREFER_OVER = re.compile(r"\bprefer\s+([\w' -]+?)\s+(?:over|to|rather\s+than)\s+([\w' -]+?)(?:\s+(?:now|these days|"
                          r"nowadays|anymore))?$", re.I)
_FEELING_STOP = frozenset("""really so very much totally absolutely honestly just still anymore now these days
nowadays again lately completely kind sort bit little actually pretty such all the a an my of to with about
music songs song stuff things thing""".split())


def _object_terms(text: str) -> frozenset[str]:
    cleaned = _FEELING_WORDS.sub(" ", text)
    return frozenset(t for t in lexical_terms(cleaned) if t not in _FEELING_STOP and not t.isdigit()
                     and t not in ("come", "fallen", "gone", "get", "nerv", "honest", "realli"))


def _preference_facts(clause: str, holder: str) -> list[Fact]:
    facts = []
    owner = re.search(r"\b(my|our|his|her|their|[a-z]+'s)\s+favou?rite\b", clause, re.I)
    if owner:  # "Pizza is my favourite food": the owner of the favourite holds it
        word = owner[1].lower()
        holder = "self" if word in ("my", "our") else word.removesuffix("'s") if word.endswith("'s") else "other"
    favourite = _FAVOURITE.search(clause)
    if favourite:
        value = " ".join(lexical_terms(favourite[2])) or favourite[2].lower()
        facts.append(Fact("preference", "favourite:" + " ".join(lexical_terms(favourite[1])), value, holder,
                          "current", _says_change(clause)))
    inverted = _FAVOURITE_INVERTED.search(clause)
    if inverted and not favourite:
        thing = clause[: inverted.start(1)].split(" is ")[0].split(" are ")[0]
        facts.append(Fact("preference", "favourite:" + " ".join(lexical_terms(inverted[1])),
                          " ".join(lexical_terms(thing)), holder, "current", _says_change(clause)))
    over = _PREFER_OVER.search(clause)
    if over:
        a, b = " ".join(lexical_terms(over[1])), " ".join(lexical_terms(over[2]))
        pair = sorted([a, b])
        facts.append(Fact("preference", "prefer:" + "|".join(pair), a, holder, "current", _says_change(clause)))
    if favourite or inverted or over:
        return facts
    negative = bool(_DISLIKE_RE.search(clause) or _NEGATED_LIKE.search(clause))
    positive = bool(_LIKE_RE.search(clause)) and not _NEGATED_LIKE.search(clause)
    if not (negative or positive):
        return facts
    if re.search(r"\b(?:would|if|wish)\b", clause, re.I):
        return facts
    # "I love my cat" is about the cat; "my cat hates the vacuum" is the cat's feeling (holder "cat").
    objects = _object_terms(clause)
    if not objects:
        return facts
    facts.append(Fact("preference", "feeling", "-" if negative else "+", holder, "current", _says_change(clause),
                      objects))
    return facts


# --- habit -------------------------------------------------------------------------------------

# Activity words -> the habit they are about.
_ACTIVITIES = {
    "smoke": "smoking", "smokes": "smoking", "smoking": "smoking", "smoked": "smoking", "cigarettes": "smoking",
    "cigarette": "smoking", "vape": "smoking", "vaping": "smoking", "smoker": "smoking",
    "alcohol": "alcohol", "drinking": "alcohol", "booze": "alcohol", "beer": "alcohol", "beers": "alcohol",
    "wine": "alcohol", "sober": "alcohol", "teetotal": "alcohol", "drunk": "alcohol", "a drink": "alcohol",
    "meat": "meat", "fish": "meat", "chicken": "meat", "beef": "meat", "pork": "meat", "bacon": "meat",
    "steak": "meat", "burger": "meat", "burgers": "meat", "ham": "meat", "sausage": "meat", "sausages": "meat",
    "salmon": "meat", "tuna": "meat", "turkey": "meat", "lamb": "meat", "vegetarian": "meat", "vegan": "meat", "veggie": "meat", "pescatarian": "meat",
    "coffee": "coffee", "coffees": "coffee", "caffeine": "coffee",
    "run": "running", "running": "running", "ran": "running", "jog": "running", "jogging": "running",
    "runs": "running", "gym": "gym", "work out": "gym", "working out": "gym", "workout": "gym",
    "swim": "swimming", "swimming": "swimming", "meditate": "meditation", "meditating": "meditation",
    "meditation": "meditation", "cook": "cooking", "cooking": "cooking", "yoga": "yoga",
    "gaming": "gaming", "video games": "gaming", "drive": "driving", "driving": "driving",
}
_ACTIVITY_WORDS = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _ACTIVITIES), key=len, reverse=True)) + r")\b")
# Statements that a habit is absent, whatever the verb: the diet words deny meat, sober denies alcohol.
_ABSTAINS = re.compile(r"\b(?:vegetarian|vegan|veggie|sober|teetotal|non-smoker|pescatarian)\b", re.I)
_STOPPED = re.compile(r"\b(?:don't|dont|do\s+not|never|no\s+longer|quit|quitting|stopped|stop|gave\s+up|give\s+up|"
                      r"giving\s+up|cut\s+out|not|haven't|hasn't|off\s+the|without)\b", re.I)
_RESUMED = re.compile(r"\b(?:again|started|start|back\s+(?:to|on)|took\s+up|taken\s+up|picked\s+up|now)\b", re.I)
_HABITUAL = re.compile(r"\b(?:every|each|daily|weekly|a\s+day|a\s+week|a\s+night|times\s+a|always|usually|"
                       r"regularly|often|most\s+(?:days|mornings|nights)|at\s+all|anymore|again|now|"
                       r"(?:i|we)\s+(?:smoke|drink|eat|run|swim|cook|meditate|vape|jog))\b", re.I)


def _habit_facts(clause: str, holder: str) -> list[Fact]:
    lowered = clause.lower()
    facts = []
    found: dict[str, str] = {}
    mentioned = {m[0]: _ACTIVITIES[m[0]] for m in _ACTIVITY_WORDS.finditer(lowered)}
    for phrase, activity in mentioned.items():
        if activity in found:
            continue
        if activity == "meat" and _ABSTAINS.search(clause) and not re.search(r"\b(?:eat|eating|ate)\b", lowered):
            # "I'm vegetarian": meat is not eaten (a statement about a diet, not an activity)
            if re.search(r"\b(?:i'm|i am|im|i've been|i have been|we're|been)\b", lowered) or holder == "self":
                found[activity] = "-"
            continue
        if activity == "alcohol" and re.search(r"\b(?:sober|teetotal)\b", lowered):
            found[activity] = "-"
            continue
        if activity == "meat" and not re.search(r"\b(?:eat|eating|ate|eats|had|having|started|again)\b", lowered):
            continue  # "I cooked chicken for the kids" is not a diet
        if activity == "alcohol" and phrase in ("beer", "beers", "wine", "a drink") and not re.search(
                r"\b(?:drink|drinking|drank|had|have)\b", lowered):
            continue
        stopped = _STOPPED.search(lowered)
        resumed = _RESUMED.search(lowered)
        # "I stopped running", "I gave up meditating", "haven't been to the gym in months"
        if stopped and not (resumed and re.search(r"\bagain\b|\bstarted\b", lowered)):
            found[activity] = "-"
        elif _HABITUAL.search(lowered) or resumed:
            found[activity] = "+"
        elif re.search(r"\b(?:had|ate|smoked|drank|ran|swam|went\s+to|tried)\b", lowered):
            found[activity] = "once"  # one time: against "I don't eat meat" it is worth a question
    for activity, value in found.items():
        facts.append(Fact("habit", "habit:" + activity, value, holder, "current", _says_change(clause)))
    return facts


# --- number ------------------------------------------------------------------------------------

_NUMBER_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBER = re.compile(r"\b(\d+(?:[.,]\d+)?|" + "|".join(_NUMBER_WORDS) + r")\b", re.I)
_UNITS = {"kg": "weight", "kgs": "weight", "kilos": "weight", "lbs": "weight", "pounds": "weight",
          "stone": "weight", "hours": "hours", "hour": "hours", "hrs": "hours", "minutes": "minutes",
          "mins": "minutes", "km": "distance", "miles": "distance", "k": "distance"}
_NOT_COUNTED = frozenset("""a an per times am pm o'clock oclock th st nd rd percent at on in of to for and or
the this that last next ago days day weeks week months month years year old times""".split())
_AGE = re.compile(r"\b(?:i'm|i am|im|turned|turning|just\s+turned|(?:he|she)\s+is|(?:he|she)'s|is)\s+(?:now\s+)?"
                  r"(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")(?:\s+years?\s+old)?\s*(?:[.!,]|$|now|today|yesterday|"
                  r"this|last|and|but)", re.I)
_AGE_SUFFIX = re.compile(r"\b(\d{1,3}|" + "|".join(_NUMBER_WORDS) + r")\s+years?\s+old\b", re.I)


def _as_number(token: str) -> float:
    token = token.lower().replace(",", "")
    return float(_NUMBER_WORDS[token]) if token in _NUMBER_WORDS else float(token)


def _singular(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ches", "ch"), ("shes", "sh"), ("sses", "ss"), ("s", "")):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            return word[: -len(suffix)] + repl
    return word


# A number is the holder's own count or measure only after a verb of having or being ("I have two
# kids", "we adopted another cat, so two cats now", "my rent went up to 1100", "I weigh 80 kg"),
# or as "my two kids": "a 3 hour drive" or "the hike took two hours" are events, not facts to keep.
_STATE_VERBS = frozenset("""have has got 've own owns adopted weigh weighs am 'm is are 're turned turning earn earns
make makes pay pays work works sleep sleeps drink drinks smoke smokes to my our now""".split())
_SKIPPED_ADVERBS = frozenset("about around roughly nearly almost over only just like maybe probably exactly".split())


def _number_facts(clause: str, holder: str) -> list[Fact]:
    facts = []
    changed = _says_change(clause)
    age = _AGE.search(clause) or _AGE_SUFFIX.search(clause)
    age_spans = []
    if age and not re.search(r"\b(?:room|number|no\.?|page|size|floor|bus|line|pm|am)\s*$", clause[: age.start(1)], re.I):
        facts.append(Fact("number", "age", f"{_as_number(age[1]):g}", holder, "current",
                          changed or bool(re.search(r"\bturn", age[0], re.I))))
        age_spans.append(age.span(1))
    for match in _NUMBER.finditer(clause):
        if any(a <= match.start() < b for a, b in age_spans):
            continue
        before = [w for w in re.findall(r"[a-z']+", clause[: match.start()].lower())]
        while before and before[-1] in _SKIPPED_ADVERBS:
            before.pop()
        after = re.findall(r"[a-z']+", clause[match.end():].lower())
        if not after or after[0] in ("of", "in", "to", "at", "on", "for", "from", "and", "or", "out", "am", "pm",
                                     "times", "th", "st", "nd", "rd", "percent", "o'clock"):
            continue  # "one of my favourites", "down 10 in the 4th", "at 7", "two times"
        if before and before[-1] in ("a", "an", "the", "at", "by", "until", "till", "room", "number", "no", "page",
                                     "size", "floor", "bus", "line", "since", "in", "on", "from", "top", "than"):
            continue  # "a 3 hour drive", a clock time, a label, a date
        ends_now = "now" in after[:3]
        if not (before and before[-1] in _STATE_VERBS) and not ends_now:
            continue
        unit = next((w for w in after[:2] if w in _UNITS), None)
        if unit:
            slot = _UNITS[unit]
        elif after[0] in ("a", "an", "per"):
            # "900 a month": the quantity of what the clause is about ("my rent is 900")
            subject = [w for w in before if w not in STOP_WORDS
                       and w not in ("went", "up", "down", "now", "is", "costs", "cost", "pay", "paying", "weigh")]
            if not subject:
                continue
            slot = "count:" + _singular(subject[-1])
        else:
            noun = after[0] if after[0] not in STOP_WORDS else None
            if noun in ("more", "other", "extra", "new", "little", "big", "old", "young", "cute", "beautiful",
                        "lovely", "small", "grown", "adult") and len(after) > 1:
                noun = after[1]
            if not noun or noun in STOP_WORDS or noun in _NOT_COUNTED:
                continue
            slot = "count:" + _singular(noun)
        facts.append(Fact("number", slot, f"{_as_number(match[1]):g}", holder, "current", changed))
    return facts


# --- all families ------------------------------------------------------------------------------

def _dedupe(facts: list[Fact]) -> list[Fact]:
    return list(dict.fromkeys(facts))


@lru_cache(maxsize=4096)
def facts_of(text: str) -> tuple[Fact, ...]:
    """Every fact the pattern families read off ``text``."""
    partner_names = {m.lower() for m in _PARTNER_NAME.findall(text)}
    out: list[Fact] = []
    for clause, holder in _holders(text):
        out += _place_facts(clause, holder)
        out += _job_facts(clause, holder)
        out += _relationship_facts(clause, holder, partner_names)
        out += _preference_facts(clause, holder)
        out += _habit_facts(clause, holder)
        out += _number_facts(clause, holder)
    return tuple(_dedupe(out))


def family_candidate(old: str, new: str) -> bool:
    """Whether a stored statement found by ``candidate_terms`` is worth judging against a new one:
    both hold a fact of one family about one holder."""
    new_keys = {key for f in facts_of(new) if f.state != "past" for key in _candidate_keys(f)}
    return bool(new_keys and {key for f in facts_of(old) for key in _candidate_keys(f)} & new_keys)


def _candidate_keys(fact: Fact) -> list[tuple[str, ...]]:
    """What two facts must share to be compared: family and holder, and for a feeling what it
    is about (a feeling about coffee says nothing about living by the sea)."""
    if fact.family == "preference" and fact.about:
        return [(fact.family, fact.holder, term) for term in fact.about]
    return [(fact.family, fact.holder)]


# Words of the memories that may hold an older fact of each family: the conflict check looks up
# the user's current memories by them (besides the ones similar in meaning), because two
# statements of one fact rarely sound alike ("I live in Lisbon, a lovely city" / "Big news: I
# moved to Berlin last week").
FAMILY_CUES = {
    "place": "live lives living moved based home house flat apartment settled relocated rent staying",
    "job": "work job career employed unemployed retired hired student",
    "relationship": "boyfriend girlfriend husband wife partner married single dating engaged fiance",
}


def candidate_terms(text: str) -> list[str]:
    """The lexical terms (as memories are indexed: ``domain.lexical.terms``) of the stored
    statements that could hold a fact ``text`` contradicts: the family's cue words, and what
    the fact is about (the employer, the partner, the object of a feeling, the habit's words,
    the counted thing)."""
    words: list[str] = []
    for fact in facts_of(text):
        if fact.state == "past":
            continue
        words.append(FAMILY_CUES.get(fact.family, ""))
        if fact.family == "job" and fact.value != "*":
            words += [fact.value, _job_stem(fact.value)]
        elif fact.family == "relationship" and fact.value not in ("*", "none"):
            words.append(fact.value)
        elif fact.family == "preference":
            words += sorted(fact.about) or [fact.slot.split(":", 1)[-1], fact.value]
        elif fact.family == "habit":
            activity = fact.slot.split(":", 1)[1]
            words += [phrase for phrase, a in _ACTIVITIES.items() if a == activity]
        elif fact.family == "number":
            words.append("age old" if fact.slot == "age" else fact.slot.split(":", 1)[-1])
    return list(dict.fromkeys(t for t in lexical_terms(" ".join(words))))


# --- comparing facts ---------------------------------------------------------------------------

def _same_place(a: str, b: str) -> bool:
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


def _compare(old: Fact, new: Fact) -> Verdict | None:
    """A verdict when these two facts (same family and holder) cannot both be true now."""
    if old.family != new.family or old.holder != new.holder:
        return None
    if old.state in ("past", "future") or new.state == "future":
        return None
    family = old.family
    if family == "place":
        if new.state == "past":
            if _same_place(old.value, new.value) and old.state in ("current", "started"):
                return Verdict(True, "factual_contradiction", f"They no longer live in {old.value.title()}.", ENDED)
            return None
        if new.state == "ended":
            if _same_place(old.value, new.value) and old.state != "ended":
                return Verdict(True, "factual_contradiction", f"They moved away from {old.value.title()}.", ENDED)
            return None
        if old.state == "ended" or _same_place(old.value, new.value):
            return None
        return Verdict(True, "factual_contradiction",
                       f"Where they live changed: {old.value.title()} -> {new.value.title()}.",
                       CHANGED if new.changed else REPLACED)
    if family == "job":
        return _compare_jobs(old, new)
    if family == "relationship":
        if new.state == "ended" and old.state in ("current", "started") and old.value != "none":
            if old.value in ("*", new.value) or new.value == "*":
                return Verdict(True, "factual_contradiction", "Their relationship ended.", ENDED)
            return None
        if old.value == "none" and new.state in ("current", "started") and new.value != "none":
            return Verdict(True, "factual_contradiction", "They are no longer single.", CHANGED)
        if old.state in ("current", "started") and old.value != "none" and new.value == "none":
            return Verdict(True, "factual_contradiction", "They are single now.", CHANGED)
        if old.state == "ended" and new.state == "started" and (new.value == old.value or "*" in (old.value, new.value)):
            return Verdict(True, "factual_contradiction", "They are back together.", CHANGED)
        return None
    if old.slot != new.slot:
        return None
    if old.about and new.about and not old.about & new.about:
        return None  # feelings about different things
    if family == "preference":
        if old.value == new.value:
            return None
        if old.slot.startswith("favourite:"):
            return Verdict(True, "preference_conflict",
                           f"Their favourite {old.slot.split(':', 1)[1]} changed: {old.value} -> {new.value}.",
                           CHANGED if new.changed else UNSURE_DETAIL)
        if old.slot.startswith("prefer:"):
            return Verdict(True, "preference_conflict", f"Their preference flipped ({old.value} -> {new.value}).",
                           FLIPPED)
        thing = ", ".join(sorted(old.about & new.about))
        return Verdict(True, "preference_conflict",
                       f"Their feeling about {thing} flipped ({'likes' if old.value == '+' else 'dislikes'} -> "
                       f"{'likes' if new.value == '+' else 'dislikes'}).", FLIPPED)
    if family == "habit":
        if old.value == new.value or old.value == "once" or (new.value == "once" and old.value == "+"):
            return None
        if new.value == "once":
            activity = old.slot.split(":", 1)[1]
            return Verdict(True, "factual_contradiction",
                           f"They said they avoid {activity}, and now they did it.", UNSURE_NUMBER)
        activity = old.slot.split(":", 1)[1]
        return Verdict(True, "factual_contradiction",
                       f"Their habit changed: {activity} {'stopped' if new.value == '-' else 'taken up again'}.",
                       FLIPPED)
    if family == "number":
        if old.value == new.value:
            return None
        thing = "age" if old.slot == "age" else old.slot.split(":", 1)[-1]
        kind = "timeline_inconsistency" if old.slot == "age" else "factual_contradiction"
        return Verdict(True, kind, f"A number changed ({old.value} -> {new.value}) about {thing}.",
                       REPLACED if new.changed else UNSURE_NUMBER)
    return None


def _compare_jobs(old: Fact, new: Fact) -> Verdict | None:
    if new.state == "past":
        return None
    # Leaving what the older statement said ("I quit Spotify", "left nursing", "I graduated").
    if new.state == "ended":
        if old.state == "ended":
            return None
        if new.value == "*" or _job_stem(new.value) == _job_stem(old.value) or _same_place(old.value, new.value):
            return Verdict(True, "factual_contradiction", f"They no longer work as/at {old.value}.", ENDED)
        return None
    if old.state == "ended":
        return None
    if old.slot == "status" or new.slot == "status":
        if old.slot == new.slot == "status":
            return None if old.value == new.value else Verdict(
                True, "factual_contradiction", f"Their situation changed: {old.value} -> {new.value}.", CHANGED)
        if old.slot == "status" and old.value in ("unemployed", "retired", "at home", "student"):
            if new.state == "started" or new.changed:
                return Verdict(True, "factual_contradiction", f"They are no longer {old.value}.", CHANGED)
            return None
        if new.slot == "status" and new.value in ("unemployed", "retired"):
            return Verdict(True, "factual_contradiction", f"They are {new.value} now.",
                           CHANGED if new.changed else REPLACED)
        return None
    if (old.slot != new.slot or _same_place(old.value, new.value)
            or _job_stem(old.value) == _job_stem(new.value)):
        return None
    if new.state == "started" or new.changed:
        return Verdict(True, "factual_contradiction", f"Their job changed: {old.value} -> {new.value}.", CHANGED)
    return Verdict(True, "factual_contradiction", f"Two jobs named: {old.value} and {new.value}.", UNSURE_JOB)


# --- the judge ---------------------------------------------------------------------------------

def heuristic_verdict(old: str, new: str) -> Verdict:
    """The strongest contradiction between the facts of ``old`` and ``new`` (an older and a newer
    statement of one user), else the last resorts: one swapped detail in the same sentence."""
    old_facts, new_facts = facts_of(old), facts_of(new)
    best: Verdict | None = None
    for o in old_facts:
        for n in new_facts:
            verdict = _compare(o, n)
            if verdict is not None and (best is None or verdict.confidence > best.confidence):
                best = verdict
    if best is not None:
        return best
    # A family understood both statements and found them compatible ("I love coffee" / "I love
    # tea", "I have two kids" / "My two kids are at school"): no swapped detail to ask about.
    if {(f.family, f.holder) for f in old_facts} & {(f.family, f.holder) for f in new_facts}:
        return NO_CONFLICT
    return _negated(old, new, old_facts, new_facts) or _swapped_detail(old, new)


_NEGATION = re.compile(r"\b(not|never|no longer|anymore|any more|n't|nt)\b|n't\b")


def _negates(text: str, words: set[str]) -> bool:
    """A negation in the clause of one of ``words``, at most three words before it, or "anymore"."""
    for clause in clauses(text.lower()):
        tokens = re.findall(r"[a-z0-9']+", clause)
        for i, token in enumerate(tokens):
            if token.strip("'-") in words and any(
                    _NEGATION.search(t) for t in tokens[max(0, i - 3):i]):
                return True
        if re.search(r"\b(?:anymore|any more|no longer)\b", clause) and set(tokens) & words:
            return True
    return False
NEGATED = 0.75  # the same statement, one of them negated ("I have a car" / "I don't have a car anymore")


def _negated(old: str, new: str, old_facts: list[Fact], new_facts: list[Fact]) -> Verdict | None:
    """One statement says the other's opposite: most of the same words, one of them negating one
    of those words ("I have a car" / "I don't have a car anymore"; not "Take care! Can't wait to
    catch up. Talk soon!"), the same holder."""
    old_words, new_words = set(content_tokens(old)), set(content_tokens(new))
    shared = old_words & new_words
    if not shared or len(shared) / max(1, len(old_words | new_words)) < 0.5:
        return None
    if _negates(old, shared) == _negates(new, shared):
        return None
    if clause_holder(old) != clause_holder(new):
        return None
    return Verdict(True, "factual_contradiction", f"One says the opposite of the other about {', '.join(sorted(shared))}.",
                   NEGATED)


def _swapped_detail(old: str, new: str) -> Verdict:
    """The same sentence with its last detail swapped ("a dog named Max" / "a dog named Rex"):
    maybe a change, maybe two different things. Not sure enough to decide: ask. A swapped
    subject ("my sister / my brother lives in Porto") is two facts, not a conflict."""
    old_tokens = [t for t in re.findall(r"[a-z0-9']+", old.lower()) if t not in ("now", "anymore", "still")]
    new_tokens = [t for t in re.findall(r"[a-z0-9']+", new.lower()) if t not in ("now", "anymore", "still")]
    if (len(old_tokens) == len(new_tokens) >= 3 and old_tokens[:-1] == new_tokens[:-1]
            and old_tokens[-1] != new_tokens[-1]
            and set(old_tokens[:-1]) & {"i", "i'm", "im", "i've", "my", "we", "we're", "our", "me"}
            and not {old_tokens[-1], new_tokens[-1]} & STOP_WORDS
            and not {old_tokens[-1], new_tokens[-1]} & {"soon", "later", "today", "tomorrow", "tonight"}):
        return Verdict(True, "factual_contradiction", f"A detail differs ({old_tokens[-1]} / {new_tokens[-1]}).",
                       UNSURE_DETAIL)
    return NO_CONFLICT
